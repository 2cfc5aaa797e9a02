#!/bin/sh
# run.sh: the run modes as a user meets them — --run, --trace, --stats,
# --print-schedule and --schedule, the machine settings and limits given
# on the command line, and the exit statuses: 0 all held, 1 the simulated
# program failed, 2 bad usage or a bad scenario, 3 a resource limit.
. "$(dirname "$0")/lib.sh"

# contains TEXT NEEDLE: TEXT holds NEEDLE (a fixed string).
contains() { printf '%s\n' "$1" | grep -F -q -e "$2"; }
# first_line TEXT: the first line of TEXT.
first_line() { printf '%s\n' "$1" | head -n 1; }
# stat_of KEY: the value of KEY in the --stats lines of the last run.
stat_of() { sed -n "s/^$1: //p" "$tmp/err"; }
# exec_lines FILE: how many instructions a trace shows.
exec_lines() { grep -c '^[0-9]* cpu[0-9]* T[0-9]* exec ' "$1"; }
# last_tick FILE: the tick of a trace's last line.
last_tick() { tail -n 1 "$1" | cut -d ' ' -f 1; }
# schedule_of: the schedule --print-schedule gave in the last run.
schedule_of() { sed -n 's/^schedule: //p' "$tmp/err"; }
# now_ms: wall-clock milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# verdict DESCRIPTION: one test that passes when the command just before
# it did (for conditions of several parts); returns 1 when it failed.
verdict() {
	if [ $? -eq 0 ]; then
		ok "$1"
	else
		not_ok "$1"
		return 1
	fi
}

# The scenarios the tests run, written into $tmp.
cat >"$tmp/print.scn" <<'EOF'
#title "Printing"
#description "Every conversion print has."
#note start "narration goes to the default mode only"
int g = 5;
int main() {
    print("a\tb %d %d%%\n", -17, 0);
    print("%x %c%c|", 255, 72, 105);
    print("%p\n", &g);
    print("no newline at the end");
    return 0;
}
EOF
printf 'a\tb -17 0%%\nff Hi|0x600000\nno newline at the end' >"$tmp/print.want"

cat >"$tmp/assert.scn" <<'EOF'
int main() {
    int x = 1;
    print("before\n");
    assert(x == 2);
    print("after\n");
    return 0;
}
EOF

cat >"$tmp/null.scn" <<'EOF'
int main() {
    int *p = 0;
    *p = 5;
    return 0;
}
EOF

cat >"$tmp/divzero.scn" <<'EOF'
int z = 0;
int main() {
    return 5 / z;
}
EOF

cat >"$tmp/overflow.scn" <<'EOF'
int f(int n) {
    int pad[64];
    pad[0] = n;
    return f(n + 1) + pad[0];
}
int main() {
    return f(0);
}
EOF

cat >"$tmp/return7.scn" <<'EOF'
int main() {
    print("bye\n");
    return 7;
}
EOF

cat >"$tmp/expect.scn" <<'EOF'
#expect x == 3
int x = 2;
int main() {
    return 0;
}
EOF

cat >"$tmp/expect-output.scn" <<'EOF'
#expect-output "a\n"
int main() {
    print("b\n");
    return 0;
}
EOF

cat >"$tmp/expect-assert.scn" <<'EOF'
#expect-status assert
int main() {
    assert(1 == 2);
    return 0;
}
EOF

cat >"$tmp/expect-fault.scn" <<'EOF'
#expect-status fault
int main() {
    return 0;
}
EOF

cat >"$tmp/expect-deadlock.scn" <<'EOF'
#expect-status deadlock
mutex m;
int main() {
    lock(m);
    lock(m);
    return 0;
}
EOF

cat >"$tmp/loop.scn" <<'EOF'
int main() {
    for (;;) {
    }
    return 0;
}
EOF

# Two threads spinning for ever: with a huge switch cost the run goes on
# for long, but writes few trace lines.
cat >"$tmp/spin.scn" <<'EOF'
void spin() {
    for (;;) {
    }
}
int main() {
    spawn(spin);
    for (;;) {
    }
    return 0;
}
EOF

cat >"$tmp/spawn-loop.scn" <<'EOF'
void idle() {
    for (;;) {
    }
}
int main() {
    for (;;)
        spawn(idle);
    return 0;
}
EOF

# Spawns 8 short workers (9 threads with main) and joins them all.
cat >"$tmp/nine.scn" <<'EOF'
int done = 0;
void w() {
    atomic_add(&done, 1);
}
int main() {
    int t[8];
    for (int i = 0; i < 8; i++)
        t[i] = spawn(w);
    for (int i = 0; i < 8; i++)
        join(t[i]);
    print("done = %d\n", done);
    return 0;
}
EOF

# Fills the heap until malloc gives 0, then needs stack pages.
cat >"$tmp/fill.scn" <<'EOF'
int f(int n) {
    int pad[16];
    pad[0] = n;
    if (n == 0)
        return 0;
    return f(n - 1) + pad[0];
}
int main() {
    int n = 0;
    while (malloc(1000) != 0)
        n++;
    print("%d blocks\n", n);
    return f(200);
}
EOF

