#!/bin/sh
# explore.sh: --explore as a user meets it — the tally, the exit status
# (1 when a schedule fails), the failing schedule replaying exactly with
# --schedule and from a scenario file, the network's deliveries in it,
# the bound, the reduction, the state limit, and the options that go
# with it.
. "$(dirname "$0")/lib.sh"

# contains TEXT NEEDLE: TEXT holds NEEDLE (a fixed string).
contains() { printf '%s\n' "$1" | grep -F -q -e "$2"; }
# schedule_line: the schedule --explore gave in the last run.
schedule_line() { sed -n 's/^schedule: //p' "$tmp/out"; }
# count_of TEXT: the schedules of the outcome line holding TEXT.
count_of() { printf '%s\n' "$out" | grep -F -e "$1" | awk '{ print $2 }'; }
# total: the schedules the first line counts.
total() { printf '%s\n' "$out" | head -n 1 | sed 's/^[^:]*: \([0-9]*\) schedule.*/\1/'; }

# The lost update: a failing schedule, a tally that adds up, a replay.
run --explore race-counter
check "a racy scenario explores to exit 1" [ "$rc" -eq 1 ]
check "the first line says the search was complete" \
	contains "$(printf '%s\n' "$out" | head -n 1)" "every schedule explored"
check "the tally has the good outcome" contains "$out" '"counter = 6\n"'
check "the tally has a lost update with the assertion" \
	contains "$out" 'assertion failed: counter == 2 * ROUNDS'
sum=0
for n in $(printf '%s\n' "$out" | awk '/^  (ok|FAILED|limit) / { print $2 }'); do
	sum=$((sum + n))
done
check "the outcomes add up to the schedules counted" [ "$sum" -eq "$(total)" ]
check "one schedule line" [ "$(grep -c '^schedule: ' "$tmp/out")" -eq 1 ]
S=$(schedule_line)
check "the failing run is reported on stderr" contains "$err" "assertion failed: counter == 2 * ROUNDS"
run --run --schedule "$S" race-counter
check "the schedule replays to the same failure (exit 1)" [ "$rc" -eq 1 ]
check "the replay prints a lost update" sh -c '[ "$1" != "counter = 6" ]' - "$out"
check "the replay fails the assertion" contains "$err" "assertion failed: counter == 2 * ROUNDS"
printed=$out
run --explore --cores 4 --switch-cost 3 race-counter
S4=$(schedule_line)
check "on four cores the schedule idles the other three" contains "$S4" " | .*"
run --run --cores 4 --switch-cost 3 --schedule "$S4" race-counter
check "and replays there to the same failure" [ "$rc" -eq 1 ] && [ "$out" = "$printed" ]
# a scenario file can carry it
sed -e 's/^#policy rr$/#policy script/' -e "s/^#switch-cost 0\$/#switch-cost 0\\n#schedule \"$S\"/" \
	"$srcdir/scenarios/race-counter.scn" >"$tmp/carried.scn"
run --run "$tmp/carried.scn"
check "a scenario carrying the schedule fails the same way" [ "$rc" -eq 1 ] && [ "$out" = "$printed" ]

