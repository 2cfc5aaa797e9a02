#!/bin/sh
# export.sh: --export=perfetto and --export=dot.  The JSON is parsed by
# python3's json module (tests/perfetto-check.py checks that every event
# has a named track, slices never overlap on a thread and flows start and
# end inside slices); the DOT is rendered by Graphviz's dot -Tsvg; one
# small scenario's exports are compared with stored ones
# (tests/golden-exports; GOLDEN_UPDATE=1 rewrites them).
. "$(dirname "$0")/lib.sh"

skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $1"; }
has() { printf '%s\n' "$1" | grep -qxF -- "$2"; }
gold=$srcdir/tests/golden-exports
cd "$tmp" || exit 1

have_python=; command -v python3 >/dev/null 2>&1 && have_python=1
have_dot=; command -v dot >/dev/null 2>&1 && have_dot=1

# perfetto NAME STATUS: export NAME's run; $facts: the kinds of event in it.
perfetto() {
	rm -f "$1.json"
	run --export=perfetto "$1.json" "$1"
	check "--export=perfetto $1 exits $2 like the run" [ "$rc" -eq "$2" ]
	facts=
	if [ -z "$have_python" ]; then
		skip "python3 is not installed: $1.json is not parsed"
		return 1
	fi
	if facts=$(python3 "$srcdir/tests/perfetto-check.py" "$1.json" 2>"$tmp/check-err"); then
		ok "$1.json parses and Perfetto can place every event"
	else
		not_ok "$1.json parses and Perfetto can place every event"
		diag "$(cat "$tmp/check-err")"
	fi
}

if perfetto race-mutex 0; then
	for want in "M process_name P1 race-mutex" "M thread_name T1 (main)" \
		"M thread_name T2 (worker)" "M thread_name T3 (worker)" "X main" "X worker" \
		"X mutex m" "X join T2" "s unlock to lock" "f unlock to lock" "s spawn" "f spawn" \
		"s exit to join" "C heap bytes in use" "C ready threads"; do
		check "race-mutex.json has $want" has "$facts" "$want"
	done
fi
check "the program's output still goes to stdout" [ "$out" = "counter = 6" ]

if perfetto deadlock 1; then
	for want in "X mutex a" "X mutex b" "X join T2" "i deadlock"; do
		check "deadlock.json has $want" has "$facts" "$want"
	done
fi
if perfetto race-counter 1; then
	check "race-counter.json has the data race" has "$facts" "i data race on counter with T2"
	check "race-counter.json has the failed assertion" \
		has "$facts" "i assertion failed: counter == 2 * ROUNDS"
fi
if perfetto bounded-buffer 0; then
	for want in "X semaphore empty" "X semaphore full" "s post to wait" "f post to wait"; do
		check "bounded-buffer.json has $want" has "$facts" "$want"
	done
fi
if perfetto fork 0; then
	check "fork.json has a track per process" has "$facts" "M process_name P3 fork"
	check "fork.json has the child's fault" has "$facts" "i fault: NULL pointer access at 0x0"
	check "fork.json links a fork to the child's first run" has "$facts" "s fork"
	check "fork.json links a child's exit to its parent's wait" has "$facts" "s exit to wait"
fi
if perfetto event-loop 0; then
	for want in "M process_name network: the clients outside the machine" \
		"M thread_name client 1" "M thread_name client 3" "X waiting for its reply" \
		"X epoll_wait ep 3" "s request to read" "f request to read" \
		"s write to reply" "f write to reply" "C open connections"; do
		check "event-loop.json has $want" has "$facts" "$want"
	done
	replies=$(grep -c '"name":"waiting for its reply"' event-loop.json)
	check "event-loop.json: each client waits for one reply" [ "$replies" -eq 3 ]
	check "event-loop.json: the connections counter goes up to 2 and back to 0" sh -c \
		'grep -q "\"connections\":2" "$1" && tail -n 20 "$1" | grep "open connections" | tail -n 1 | grep -q "\"connections\":0"' - event-loop.json
fi
if perfetto blocking 0; then
	check "blocking.json names a blocked read after its descriptor" has "$facts" "X read fd 4"
fi
if perfetto coroutine-generator 0; then
	heap=$(grep -c '"heap bytes in use".*"bytes":[1-9]' coroutine-generator.json)
	check "the heap counter counts coroutine stacks" [ "$heap" -ge 1 ]
fi

