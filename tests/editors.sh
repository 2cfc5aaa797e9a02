#!/bin/sh
# editors.sh: the files for editors and shells — vim's filetype and
# syntax files for .scn (loaded by a real vim when there is one), and the
# bash completion (its function called as bash calls it, COMP_WORDS set).
. "$(dirname "$0")/lib.sh"

skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $1"; }
cd "$tmp" || exit 1

# complete WORD...: the completions bash would offer for the command line
# "threadlab WORD...", the last word the one under the cursor.
complete_line() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _threadlab
		 printf "%s\n" "${COMPREPLY[@]}"' - "$srcdir/completion/threadlab.bash" "$THREADLAB" "$@"
}

if command -v bash >/dev/null 2>&1; then
	got=$(complete_line --pol)
	check "options complete from --help" [ "$got" = "--policy" ]
	got=$(complete_line --ex)
	check "... all that match" [ "$(printf '%s\n' "$got" | sort | tr '\n' ' ')" = "--explore --export " ]
	got=$(complete_line --policy = r)
	check "--policy=r completes the policies" [ "$(printf '%s\n' "$got" | tr '\n' ' ')" = "rr random " ]
	got=$(complete_line --export = "")
	check "--export= completes the formats" [ "$(printf '%s\n' "$got" | tr '\n' ' ')" = "perfetto dot " ]
	: >run.json
	got=$(complete_line --export = perfetto ru)
	check "the word after --export=perfetto is a file" [ "$got" = "run.json" ]
	got=$(complete_line race-mu)
	check "scenarios complete from --list" [ "$got" = "race-mutex" ]
	: >mine.scn
	got=$(complete_line mi)
	check "... and from .scn files" [ "$got" = "mine.scn" ]
	got=$(complete_line --cores "")
	check "a number is not completed" [ -z "$got" ]
else
	skip "bash is not installed: the completion is not tried"
fi

# The vim syntax knows every name the language has, read from the tables
# that define them: each builtin a program can call, each predefined
# constant, each directive and each event a note can wait for.
vim_syntax=$srcdir/editors/vim/syntax/scn.vim
knows() { grep -v '^"' "$vim_syntax" | grep -q -- "$1"; }
for name in $(sed -n 's/^\s*X([A-Z_0-9]*, *"\([a-z_]*\)", *"[^"]*", *[0-9], *AVAIL).*/\1/p' \
		"$srcdir/src/sim/isa.h"); do
	check "vim highlights the builtin $name" knows "[ ]$name\( \|\$\)"
done
for name in $(sed -n 's/^\s*X(\([A-Z_]*\), .*/\1/p' "$srcdir/src/lang/consts.h") \
	    $(sed -n '/define ERRNO_VALUES/,/^$/s/^\s*X(\([A-Z]*\), *[0-9].*/\1/p' "$srcdir/src/sim/fd.h"); do
	check "vim highlights the constant $name" knows "[ ]$name\( \|\$\)"
done
for name in $(sed -n '/^} directives\[\] = {/,/^};/s/^\s*{ "\([a-z-]*\)".*/\1/p' "$srcdir/src/lang/parse.c"); do
	[ "$name" = note ] && continue         # #note has a rule of its own
	check "vim highlights the directive #$name" knows "\\\\|$name\\\\|\\|(${name}\\\\|"
done
for name in $(sed -n '/define NOTE_EVENTS/,/^$/p' "$srcdir/src/lang/ast.h" |
	      grep -o 'X([A-Z_]*, "[a-z-]*")' | sed 's/.*"\(.*\)")/\1/'); do
	check "vim highlights the note event $name" knows "[ \"<]$name\( \|\$\|\\\\>\)"
done

if command -v vim >/dev/null 2>&1 && vim --version 2>/dev/null | grep -q '+syntax'; then
	cp "$srcdir/scenarios/race-counter.scn" race.scn
	# the word at the first match of each pattern, and what vim calls it
	vim -es -N -u NONE -i NONE --cmd "set rtp^=$srcdir/editors/vim" \
		-c 'filetype on' -c 'syntax on' -c 'edit race.scn' \
		-c 'let r = [&filetype, get(b:, "current_syntax", "")]' \
		-c 'for p in ["#title", "#note", "\\<spawn\\>", "^mutex", "\\<for\\>", "/\\*", "#note event \\zs"] | call cursor(1, 1) | call search(p) | call add(r, p . " " . synIDattr(synID(line("."), col("."), 1), "name")) | endfor' \
		-c 'call writefile(r, "vim-out")' -c 'qa!' </dev/null >/dev/null 2>vim-err
	got=$(cat vim-out 2>/dev/null)
	check "vim loads the files without an error" [ ! -s vim-err ]
	check "vim sees a .scn file as scn" [ "$(printf '%s\n' "$got" | sed -n 1p)" = scn ]
	check "... and loads its syntax" [ "$(printf '%s\n' "$got" | sed -n 2p)" = scn ]
	for want in "#title scnDirective" "#note scnNote" '\<spawn\> scnBuiltin' '^mutex scnSync' \
		'\<for\> scnRepeat' '/\* scnComment' '#note event \zs scnEventName'; do
		check "vim highlights $want" sh -c 'printf "%s\n" "$1" | grep -qxF -- "$2"' - "$got" "$want"
	done
else
	skip "vim with syntax is not installed: the vim files are not loaded"
fi

finish
