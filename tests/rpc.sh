#!/bin/sh
# rpc.sh: the coroutine runtime and the asynchronous RPC scenarios as a
# student meets them — rpc-callbacks on one thread, rpc-coroutines on
# two workers that never block on a socket, mn-runtime serving every
# client with two worker threads, coroutines moving between workers,
# and their rows in --compare with the peak coroutines filled.
. "$(dirname "$0")/lib.sh"

# cell ROW COLUMN: the cell of the table in $tmp/out, by the scenario's
# name and the column's heading.
cell() {
	awk -v row="$1" -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		$1 == row { print $c }' "$tmp/out"
}
# bytes SIZE: the table's size (512B, 1.5K, 64K) in bytes.
bytes() {
	printf '%s\n' "$1" | awk '
		/B$/ { sub(/B$/, ""); print int($0); exit }
		/K$/ { sub(/K$/, ""); print int($0 * 1024); exit }
		/M$/ { sub(/M$/, ""); print int($0 * 1048576); exit }'
}
# tenths NUMBER: a number with one decimal, times ten.
tenths() { printf '%s\n' "$1" | awk '{ print int($0 * 10 + 0.5) }'; }

for s in rpc-callbacks rpc-coroutines mn-runtime; do
	run --run "$s"
	check "$s runs to its end, its #expect lines holding" [ "$rc" -eq 0 ]
	run --check "$s"
	check "$s compiles clean" [ "$rc" -eq 0 ] && [ -z "$err" ]
done

run --compare --clients 5 rpc-callbacks rpc-coroutines mn-runtime
check "--compare of the three exits 0" [ "$rc" -eq 0 ]
check "rpc-callbacks served its 5 clients" [ "$(cell rpc-callbacks served)" = 5 ]
check "rpc-coroutines served its 5 clients" [ "$(cell rpc-coroutines served)" = 5 ]
check "mn-runtime served its 10 clients (two #clients lines of 5)" [ "$(cell mn-runtime served)" = 10 ]
check "rpc-callbacks holds one thread" [ "$(cell rpc-callbacks thr)" = 1 ]
check "... makes no switch between threads" [ "$(cell rpc-callbacks t-sw)" = 0 ]
check "... and no coroutine" [ "$(cell rpc-callbacks coro)" = 0 ]
check "rpc-coroutines: main and its 2 workers" [ "$(cell rpc-coroutines thr)" = 3 ]
check "... a coroutine per connection at its peak" [ "$(cell rpc-coroutines coro)" = 5 ]
check "... and serves faster than the callbacks on one thread" \
	[ "$(tenths "$(cell rpc-coroutines req/1k)")" -gt "$(tenths "$(cell rpc-callbacks req/1k)")" ]
check "mn-runtime: main and its 2 workers" [ "$(cell mn-runtime thr)" = 3 ]
check "... more coroutines than threads at its peak" \
	[ "$(cell mn-runtime coro)" -gt "$(cell mn-runtime thr)" ]

# more clients: still two workers, every client served
run --compare --clients 40 mn-runtime server-threads
check "mn-runtime --clients 40: all 80 served" [ "$(cell mn-runtime served)" = 80 ]
check "... by 2 workers still (3 threads)" [ "$(cell mn-runtime thr)" = 3 ]
check "... and server-threads needs more threads than that" \
	[ "$(cell server-threads thr)" -gt 3 ]
co=$(bytes "$(cell mn-runtime mem/conn)")
th=$(bytes "$(cell server-threads mem/conn)")
check "memory per connection: threads > coroutines ($th > $co)" [ "$th" -gt "$co" ]

# the workers of rpc-coroutines never block on a socket: they park
# coroutines instead, and wait only on the run queue
run --trace rpc-coroutines
workers=$(printf '%s\n' "$out" | awk '$4 == "spawn" && $6 == "go_worker()" { print $5 }' | tr '\n' ' ')
check "rpc-coroutines starts two workers ($workers)" [ "$(echo $workers | wc -w)" -eq 2 ]
blocked=0
for w in $workers; do
	n=$(printf '%s\n' "$out" | awk -v w="$w" '$3 == w && $4 == "block" && $6 != "run" { n++ } END { print n + 0 }')
	blocked=$((blocked + n))
done
check "... which never block but on the run queue" [ "$blocked" -eq 0 ]
check "... while coroutines park in read on the services' connections" \
	[ "$(printf '%s\n' "$out" | grep -c ' park co[0-9]* read fd ')" -ge 9 ]
check "... and each park is undone by an answer" \
	[ "$(printf '%s\n' "$out" | grep -c ' unpark co')" -eq "$(printf '%s\n' "$out" | grep -c ' park co')" ]
run --trace rpc-callbacks
check "rpc-callbacks' only thread never blocks in read either" \
	[ "$(grep -c ' T1 block on read' "$tmp/out")" -eq 0 ]

# coroutines go on on another worker than the one that ran them
run --trace mn-runtime
check "mn-runtime: some coroutine moves between workers" \
	grep -q ' pick co[0-9]* from T' "$tmp/out"
check "... and every go is picked" \
	[ "$(printf '%s\n' "$out" | grep -c ' go co')" -eq 12 ]

# a coroutine that waits for an answer never asked for: the deadlock
# report names the parked coroutine and what the threads wait in
cat >"$tmp/parked.scn" <<'END'
#workers 1
#service s port 9 latency 5 reply "x"
void w(int x) { char b[4]; int fd = connect(9); read(fd, b, 4); }
int main() { go(w, 0); go_wait(); return 0; }
END
run --run "$tmp/parked.scn"
check "a coroutine parked for ever: a deadlock, exit 1" [ "$rc" -eq 1 ]
check "... main waits in go_wait" \
	sh -c 'printf "%s" "$1" | grep -q "T1 (main) waits in go_wait for every coroutine to finish, at line 4"' - "$err"
check "... the worker on the run queue" \
	sh -c 'printf "%s" "$1" | grep -q "T2 (go_worker) waits on the run queue: no coroutine is ready"' - "$err"
check "... and the coroutine is named, parked in read" \
	sh -c 'printf "%s" "$1" | grep -q "co1 (w) is parked in read on fd 3"' - "$err"
finish
