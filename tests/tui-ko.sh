#!/bin/sh
# tui-ko.sh: threadlab in Korean.  The screen in tmux with
# LANG=ko_KR.UTF-8 at 80x24 and 120x40 (the tour and a scenario, the help
# over them): Korean words shown, every line exactly as wide as the
# terminal (a character two columns wide is never cut in the middle), no
# replacement character.  Then without the screen: --help and the
# narration in Korean, and what the tests compare byte for byte (the
# trace, the listing, the diagnostics) the same as in English.
. "$(dirname "$0")/lib.sh"

if ! locale -a 2>/dev/null | grep -qix 'ko_KR\.utf-\{0,1\}8'; then
	echo "1..0 # SKIP the ko_KR.UTF-8 locale is not installed (./bootstrap generates it as root)"
	exit 0
fi
if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux is not installed"
	exit 0
fi

unset LANGUAGE LC_ALL LC_MESSAGES LC_CTYPE
ko=ko_KR.UTF-8
sock=$tmp/tmux.0
tm() { tmux -S "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
nstart=0

# start W H ARGS...: threadlab ARGS in Korean in a fresh W x H pane.
start() {
	w=$1 h=$2
	shift 2
	tm kill-server 2>/dev/null
	nstart=$((nstart + 1))
	sock=$tmp/tmux.$nstart   # a fresh server: the last one may still be going
	printf '%s' "TERM=screen LANG=$ko exec '$THREADLAB'" >"$tmp/cmd"
	for a; do printf " '%s'" "$a" >>"$tmp/cmd"; done
	tm new-session -d -x "$w" -y "$h" "sh '$tmp/cmd'; sleep 600"
}

# screen: the pane's text now.
screen() { tm capture-pane -p -t 0; }

# wait_for PATTERN: until the screen shows PATTERN; fails after 10 seconds.
wait_for() {
	i=0
	while [ $i -lt 200 ]; do
		screen | grep -qE -- "$1" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	diag "the screen never showed /$1/:" "$(screen)"
	return 1
}

# widths W: every line of the screen (in $tmp/screen) takes exactly W
# columns, a Hangul syllable counting two, and ends with the frame's
# right side (a character too wide for its room would have pushed it or
# drawn over it).
widths() {
	n=0 bad=0
	while IFS= read -r line; do
		n=$((n + 1))
		cols=$(printf '%s\n' "$line" | LC_ALL=$ko wc -L)
		if [ "$cols" -ne "$1" ]; then
			diag "line $n is $cols columns, not $1: $line"
			bad=1
		fi
		case $line in
		*│|*┐|*┤|*┘) ;;
		*) diag "line $n does not end with the frame: $line"; bad=1 ;;
		esac
	done <"$tmp/screen"
	[ $bad = 0 ] && [ "$n" -eq "$h" ] || { diag "$n lines, $h wanted"; return 1; }
}

# clean: the screen is valid UTF-8 without a replacement character.
clean() {
	iconv -f UTF-8 -t UTF-8 "$tmp/screen" >/dev/null 2>&1 &&
		! grep -q "$(printf '\357\277\275')" "$tmp/screen"
}

# whole: no Hangul syllable touches a line of the frame: text is drawn
# with a space before the frame, and a syllable cut at the edge of its
# room is left out whole, not drawn over the next column.
whole() {
	! LC_ALL=$ko grep -nE '[가-힣]([─┐┤┘┬┴┼]|│$)' "$tmp/screen" | sed 's/^/# /' | grep .
}

# look SIZE: the checks on the screen as it is now.
look() {
	screen >"$tmp/screen"
	check "$1: every line is the terminal's width" widths "$w"
	check "$1: no replacement character, valid UTF-8" clean
	check "$1: no character drawn over the frame" whole
}

# the narration's first words as the narrated run says them in Korean:
# the screen looks the notes up in the same catalogue
first_note() {
	LANG=$ko timeout 20 "$THREADLAB" "$@" </dev/null 2>/dev/null |
		sed -n 's/^\[tick 0\] //p' | head -1 | cut -d' ' -f1-2 | tr -d '()[]*+?.|^$\\{}'
}
race_note=$(first_note race-counter)

