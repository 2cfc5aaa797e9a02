#!/bin/sh
# tui.sh: the screen as a user meets it, driven in tmux at fixed sizes,
# TERM and locale: golden captures, going back in time, the help, resizes,
# tiny terminals, and the terminal given back after q and after signals.
# GOLDEN_UPDATE=1 rewrites the captures in tests/golden-tui/.
. "$(dirname "$0")/lib.sh"

golden=$srcdir/tests/golden-tui
if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux is not installed"
	exit 0
fi

export LC_ALL=C.UTF-8
sock=$tmp/tmux
tm() { tmux -S "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

# q ARG: ARG quoted for sh.
q() { printf "'%s' " "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# start W H ARGS...: threadlab ARGS in a fresh W x H pane (TERM=screen,
# NO_COLOR unset unless $NOCOLOR is set); the pane stays after it exits,
# its exit status in $tmp/rc, stty -g before and after in $tmp/stty-*.
start() {
	w=$1 h=$2
	shift 2
	tm kill-server 2>/dev/null
	rm -f "$tmp/rc" "$tmp/pid"
	{
		echo "TERM=screen; export TERM; unset NO_COLOR; ${NOCOLOR:+NO_COLOR=1; export NO_COLOR}"
		[ -z "${CDTO:-}" ] || echo "cd '$CDTO'"       # where files are saved
		echo "trap true INT"    # the shell outlives a ^C; threadlab gets it
		echo "stty -g >'$tmp/stty-before'"
		# the pid of threadlab, for kill: the shell that execs it
		printf '%s' "sh -c 'echo \$\$ >\"\$0\"; exec \"\$@\"' '$tmp/pid' "
		q "$THREADLAB"
		for a; do q "$a"; done
		echo
		echo "echo \$? >'$tmp/rc.t'; stty -g >'$tmp/stty-after'; mv '$tmp/rc.t' '$tmp/rc'"
		echo "exec sleep 600"
	} >"$tmp/cmd"
	# a server killed just now may still be going: try again then
	for try in 1 2 3 4 5; do
		tm new-session -d -x "$w" -y "$h" "sh '$tmp/cmd'" 2>/dev/null && break
		sleep 0.2
	done
}

# screen: the pane's text now.
screen() { tm capture-pane -p -t 0; }

# How long a wait gives up after, in seconds: long enough for a machine
# busy with other work, and a passing check never waits it out.
patience=${TUI_PATIENCE:-30}

# wait_for PATTERN: until the screen shows PATTERN (a grep -E pattern);
# fails after $patience seconds.
wait_for() {
	end=$(($(date +%s) + patience))
	while [ "$(date +%s)" -lt "$end" ]; do
		screen | grep -qE -- "$1" && return 0
		sleep 0.05
	done
	diag "the screen never showed /$1/:" "$(screen)"
	return 1
}

# wait_gone PATTERN: until the screen no longer shows PATTERN.
wait_gone() {
	end=$(($(date +%s) + patience))
	while [ "$(date +%s)" -lt "$end" ]; do
		screen | grep -qE -- "$1" || return 0
		sleep 0.05
	done
	diag "the screen still shows /$1/:" "$(screen)"
	return 1
}

# wait_exit: until threadlab has exited; its status in $rc.
wait_exit() {
	end=$(($(date +%s) + patience))
	while [ ! -f "$tmp/rc" ] && [ "$(date +%s)" -lt "$end" ]; do
		sleep 0.05
	done
	rc=$(cat "$tmp/rc" 2>/dev/null || echo none)
}

# keys K...: send keys to the pane.
keys() { tm send-keys -t 0 "$@"; }

# now_tick: the tick the header shows (waiting for a header to show one).
now_tick() {
	wait_for "^.* tick [0-9]+ " >/dev/null
	t=$(screen | sed -n '1s/.* tick \([0-9]*\) .*/\1/p')
	echo "${t:-0}"
}

# step N: press n N times and wait until the header shows the tick.
step() {
	t0=$(now_tick)
	i=0
	while [ $i -lt "$1" ]; do keys n; i=$((i + 1)); done
	wait_for " tick $((t0 + $1)) "
}

# same_as NAME: the screen is the golden capture NAME.
same_as() {
	screen >"$tmp/got"
	if [ -n "$GOLDEN_UPDATE" ]; then
		cp "$tmp/got" "$golden/$1.txt"
	fi
	if cmp -s "$tmp/got" "$golden/$1.txt"; then
		return 0
	fi
	diag "$(diff -u "$golden/$1.txt" "$tmp/got" | head -40)"
	return 1
}

# --- golden captures -------------------------------------------------------
for size in 80x24 120x40; do
	w=${size%x*} h=${size#*x}
	start "$w" "$h" race-counter
	check "$size: opens paused at tick 0" wait_for " tick 0 .*paused"
	check "$size: tick 0 as captured" same_as "race-counter-$size-tick0"
check "$size: the hints keep ? and q" wait_for "\? help  q quit"
	step 37 >/dev/null
	check "$size: tick 37 as captured" same_as "race-counter-$size-tick37"
	keys q
	wait_exit
	check "$size: q exits 0" [ "$rc" = 0 ]
done

# --- going back is time travel ---------------------------------------------
start 120 40 race-counter
wait_for " tick 0 " >/dev/null
for at in 25 36 60; do
	step $((at - $(now_tick))) >/dev/null
	screen >"$tmp/before"
	for k in 1 3 8; do
		step "$k" >/dev/null
		screen >"$tmp/after-n"
		i=0
		while [ $i -lt "$k" ]; do keys b; i=$((i + 1)); done
		wait_for " tick $at " >/dev/null
		screen >"$tmp/after"
		check "tick $at: n x$k then b x$k gives the same screen" cmp -s "$tmp/before" "$tmp/after"
		check "tick $at: n x$k shows another screen" sh -c '! cmp -s "$1" "$2"' - \
			"$tmp/before" "$tmp/after-n"
	done
done

# Left and Right are b and n.
keys Right
check "Right steps forward" wait_for " tick 61 "
keys Left
check "Left steps back" wait_for " tick 60 "

# --- the other keys ---------------------------------------------------------
keys g 1 0 0 Enter
check "g 100 Enter goes to tick 100" wait_for " tick 100 "
keys g 2 0
check "g shows what is typed" wait_for "go to tick: 20_"
keys Escape
check "Escape cancels g" wait_for "space run"
check "Escape kept the tick" wait_for " tick 100 "
keys r
check "r restarts at tick 0" wait_for " tick 0 .*paused"
keys g 4 0 Enter
wait_for " tick 40 " >/dev/null
check "the code panel follows the running thread" wait_for "Code . T2"
keys t
check "t follows the next thread" wait_for "Code . T3"
keys t
check "after the last thread, t follows the running one again" wait_for "Code . T2"
keys t t r
check "r follows the running thread again" wait_for "Code . T1"
keys r
wait_for " tick 0 " >/dev/null
screen >"$tmp/before"
tm capture-pane -e -p -t 0 | grep "Memory" >"$tmp/title-before"
keys Tab
i=0
while [ $i -lt 100 ] && tm capture-pane -e -p -t 0 | grep "Memory" | cmp -s - "$tmp/title-before"; do
	sleep 0.05
	i=$((i + 1))
done
check "Tab moves the focus: the Memory title is drawn otherwise" \
	sh -c '! tmux -S "$1" capture-pane -e -p -t 0 | grep Memory | cmp -s - "$2"' - "$sock" "$tmp/title-before"
screen >"$tmp/after"
check "... and the text stays" cmp -s "$tmp/before" "$tmp/after"
keys e
check "e runs to the end" wait_for "ended: assertion failed"
check "the end says how the run ended" wait_for "assertion failed"
keys space
check "space at the end says so" wait_for "The run has ended"
keys r + +
check "+ doubles the speed" wait_for " 32/s "
keys -
check "- halves it" wait_for " 16/s "
keys space
check "space runs" wait_for "running"
keys space
check "space pauses" wait_for "paused"

# --- the help overlay --------------------------------------------------------
keys r
wait_for " tick 0 " >/dev/null
screen >"$tmp/before"
keys '?'
check "? opens the help" wait_for "one tick back"
screen >"$tmp/help"
ok=1
for k in space "n Right" "b Left" Tab g r x w q; do
	grep -q " $k " "$tmp/help" || { ok=0; diag "the help lacks $k"; }
done
check "the help lists the keys" [ $ok = 1 ]
keys n
sleep 0.2
check "keys under the help do nothing" wait_for " tick 0 "
keys '?'
wait_gone "one tick back" >/dev/null
screen >"$tmp/after"
check "? closes the help, the view as before" cmp -s "$tmp/before" "$tmp/after"
keys '?'
wait_for "one tick back" >/dev/null
keys Escape
wait_gone "one tick back" >/dev/null
screen >"$tmp/after"
check "Escape closes the help" cmp -s "$tmp/before" "$tmp/after"

# --- a mouse click on a thread follows it -------------------------------------
keys g 4 0 Enter
wait_for " tick 40 " >/dev/null
row=$(screen | grep -n '^│ *T3 ' | head -1 | cut -d: -f1)
if [ -n "$row" ]; then
	# an xterm mouse press and release at column 5 of that row
	press=$(printf '\033[M%b%b%b' '\040' "\\0$(printf %o $((32 + 5)))" "\\0$(printf %o $((32 + row)))")
	release=$(printf '\033[M%b%b%b' '\043' "\\0$(printf %o $((32 + 5)))" "\\0$(printf %o $((32 + row)))")
	keys -l "$press$release"
	check "a click on T3 follows T3" wait_for "Code . T3"
else
	not_ok "T3's row is on the screen"
fi
keys q
wait_exit

# --- scrolling the code panel -------------------------------------------------
start 80 24 race-counter
wait_for " tick 0 " >/dev/null
keys g 4 0 Enter
wait_for " tick 40 " >/dev/null
screen >"$tmp/before"
keys Down Down
check "Down scrolls the code panel" wait_gone "^│   24  void worker"
keys n b
check "the next tick shows the PC's line again" wait_for "^│   24  void worker"
screen >"$tmp/after"
check "... and the screen as before" cmp -s "$tmp/before" "$tmp/after"
keys q
wait_exit

# --- the smallest screen -----------------------------------------------------
start 64 20 race-counter
wait_for " tick 0 " >/dev/null
keys g 3 7 Enter
check "64x20: the screen is drawn" wait_for " tick 37 "
check "64x20: the memory map keeps the shared counter" wait_for "counter = 1"
check "64x20: the header has no empty piece" sh -c '! tmux -S "$1" capture-pane -p -t 0 | head -1 | grep -q "─ ─"' - "$sock"
keys q
wait_exit

# --- short of room, the followed thread's stack keeps its newest frames -------
start 80 24 stacks
wait_for " tick 0 " >/dev/null
keys g 1 5 7 Enter
wait_for " tick 157 " >/dev/null
check "80x24: the Code panel's T2 has its stack in the map" wait_for "stack T2 \\(worker\\)"
check "... with its newest frame, fact(2)" wait_for "^│.*│ +fact\\(n=2\\)  ret→fact"
check "... and not its oldest" sh -c '! tmux -S "$1" capture-pane -p -t 0 | grep -q "worker(which=0)"' - "$sock"
keys Tab Down Down Down Down
check "scrolled to T2's second frame, the map shows it" wait_for "^│.*│ +step\\(which=0\\) n=5"
check "... under T2's head, not as its first row" sh -c \
	'tmux -S "$1" capture-pane -p -t 0 | sed -n 4p | grep -q "│ 0x7ffb_0000 stack T2 (worker)"' - "$sock"
keys q
wait_exit

# --- short of room, the running threads are the ones listed ------------------
start 80 24 --cores 2 bounded-buffer
wait_for " tick 0 " >/dev/null
keys g 6 0 Enter
wait_for " tick 60 " >/dev/null
check "80x24, 4 threads, 2 cores: T3 running is listed" wait_for "^│ T3 +producer +running"
check "... and T4 running too" wait_for "^│ T4 +producer +running"
check "... and in the schedule" wait_for "^│ T4  prod "
keys q
wait_exit

# --- resize -------------------------------------------------------------------
start 120 40 race-counter
wait_for " tick 0 " >/dev/null
step 37 >/dev/null
tm resize-window -x 80 -y 24
wait_for "^└.{78}┘$" >/dev/null
check "resized to 80x24: the same as opened there" same_as "race-counter-80x24-tick37"
tm resize-window -x 120 -y 40
wait_for "^└.{118}┘$" >/dev/null
check "resized back to 120x40: the same again" same_as "race-counter-120x40-tick37"
for s in 30x8 200x60 1x1 64x20 80x24; do
	tm resize-window -x "${s%x*}" -y "${s#*x}"
done
wait_for "^└.{78}┘$" >/dev/null
check "a storm of resizes ends in the right view" same_as "race-counter-80x24-tick37"
keys q
wait_exit
check "q after the resizes exits 0" [ "$rc" = 0 ]

# --- tiny terminals ------------------------------------------------------------
for s in 1x1 20x5 40x10; do
	start "${s%x*}" "${s#*x}" race-counter
	# at 1x1 the only cell is the bottom-right one, which curses leaves alone
	case $s in
	1x1) sleep 0.3; check "$s: keeps running" [ ! -f "$tmp/rc" ] ;;
	*) check "$s: says the terminal is too small" wait_for "terminal too small" ;;
	esac
	keys n n b space
	keys q
	wait_exit
	check "$s: q exits 0" [ "$rc" = 0 ]
done

# --- the terminal is given back ------------------------------------------------
start 80 24 race-counter
wait_for " tick 0 " >/dev/null
keys q
wait_exit
check "after q: stty settings unchanged" cmp -s "$tmp/stty-before" "$tmp/stty-after"
check "after q: the alternate screen is off" [ "$(tm display -p -t 0 '#{alternate_on}')" = 0 ]

start 80 24 race-counter --play
wait_for "running" >/dev/null
keys C-c
wait_exit
check "SIGINT (^C) ends it by the signal" [ "$rc" = 130 ]
check "after ^C: stty settings unchanged" cmp -s "$tmp/stty-before" "$tmp/stty-after"
check "after ^C: the alternate screen is off" [ "$(tm display -p -t 0 '#{alternate_on}')" = 0 ]
check "after ^C: it says it was interrupted" wait_for "interrupted"

# SIGTERM and SIGHUP ask it to stop; a fatal signal (as a crash would
# raise) gives the terminal back before dying: each ends it by the signal
for s in TERM:15 HUP:1 SEGV:11 ABRT:6; do
	sig=${s%:*} n=${s#*:}
	start 80 24 race-counter
	wait_for " tick 0 " >/dev/null
	kill -s "$sig" "$(cat "$tmp/pid")"
	wait_exit
	check "SIG$sig ends it by the signal" [ "$rc" = $((128 + n)) ]
	check "after SIG$sig: stty settings unchanged" cmp -s "$tmp/stty-before" "$tmp/stty-after"
	check "after SIG$sig: the alternate screen is off" \
		[ "$(tm display -p -t 0 '#{alternate_on}')" = 0 ]
done

# --- options --------------------------------------------------------------------
start 120 40 race-counter --play --speed 1000
check "--play --speed 1000 runs" wait_for "running .* 1000/s"
check "--play reaches the end" wait_for "ended"
keys q
wait_exit

start 120 40 race-counter --ascii
wait_for " tick 0 " >/dev/null
screen >"$tmp/ascii"
check "--ascii draws only ASCII" sh -c '! LC_ALL=C grep -q "[^ -~]" "$1"' - "$tmp/ascii"
check "--ascii: the hints' arrows in ASCII" grep -q "n/-> step  b/<- back" "$tmp/ascii"
check "--ascii: no character left out as ?" sh -c '! grep -q "?[^ ]" "$1"' - "$tmp/ascii"
keys q
wait_exit

start 120 40 race-counter
wait_for " tick 0 " >/dev/null
check "colour by default" sh -c 'tmux -S "$1" capture-pane -e -p -t 0 | grep -q "\[3[0-7]m\|\[3[0-7];"' - "$sock"
keys q
wait_exit
start 120 40 race-counter --no-color
wait_for " tick 0 " >/dev/null
check "--no-color: no colour" sh -c '! tmux -S "$1" capture-pane -e -p -t 0 | grep -q "\[3[0-7]m\|\[3[0-7];\|\[4[0-7]m"' - "$sock"
keys q
wait_exit
NOCOLOR=1 start 120 40 race-counter
wait_for " tick 0 " >/dev/null
check "NO_COLOR: no colour" sh -c '! tmux -S "$1" capture-pane -e -p -t 0 | grep -q "\[3[0-7]m\|\[3[0-7];\|\[4[0-7]m"' - "$sock"
keys q
wait_exit

start 120 40 --schedule '1*40 3*10 2*10' race-counter
wait_for " tick 0 " >/dev/null
check "--schedule opens with the script policy" wait_for "script"
keys q
wait_exit

start 80 24
check "no argument opens the tour at 80x24, with the lesson count" wait_for "threadlab . tour . (lesson )?1/[0-9]+ "
check "the tour says which keys walk it" wait_for "\] next lesson, \[ previous, L the list"
check "the first lesson says what to look at" wait_for "Lesson 1/[0-9]+: The whole chapter"
keys ]
check "] opens the next lesson" wait_for "pc-basics . (lesson )?2/[0-9]+"
check "... paused at tick 0" wait_for " tick 0 . .* paused"
check "... with its row and what to look at" wait_for "Lesson 2/[0-9]+ \(row 1\):"
keys q
wait_exit
check "the tour quits with 0" [ "$rc" = 0 ]

start 100 30
wait_for "threadlab . tour . lesson 1/" >/dev/null
keys ] ]
check "] twice: the lesson after the next" wait_for "multitasking . lesson 3/[0-9]+"
keys [ [
check "[ goes back" wait_for "tour . lesson 1/[0-9]+"
keys [
check "[ at the first lesson says so" wait_for "the tour's first lesson"
keys L
check "L lists the lessons" wait_for "Lessons of the tour"
check "... with the rows and scenarios" wait_for "12  10  race-counter"
keys End
if [ ! -f "$srcdir/scenarios/mn-runtime.scn" ]; then
	check "... the ones not there yet marked" wait_for "mn-runtime +\(not there yet\)"
fi
keys Enter
check "Enter opens the lesson chosen: the last, containers" wait_for "containers . lesson [0-9]+/[0-9]+"
check "... and closes the list" wait_gone "Lessons of the tour"
keys ]
check "] at the last lesson says so" wait_for "the tour's last lesson"
keys L Up Up Escape
check "Escape closes the list and stays" wait_gone "Lessons of the tour"
check "... on the same lesson" wait_for "containers . lesson"
keys [
check "[ goes back to the closures" wait_for "closures . lesson [0-9]+/[0-9]+"
keys [
if [ ! -f "$srcdir/scenarios/mn-runtime.scn" ]; then
	check "[ passes over the lessons not there yet, naming them" wait_for "mn-runtime.*not there yet"
	check "... to the reactor" wait_for "reactor . lesson [0-9]+/[0-9]+"
fi
keys q
wait_exit

start 100 30 race-counter
wait_for " tick 0 " >/dev/null
check "a scenario opened by name shows no lesson count" sh -c '! tmux -S "$1" capture-pane -p -t 0 | head -n 1 | grep -q "lesson [0-9]"' - "$sock"
keys ]
check "] from a bundled scenario goes to the tour's next lesson" wait_for "race-mutex . lesson 13/[0-9]+"
keys q
wait_exit

# --- containers ----------------------------------------------------------------
start 120 40 containers
wait_for " tick 0 " >/dev/null
keys g 3 0 Enter
check "the Threads title shows the pid namespace view" wait_for "P2 \(pid 1 in box1\)"
keys g 9 0 Enter
check "a throttled container's thread says what it waits for" wait_for "blocked  cpu share of box2 until tick"
check "... and the event says why" wait_for "box2 used its CPU share"
keys g 4 6 5 Enter
check "the OOM-killed thread says so" wait_for "leaky  OOM-killed: box3 went over"
keys q
wait_exit

# --- the I/O panel --------------------------------------------------------------
start 120 40 race-counter
wait_for " tick 0 " >/dev/null
check "no I/O panel without an outside world" sh -c '! tmux -S "$1" capture-pane -p -t 0 | grep -q "I/O ─"' - "$sock"
keys i
check "i without I/O says why" wait_for "No I/O here"
keys q
wait_exit
start 120 40 event-loop
check "the I/O panel is there at tick 0" wait_for "─ I/O ─"
check "... with the clients still to come" wait_for "clients 3: 3 to come"
keys g 55 Enter
check "epoll_wait blocks on its instance" wait_for "blocked  epoll_wait ep 3"
check "the interest list shows the listening socket" wait_for "interest 4 in"
check "the timeline marks waiting for I/O apart" wait_for "┄ waiting for I/O"
keys g 120 Enter
check "a request's bytes wait in the connection's buffer" wait_for 'fd 5  client 1  10 B "GET /index"'
check "... and epoll reports it ready" wait_for "interest 4 in, 5 in  ready 5"
keys g 230 Enter
check "a client closed shows on its descriptor" wait_for "fd 5  client 1  empty, client closed"
check "clients are counted by state" wait_for "clients 3: 1 to come, 1 waiting, 1 done"
check "the longest waiting client is listed" wait_for "client 2 waiting for its reply since tick"
keys i
check "i hides the I/O panel" wait_gone "─ I/O ─"
keys i
check "i shows it again" wait_for "─ I/O ─"
keys q
wait_exit
check "q from the I/O scenario exits 0" [ "$rc" = 0 ]
start 80 24 --ascii short-read
check "80x24 ASCII: the I/O panel fits" wait_for "\+- I/O -"
keys g 100 Enter
check "80x24 ASCII: the listening socket" wait_for "fd 3  listening, port 80"
keys q
wait_exit

# --- exploring, loading the failing schedule, saving it -----------------------
mkdir "$tmp/work"
CDTO=$tmp/work start 120 40 race-counter
wait_for " tick 0 " >/dev/null
tm send-keys -t 0 x
check "x explores and loads the shortest failing schedule" \
	wait_for "schedules fail. The shortest is loaded at tick 0"
check "the loaded run replays a script" wait_for " script "
tm send-keys -t 0 e
check "the loaded schedule ends in the failure" wait_for "ended: assertion failed"
tm send-keys -t 0 w
check "w saves a copy of the scenario" wait_for "Saved race-counter-schedule.scn"
"$THREADLAB" --run "$tmp/work/race-counter-schedule.scn" >/dev/null 2>&1
check "the copy replays the failure" [ $? -eq 1 ]
check "no temporary file is left behind" sh -c '[ "$(ls "$1")" = race-counter-schedule.scn ]' - "$tmp/work"
tm send-keys -t 0 q
wait_exit
check "q after x and w exits 0" [ "$rc" = 0 ]
CDTO=$tmp/work start 120 40 race-mutex
wait_for " tick 0 " >/dev/null
tm send-keys -t 0 x
check "x on a correct scenario: none fails" wait_for "Explored [0-9]+ schedules: none fails"
check "... and the run stays as it was" wait_for " rr "
tm send-keys -t 0 q
wait_exit

# --- quiz mode -----------------------------------------------------------------
start 80 24 --quiz race-counter
check "--quiz on a terminal opens the screen in quiz mode" wait_for "Quiz mode: 10 questions"
keys g 3 0 Enter
wait_for " tick 30 " >/dev/null
keys n
wait_for " tick 31 " >/dev/null
keys n
check "the step to a question's tick stops and asks" wait_for "Quiz . question 1 of 10"
check "the question is asked in words" wait_for "T1 is about to call join on T2. Will it block\?"
check "the bottom line reads the answer" wait_for "your answer: _"
keys n
check "keys are the answer while it asks" wait_for "your answer: n_"
check "the tick has not run" wait_for " tick 32 "
keys BSpace m a y b e Enter
check "an answer of the wrong form is refused" wait_for "Answer with yes or no"
keys BSpace BSpace BSpace BSpace BSpace y e s Enter
check "a right answer is revealed right" wait_for "Right: yes"
check "with why" wait_for "T1 waits for T2 to end \(join\)"
check "and the tick has run" wait_for " tick 33 "
check "the score" wait_for "1 of 1 right"
keys g 4 3 Enter
wait_for " tick 43 " >/dev/null
keys n
check "a load is asked" wait_for "What value will it read\?"
check "the word's value is hidden" wait_for "counter = \?"
keys 7 Enter
check "a wrong answer is revealed wrong, with the right one" \
	wait_for "Wrong: you answered 7; the answer is 1"
check "the value is shown again" wait_for "counter = 1"
keys b
check "b goes back to the question's tick" wait_for " tick 44 "
check "... and the view is the usual one" wait_for "Narration"
keys n
check "an answered question is not asked again" wait_for " tick 45 "
check "the next one is" wait_for "question 3 of 10"
keys Escape
check "Escape puts the question away" wait_for "n asks it again"
keys n
check "n asks it again" wait_for "question 3 of 10"
keys Escape
keys Q
check "Q turns quiz mode off" wait_for "Quiz mode off: 1 of 2 answered right"
keys n
check "without quiz mode n steps" wait_for " tick 46 "
keys Q
check "Q turns it on again, afresh" wait_for "Quiz mode: 10 questions"
keys space
check "running stops at the next question" wait_for "question 4 of 10"
check "and pauses" wait_for "paused"
keys Escape '?'
check "the help lists Q" wait_for "Q +quiz mode"
keys '?' q
wait_exit
check "q after the quiz exits 0" [ "$rc" = 0 ]
start 80 24 race-counter
wait_for " tick 0 " >/dev/null
keys Q
check "Q on the screen starts quiz mode" wait_for "Quiz mode: 10 questions"
keys e
check "running to the end stops at the first question" wait_for "question 1 of 10"
keys q
check "q is an answer while it asks" wait_for "your answer: q_"
keys Escape q
wait_exit

# --- the coroutine runtime, summarised in the Threads panel ---------------------
start 150 50 mn-runtime
wait_for " tick 0 " >/dev/null
keys g 2 0 0 Enter
check "mn-runtime at tick 200: the runtime's counts" \
	wait_for "go: [0-9]+ coroutines on 2 workers: .*parked"
check "... each worker with what it runs" wait_for "T2   runs (co[0-9]+ \\(handle\\)|none)"
check "... and what became of the coroutines each ran" \
	wait_for "T3   runs (co[0-9]+ \\(handle\\)|none); of those it ran, [0-9]+ (ready|parked)"
check "... the coroutines parked longest, on what" \
	wait_for "co[0-9]+ \\(handle\\) parked in read fd [0-9]+ for [0-9]+ ticks"
check "... and the I/O panel says what is parked on a descriptor" wait_for "1 coroutine parked"
screen >"$tmp/at200"
step 5 >/dev/null
keys b b b b b
wait_for " tick 200 " >/dev/null
screen >"$tmp/back200"
check "n x5 then b x5 gives the same runtime, the same screen" cmp -s "$tmp/at200" "$tmp/back200"
keys q
wait_exit
check "q exits 0" [ "$rc" = 0 ]

# --- a thread per connection, a thousand at once: the stacks counted ------------
start 120 40 c10k
wait_for " tick 0 " >/dev/null
check "a few threads: the Memory title counts no stacks" sh -c '! tmux -S "$1" capture-pane -p -t 0 | grep -q "stacks, "' - "$sock"
keys g 4 0 0 0 0 Enter
check "c10k at tick 40000: the Memory title counts 1001 stacks" wait_for "Memory ─ 1001 stacks, 62.5 MiB"
check "... every connection's thread blocked in read" wait_for "T2   handle     blocked  read fd 4"
keys q
wait_exit
check "q from c10k exits 0" [ "$rc" = 0 ]

# --- narration at the moment it describes: the first resume, not the first switch
start 120 40 thread-context
wait_for " tick 0 " >/dev/null
keys g 1 2 Enter
wait_for " tick 12 " >/dev/null
check "thread-context up to tick 11: the switch to a fresh T2 is not narrated as a resume" \
	sh -c '! tmux -S "$1" capture-pane -p -t 0 | grep -q "Restored: the other"' - "$sock"
keys n
check "... the switch back to T1 at tick 12 is, with its events" wait_for "Restored: the other thread's registers"
check "... beside T1's context restored" wait_for "T2's context saved .*T1's restored"
keys q
wait_exit
check "q from thread-context exits 0" [ "$rc" = 0 ]

# --- lessons, rows 1 to 10: each note at its moment, and whole in the panel ----
# narration: the Narration panel's text, its rows joined by spaces (the
# latest note first), without the borders and the Output panel beside it.
narration() {
	screen | sed -n '/─ Narration /,/^└/p' | sed '1d;$d' |
		sed 's/^│ //; s/ *│.*$//' | tr '\n' ' ' | tr -s ' '
}

# narration_has TEXT: until the panel shows TEXT whole (a note cut short
# by the panel's rows fails); fails after $patience seconds.
narration_has() {
	end=$(($(date +%s) + patience))
	while [ "$(date +%s)" -lt "$end" ]; do
		narration | grep -qF -- "$1" && return 0
		sleep 0.05
	done
	diag "the narration never showed \"$1\" whole:" "$(narration)"
	return 1
}

# narration_lacks TEXT: the panel does not show TEXT now.
narration_lacks() {
	narration | grep -qF -- "$1" || return 0
	diag "the narration already shows \"$1\":" "$(narration)"
	return 1
}

# go N: type g N Enter and wait until the header shows tick N.
go() {
	keys g $(echo "$1" | sed 's/./& /g') Enter
	wait_for " tick $1 " >/dev/null
}

start 120 40 pc-basics
wait_for " tick 0 " >/dev/null
go 64
check "pc-basics up to tick 63: the return is not narrated before ret runs" \
	narration_lacks "Back in main"
step 1 >/dev/null
check "... ret at tick 64 is, whole" narration_has "Back in main: ret popped the return address into PC, right after the call. The result waits in r0 until it is stored in s."
check "... with PC right after the call" wait_for "CPU0  T1 \\(main\\) .* pc 0x4000ac "
keys q
wait_exit

start 120 40 multitasking
wait_for " tick 0 " >/dev/null
go 9
check "multitasking up to tick 8: no switch narrated" narration_lacks "Timer interrupt"
step 1 >/dev/null
check "... the first switch, at tick 9, is" narration_has "Timer interrupt, and now T2 is ready: main's PC, SP and registers are saved and T2's loaded, which costs a tick."
go 50
check "multitasking at tick 50: the value left half-done in r0 is narrated" \
	narration_has "Interrupted mid-line 27: T2 computed work[0] + 1 in r0 but has not stored it."
check "... and is there in T2's saved context" wait_for "T2   worker     ready    saved: pc 0x400050 r0 1 "
keys q
wait_exit

start 120 40 process-vs-thread
wait_for " tick 0 " >/dev/null
keys e
wait_for "ended: exit 0" >/dev/null
check "process-vs-thread at its end: the three timings, whole" \
	narration_has "Same results: 199 ticks in one thread, 757 in two processes, 325 in two threads. The processes paid for address-space switches and copied pages."
keys q
wait_exit

start 120 40 threads-share
wait_for " tick 0 " >/dev/null
go 7
check "threads-share up to tick 6: malloc not narrated yet" narration_lacks "malloc handed out"
step 1 >/dev/null
check "... at malloc, it is" narration_has "malloc handed out a heap block for 5 ints of 8 bytes (40 B, rounded up to 48)."
check "... beside the block of 48 B in the heap" wait_for "block 48 B by T1"
keys q
wait_exit

start 120 40 stacks
wait_for " tick 0 " >/dev/null
go 74
check "stacks up to tick 73: fact's recursion not narrated yet" narration_lacks "fact calls itself"
step 1 >/dev/null
check "... its first recursive call, at tick 74, is" narration_has "fact calls itself: the arguments and the return address go on, a new frame for fact(n - 1) below this one."
keys q
wait_exit

start 120 40 thread-pool
wait_for " tick 0 " >/dev/null
keys e
wait_for "ended: exit 0" >/dev/null
check "thread-pool at its end: the sizing note, whole" \
	narration_has "and --compare the copies with --clients 16."
keys q
wait_exit

start 120 40 tls
wait_for " tick 0 " >/dev/null
go 10
check "tls up to tick 9: no new TLS block narrated" narration_lacks "A new thread gets a new TLS block"
step 1 >/dev/null
check "... the spawn at tick 10 is" narration_has "A new thread gets a new TLS block, filled from the template: its counter starts at 0, not 100."
check "... beside T2's block in the map" wait_for "TLS T2 \\(worker\\)  private"
keys q
wait_exit

start 120 40 race-counter
wait_for " tick 0 " >/dev/null
go 45
check "race-counter up to tick 44: no interrupt between ld and st narrated" \
	narration_lacks "between T2's ld and its st"
step 1 >/dev/null
check "... the one at tick 45 is" narration_has "Timer interrupt between T2's ld and its st: T2's saved r0 holds 1, its copy of counter, which goes stale as soon as T3 stores."
check "... with 1 in T2's saved r0" wait_for "T2   worker     ready    saved: pc 0x40003c r0 1 "
go 59
check "race-counter at tick 59: T2's stale store is narrated" \
	narration_has "T2 runs again and stores its stale 1 + 1 = 2 over the 2 that T3 stored: two increments, yet counter went up by only one."
check "... and counter is 2" wait_for "counter = 2  ⚠ race"
keys e
wait_for "ended: assertion failed" >/dev/null
check "race-counter at its end: the end note, whole" \
	narration_has "That is a race. threadlab --explore race-counter finds the shortest losing schedule; the fixes: race-mutex, race-atomic, race-tls, race-readonly."
check "... and the assertion's note begins below it" narration_has "The assertion failed: counter is 4, not 6."
keys q
wait_exit

start 120 40 race-mutex
wait_for " tick 0 " >/dev/null
go 63
check "race-mutex up to tick 62: no worker blocked on m narrated" narration_lacks "T2 wants m"
step 1 >/dev/null
check "... T2 blocking on m, held by T3, at tick 63 is" narration_has "T2 wants m, but T3 holds it: T3 was preempted inside its critical section."
check "... as the map and the thread list show" wait_for "m = held by T3, 1 waiting"
check "... T2 blocked on m" wait_for "T2   worker     blocked  mutex m held by T3"
keys q
wait_exit

start 120 40 race-atomic
wait_for " tick 0 " >/dev/null
go 45
check "race-atomic up to tick 44: no interrupt narrated" narration_lacks "The timer can fire"
step 1 >/dev/null
check "... the one at tick 45, after an atomic_add, is" narration_has "The timer can fire before or after atomic_add, never inside it"
check "... counter already 1" wait_for "counter = 1 "
keys q
wait_exit

# main_store NAME TICK NOTE: NOTE is not shown, nor counter written,
# before main's store at TICK; after it, both are.
main_store() {
	start 120 40 "$1"
	wait_for " tick 0 " >/dev/null
	go "$2"
	check "$1 up to tick $(($2 - 1)): main's write to counter not narrated yet" narration_lacks "$3"
	check "... nor done" wait_for "counter = 0"
	step 1 >/dev/null
	check "... main's store at tick $2 is" narration_has "$3"
	check "... counter is 3" wait_for "counter = 3"
	keys q
	wait_exit
}
main_store race-tls 111 "Only main writes counter, and only after a worker has ended: one writer, no race."
main_store race-readonly 68 "counter is written only here, by main, after the worker has ended."


# --- short of room, the memory map keeps each thread's TLS copy, and says
# how many rows it left out of a region -----------------------------------------
start 120 40 tls
wait_for " tick 0 " >/dev/null
go 60
screen >"$tmp/screen"
for t in "T1 (main)" "T2 (worker)" "T3 (worker)" "T4 (worker)"; do
	check "tls at tick 60: $t's TLS block shows its counter" sh -c \
		'grep -A1 -F -e "TLS $1" "$2" | tail -n 1 | grep -q "counter = "' - "$t" "$tmp/screen"
done
check "... a region with rows left out says how many" wait_for "code  r-x shared  ⋮ "
keys q
wait_exit


# --- a register holding an address shows it in hex, as the trace and the map do
start 120 40 threads-share
wait_for " tick 0 " >/dev/null
go 9
check "threads-share at tick 9: the CPU line shows r0's heap address in hex" wait_for "CPU0 .* r0 0x601010 "
keys q
wait_exit


# --- a note longer than the Narration panel reads on, scrolled a row at a time
cat >"$tmp/long-note.scn" <<'EOF'
#note start "One. The first row of a note far longer than the panel at 80x24 has rows for, which is two. Two. The second row goes on with more words to fill it up. Three. The third row ends with the last words: tail end."
int main() { return 0; }
EOF
start 80 24 "$tmp/long-note.scn"
wait_for " tick 0 " >/dev/null
check "a note longer than the panel: its start shows" wait_for "One. The first row"
check "... its end does not fit" wait_gone "tail end"
keys BTab Up
check "... scrolled a row, its next rows show" wait_for "tail end\."
keys Down
check "... and back" wait_for "One. The first row"
keys q
wait_exit


# --- the Output panel wraps a line too long for it: its end is the last row
start 120 40 process-vs-thread
wait_for " tick 0 " >/dev/null
keys e
check "process-vs-thread at its end: the last line's end shows, wrapped" \
	wait_for "│ process, 325 ticks +│$"
keys q
wait_exit


# --- the CPU line shows tp, the base of the running thread's TLS block
start 120 40 tls
wait_for " tick 0 " >/dev/null
go 30
check "tls at tick 30: the CPU line shows T3's tp, where its TLS block is" \
	wait_for "CPU0  T3 .* tp 0x7ff7f000 " && wait_for "0x7ff7_f000 TLS T3"
keys q
wait_exit

# --- lessons, rows 11 to 21 (rows 15 and 18 most closely) ----------------------
# What each row of the lessons must show, at 120x40 unless said, and
# narration that waits for the moment it describes: not shown one tick
# before, shown one tick after.

# lacks PATTERN: the screen does not show PATTERN now.
lacks() { ! screen | grep -qE -- "$1"; }

# goto TICK: g TICK Enter, and wait until the header shows it.
goto() {
	keys g
	for d in $(echo "$1" | sed 's/./& /g'); do keys "$d"; done
	keys Enter
	wait_for " tick $1 " >/dev/null
}

# memory_rows: the rows of the Memory panel on screen (the right column of
# the rows under its title, down to the I/O or the Schedule panel's head).
memory_rows() {
	screen | sed -n '5,$p' | sed '/─ I\/O ─\|┴/,$d' | sed 's/^│[^│┤]*[│┤]\(.*\)│$/\1/'
}

# memory_heads: every row inside a region in the Memory panel comes under
# its region's head, and every frame of a coroutine's stack under the
# head that says whose stack it is ("stack of co3 (handler)"): a row's
# depth is its indent (1 + 12 columns of address, then 2 a level).
memory_heads() {
	memory_rows | awk '
	{ n = match($0, /[^ ]/) - 1; d = n >= 17 ? 2 : n >= 15 ? 1 : 0 }
	d == 0 { head = 1; co = 0 }
	d == 1 { if (!head) { bad = bad "\n# no region head above: " $0 }
		 co = $0 ~ /^ *stack of co/ }
	d == 2 && !co { bad = bad "\n# no coroutine stack head above: " $0 }
	END { if (bad != "") { print "# Memory panel:" bad; exit 1 } }'
}

# 11: the generator's transcript and the coroutine's saved PC
start 120 40 coroutine-generator
goto 5
check "row 11, coroutine-generator at tick 5: the two heap blocks not told before coroutine() runs" \
	lacks "allocates two heap blocks"
keys n
check "... at tick 6 they are told" wait_for "coroutine\\(\\) allocates two heap blocks"
check "... and on the heap" wait_for "co1 object  not started, at pc 0x400014"
goto 22
check "coroutine-generator at tick 22: the yield's save not told before the yield" lacks "yield\\(1\\): the coroutine's PC"
goto 23
check "... at tick 23 it is" wait_for "yield\\(1\\): the coroutine's PC"
check "coroutine-generator at tick 23: the coroutine's row, its saved PC" \
	wait_for "co1  simple_cor suspended saved: pc 0x40003c line 33"
check "... its object on the heap, suspended there" wait_for "co1 object  suspended at pc 0x40003c \\(line 33\\)"
check "... the transcript so far in Output" wait_for "Coroutine started"
keys q
wait_exit

# 12: three counters, three heap stacks, told once they all exist
start 120 40 coroutine-stacks
goto 30
check "row 12, coroutine-stacks at tick 30: square's coroutine not told before it exists" lacks "The same function as a coroutine"
keys n
check "... at tick 31 it is, its stack block on the heap" wait_for "stack of co1 \\(square\\)"
check "... and the note" wait_for "The same function as a coroutine"
check "... the stack's row says not started, as the object's does" wait_for "stack of co1 \\(square\\)  16 B of 4 KiB  not st"
goto 132
check "coroutine-stacks at tick 132: 'three more stack blocks' not told yet" lacks "Three counters, three more"
keys n
check "... told at tick 133, when the third exists" wait_for "Three counters, three more stack blocks"
check "... the third counter's object on the heap" wait_for "co4 object  not started"
keys q
wait_exit

# 13: a function as a value, then a synchronous callback above its caller
start 120 40 callbacks
goto 11
check "row 13, callbacks at tick 11: on_done's address not told before li loads it" lacks "on_done without parentheses"
keys n
check "... at tick 12 it is" wait_for "on_done without parentheses is not a call"
check "... beside the li that loaded it" wait_for "T1 sets r0 = 0x400014"
goto 83
check "callbacks at tick 83: the asynchronous hand-off not told before the spawn" lacks "Asynchronous: the callback and the connection"
keys n
check "... at tick 84 it is, with the job's thread" wait_for "T2   job "
check "... and the note" wait_for "Asynchronous: the callback and the connection"
goto 37
check "row 13, callbacks at tick 37: on_done's frame above run_sync's" wait_for "on_done\\(value=9\\)  ret→run_sync"
check "... narrated as synchronous" wait_for "that is a synchronous callback"
keys q
wait_exit

# 14: the blocking read told when T1 blocks, not before
start 120 40 blocking
goto 30
check "row 14, blocking at tick 30: T1 not yet called blocked in the narration" lacks "1. Synchronous and blocking"
keys n
check "... at tick 31 it is, beside T1 blocked in read" wait_for "T1   main       blocked  read fd 4"
check "... and the note" wait_for "1. Synchronous and blocking"
goto 88
check "blocking at tick 88: the non-blocking read's EAGAIN in words, one pair of parentheses" \
	wait_for "errno = EAGAIN \\(non-blocking, and the call would block\\)"
keys q
wait_exit

# 15: a process per connection: the first switch between address spaces
start 120 40 server-fork
goto 65
check "row 15, server-fork at tick 65: the switch between processes not told yet" lacks "first switch between two processes"
keys n
check "... at tick 66 it is" wait_for "The first switch between two processes"
check "... while CPU1 pays for it" wait_for "CPU1  T4 \\(main\\)  context switch: 3 ticks left"
check "... three processes in the Memory title" wait_for "Memory ─ process P1 of 3"
keys q
wait_exit
start 120 40 server-threads
goto 24
check "row 15, server-threads at tick 24: the connection's thread has its own stack" \
	wait_for "0x7ffb_0000 stack T2 \\(handle\\)"
goto 120
check "server-threads at tick 120: the Memory title counts the regions left out whole" \
	wait_for "Memory ─+ ⋮ 5 regions left out ─"
check "... no row shown without its region's head" memory_heads
check "... so rodata's constant is not listed under data's head" \
	sh -c '! printf "%s\n" "$1" | sed -n "/ data  shared/,/^ 0x/p" | grep -q "WORK = "' - "$(memory_rows)"
keys q
wait_exit
start 120 40 c10k
goto 6
check "row 15, c10k at tick 6: the clients still connecting, as the first note says" wait_for "clients 1000: 1000 connecting"
check "... the note says when they connect" wait_for "connect as soon as main listens,"
keys n
check "... at tick 7 main listens and the thousand wait to be accepted" wait_for "listening, port 8080  1000 to accept"
keys q
wait_exit

# 16: epoll_wait returning the ready one
start 120 40 event-loop
goto 123
check "row 16, event-loop at tick 123: epoll_wait returns one ready descriptor" \
	wait_for "epoll_wait on fd 3 returns 1 ready descriptor"
check "... the I/O panel says which" wait_for "interest 4 in, 5 in  ready 5"
keys q
wait_exit

# 17: the slow handler on the loop: everyone else already waiting, ready
start 120 40 reactor
goto 300
check "row 17, reactor at tick 300: two connections wait to be accepted" wait_for "listening, port 8080  2 to accept"
check "... a request waits unread" wait_for "fd 6  client 2  10 B \"GET /index\""
check "... as the note says" wait_for "the other clients have connected and sent"
keys q
wait_exit

# 18: the callback told when its function runs; a worker waits on the run queue only
start 120 40 rpc-callbacks
goto 717
check "row 18, rpc-callbacks at tick 717: the callback not told while main still calls it" lacks "The loop calls the callback"
keys n
check "... at tick 718 it is" wait_for "The loop calls the callback registered"
check "... with the callback's own code on the screen" wait_for "86  void handler_after_GetUserInfo\\(int client, int"
check "... and the only thread running" wait_for "T1   main       running  CPU0"
keys q
wait_exit
start 120 40 rpc-coroutines
goto 41
check "row 18, rpc-coroutines at tick 41: T3's wait not told yet" lacks "T3 finds the run queue empty"
keys n
check "... at tick 42 it is" wait_for "T3 finds the run queue empty"
check "... beside the event: on the run queue, not a socket" wait_for "T3 waits on the run queue: a worker with no coroutine ready to run"
goto 172
check "rpc-coroutines at tick 172: co1 parked, its worker runs another" wait_for "T2   go_worker  running  CPU0  on co3 \\(handler\\)"
check "... the Memory panel, short of room, shows no frame without its stack's head" memory_heads
check "... and the touched frame with its coroutine's head" sh -c 'printf "%s\n" "$1" | grep -q "^ \{15\}stack of co[0-9]* (handler) "' - "$(memory_rows)"
keys q
wait_exit
start 80 24 rpc-coroutines
goto 42
check "rpc-coroutines at 80x24, tick 42: the note fits" wait_for "T3 finds the run queue empty"
goto 172
check "rpc-coroutines at 80x24, tick 172: no frame in the Memory panel without its stack's head" memory_heads
keys q
wait_exit

# 19: the first park: the note and the Threads panel agree
start 120 40 mn-runtime
goto 24
check "row 19, mn-runtime at tick 24: the first go's note on the screen, not hidden by the pick's" \
	wait_for "the first go also starts the two workers"
goto 25
check "... the pick's a tick later" wait_for "A worker takes a coroutine off the run queue"
goto 36
check "row 19, mn-runtime at tick 36: the worker on the empty run queue is idle, not blocked" \
	wait_for "T2   go_worker  idle     no coroutine ready"
check "... which the park note says" wait_for "as now, waits on the run queue\\."
check "... the I/O panel counts the parked coroutine" wait_for "fd 4  client 1  empty  1 coroutine parked"
goto 60
# schedule_row TID: the cells of thread TID's row in the Schedule panel.
schedule_row() { screen | sed -n "s/^│ T$1  go_w \(.*\) │\$/\1/p"; }
check "mn-runtime at tick 60: the idle worker's ticks drawn as idle in the Schedule" \
	sh -c 'printf "%s" "$1" | grep -q "█▁▁▁▁*█"' - "$(schedule_row 2)"
check "... never as blocked, in either worker's row" \
	sh -c '[ -n "$1" ] && [ -n "$2" ] && ! printf "%s%s" "$1" "$2" | grep -q "▒"' - \
	"$(schedule_row 2)" "$(schedule_row 3)"
check "... and the legend says what the idle glyph is" \
	wait_for "│ preempted  ┄ waiting for I/O  ▁ idle: no coroutine ready "
keys q
wait_exit
start 120 40 --ascii mn-runtime
goto 60
check "mn-runtime --ascii: an idle worker's ticks are _" \
	sh -c 'printf "%s" "$1" | grep -q "#___*#"' - "$(screen | sed -n "s/^| T2  go_w \(.*\) |\$/\1/p")"
check "... and the ASCII legend says so" wait_for ": waiting for I/O  _ idle: no coroutine ready "
keys q
wait_exit

# 20: two counters, two environments, told once both exist
start 120 40 closures
goto 79
check "row 20, closures at tick 79: 'two heap blocks' not told yet" lacks "two counters, two heap"
keys n
check "... at tick 80 it is" wait_for "two counters, two heap"
check "... and both environments are on the heap" wait_for "closure next \\(env\\) 32 B by T1  count = 100"
keys q
wait_exit

# 21: one pid outside, another inside
start 120 40 containers
goto 27
check "row 21, containers at tick 27: P2 is pid 1 in its box" wait_for "Threads ─ P1 live · P2 \\(pid 1 in box1\\)"
check "... the note's last line on the screen too" wait_for "no kernel to boot first, as a VM has\\."
goto 107
check "... at tick 107 web's child is pid 2 there" wait_for "P4 2@box1"
keys q
wait_exit
check "q from containers exits 0" [ "$rc" = 0 ]

finish