# The failing schedule joins a thread's runs where that fails the same
# way: check-then-act's first shortest one has 10 runs, three adders' 14;
# told, they have 7 and 11, and still replay to a failure the tally counts.
cat >"$tmp/adders2.scn" <<'EOF'
int c;
void w() { for (int i = 0; i < 4; i++) c++; }
int main() { int a = spawn(w); int b = spawn(w); int d = spawn(w); join(a); join(b); join(d); return c == 12 ? 0 : 1; }
EOF
for want in check-then-act:7 "$tmp/adders2.scn":11; do
	name=${want%:*} most=${want##*:}
	run --explore "$name"
	S=$(schedule_line)
	tally=$out
	check "$name's failing schedule has at most $most runs" [ "$(printf '%s\n' "$S" | wc -w)" -le "$most" ]
	run --run --schedule "$S" "$name"
	check "$name's schedule replays to a failure the tally counts" [ "$rc" -ne 0 ] && \
		printf '%s\n' "$tally" | grep '^  FAILED' | grep -F -q -e "\"$(printf '%s' "$out" | sed 's/$/\\n/' | tr -d '\n')\""
done

# The fixes: no failing schedule, exit 0, no schedule line.
for name in race-mutex race-atomic race-tls race-readonly lock-order peterson; do
	run --explore "$name"
	check "$name explores to exit 0" [ "$rc" -eq 0 ]
	check "$name has no failing schedule" sh -c '! grep -q "^schedule: \|FAILED" "$1"' - "$tmp/out"
done

# The broken ones: each fails under some schedule, and its replay too.
for name in check-then-act flag-lock deadlock; do
	run --explore "$name"
	check "$name explores to exit 1" [ "$rc" -eq 1 ]
	S=$(schedule_line)
	run --run --schedule "$S" "$name"
	check "$name: the failing schedule replays to exit 1" [ "$rc" -eq 1 ]
done
run --explore deadlock
check "the deadlock's tally names it" contains "$out" "deadlock"
check "the deadlock's report shows the cycle" contains "$err" "cycle: T2 -> T3 -> T2"

# The network: a delivery split in two is found, and its schedule replays.
run --run short-read
check "short-read passes as it runs: each request arrives whole" [ "$rc" -eq 0 ]
run --explore short-read
check "short-read explores to exit 1" [ "$rc" -eq 1 ]
check "the tally has the short read with the assertion" \
	contains "$out" 'read 5 bytes: GET /\n"  assertion failed: n == REQUEST'
check "the tally has the whole requests too" contains "$out" 'read 10 bytes: GET /index\nread 10 bytes: GET /index\n"'
S=$(schedule_line)
check "the schedule names the deliveries, one split in two" contains " $S " " c1/2 "
check "the scenario's narration gives that schedule" \
	grep -q -F -e "--schedule '$S' short-read" "$srcdir/scenarios/short-read.scn"
run --run --schedule "$S" short-read
check "the delivery schedule replays to the failure (exit 1)" [ "$rc" -eq 1 ]
check "the replay reads half a request" [ "$out" = "read 5 bytes: GET /" ]
check "the replay fails the assertion" contains "$err" "assertion failed: n == REQUEST"
"$THREADLAB" --trace --schedule "$S" short-read >"$tmp/trace1" 2>&1
"$THREADLAB" --trace --schedule "$S" short-read >"$tmp/trace2" 2>&1
check "two replays trace the same, byte for byte" cmp -s "$tmp/trace1" "$tmp/trace2"
check "the replay's trace shows the first 5 bytes arriving" \
	grep -q -e "arrive client 1 5 bytes" "$tmp/trace1"
# a scenario file can carry it
sed -e "s|^#cores 1\$|#cores 1\\n#policy script\\n#schedule \"$S\"|" \
	"$srcdir/scenarios/short-read.scn" >"$tmp/carried-net.scn"
run --run "$tmp/carried-net.scn"
check "a scenario carrying the delivery schedule fails the same way" \
	[ "$rc" -eq 1 ] && [ "$out" = "read 5 bytes: GET /" ]
# the state graph names the deliveries as the schedule does
cat >"$tmp/split.scn" <<'EOF'
#clients 1 port 80 send "abcd"
int buf[2];
int main() {
    int c = accept(listen(80));
    int n = read(c, buf, 8);
    assert(n == 4);
    return 0;
}
EOF
run --explore --export=dot "$tmp/net.dot" "$tmp/split.scn"
check "a request read once fails when split (exit 1)" [ "$rc" -eq 1 ]
check "the state graph labels a split delivery c1/2" grep -q -F 'label="c1/2"' "$tmp/net.dot"
# more clients than a search follows
printf '#clients 33 port 80 send "q"\nint main() { listen(80); return 0; }\n' >"$tmp/crowd.scn"
run --explore "$tmp/crowd.scn"
check "more than 32 clients stop the search with exit 3" [ "$rc" -eq 3 ]
check "... and the first line says why" contains "$out" "stopped: more than 32 clients"
# The scenarios with clients explore to what each teaches, completely
# within the default bound on early deliveries: the servers serve every
# client (exit 0), event-loop-et's deadlock is the one it expects
# (exit 0), short-read's split request fails (exit 1).
for want in callbacks:0 event-loop:0 event-loop-et:0 event-loop-server:0 reactor:0 \
	    server-threads:0 server-fork:0 thread-pool:0 short-read:1; do
	name=${want%:*} code=${want#*:}
	run --explore "$name"
	check "$name explores to exit $code" [ "$rc" -eq "$code" ]
	check "$name's search is complete within the bound" \
		contains "$(printf '%s\n' "$out" | head -n 1)" "every schedule with at most 0 early deliveries explored"
	if [ "$code" -eq 0 ]; then
		check "$name has no failing schedule" sh -c '! grep -q "^schedule: \|FAILED" "$1"' - "$tmp/out"
	fi
done
run --explore event-loop-et
check "event-loop-et ends in its deadlock, which it expects" contains "$out" '  ok' && \
	contains "$out" 'deadlock' && grep -q -e '#expect-status deadlock' "$srcdir/scenarios/event-loop-et.scn"
# a scenario without early deliveries to make says nothing of the bound
run --explore race-counter
check "a scenario without clients mentions no delivery bound" \
	contains "$(printf '%s\n' "$out" | head -n 1)" "every schedule explored"
# lifting the bound: more schedules, and the short read still found
run --explore --max-early-deliveries=none short-read
check "--max-early-deliveries=none explores short-read completely (exit 1)" [ "$rc" -eq 1 ] && \
	contains "$(printf '%s\n' "$out" | head -n 1)" "every schedule explored"
run --explore --max-early-deliveries=1 event-loop
check "--max-early-deliveries=1 explores event-loop completely (exit 0)" [ "$rc" -eq 0 ] && \
	contains "$out" "at most 1 early delivery explored"
run --explore --max-early-deliveries=1001 event-loop
check "--max-early-deliveries out of range is refused with exit 2" [ "$rc" -eq 2 ] && \
	contains "$err" "--max-early-deliveries wants a number from 0 to 1000"
run --run --max-early-deliveries=1 event-loop
check "--max-early-deliveries without --explore is refused with exit 2" [ "$rc" -eq 2 ]
# bad delivery tokens
run --run --schedule "1*16 c0" short-read
check "a delivery to client 0 is refused with exit 2" [ "$rc" -eq 2 ] && \
	contains "$err" "column 7: expected a client number"
run --run --schedule "1*16 c1/3" short-read
check "a split other than /2 is refused with exit 2" [ "$rc" -eq 2 ] && contains "$err" "expected '/2'"
run --run --schedule "1*16 c3" short-read
check "a delivery to a client the scenario lacks is refused with exit 2" [ "$rc" -eq 2 ] && \
	contains "$err" "'c3' names a client the scenario does not have (it declares 2)"

# Reduction: every interleaving is at least as many as one per class.
cat >"$tmp/twenty.scn" <<'EOF'
int x; int y; int u; int v; int w;
void b() { x = 1; y = 1; }
int main() {
    int t = spawn(b);
    u = 1; v = 1; w = 1;
    join(t);
    return 0;
}
EOF
run --explore --no-reduction "$tmp/twenty.scn"
check "two threads of three steps: 20 interleavings" [ "$(total)" -eq 20 ] && [ "$rc" -eq 0 ]
run --explore "$tmp/twenty.scn"
check "all independent: one class" [ "$(total)" -eq 1 ]
check "the line says one schedule per class" contains "$out" "one schedule per class"
run --explore --no-reduction --max-preemptions 0 "$tmp/twenty.scn"
check "no preemption: one schedule" [ "$(total)" -eq 1 ]
check "a bound that cuts says so" contains "$out" "every schedule with at most 0 preemptions explored"
run --explore --no-reduction --max-preemptions 1 "$tmp/twenty.scn"
check "at most one preemption: 4 schedules" [ "$(total)" -eq 4 ]
run --explore --max-preemptions none "$tmp/twenty.scn"
check "--max-preemptions none is accepted" [ "$rc" -eq 0 ]

# The state limit: the search stops, exit 3, and says so.
run --explore --max-states 5 peterson
check "--max-states stops the search with exit 3" [ "$rc" -eq 3 ]
check "a stopped search says so" contains "$out" "stopped after 5 states"
# More threads than a search follows: it stops, exit 3, and says why.
printf 'void f() { }\nint main() { for (int i = 0; i < 70; i++) spawn(f); return 0; }\n' \
	>"$tmp/many.scn"
run --explore "$tmp/many.scn"
check "more than 64 threads stop the search with exit 3" [ "$rc" -eq 3 ]
check "... and the first line says why" contains "$out" "stopped: more than 64 threads"
# A schedule that runs out of steps: exit 3 when nothing fails.
cat >"$tmp/endless.scn" <<'EOF'
int x;
void f() { x = 1; }
int main() { spawn(f); int i = 0; while (1) { i++; } return 0; }
EOF
run --explore --max-steps 2000 "$tmp/endless.scn"
check "schedules stopped by --max-steps: exit 3" [ "$rc" -eq 3 ]
check "their outcome says which limit" contains "$out" "stopped: out of instructions (--max-steps)"

# Usage.
for bad in -1 1001 x; do
	run --explore --max-preemptions "$bad" race-counter
	check "--max-preemptions $bad is refused with exit 2" [ "$rc" -eq 2 ]
done
run --explore --max-states 0 race-counter
check "--max-states 0 is refused" [ "$rc" -eq 2 ]
run --no-reduction race-counter
check "--no-reduction without --explore is refused" [ "$rc" -eq 2 ] && contains "$err" "go with --explore"
run --explore --run race-counter
check "--explore and --run do not go together" [ "$rc" -eq 2 ]
run --explore --trace race-counter
check "--explore and --trace do not go together" [ "$rc" -eq 2 ]
printf 'int main() { return x; }\n' >"$tmp/bad.scn"
run --explore "$tmp/bad.scn"
check "a bad scenario: exit 2" [ "$rc" -eq 2 ] && contains "$err" "error:"

# --jobs: the same report, byte for byte, on 1, 2 and 3 host threads: a
# race found, a deadlock, spinning, the network's deliveries, a fork, a
# bound, no reduction, a search stopped by --max-states, a program that
# reads the clock and one stopped by a limit (both searched by one job).
# A search of fewer than 20,000 states runs on one thread anyway; the
# threads take over the larger ones (three adders: 80,000 states).
cat >"$tmp/ticks.scn" <<'EOF'
int t;
void w() { t = ticks(); }
int main() { int a = spawn(w); int b = spawn(w); join(a); join(b); return 0; }
EOF
cat >"$tmp/adders.scn" <<'EOF'
int c;
void w() { for (int i = 0; i < 4; i++) c++; }
int main() { int a = spawn(w); int b = spawn(w); int d = spawn(w); join(a); join(b); join(d); return c == 12 ? 0 : 1; }
EOF
for args in "race-counter" "deadlock" "flag-lock" "short-read" "event-loop" "server-fork" \
	"thread-pool" "coroutine-generator" "--max-preemptions 1 peterson" \
	"--no-reduction race-counter" "--max-states 300 bounded-buffer" \
	"--max-steps 400 race-counter" "$tmp/ticks.scn" "$tmp/adders.scn" \
	"--max-preemptions 3 $tmp/adders.scn" "--max-states 50000 $tmp/adders.scn" \
	"--max-steps 90 $tmp/adders.scn"; do
	# shellcheck disable=SC2086 # the words of $args are options
	run --explore --jobs 1 $args
	one=$out rc1=$rc err1=$err
	for jobs in 2 3; do
		# shellcheck disable=SC2086
		run --explore --jobs "$jobs" $args
		check "--jobs $jobs gives --jobs 1's report: $args" \
			[ "$out" = "$one" ] && [ "$rc" -eq "$rc1" ] && [ "$err" = "$err1" ]
	done
done
run --explore --jobs 2 --export=dot "$tmp/j2.dot" race-counter
run --explore --jobs 1 --export=dot "$tmp/j1.dot" race-counter
check "--jobs 2 draws the state graph --jobs 1 draws" cmp -s "$tmp/j1.dot" "$tmp/j2.dot"
run --explore --jobs 0 race-counter
check "--jobs 0 is refused (exit 2)" [ "$rc" -eq 2 ] && contains "$err" "--jobs"
run --explore --jobs 257 race-counter
check "--jobs 257 is refused (exit 2)" [ "$rc" -eq 2 ]
run --run --jobs 2 race-counter
check "--jobs goes with --explore (exit 2)" [ "$rc" -eq 2 ] && contains "$err" "--jobs goes with --explore"

# A signal stops a long search cleanly.
cat >"$tmp/long.scn" <<'EOF'
int c;
void w() { for (int i = 0; i < 200; i++) c++; }
int main() { int a = spawn(w); int b = spawn(w); int d = spawn(w); join(a); join(b); join(d); return 0; }
EOF
"$THREADLAB" --explore --max-states 100000000 "$tmp/long.scn" >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
check "SIGINT ends a search with 130" [ "$rc" -eq 130 ]
check "and says it was interrupted" grep -q "interrupted" "$tmp/err"

finish
