#!/bin/sh
# cli.sh: the command line as a user meets it — options, modes, exit codes,
# bundled scenarios.
. "$(dirname "$0")/lib.sh"

run --help
check "--help exits 0" [ "$rc" -eq 0 ]
check "--help fits in 80 columns" sh -c '! printf "%s\n" "$1" | grep -q "^.\{80,\}"' - "$out"
# every line of the option list, continuation lines and long-only options too
readme_opts=$(sed -n '/^threadlab \[OPTION\]/,/^```/p' "$srcdir/README.md" | grep '^  ')
help_opts=$(printf '%s\n' "$out" | sed -n '/^  -r, --run/,/^$/p' | grep '^  ')
check "README's option list is --help's" [ "$readme_opts" = "$help_opts" ]
for opt in --run --trace --stats --print-schedule --cores --quantum --policy --seed --schedule \
	--switch-cost --max-steps --max-threads --max-memory; do
	check "--help mentions $opt" sh -c 'printf "%s" "$1" | grep -q -- "$2"' - "$out" "$opt"
done
for opt in --play --speed --no-color --ascii --check --disasm --list --help --version; do
	check "--help mentions $opt" sh -c 'printf "%s" "$1" | grep -q -- "$2"' - "$out" "$opt"
done

for bad in 0 10000001 fast -1; do
	run --speed "$bad" race-counter
	check "--speed $bad exits 2" [ "$rc" -eq 2 ]
	check "--speed $bad says what it wants" sh -c 'printf "%s" "$1" | grep -q "speed wants a number from 1 to 10000000"' - "$err"
done
run --play --speed 5 --no-color --ascii race-counter </dev/null
check "the screen's options without a terminal: the narrated run" sh -c 'printf "%s" "$1" | grep -q "^\[tick 0\] Two workers"' - "$out"
check "... with the run's exit status" [ "$rc" -eq 1 ]

run --version
check "--version names the program" sh -c 'printf "%s" "$1" | grep -q "^threadlab [0-9]"' - "$out"

run --no-such-option
check "an unknown option exits 2" [ "$rc" -eq 2 ]
check "an unknown option points to --help" sh -c 'printf "%s" "$1" | grep -q -- "--help"' - "$err"

run --check --disasm race-counter
check "two modes exit 2" [ "$rc" -eq 2 ]

run --check race-counter tour
check "two scenarios exit 2" [ "$rc" -eq 2 ]

run --check no-such-scenario
check "an unknown name exits 2" [ "$rc" -eq 2 ]
check "an unknown name says so" sh -c 'printf "%s" "$1" | grep -q "neither a file nor a bundled scenario"' - "$err"

run --check "$tmp/missing/file.scn"
check "a missing file exits 2" [ "$rc" -eq 2 ]

run --check "$srcdir/tests"
check "a directory exits 2" [ "$rc" -eq 2 ]

printf 'int main() {\n  return x;\n}\n' >"$tmp/bad.scn"
run --check "$tmp/bad.scn"
check "a bad scenario exits 2" [ "$rc" -eq 2 ]
check "diagnostics are file:line:col: error: message" \
	[ "$(printf '%s\n' "$err" | head -n 1)" = "$tmp/bad.scn:2:10: error: 'x' is not declared" ]
check "diagnostics quote the line with a caret" \
	[ "$(printf '%s\n' "$err" | sed -n 2,3p)" = "$(printf '      return x;\n             ^')" ]

printf 'int main() { return 0; }\n' >"$tmp/good.scn"
run --check "$tmp/good.scn"
check "a good scenario passes --check silently" [ "$rc" -eq 0 ] && [ -z "$out$err" ]

# Every bundled scenario: listed with a title, and passes --check by
# name and by path.
run --list
check "--list exits 0" [ "$rc" -eq 0 ]
listing=$out
n=0
for f in "$srcdir"/scenarios/*.scn; do
	name=$(basename "$f" .scn)
	n=$((n + 1))
	line=$(printf '%s\n' "$listing" | grep "^$name ")
	check "--list shows $name with its title" sh -c '[ -n "$1" ] && ! printf "%s" "$1" | grep -q "does not compile"' - "$line"
	run --check "$name"
	check "bundled $name passes --check" [ "$rc" -eq 0 ]
	run --check "$f"
	check "scenarios/$name.scn passes --check" [ "$rc" -eq 0 ]
done
run --list
check "--list lists every scenario file" [ "$(printf '%s\n' "$out" | wc -l)" -eq "$n" ]

# The largest file accepted is 1 MiB (one byte more is refused: see
# malformed.sh).
{
	printf 'int main() { return 0; }\n'
	head -c 1048550 /dev/zero | tr '\0' ' '
} | head -c 1048576 >"$tmp/big.scn"
run --check "$tmp/big.scn"
check "a file of exactly 1 MiB is accepted" [ "$rc" -eq 0 ] && [ "$(wc -c <"$tmp/big.scn")" -eq 1048576 ]

run --list race-counter
check "--list takes no scenario" [ "$rc" -eq 2 ]

run --check race-counter.scn
check "a bundled name may end in .scn" [ "$rc" -eq 0 ]

# An existing file wins over a bundled name.
mkdir -p "$tmp/cwd"
printf 'int main() { return y; }\n' >"$tmp/cwd/tour"
(cd "$tmp/cwd" && timeout 20 "$THREADLAB" --check tour >/dev/null 2>&1)
check "a file named like a bundled scenario is read as the file" [ $? -eq 2 ]

# No argument: the built-in tour, every lesson in turn.
run
check "no argument exits 0" [ "$rc" -eq 0 ]
tour_title=$(sed -n 's/^#title "\(.*\)"$/\1/p' "$srcdir/scenarios/tour.scn")
check "no argument shows the tour" sh -c 'printf "%s\n" "$1" | head -n 1 | grep -q "^A tour of the chapter: [0-9]* lessons"' - "$out"
check "no argument runs the tour: its output" sh -c 'printf "%s" "$1" | grep -q "^add(2, 3) = 5$"' - "$out"
check "no argument runs the tour: its narration" sh -c 'printf "%s" "$1" | grep -q "^\[tick 0\] "' - "$out"
check "no argument shows the first lesson's title once" [ "$(printf '%s\n' "$out" | grep -cF "$tour_title")" -eq 1 ]
check "the tour's lessons come in the chapter's order" sh -c '
	rows=$(printf "%s\n" "$1" | sed -n "s/^== Lesson [0-9]* of [0-9]*, row \([0-9]*\):.*/\1/p")
	printf "%s\n" "$rows" | sort -n -c && [ "$(printf "%s\n" "$rows" | sort -un | wc -l)" -eq 21 ]' - "$out"