# Works a little, then sleeps 100 ticks.
cat >"$tmp/sleep.scn" <<'EOF'
int main() {
    int s = 0;
    for (int i = 0; i < 10; i++)
        s += i;
    sleep(100);
    print("s = %d\n", s);
    return 0;
}
EOF

cat >"$tmp/bad.scn" <<'EOF'
int main() {
    return x;
}
EOF

# --- --run: the program's output, and only it, on stdout -----------------

run --run "$tmp/print.scn"
check "--run exits 0 when main returns 0" [ "$rc" -eq 0 ]
check "--run prints exactly the program's output on stdout" cmp -s "$tmp/out" "$tmp/print.want"
check "--run of a passing program writes nothing on stderr" [ -z "$err" ]

run "$tmp/print.scn"
[ "$(first_line "$out")" = Printing ] && contains "$out" "narration goes"
verdict "the default mode shows the title and narration"

run --run race-mutex
[ "$out" = "counter = 6" ] && [ "$rc" -eq 0 ]
verdict "--run race-mutex prints only 'counter = 6'"

# --- exit status 1: the simulated program failed ---------------------------

run --run "$tmp/assert.scn"
check "a failed assertion exits 1" [ "$rc" -eq 1 ]
check "a failed assertion is reported as file:line: thread: assertion failed: condition" \
	[ "$(first_line "$err")" = "$tmp/assert.scn:4: T1 (main): assertion failed: x == 2" ]
check "a failed assertion shows its source line" contains "$err" "    4 |     assert(x == 2);"
check "output printed before the assertion is on stdout, nothing after it" [ "$out" = "before" ]

run --run "$tmp/null.scn"
check "a NULL pointer write exits 1" [ "$rc" -eq 1 ]
check "the fault is named with its line and thread" \
	sh -c 'printf "%s\n" "$1" | head -n 1 | grep -q "^$2:3: T1 (main) was killed by a fault at tick [0-9]*: NULL pointer access at 0x0"' - "$err" "$tmp/null.scn"
check "the fault report shows the faulting instruction" contains "$err" "st   [r1], r0"
first_line "$err" | grep -q 'NULL pointer access at 0x0$'
verdict "the fault report on an address nothing is known about ends with it"

run --run "$tmp/divzero.scn"
[ "$rc" -eq 1 ] && contains "$err" "division by zero"
verdict "a division by zero exits 1 and is named"

run --run "$tmp/overflow.scn"
[ "$rc" -eq 1 ] && contains "$err" "stack overflow into the guard page"
verdict "endless recursion faults on the guard page (exit 1)"

run --run code-readonly
check "code-readonly faults but expects it (#expect-status fault): exit 0" [ "$rc" -eq 0 ]
check "code-readonly reports the write to read-only code" \
	contains "$err" "write to read-only memory"

run --run deadlock
check "the deadlock scenario exits 1" [ "$rc" -eq 1 ]
check "a deadlock is reported with its tick" contains "$err" "deadlock at tick"
check "a deadlock report shows the waiting threads" \
	contains "$err" "T2 (left) waits for mutex 0x600018 (b) held by T3 (right), at line 28"
check "a deadlock report ends with the cycle" \
	[ "$(printf '%s\n' "$err" | tail -n 1)" = "  cycle: T2 -> T3 -> T2" ]
check "a deadlocked run prints nothing on stdout" [ -z "$out" ]

run --run "$tmp/return7.scn"
check "main returning 7 exits 1" [ "$rc" -eq 1 ]
check "main returning 7 says so" [ "$err" = "$tmp/return7.scn: main returned 7" ]
check "the output before main returned 7 is kept" [ "$out" = "bye" ]

run --run "$tmp/expect.scn"
check "a failing #expect exits 1" [ "$rc" -eq 1 ]
check "a failing #expect is named with its line" \
	[ "$err" = "$tmp/expect.scn:1: expectation failed: x == 3" ]

run --run "$tmp/expect-output.scn"
check "a failing #expect-output exits 1" [ "$rc" -eq 1 ]
check "a failing #expect-output shows both outputs" \
	[ "$err" = "$tmp/expect-output.scn:1: expected the output \"a\\n\", the program printed \"b\\n\"" ]

run --run "$tmp/expect-assert.scn"
check "#expect-status assert with a failed assertion exits 0" [ "$rc" -eq 0 ]

run --run "$tmp/expect-deadlock.scn"
[ "$rc" -eq 0 ] && contains "$err" "cycle: T1 -> T1"
verdict "#expect-status deadlock with a deadlock exits 0"

run --run "$tmp/expect-fault.scn"
check "#expect-status fault on a run that ends well exits 1" [ "$rc" -eq 1 ]
check "a wrong #expect-status names both endings" \
	contains "$err" "expected the run to end with 'fault', it ended with 'ok'"

# --- exit status 2: bad usage or a bad scenario ----------------------------

bad_value() {
	run --run "$@" race-mutex
	[ "$rc" -eq 2 ] && [ -z "$out" ] && contains "$err" "threadlab: $1"
	verdict "$* exits 2 with a message and runs nothing"
}
bad_value --cores 0
bad_value --cores 65
bad_value --cores 2x
bad_value --quantum 0
bad_value --quantum 1000001
bad_value --quantum abc
bad_value --seed -1
bad_value --switch-cost -1
bad_value --max-steps 0
bad_value --max-threads 0
bad_value --max-memory 100K
bad_value --max-memory 5G
bad_value --max-memory 12Q
bad_value --trace=

