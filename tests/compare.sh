#!/bin/sh
# compare.sh: --compare as a student meets it — the five servers on one
# small workload, and the relations between their figures a student
# would check: the pool keeps up with a thread per connection while its
# threads stay bounded, the event loop holds one thread, and the memory
# per connection orders fork > threads > event loop; the table's shape,
# its columns documented in threadlab(1), the pool's size measured
# (about the cores for a CPU-bound handler, more for an I/O-bound one),
# and the exit status, the highest of the runs'.
. "$(dirname "$0")/lib.sh"

servers="server-fork server-threads thread-pool event-loop-server reactor"

# cell ROW COLUMN: the cell of the table in $tmp/out, by the scenario's
# name and the column's heading.
cell() {
	awk -v row="$1" -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		$1 == row { print $c }' "$tmp/out"
}
# bytes SIZE: the table's size (512B, 1.5K, 64K, 2.0M) in bytes.
bytes() {
	printf '%s\n' "$1" | awk '
		/B$/ { sub(/B$/, ""); print int($0); exit }
		/K$/ { sub(/K$/, ""); print int($0 * 1024); exit }
		/M$/ { sub(/M$/, ""); print int($0 * 1048576); exit }
		/G$/ { sub(/G$/, ""); print int($0 * 1073741824); exit }'
}
# tenths NUMBER: a number with one decimal, times ten.
tenths() { printf '%s\n' "$1" | awk '{ print int($0 * 10 + 0.5) }'; }

run --compare --clients 6 $servers
check "--compare of the five servers exits 0" [ "$rc" -eq 0 ]
check "... a heading and a row a server" [ "$(printf '%s\n' "$out" | wc -l)" -eq 6 ]
check "... the rows in the order given" \
	[ "$(printf '%s\n' "$out" | sed 1d | cut -d ' ' -f 1 | tr '\n' ' ')" = "$servers " ]
check "... nothing on stderr" [ -z "$err" ]
for s in $servers; do
	check "$s served the 6 clients of --clients 6" [ "$(cell "$s" served)" = 6 ]
	check "$s ended ok" [ "$(cell "$s" end)" = ok ]
done

# the pool keeps up with a thread per connection, with its threads bounded
pool=$(tenths "$(cell thread-pool req/1k)")
threads=$(tenths "$(cell server-threads req/1k)")
check "thread-pool's throughput is within a quarter of server-threads' ($pool vs $threads tenths)" \
	[ $((pool * 4)) -ge $((threads * 3)) ]
check "thread-pool's peak threads is main and its 2 workers" [ "$(cell thread-pool thr)" = 3 ]
check "server-threads has more threads at its peak than the pool" \
	[ "$(cell server-threads thr)" -gt "$(cell thread-pool thr)" ]
check "the event loop holds 1 thread" [ "$(cell event-loop-server thr)" = 1 ]
check "... and makes no context switch between threads" [ "$(cell event-loop-server t-sw)" = 0 ]
check "... and leaves the second core idle" \
	sh -c 'case "$1" in */0) exit 0;; esac; exit 1' - "$(cell event-loop-server cpu%)"
check "the reactor's workers use both cores" \
	sh -c 'case "$1" in */0) exit 1;; esac; exit 0' - "$(cell reactor cpu%)"
check "server-fork has a process per connection at its peak" [ "$(cell server-fork proc)" -gt 1 ]
check "server-fork switches between processes" [ "$(cell server-fork p-sw)" -gt 0 ]
check "the others switch between threads of one process only" \
	[ "$(cell server-threads p-sw)$(cell thread-pool p-sw)$(cell reactor p-sw)" = 000 ]

fork=$(bytes "$(cell server-fork mem/conn)")
thr=$(bytes "$(cell server-threads mem/conn)")
loop=$(bytes "$(cell event-loop-server mem/conn)")
check "memory per connection: fork > threads ($fork > $thr)" [ "$fork" -gt "$thr" ]
check "memory per connection: threads > event loop ($thr > $loop)" [ "$thr" -gt "$loop" ]
check "memory per connection: a thread's is its 64K stack" [ "$(cell server-threads mem/conn)" = 64K ]
check "memory per connection: the event loop adds none" [ "$loop" -eq 0 ]
check "latencies in order: p50 <= p99 <= max" \
	sh -c '[ "$1" -le "$2" ] && [ "$2" -le "$3" ]' - \
	"$(cell reactor p50)" "$(cell reactor p99)" "$(cell reactor max)"

# more clients: the pool's threads stay bounded, a thread per connection's grow
cp "$tmp/out" "$tmp/six"
run --compare --clients 18 thread-pool server-threads
check "--clients 18: thread-pool still has 3 threads at its peak" [ "$(cell thread-pool thr)" = 3 ]
check "--clients 18: server-threads has more than with 6" \
	[ "$(cell server-threads thr)" -gt "$(awk '$1 == "server-threads" { print $11 }' "$tmp/six")" ]