# the two sizes of the chapter's screen, and an odd one where more text
# is cut at the edge of its panel
for size in "80 24" "120 40" "97 31"; do
	set -- $size
	tag="${1}x$2"

	start "$1" "$2"
	check "$tag tour: the panels' titles are Korean" wait_for "─ 코드 ─.*─ 메모리 "
	check "$tag tour: it says the lesson in Korean" wait_for "투어: 강의 1 /"
	look "$tag tour at tick 0"
	tm send-keys -t 0 g 4 0 Enter
	check "$tag tour: the header says the tick in Korean" wait_for " 틱 40 "
	look "$tag tour at tick 40"
	tm send-keys -t 0 '?'
	check "$tag tour: the help is Korean" wait_for "한 틱 앞으로"
	look "$tag tour's help"
	tm send-keys -t 0 Escape e
	check "$tag tour: the end is said in Korean" wait_for "끝남: 종료 0"
	look "$tag tour at its end"

	start "$1" "$2" race-counter
	check "$tag race-counter: the key hints are Korean" wait_for "space 실행 .*q 끝내기"
	check "$tag race-counter: the narration as the catalogue says it" wait_for "$race_note"
	check "$tag race-counter: the Schedule legend is Korean" \
		wait_for "블로킹|스케줄"
	tm send-keys -t 0 g 6 0 Enter
	check "$tag race-counter: at tick 60" wait_for " 틱 60 "
	check "$tag race-counter: the events are Korean" wait_for "T[0-9]: .*(적재|저장|호출|더함)"
	look "$tag race-counter at tick 60"
done

# the chapter's screen, 80x24: the lesson list, a lesson's narration,
# the quiz's question, the I/O panel, the C10K stacks, each in Korean
start 80 24
check "80x24 tour: the screen is up" wait_for "투어: 강의 1 /"
tm send-keys -t 0 L
check "80x24 L: the lesson list's title is Korean" wait_for "┌ 투어의 강의 ─"
check "80x24 L: the lessons' ideas are Korean" wait_for "2   1  pc-basics +CPU는 PC가"
check "80x24 L: the list's keys are Korean" wait_for "Enter: 열기 +Escape: 닫기"
look "80x24 lesson list"
tm send-keys -t 0 Escape ']'
check "80x24 ]: the next lesson's narration is Korean" wait_for "강의 2/31 \(행 1\): CPU는 PC가"
check "80x24 ]: the footer says the lesson in Korean" wait_for "강의 2 / 31: pc-basics\. \] 다음, \[ 이전"
look "80x24 lesson 2's narration"

start 80 24
check "80x24 tour for the quiz: the screen is up" wait_for "투어: 강의 1 /"
tm send-keys -t 0 Q
check "80x24 Q: quiz mode is said in Korean" wait_for "퀴즈 모드: 문제 [0-9]+개"
tm send-keys -t 0 + + + + Space
check "80x24 Q: the first question's panel is Korean" wait_for "─ 퀴즈 ─ 문제 1 / [0-9]+ ─"
check "80x24 Q: the question is Korean" wait_for "어떤 값을 읽을까\?"
check "80x24 Q: the answer prompt is Korean" wait_for "답: .*Enter 답하기"
look "80x24 quiz question"

start 80 24 event-loop
check "80x24 event-loop: the I/O panel's title is Korean" wait_for "─ 입출력 ─"
check "80x24 event-loop: the descriptors and clients are Korean" \
	wait_for "P1의 디스크립터.*│"
check "80x24 event-loop: the narration names the I/O panel in Korean" wait_for "입출력 패널"
look "80x24 event-loop's I/O panel"