run --run --cores 0 race-mutex
check "a bad value says which values are accepted" \
	contains "$err" "--cores wants a number from 1 to 64, not '0'"

run --run --policy fastest race-mutex
[ "$rc" -eq 2 ] && [ -z "$out" ]
verdict "an unknown policy exits 2"
check "an unknown policy is named, with the policies" \
	contains "$err" "unknown policy 'fastest' (policies: rr, fifo, priority, random, script)"

run --run --schedule "1*x" race-mutex
[ "$rc" -eq 2 ] && [ -z "$out" ]
verdict "a bad --schedule exits 2"
check "a bad --schedule names the column" contains "$err" "column 3"
run --run --schedule "1 2 ; 3" race-mutex
[ "$rc" -eq 2 ] && contains "$err" "column 5"
verdict "a --schedule with a stray character exits 2"
run --run --schedule "1*5 | 2*5" race-mutex
[ "$rc" -eq 2 ] && contains "$err" "it has 2 cores"
verdict "a --schedule for more cores than the machine has exits 2"
run --run --schedule "@$tmp/no-such-schedule" race-mutex
[ "$rc" -eq 2 ] && contains "$err" "cannot open"
verdict "--schedule @FILE of a missing file exits 2"

run --run --check race-mutex
[ "$rc" -eq 2 ] && contains "$err" "choose one of"
verdict "--run with --check exits 2"
run --stats --disasm race-mutex
[ "$rc" -eq 2 ] && [ -z "$out" ]
verdict "--stats with --disasm exits 2"
run --trace --list
[ "$rc" -eq 2 ] && [ -z "$out" ]
verdict "--trace with --list exits 2"

run --run "$tmp/bad.scn"
[ "$rc" -eq 2 ] && [ -z "$out" ] && contains "$err" "'x' is not declared"
verdict "--run of a scenario with errors exits 2 before running"

if [ -w /dev/full ]; then
	timeout 20 "$THREADLAB" --run race-mutex >/dev/full 2>"$tmp/err"
	[ $? -eq 2 ] && grep -q 'cannot write output' "$tmp/err"
	verdict "--run exits 2 when stdout cannot be written"
	timeout 20 "$THREADLAB" --trace race-mutex >/dev/full 2>"$tmp/err"
	[ $? -eq 2 ] && grep -q 'cannot write the trace' "$tmp/err"
	verdict "--trace exits 2 when the trace cannot be written"
fi

# --- exit status 3: a resource limit stopped the run -----------------------

t0=$(now_ms)
run --run --stats --max-steps 2000000 "$tmp/loop.scn"
t1=$(now_ms)
check "--max-steps stops an endless loop with exit 3" [ "$rc" -eq 3 ]
check "--max-steps stops after exactly that many instructions" \
	[ "$(stat_of instructions)" = 2000000 ]
check "--max-steps is named in the report" \
	contains "$err" "stopped after 2000000 instructions (--max-steps)"
[ $((t1 - t0)) -lt 5000 ]
verdict "--max-steps 2000000 stops within 5 s" || diag "it took $((t1 - t0)) ms"

run --run --stats --max-threads 4 "$tmp/spawn-loop.scn"
check "--max-threads stops a spawning loop with exit 3" [ "$rc" -eq 3 ]
check "--max-threads is named in the report" contains "$err" "more than 4 threads (--max-threads)"
check "--max-threads 4 leaves 4 threads" [ "$(stat_of threads)" = 4 ]

# Past 8 threads the thread table grows: nobody may be lost then.
run --run --stats --max-threads 20 --max-steps 2000000 "$tmp/spawn-loop.scn"
[ "$rc" -eq 3 ] && contains "$err" "more than 20 threads" && [ "$(stat_of threads)" = 20 ]
verdict "--max-threads 20 stops a spawning loop with exit 3"
run --run "$tmp/nine.scn"
[ "$out" = "done = 8" ] && [ "$rc" -eq 0 ]
verdict "main spawns and joins 8 workers"
run --trace="$tmp/nine.trace" "$tmp/nine.scn"
[ "$rc" -eq 0 ] && [ "$(grep -c ' exit returned 0' "$tmp/nine.trace")" -eq 9 ] &&
	[ "$(grep ' exit ' "$tmp/nine.trace" | tail -n 1 | cut -d ' ' -f 3-5)" = "T1 exit returned" ] &&
	[ "$(tail -n 1 "$tmp/nine.trace" | cut -d ' ' -f 3-)" = "T1 end ok status 0" ]
verdict "the trace of 9 threads shows 8 workers ending, then main"

run --run --max-memory 1M "$tmp/fill.scn"
check "--max-memory 1M: memory full exits 3" [ "$rc" -eq 3 ]
check "--max-memory is named in the report" \
	contains "$err" "the simulated memory is full (--max-memory 1048576 bytes)"