# the pool's size, measured: copies of thread-pool with 1, 2 and 8 workers,
# CPU-bound (WAIT 0) and I/O-bound (the handler waits 300 ticks)
for w in 1 2 8; do
	for wait in 0 300; do
		sed "s/^const int WORKERS = 2;/const int WORKERS = $w;/; s/^const int WAIT = 0; /const int WAIT = $wait;/" \
			"$srcdir/scenarios/thread-pool.scn" >"$tmp/pool-$w-$wait.scn"
	done
done
cd "$tmp" || exit 1
run --compare --clients 16 pool-1-0.scn pool-2-0.scn pool-8-0.scn pool-1-300.scn pool-2-300.scn pool-8-300.scn
cd - >/dev/null || exit 1
check "the six pools exit 0" [ "$rc" -eq 0 ]
check "CPU-bound: 2 workers (the cores) serve faster than 1" \
	[ "$(tenths "$(cell pool-2-0.scn req/1k)")" -gt "$(tenths "$(cell pool-1-0.scn req/1k)")" ]
check "CPU-bound: 1 worker leaves a core mostly idle" \
	sh -c 'u=${1%%/*}; v=${1#*/}; [ "$u" -lt 50 ] || [ "$v" -lt 50 ]' - "$(cell pool-1-0.scn cpu%)"
check "CPU-bound: 8 workers serve no faster than 2" \
	[ "$(tenths "$(cell pool-8-0.scn req/1k)")" -le "$(tenths "$(cell pool-2-0.scn req/1k)")" ]
check "CPU-bound: 8 workers switch more than 2" \
	[ "$(cell pool-8-0.scn t-sw)" -gt "$(cell pool-2-0.scn t-sw)" ]
check "I/O-bound: 8 workers serve faster than 2" \
	[ "$(tenths "$(cell pool-8-300.scn req/1k)")" -gt "$(tenths "$(cell pool-2-300.scn req/1k)")" ]
check "I/O-bound: 2 workers serve faster than 1" \
	[ "$(tenths "$(cell pool-2-300.scn req/1k)")" -gt "$(tenths "$(cell pool-1-300.scn req/1k)")" ]
check "I/O-bound: 8 workers have a lower p99 than 2" \
	[ "$(cell pool-8-300.scn p99)" -lt "$(cell pool-2-300.scn p99)" ]

# the columns are those threadlab(1) documents
heads=$(printf '%s\n' "$out" | head -n 1)
missing=
for h in $heads; do
	sed 's/\\-/-/g' "$srcdir/man/threadlab.1" | grep -q -F -x -e ".B $h" || missing="$missing $h"
done
check "threadlab(1) documents every column (missing:$missing)" [ -z "$missing" ]

# the exit status: the highest of the runs'
run --compare event-loop-server race-counter
check "a failing run among them: exit 1" [ "$rc" -eq 1 ]
check "... its row is in the table" [ "$(cell race-counter end)" = assert ]
check "... its report on stderr" sh -c 'printf "%s" "$1" | grep -q "assertion failed"' - "$err"
run --compare --max-steps 500 race-counter event-loop-server
check "a run stopped by a limit among them: exit 3" [ "$rc" -eq 3 ]
check "... its end names the limit" [ "$(cell event-loop-server end)" = max-steps ]
run --compare --max-threads 3 --clients 6 server-threads thread-pool
check "server-threads over --max-threads: exit 3" [ "$rc" -eq 3 ]
check "... with the limit's message" \
	sh -c 'printf "%s" "$1" | grep -q "stopped: more than 3 threads (--max-threads)"' - "$err"
check "... and the pool, within it, served all" [ "$(cell thread-pool served)" = 6 ]
printf 'int main() {\n  return x;\n}\n' >"$tmp/bad.scn"
run --compare event-loop-server "$tmp/bad.scn"
check "a scenario that does not compile: exit 2" [ "$rc" -eq 2 ]
check "... and no run, no table" [ -z "$out" ]
check "... with the compiler's message" sh -c 'printf "%s" "$1" | grep -q "error: .x. is not declared"' - "$err"
run --compare
check "--compare with no scenario: exit 2" [ "$rc" -eq 2 ]
check "... says it wants one" sh -c 'printf "%s" "$1" | grep -q "compare wants one or more scenarios"' - "$err"
run --compare --stats event-loop-server
check "--compare with --stats: exit 2" [ "$rc" -eq 2 ]
run --compare --clients 5 event-loop-server race-counter
check "--clients with a scenario without #clients: exit 2" [ "$rc" -eq 2 ]
check "... naming it" sh -c 'printf "%s" "$1" | grep -q "race-counter has no clients"' - "$err"
finish
