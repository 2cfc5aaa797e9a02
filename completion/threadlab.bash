# bash completion for threadlab(1): its options (read from --help, so
# they are always the program's own), the values of --policy and
# --export, the file after --export=FORMAT or --answers, and scenarios:
# the bundled names (from --list) and .scn files.

# Complete the word under the cursor of a threadlab command line.
_threadlab()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= prev2= prev3= opt= prog=${COMP_WORDS[0]}
	((COMP_CWORD >= 1)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	((COMP_CWORD >= 2)) && prev2=${COMP_WORDS[COMP_CWORD - 2]}
	((COMP_CWORD >= 3)) && prev3=${COMP_WORDS[COMP_CWORD - 3]}
	COMPREPLY=()

	# the file after --export=FORMAT (or --export FORMAT)
	if [[ $prev == --export=* || ( $prev2 == --export && $prev != = ) ||
	      ( $prev2 == = && $prev3 == --export ) ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
	fi

	# an option's value: --opt=VALUE, however bash split the '='
	if [[ $cur == = ]]; then
		opt=$prev
		cur=
	elif [[ $prev == = ]]; then
		opt=$prev2
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		cur=${cur#*=}
	elif [[ $prev == --policy || $prev == --export || $prev == --schedule ||
	        $prev == --answers ]]; then
		opt=$prev
	fi
	case $opt in
	--policy)
		COMPREPLY=($(compgen -W "rr fifo priority random script" -- "$cur"))
		return 0 ;;
	--export)
		COMPREPLY=($(compgen -W "perfetto dot" -- "$cur"))
		return 0 ;;
	--trace|--schedule|--answers)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0 ;;
	--*)
		return 0 ;;     # a number: nothing to offer
	esac
	# "--cores N": the word after an option that wants a value
	if [[ $prev == --[a-z]* ]] &&
	   "$prog" --help 2>/dev/null | grep -q -- "^ *$prev=\|, $prev="; then
		return 0
	fi

	if [[ $cur == -* ]]; then
		local opts
		opts=$("$prog" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return 0
	fi
	local names
	names=$("$prog" --list 2>/dev/null | cut -d ' ' -f 1)
	COMPREPLY=($(compgen -W "$names" -- "$cur") $(compgen -f -X '!*.scn' -- "$cur")
		   $(compgen -d -- "$cur"))
	return 0
}
complete -F _threadlab threadlab