small=$(printf '%s\n' "$out" | sed -n 's/ blocks$//p')
run --run --max-memory 2M "$tmp/fill.scn"
big=$(printf '%s\n' "$out" | sed -n 's/ blocks$//p')
[ "${small:-0}" -gt 900 ] && [ "${big:-0}" -gt $((2 * small - 100)) ] && [ "$rc" -eq 3 ]
verdict "malloc gives 0 when memory is full: twice the memory, about twice the blocks" ||
	diag "blocks: $small with 1M, $big with 2M"

# Each limit holds at its value and stops the run one past it.
run --run --stats race-mutex
n=$(stat_of instructions)
run --run --max-steps "$n" race-mutex
at=$rc
run --run --max-steps $((n - 1)) race-mutex
[ "$at" -eq 0 ] && [ "$rc" -eq 3 ] && contains "$err" "stopped after $((n - 1)) instructions"
verdict "--max-steps: a run of exactly that many instructions ends well, one more is stopped"
cat >"$tmp/six.scn" <<'EOF'
void w() { }
int main() { for (int i = 0; i < 5; i++) join(spawn(w)); return 0; }
EOF
run --run --max-threads 6 "$tmp/six.scn"
at=$rc
run --run --max-threads 5 "$tmp/six.scn"
[ "$at" -eq 0 ] && [ "$rc" -eq 3 ] && contains "$err" "more than 5 threads"
verdict "--max-threads: main and 5 threads fit in 6, not in 5"
cat >"$tmp/pages.scn" <<'EOF'
int main() { int *p = malloc(1500000); if (!p) return 1; p[187000] = 1; return 0; }
EOF
run --run --stats "$tmp/pages.scn"
pages=$(stat_of memory_pages)
run --run --max-memory $((pages * 4096)) "$tmp/pages.scn"
at=$rc
run --run --max-memory $((pages * 4096 - 4096)) "$tmp/pages.scn"
[ "$at" -eq 0 ] && [ "$rc" -eq 1 ] && contains "$err" "main returned 1"
verdict "--max-memory: the pages a run takes are enough, one page less and malloc gives 0" ||
	diag "$pages pages; exit $at, then $rc"

# --- settings on the command line override the scenario's ------------------

run --run race-counter
[ "$rc" -eq 1 ] && [ "$out" = "counter = 4" ]
verdict "race-counter loses an update by default (exit 1, counter below 6)"
run --run --quantum 1000 race-counter
[ "$rc" -eq 0 ] && [ "$out" = "counter = 6" ]
verdict "race-counter with --quantum 1000 loses nothing (exit 0)"
run --run --policy fifo race-counter
[ "$rc" -eq 0 ] && [ "$out" = "counter = 6" ]
verdict "race-counter with --policy fifo loses nothing"

# The data-race detector: one line per racy word, after the report.
race_line='race-counter:26: data race on counter: T3 reads it at line 26, T2 wrote it at line 26; no lock held in common'
run --run race-counter
[ "$(grep -c 'data race' "$tmp/err")" -eq 1 ] &&
	grep -q -x -F -e "$race_line (and 5 more racy accesses)" "$tmp/err" &&
	[ "$(tail -n 1 "$tmp/err")" = "$race_line (and 5 more racy accesses)" ]
verdict "--run race-counter reports the race on counter once, last on stderr" || diag "$err"
run --run --policy fifo race-counter
[ "$rc" -eq 0 ] && [ "$err" = "$race_line (and 1 more racy access)" ]
verdict "the race is reported when no update is lost, and leaves the exit status 0" ||
	diag "exit $rc" "$err"
run --run --no-races race-counter
[ "$rc" -eq 1 ] && [ "$out" = "counter = 4" ] && ! contains "$err" "data race"
verdict "--no-races: the same run and exit status, no race line" || diag "exit $rc" "$out" "$err"
run --trace --no-races race-counter
! grep -q '^[0-9]* cpu[0-9]* T[0-9]* race ' "$tmp/out"
verdict "--no-races: no race event in the trace"
run --run race-mutex
[ "$rc" -eq 0 ] && [ -z "$err" ]
verdict "--run race-mutex reports no race"
run --trace race-counter
[ "$(grep -c '^[0-9]* cpu[0-9]* T[0-9]* race ' "$tmp/out")" -eq 1 ] &&
	grep -q -x -F -e '54 cpu0 T3 race on counter@0x600000 read; T2 write at line 26 (line 26)' "$tmp/out"
verdict "--trace race-counter has one race line, after the load that found it"

# Each fix holds on every schedule, as its description says.
for s in race-mutex race-atomic race-tls race-readonly; do
	bad=
	for opts in "" "--cores 2" "--quantum 1" "--policy random --seed 1" \
		"--policy random --seed 5 --cores 3" "--policy random --seed 7 --switch-cost 2"; do
		run --run $opts "$s"
		[ "$rc" -eq 0 ] && [ "$out" = "counter = 6" ] && ! contains "$err" "data race" ||
			bad="$bad [$opts]"
	done
	check "$s gives counter = 6 and no race on every schedule tried" [ -z "$bad" ]
	[ -z "$bad" ] || diag "failed with:$bad"
done