start 80 24 c10k
check "80x24 c10k: the narration is Korean" wait_for "클라이언트 천 개"
tm send-keys -t 0 g 3 0 0 Enter
check "80x24 c10k: the Memory title counts the stacks in Korean" \
	wait_for "─ 메모리 ─ 스택 [0-9]+개, [0-9]+\.[0-9] MiB ─"
look "80x24 c10k's Memory title"

# what a thread waits for, where the words are prose and not a call's name
start 120 40 containers
check "120x40 containers: the screen is Korean" wait_for "─ 코드 ─"
tm send-keys -t 0 g 4 1 9 Enter
check "120x40 containers: a thread waits for its box's CPU share in Korean" \
	wait_for "블로킹됨 box[0-9]+의 CPU 몫"
look "120x40 containers' Threads panel"

# an M:N worker on the empty run queue: idle, not blocked, in Korean
start 120 40 mn-runtime
check "120x40 mn-runtime: the screen is Korean" wait_for "─ 코드 ─"
tm send-keys -t 0 g 3 6 Enter
check "120x40 mn-runtime at tick 36: the header says the tick" wait_for " 틱 36 "
check "120x40 mn-runtime: the idle worker's line says idle in Korean" \
	wait_for "T2   go_worker  쉬는 중  준비된 코루틴 없음"
check "... and so does the Schedule legend" wait_for "▁ 쉬는 중: 준비된 코루틴 없음 "
look "120x40 mn-runtime's idle worker"

# a title cut in the middle of its Hangul, at the edge of the header
start 140 40 coroutine-stacks
check "140x40 coroutine-stacks: the screen is Korean" wait_for "─ 코드 ─"
look "140x40 coroutine-stacks' header"
tm send-keys -t 0 g 3 1 Enter
check "140x40 coroutine-stacks at tick 31: the coroutine's object row is Korean" wait_for "co1 객체  시작 전, 위치 pc 0x400014 \\(줄 31\\)"
check "... and its stack's row" wait_for "co1 \\(square\\)  16 B / 4 KiB  시작 전"

# without the screen
LANG=$ko run --help
check "--help in Korean" grep -q "사용법: threadlab" "$tmp/out"
LANG=C run --help
check "--help in English in the C locale" grep -q "^Usage: threadlab" "$tmp/out"
LANG=$ko run race-counter </dev/null
cp "$tmp/out" "$tmp/out.ko"
LANG=C run race-counter </dev/null
check "the narrated run in Korean" sh -c '! cmp -s "$1" "$2" && LC_ALL=$3 grep -q "^\[tick [0-9]*\] .*[가-힣]" "$2"' - \
	"$tmp/out" "$tmp/out.ko" "$ko"
for args in "--trace race-counter" "--disasm race-counter" "--explore race-counter" \
	    "--list" "--stats --run tour"; do
	# shellcheck disable=SC2086
	LANG=$ko run $args
	cp "$tmp/out" "$tmp/out.ko"
	cp "$tmp/err" "$tmp/err.ko"
	# shellcheck disable=SC2086
	LANG=C run $args
	if [ "$args" = --list ]; then
		# the titles are read in Korean; the names and the order stay
		cut -d" " -f1 "$tmp/out" >"$tmp/names"
		cut -d" " -f1 "$tmp/out.ko" >"$tmp/names.ko"
		check "--list: the same names in Korean" cmp -s "$tmp/names" "$tmp/names.ko"
		check "--list: the titles in Korean" env LC_ALL=$ko grep -q "[가-힣]" "$tmp/out.ko"
		continue
	fi
	check "$args: the same bytes in Korean and in English" \
		sh -c 'cmp -s "$1" "$2" && cmp -s "$3" "$4"' - "$tmp/out" "$tmp/out.ko" "$tmp/err" "$tmp/err.ko"
done
printf 'int main() { return x; }\n' >"$tmp/bad.scn"
LANG=$ko run --check "$tmp/bad.scn"
cp "$tmp/err" "$tmp/err.ko"
LANG=C run --check "$tmp/bad.scn"
check "a diagnostic stays English" cmp -s "$tmp/err" "$tmp/err.ko"

finish
