#!/bin/sh
# bench/threads.sh: how the simulator's time grows with the number of
# threads.
# Usage: bench/threads.sh [THREADLAB] [COUNT...]   (default: src/threadlab,
# and 10 100 1000 4000 threads)
# For each COUNT, makes a scenario on the fly in which main spawns COUNT
# workers, each of which adds up WORK numbers (WORK=300 by default,
# about 2,500 instructions a worker, preempted every 100) and adds its
# sum to a shared total under one mutex, then joins them all; runs it
# with --run on CORES cores (CORES=1 by default; the policy is rr with a
# quantum of 100) and reports the best of 3 wall times in milliseconds,
# the instructions (--stats), the nanoseconds per instruction (the time
# of an empty program's run, measured first, taken off), and that figure
# as a ratio to the first COUNT's in the same run: time that grows
# linearly with threads x instructions keeps the ratio near 1.  Then the peak memory of one run,
# if /usr/bin/time is there.  RACES=off runs with --no-races.  Not a
# test: it asserts nothing; the figures go into issue notes.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/src/threadlab}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- 10 100 1000 4000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
work=${WORK:-300}
cores=${CORES:-1}
races=
[ "${RACES:-on}" = off ] && races=--no-races

# scenario N: write the scenario with N workers to $tmp/threads-N.scn.
scenario() {
	cat >"$tmp/threads-$1.scn" <<SCN
/* $1 workers, each adding up $work numbers and adding its sum to a
 * shared total under a mutex; main joins them all. */
#title "Benchmark: $1 threads"
#policy rr
#quantum 100
const int N = $1;
const int WORK = $work;
int ids[N];
int total = 0;
mutex m;

void worker(int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        s += i;
    lock(m);
    total += s;
    unlock(m);
}

int main() {
    for (int i = 0; i < N; i++)
        ids[i] = spawn(worker, WORK);
    for (int i = 0; i < N; i++)
        join(ids[i]);
    print("total = %d\\n", total);
    return 0;
}
SCN
}

# Microseconds of the best of 3 rounds of $reps runs of the command
# (which must succeed), per run.
best_us() {
	best=
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		i=0
		while [ "$i" -lt "$reps" ]; do
			"$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
			i=$((i + 1))
		done
		t1=$(date +%s%N)
		us=$(( (t1 - t0) / 1000 / reps ))
		if [ -z "$best" ] || [ "$us" -lt "$best" ]; then best=$us; fi
	done
	echo "$best"
}

echo 'int main() { return 0; }' >"$tmp/empty.scn"
printf '%-8s %12s %8s %10s %8s %10s\n' threads instructions best_ms ns_per_insn ratio peak_KiB
base=
for n in "$@"; do
	scenario "$n"
	scn=$tmp/threads-$n.scn
	set -- --run $races --cores "$cores" --max-threads $((n + 1)) "$scn"
	"$bin" --stats "$@" >/dev/null 2>"$tmp/stats" || { cat "$tmp/stats" >&2; exit 1; }
	insns=$(sed -n 's/^instructions: //p' "$tmp/stats")
	# small runs are repeated, so that each figure is of some 4,000
	# threads' runs in all, an empty program's runs taken off
	reps=$(( n >= 4000 ? 1 : (4000 + n - 1) / n ))
	[ "$reps" -le 100 ] || reps=100
	empty=$(best_us "$bin" --run "$tmp/empty.scn")
	us=$(best_us "$bin" "$@")
	ms=$(awk -v us="$us" 'BEGIN { printf "%.1f", us / 1000 }')
	ns=$(awk -v us="$us" -v e="$empty" -v n="$insns" 'BEGIN { printf "%.2f", (us > e ? us - e : 0) * 1000 / n }')
	[ -n "$base" ] || base=$ns
	ratio=$(awk -v a="$ns" -v b="$base" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
	peak=-
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' -o "$tmp/mem" "$bin" "$@" >/dev/null 2>&1
		peak=$(tail -n 1 "$tmp/mem")
	fi
	printf '%-8s %12s %8s %10s %8s %10s\n' "$n" "$insns" "$ms" "$ns" "$ratio" "$peak"
done