run --run --policy random --seed 1 deadlock
[ "$rc" -eq 0 ] && [ "$out" = "both done: done = 2" ]
verdict "deadlock under another schedule (--policy random --seed 1) finishes"

run --trace race-counter
contains "$out" " cpu0 " && ! contains "$out" " cpu1 "
verdict "race-counter runs on one core by default"
run --trace --cores 2 race-counter
check "--cores 2 puts threads on cpu1" contains "$out" " cpu1 "
run --trace multitasking
check "multitasking's #switch-cost 1 shows in the trace" contains "$out" "(preempt) cost 1 "
run --trace --switch-cost 3 multitasking
contains "$out" "(preempt) cost 3 " && ! contains "$out" " cost 1 "
verdict "--switch-cost 3 overrides #switch-cost 1"
run --trace --quantum 5 multitasking
contains "$out" "preempt after 5 ticks" && ! contains "$out" "preempt after 3 ticks"
verdict "--quantum 5 overrides #quantum 3"

# --- --trace ---------------------------------------------------------------

run --trace race-mutex
check "--trace without FILE exits like --run" [ "$rc" -eq 0 ]
cp "$tmp/out" "$tmp/stdout.trace"
grep -q ' T1 exec ' "$tmp/stdout.trace" && ! grep -q '^counter = 6$' "$tmp/stdout.trace"
verdict "--trace without FILE puts the trace in place of the output"
[ -s "$tmp/stdout.trace" ] && ! grep -E -q -v '^[0-9]+ (cpu[0-9]+|-) (T[0-9]+|-) [a-z]' "$tmp/stdout.trace"
verdict "every trace line starts with tick, core and thread"
check "the program's output is in the trace as a print event" \
	grep -q ' T1 print "counter = 6\\n" (line 40)$' "$tmp/stdout.trace"
check "the trace ends with the end event" \
	[ "$(tail -n 1 "$tmp/stdout.trace" | cut -d ' ' -f 2-)" = "cpu0 T1 end ok status 0" ]

run --trace deadlock
contains "$out" "cpu0 T2 exec 0x40002c sys  sched_yield, 0 (line 27)" &&
	contains "$out" "cpu0 T2 yield (line 27)"
verdict "a yield event has the line of its sched_yield" ||
	diag "$(printf '%s\n' "$out" | grep -A1 'sched_yield' | head -n 2)"

rm -f "$tmp/t.trace"
run --trace="$tmp/t.trace" race-mutex
[ "$rc" -eq 0 ] && [ "$out" = "counter = 6" ]
verdict "--trace=FILE leaves the program's output on stdout"
check "--trace=FILE writes the same trace as --trace to stdout" \
	cmp -s "$tmp/t.trace" "$tmp/stdout.trace"
check "--trace=FILE leaves no temporary file" [ "$(ls "$tmp" | grep -c '^t\.trace')" -eq 1 ]

printf 'old contents\n%.0s' $(seq 1 5000) >"$tmp/t.trace"
run --trace="$tmp/t.trace" race-mutex
check "--trace=FILE replaces an existing file" cmp -s "$tmp/t.trace" "$tmp/stdout.trace"

rm -f "$tmp/p.trace"
(umask 022 && timeout 20 "$THREADLAB" --trace="$tmp/p.trace" race-mutex >/dev/null 2>&1)
check "the trace file gets the permissions umask 022 gives (644)" \
	[ "$(stat -c %a "$tmp/p.trace")" = 644 ]
rm -f "$tmp/p.trace"
(umask 077 && timeout 20 "$THREADLAB" --trace="$tmp/p.trace" race-mutex >/dev/null 2>&1)
check "the trace file gets the permissions umask 077 gives (600)" \
	[ "$(stat -c %a "$tmp/p.trace")" = 600 ]

run --trace="$tmp/a.trace" "$tmp/assert.scn"
[ "$rc" -eq 1 ] && [ "$(tail -n 1 "$tmp/a.trace" | cut -d ' ' -f 4-)" = "end assert" ]
verdict "a failing program still gets its whole trace (exit 1)"
check "the trace shows the failed assertion" \
	grep -q ' T1 assert failed: x == 2 (line 4)$' "$tmp/a.trace"
run --trace="$tmp/l.trace" --max-steps 50 "$tmp/loop.scn"
[ "$rc" -eq 3 ] && [ "$(tail -n 1 "$tmp/l.trace" | cut -d ' ' -f 4-)" = "end limit" ]
verdict "a run stopped by a limit still gets its whole trace (exit 3)"

# Nowhere to write: exit 2, no file, and the program does not run.
: >"$tmp/plain"
run --trace="$tmp/plain/t.trace" race-mutex
[ "$rc" -eq 2 ] && [ -z "$out" ] && contains "$err" "cannot write '$tmp/plain/t.trace'"
verdict "a trace file under a non-directory exits 2 and runs nothing"
run --trace="$tmp/missing/t.trace" race-mutex
[ "$rc" -eq 2 ] && [ ! -e "$tmp/missing" ] && contains "$err" "No such file or directory"
verdict "a trace file in a missing directory exits 2"
mkdir "$tmp/ro"
chmod 555 "$tmp/ro"
if [ -w "$tmp/ro" ]; then
	ok "a trace file in a read-only directory exits 2 # SKIP the directory is writable (root)"