check "the tour ends with the containers" sh -c 'printf "%s" "$1" | grep -q "^host: still host$"' - "$out"
for pending in rpc-callbacks mn-runtime; do
	if [ ! -f "$srcdir/scenarios/$pending.scn" ]; then
		check "the tour says $pending is not there yet" sh -c 'printf "%s" "$1" | grep -q "^$2 is not there yet: the tour goes on.$"' - "$out" "$pending"
	fi
done
run --run
check "--run without a scenario prints the tour too" sh -c 'printf "%s\n" "$1" | grep -c "^== Lesson " | grep -q "^[0-9][0-9]"' - "$out"
run --cores 3 --run
check "settings without a scenario go to the tour's first lesson" sh -c 'printf "%s" "$1" | grep -q "^add(2, 3) = 5$"' - "$out"
run --trace
check "--trace without a scenario traces the tour's first lesson" sh -c 'printf "%s" "$1" | head -n 1 | grep -q "^0 cpu0 T1 switch"' - "$out"

run --disasm race-counter
check "--disasm exits 0" [ "$rc" -eq 0 ]
check "--disasm shows counter++ as ld, add, st" sh -c '
	printf "%s\n" "$1" | grep -A3 "counter++;" | grep -q "ld   r0, \[0x600000\] *; counter" &&
	printf "%s\n" "$1" | grep -A3 "counter++;" | grep -q "add  r0, r0, 1" &&
	printf "%s\n" "$1" | grep -A3 "counter++;" | grep -q "st   \[0x600000\], r0 *; counter"' - "$out"
check "--disasm shows the segments" sh -c 'printf "%s" "$1" | grep -q "^rodata   0x500000"' - "$out"

if [ -w /dev/full ]; then
	timeout 20 "$THREADLAB" --disasm race-counter >/dev/full 2>"$tmp/err"
	rc=$?
	check "a failed write exits 2" [ "$rc" -eq 2 ]
	check "a failed write says so" grep -q "cannot write" "$tmp/err"
fi

# --clients N: every #clients line of the scenario declares N clients
run --run --stats --clients 7 event-loop-server
check "--clients 7: exit 0" [ "$rc" -eq 0 ]
check "--clients 7: 7 requests served" sh -c 'printf "%s\n" "$1" | grep -q -x "requests_served: 7"' - "$err"
run --trace --clients 2 event-loop-server
check "--clients 2: the trace has 2 clients connecting" \
	[ "$(printf '%s\n' "$out" | grep -c ' connect client ')" -eq 2 ]
run --trace event-loop-server
check "without --clients: the scenario's 4" \
	[ "$(printf '%s\n' "$out" | grep -c ' connect client ')" -eq 4 ]
printf '#clients 2 port 80 send "a"\n#clients 3 port 80 send "b"\nint main() {\n  int l = listen(80);\n  while (1) {\n    int c = accept(l);\n    int r[1];\n    write(c, r, 1);\n    close(c);\n  }\n  return 0;\n}\n' >"$tmp/two.scn"
run --run --stats --clients 4 "$tmp/two.scn"
check "--clients 4 with two #clients lines: 4 each, 8 served" \
	sh -c 'printf "%s\n" "$1" | grep -q -x "requests_served: 8"' - "$err"
run --run --clients 60000 "$tmp/two.scn"
check "--clients 60000 with two lines (120000 in all): exit 2" [ "$rc" -eq 2 ]
check "... says how many in all, and the most" \
	sh -c 'printf "%s" "$1" | grep -q "2 #clients lines, so 120000 clients in all, more than 100000"' - "$err"
for bad in 0 -1 100001 many 3x ""; do
	run --run --clients "$bad" event-loop-server
	check "--clients '$bad' exits 2" [ "$rc" -eq 2 ]
	check "--clients '$bad' says what it wants" \
		sh -c 'printf "%s" "$1" | grep -q -- "--clients wants a number from 1 to 100000"' - "$err"
done
run --run --clients 3 race-counter
check "--clients on a scenario without #clients exits 2" [ "$rc" -eq 2 ]
check "... and says it has none" \
	sh -c 'printf "%s" "$1" | grep -q -- "--clients: race-counter has no clients to count (no #clients line)"' - "$err"
run --check --clients 3 event-loop-server
check "--check takes --clients (the settings are not used)" [ "$rc" -eq 0 ]

finish