# dot DESCRIPTION FILE: FILE renders with Graphviz.
renders() {
	if [ -z "$have_dot" ]; then
		skip "graphviz is not installed: $2 is not rendered"
	elif dot -Tsvg "$2" >"$2.svg" 2>"$tmp/dot-err" && grep -q '<svg' "$2.svg"; then
		ok "$1"
	else
		not_ok "$1"
		diag "$(cat "$tmp/dot-err")"
	fi
}

run --export=dot deadlock.dot deadlock
check "--export=dot deadlock exits 1 like the run" [ "$rc" -eq 1 ]
renders "the wait-for graph of deadlock renders" deadlock.dot
check "the cycle's threads are red" \
	[ "$(grep -c '^	T[23] \[label=.*color=red' deadlock.dot)" -eq 2 ]
check "the cycle's edges are red" \
	[ "$(grep -c -- '-> .*color=red' deadlock.dot)" -eq 4 ]
check "main's join is not on the cycle" grep -q '^	T1 -> T2 \[label="join (line 46)"\];$' deadlock.dot
check "the mutexes are named" grep -q 'label="mutex a"' deadlock.dot

run --export=dot bb.dot bounded-buffer
renders "the wait-for graph of a run that ended well renders" bb.dot
check "... and has nothing red" sh -c '! grep -q red bb.dot'

run --explore --export=dot states.dot race-counter
check "--explore --export=dot exits 1 like the exploration" [ "$rc" -eq 1 ]
renders "the state graph of race-counter renders" states.dot
check "the state graph has its states" grep -q 'label="race-counter: 387 states' states.dot
check "failing ends are red" grep -q 'label="FAILED: assertion failed.*doubleoctagon, color=red' states.dot
check "steps are labelled with their thread" grep -q -- '-> S[0-9]* \[label="T3"\]' states.dot

rm -f big.dot
run --explore --export=dot big.dot peterson
check "a state graph too big to draw exits 3" [ "$rc" -eq 3 ]
check "... says how big it is and what to do" sh -c 'printf "%s" "$1" | grep -q "the state graph has [0-9]* states, more than the 500 --export=dot draws; bound the search with --max-preemptions"' - "$err"
check "... and writes no file" [ ! -e big.dot ]
run --explore --max-states 100 --export=dot big.dot peterson
check "--max-states 100 draws the beginning of it" grep -q 'label="peterson: 100 states' big.dot

# the golden exports of one small scenario
for f in deadlock.json deadlock.dot deadlock-states.dot; do
	case $f in
	*.json) run --export=perfetto "got-$f" deadlock ;;
	*-states.dot) run --explore --export=dot "got-$f" deadlock ;;
	*) run --export=dot "got-$f" deadlock ;;
	esac
	[ -n "${GOLDEN_UPDATE:-}" ] && cp "got-$f" "$gold/$f"
	if cmp -s "got-$f" "$gold/$f"; then
		ok "deadlock's export is tests/golden-exports/$f"
	else
		not_ok "deadlock's export is tests/golden-exports/$f"
		diag "$(diff "$gold/$f" "got-$f" | head -20)"
	fi
done

# bad usage
run --export=svg x.svg race-mutex
check "an unknown format exits 2" [ "$rc" -eq 2 ]
check "... and lists the formats" sh -c 'printf "%s" "$1" | grep -q "unknown export format .svg. (formats: perfetto, dot)"' - "$err"
run race-mutex --export=perfetto
check "a format without a file exits 2" [ "$rc" -eq 2 ]
check "... and says so" sh -c 'printf "%s" "$1" | grep -q "export=perfetto wants a file name after it"' - "$err"
run --export=perfetto --run race-mutex
check "an option where the file goes exits 2" [ "$rc" -eq 2 ]
run --explore --export=perfetto x.json race-mutex
check "perfetto does not go with --explore" [ "$rc" -eq 2 ]
run --check --export=dot x.dot race-mutex
check "an export does not go with --check" [ "$rc" -eq 2 ]
run --export=perfetto "$tmp/no/such/dir/x.json" race-mutex
check "an unwritable file exits 2" [ "$rc" -eq 2 ]
check "... and says so" sh -c 'printf "%s" "$1" | grep -q "cannot write"' - "$err"
echo old >kept.json
run --export=perfetto kept.json --max-steps 10 race-mutex
check "a run stopped by a limit still exports what ran, exit 3" [ "$rc" -eq 3 ]
check "... replacing the file whole" grep -q '"traceEvents"' kept.json
check "the file is left as it was when the scenario does not compile" sh -c '
	printf "int main() { return x; }\n" >bad.scn
	echo old >same.json
	"$1" --export=perfetto same.json bad.scn 2>/dev/null
	[ $? -eq 2 ] && [ "$(cat same.json)" = old ]' - "$THREADLAB"

finish