else
	run --trace="$tmp/ro/t.trace" race-mutex
	[ "$rc" -eq 2 ] && [ -z "$(ls "$tmp/ro")" ] && contains "$err" "cannot write"
	verdict "a trace file in a read-only directory exits 2, leaving nothing"
fi
chmod 755 "$tmp/ro"

# A program refused before it runs leaves an existing trace file alone.
awk 'BEGIN { print "int a[65536] = {1};"; print "int b[65100] = {1};"; print "int main() { return 0; }" }' >"$tmp/big.scn"
echo old >"$tmp/keep.trace"
run --trace="$tmp/keep.trace" --max-memory 1M "$tmp/big.scn"
[ "$rc" -eq 3 ] && contains "$err" "the program alone takes" && [ "$(cat "$tmp/keep.trace")" = old ] &&
	[ -z "$(ls "$tmp" | grep 'keep\.trace\.tmp')" ]
verdict "a program too large to start leaves the old trace file whole"

# A trace to something that is not a regular file (a pipe here; /dev/null
# alike) is written into it: the file is never replaced by a new one.
mkfifo "$tmp/pipe"
timeout 10 cat "$tmp/pipe" >"$tmp/from-pipe" &
reader=$!
run --trace="$tmp/pipe" race-mutex
wait "$reader"
[ "$rc" -eq 0 ] && [ -p "$tmp/pipe" ] && [ "$out" = "counter = 6" ] &&
	grep -q ' T1 end ok status 0$' "$tmp/from-pipe" && [ -z "$(ls "$tmp" | grep 'pipe\.tmp')" ]
verdict "a trace into a pipe goes through the pipe, which stays a pipe"

# Interrupted: the trace file is written whole or not at all.  Signal the
# run once its temporary file exists (so the run has really started);
# --max-steps only bounds the run should the signal not stop it.
for sig in INT TERM; do
	rm -f "$tmp"/i.trace*
	"$THREADLAB" --trace="$tmp/i.trace" --switch-cost 1000000 --quantum 1 --max-steps 2000 \
		"$tmp/spin.scn" >/dev/null 2>"$tmp/i.err" &
	pid=$!
	n=0
	while [ -z "$(ls "$tmp" | grep '^i\.trace\.tmp')" ] && [ $n -lt 100 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	started=$(ls "$tmp" | grep -c '^i\.trace\.tmp')
	sleep 0.2
	kill -"$sig" "$pid"
	wait "$pid" 2>/dev/null
	rc=$?
	check "SIG$sig: the run had a temporary trace file while it ran" [ "$started" -eq 1 ]
	check "SIG$sig: no trace file and no temporary file are left" \
		[ -z "$(ls "$tmp" | grep '^i\.trace')" ]
	grep -q '^threadlab: interrupted$' "$tmp/i.err" && [ "$rc" -gt 128 ]
	verdict "SIG$sig: the run says it was interrupted and dies of the signal" || diag "exit status $rc"
done

# --- --stats -------------------------------------------------------------

run --run race-counter
run_out=$out
run --stats --trace="$tmp/s.trace" race-counter
[ -n "$out" ] && [ "$out" = "$run_out" ]
verdict "--stats leaves stdout alone"
for key in instructions ticks context_switches preemptions threads cpu_ticks.T1 cpu_ticks.T2 \
	cpu_ticks.T3 heap_peak_bytes stack_peak_bytes memory_pages end; do
	check "--stats gives $key" \
		sh -c 'grep -q "^$1: [0-9a-z][0-9a-z]*$" "$2"' - "$key" "$tmp/err"
done
check "--stats: end is assert for race-counter" [ "$(stat_of end)" = assert ]
check "--stats: instructions equals the trace's exec lines" \
	[ "$(stat_of instructions)" -eq "$(exec_lines "$tmp/s.trace")" ]
check "--stats: ticks is the last tick + 1" \
	[ "$(stat_of ticks)" -eq $(($(last_tick "$tmp/s.trace") + 1)) ]
check "--stats: the threads' cpu_ticks add up to instructions" \
	[ "$(sed -n 's/^cpu_ticks\.T[0-9]*: //p' "$tmp/err" | awk '{ s += $1 } END { print s }')" -eq "$(stat_of instructions)" ]
check "--stats: context_switches counts the trace's thread-to-thread switches" \
	[ "$(stat_of context_switches)" -eq "$(grep -c ' switch T[0-9]* -> T[0-9]' "$tmp/s.trace")" ]
check "--stats: preemptions counts the trace's preempt events" \
	[ "$(stat_of preemptions)" -eq "$(grep -c ' preempt after ' "$tmp/s.trace")" ]
[ "$(stat_of heap_peak_bytes)" -eq 0 ] && [ "$(stat_of stack_peak_bytes)" -gt 0 ]
verdict "--stats: no heap used, some stack used"

# On two cores, with switch costs and a heap block.
run --stats --trace="$tmp/s.trace" --switch-cost 2 threads-share
check "--stats: instructions equals exec lines on 2 cores" \
	[ "$(stat_of instructions)" -eq "$(exec_lines "$tmp/s.trace")" ]
check "--stats: ticks is the last tick + 1 on 2 cores" \
	[ "$(stat_of ticks)" -eq $(($(last_tick "$tmp/s.trace") + 1)) ]
check "--stats: 2 cores take fewer ticks than instructions" \
	[ "$(stat_of ticks)" -lt "$(stat_of instructions)" ]
[ "$(stat_of heap_peak_bytes)" -ge 40 ] && [ "$(stat_of heap_peak_bytes)" -lt 4096 ]
verdict "--stats: heap_peak_bytes holds the 40-byte block"
[ "$(stat_of threads)" -eq 3 ] && [ "$(stat_of end)" = ok ]
verdict "--stats: 3 threads, end ok"

run --stats --switch-cost 5 race-mutex
with_cost=$(stat_of ticks)
run --stats --switch-cost 0 race-mutex
check "--stats: switch costs add ticks, not instructions" \
	[ "$with_cost" -eq $(($(stat_of ticks) + 5 * $(stat_of context_switches))) ]

# Tracing watches the run; it does not change it.
for opts in "" "--policy fifo" "--quantum 1000"; do
	run --run --stats $opts "$tmp/sleep.scn"
	untraced=$(stat_of ticks)
	run --trace="$tmp/z.trace" --stats $opts "$tmp/sleep.scn"
	traced=$(stat_of ticks)
	[ -n "$untraced" ] && [ "$untraced" = "$traced" ] && [ "$traced" -gt 200 ]
	verdict "sleep(100) takes the same ticks with and without --trace${opts:+ ($opts)}" ||
		diag "ticks: $untraced untraced, $traced traced"
done

# --- determinism -----------------------------------------------------------

for args in "bounded-buffer" "--cores 3 --policy random --seed 42 bounded-buffer" "--cores 2 tour"; do
	timeout 20 "$THREADLAB" --trace $args >"$tmp/d1" 2>&1
	timeout 20 "$THREADLAB" --trace $args >"$tmp/d2" 2>&1
	check "two runs of $args give the same trace" cmp -s "$tmp/d1" "$tmp/d2"
done

# --policy random: the seed decides the schedule.
schedules=
outs=
for seed in 1 2 3 4 5 6 7 8; do
	run --run --print-schedule --policy random --seed "$seed" race-counter
	schedules="$schedules$(schedule_of)
"
	outs="$outs$out
"
done
check "--policy random: 8 seeds give 8 different schedules" \
	[ "$(printf '%s' "$schedules" | sort -u | wc -l)" -eq 8 ]
check "--policy random: some seeds lose an update, some do not" \
	[ "$(printf '%s' "$outs" | sort -u | wc -l)" -ge 2 ]
run --run --print-schedule --policy random --seed 5 race-counter
first=$(schedule_of)
run --run --print-schedule --policy random --seed 5 race-counter
check "--policy random: the same seed gives the same schedule" [ "$first" = "$(schedule_of)" ]

# --- --print-schedule and --schedule ---------------------------------------

rr_schedule="1*12 2*12 1*9 2*12 3*12 2*12 3*12 2*12 3*12 2*8 3*12 1*4 3*8 1*16"
run --run --print-schedule race-counter
check "--print-schedule leaves stdout alone" [ "$out" = "counter = 4" ]
check "--print-schedule gives rr's schedule for race-counter" [ "$(schedule_of)" = "$rr_schedule" ]
run --run --print-schedule --seed 5 race-counter
check "--seed does not change the rr schedule" [ "$(schedule_of)" = "$rr_schedule" ]

# replay ARGS...: the schedule a run prints, replayed with --schedule,
# gives the same trace, output and exit status.
replay() {
	timeout 20 "$THREADLAB" --trace="$tmp/r1.trace" --print-schedule "$@" >"$tmp/r1.out" 2>"$tmp/r1.err"
	rc1=$?
	sch=$(sed -n 's/^schedule: //p' "$tmp/r1.err")
	timeout 20 "$THREADLAB" --trace="$tmp/r2.trace" --schedule "$sch" "$@" >"$tmp/r2.out" 2>"$tmp/r2.err"
	rc2=$?
	if [ -n "$sch" ] && [ "$rc1" -eq "$rc2" ] && cmp -s "$tmp/r1.trace" "$tmp/r2.trace" &&
		cmp -s "$tmp/r1.out" "$tmp/r2.out"; then
		ok "replaying the schedule of $* gives the same trace and output"
	else
		not_ok "replaying the schedule of $* gives the same trace and output"
		diag "exit $rc1 then $rc2; schedule: $sch" "$(diff "$tmp/r1.trace" "$tmp/r2.trace" | head -n 10)"
	fi
}
replay race-counter
replay --policy random --seed 3 race-counter
replay --policy random --seed 8 --cores 2 race-counter
replay deadlock
replay --policy random --seed 1 deadlock
replay --cores 2 --policy random --seed 11 bounded-buffer
replay --switch-cost 2 --quantum 2 multitasking
replay threads-share
replay --cores 4 --policy random --seed 9 tour
replay --policy priority --cores 2 callbacks
replay code-readonly

# The schedule does not depend on whether the run is traced.
same_schedule() {
	run --run --print-schedule "$@"
	untraced=$(schedule_of)
	run --trace="$tmp/q.trace" --print-schedule "$@"
	[ -n "$untraced" ] && [ "$untraced" = "$(schedule_of)" ]
}
for args in "race-mutex" "pc-basics" "--policy fifo race-counter" "--quantum 1000 bounded-buffer"; do
	same_schedule $args
	verdict "--print-schedule of $args is the same with and without --trace" ||
		diag "untraced: $untraced" "traced:   $(schedule_of)"
done

run --run --print-schedule --policy random --seed 7 --cores 2 bounded-buffer
printf '%s\n' "$(schedule_of)" >"$tmp/sched.txt"
timeout 20 "$THREADLAB" --trace --policy random --seed 7 --cores 2 bounded-buffer >"$tmp/f1.trace" 2>/dev/null
timeout 20 "$THREADLAB" --trace --cores 2 --schedule "@$tmp/sched.txt" bounded-buffer >"$tmp/f2.trace" 2>/dev/null
check "--schedule @FILE replays a schedule kept in a file" cmp -s "$tmp/f1.trace" "$tmp/f2.trace"

# A schedule written by hand: T2 loads counter, T3 runs to its end, then
# T2 stores its stale value: all three of T3's increments are lost.
run --run --schedule "1*30 2*10 3*200 2*200 1*200" race-counter
[ "$rc" -eq 1 ] && [ "$out" = "counter = 3" ]
verdict "a hand-written schedule replays the lost update it describes"
run --run --schedule "1*30 2*200 3*200 1*200" race-counter
[ "$rc" -eq 0 ] && [ "$out" = "counter = 6" ]
verdict "a hand-written schedule without interleaving loses nothing"

# --- processes: --stats, --process-switch-cost, --max-processes ----------

cat > "$tmp/fork2.scn" <<'EOF2'
int g = 1;
int main() {
    int pid = fork();
    if (pid == 0) { g = 2; sched_yield(); exit(g + 5); }
    sched_yield();
    print("child %d exited %d, g = %d\n", pid, wait(pid), g);
    return 0;
}
EOF2
run --run --stats --switch-cost 1 "$tmp/fork2.scn"
[ "$out" = "child 2 exited 7, g = 1" ] && [ "$rc" -eq 0 ]
verdict "fork: the parent sees its own g and the child's exit code"
check "--stats: processes is 2 after one fork" [ "$(stat_of processes)" = 2 ]
check "--stats: process_switches counted" [ "$(stat_of process_switches)" -gt 0 ]
check "--stats: memory_pages per process" [ "$(stat_of memory_pages.P2)" -gt 0 ]
[ "$(stat_of shared_pages.P2)" -gt 0 ] && [ "$(stat_of shared_pages.P2)" -lt "$(stat_of memory_pages.P2)" ]
verdict "--stats: the child shares some of its pages with its parent, not all"
ticks1=$(stat_of ticks)
run --run --stats --switch-cost 1 --process-switch-cost 21 "$tmp/fork2.scn"
check "--process-switch-cost adds its ticks per process switch" \
	[ "$(stat_of ticks)" -eq $((ticks1 + 17 * $(stat_of process_switches))) ]
run --run --stats race-counter
[ "$(stat_of processes)" = 1 ] && [ "$(stat_of process_switches)" = 0 ]
verdict "--stats: one process without fork"
run --trace --switch-cost 1 "$tmp/fork2.scn"
contains "$out" " T1 fork P2 T2 " && contains "$out" "address space P1 -> P2 cost 4 " &&
	contains "$out" " proc-exit P2 exit 7" && contains "$out" " T1 reap P2 code 7 "
verdict "the trace shows fork, the address-space switch, the child's end and the reap"
bad_value --process-switch-cost -1
bad_value --max-processes 0
bad_value --max-processes 1025

cat > "$tmp/bomb.scn" <<'EOF2'
int main() { while (1) fork(); return 0; }
EOF2
for n in 1 5 64; do
	run --run --stats --max-processes $n "$tmp/bomb.scn"
	[ "$rc" -eq 3 ] && [ "$(stat_of processes)" = $n ] &&
		contains "$err" "stopped: more than $n processes (--max-processes)"
	verdict "a fork bomb stops at --max-processes $n with exit 3"
done
run --run --stats "$tmp/bomb.scn"
[ "$rc" -eq 3 ] && [ "$(stat_of processes)" = 64 ]
verdict "a fork bomb stops at the default 64 processes"
cat > "$tmp/five.scn" <<'EOF2'
int main() {
    for (int i = 1; i < 5; i++) if (fork() == 0) return 0;
    for (int i = 2; i < 6; i++) wait(i);
    print("five\n");
    return 0;
}
EOF2
run --run --max-processes 5 "$tmp/five.scn"
[ "$rc" -eq 0 ] && [ "$out" = five ]
verdict "--max-processes 5 allows five processes"
run --run --max-processes 4 "$tmp/five.scn"
check "--max-processes 4 stops the fifth with exit 3" [ "$rc" -eq 3 ]

finish
