#!/bin/sh
# bench/threads.sh: how the simulator's time grows with the number of
# threads.
# Usage: bench/threads.sh [THREADLAB] [COUNT...]   (default: src/threadlab,
# and 10 100 1000 4000 threads)
# For each COUNT, makes a scenario on the fly in which main spawns COUNT
# workers, each of which adds up WORK numbers (WORK=3000 by default,
# about 36,000 instructions a worker, preempted every 100) and adds its
# sum to a shared total under one mutex; main then joins them all.  Runs it
# with --run on CORES cores (CORES=1 by default; the policy is rr with a
# quantum of 100) and reports the best of 3 wall times in milliseconds,
# the instructions (--stats), the nanoseconds per instruction (the time
# of an empty program's run, measured first, taken off) with the race
# detector and without it (--no-races), each as a ratio to the first
# COUNT's in the same run (a small COUNT's runs are repeated up to 100
# times, so as to time some 4,000 threads in all): time that grows
# linearly with threads x instructions keeps the ratio near 1.  Then the
# peak memory of one run with the race detector and one without, if
# /usr/bin/time is there.  Not a test: it asserts nothing; the figures
# go into issue notes.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/src/threadlab}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- 10 100 1000 4000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
work=${WORK:-3000}
cores=${CORES:-1}

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

# ns_per_insn INSNS OPTIONS...: nanoseconds per instruction of a --run
# with OPTIONS, the empty program's time taken off.
ns_per_insn() {
	n=$1
	shift
	us=$(best_us "$bin" --run "$@")
	awk -v us="$us" -v e="$empty" -v n="$n" 'BEGIN { printf "%.2f", (us > e ? us - e : 0) * 1000 / n }'
}

# ratio A B: A / B.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

printf '%-8s %12s %8s %10s %6s %12s %6s %10s %10s\n' threads instructions best_ms \
	ns_per_insn ratio no_races_ns ratio peak_KiB no_races_KiB
base= base_nr=
for n in "$@"; do
	scenario "$n"
	scn=$tmp/threads-$n.scn
	set -- --cores "$cores" --max-threads $((n + 1)) "$scn"
	"$bin" --run --stats "$@" >/dev/null 2>"$tmp/stats" || { cat "$tmp/stats" >&2; exit 1; }
	insns=$(sed -n 's/^instructions: //p' "$tmp/stats")
	# small runs are repeated, so that each figure is of some 4,000
	# threads' runs in all, an empty program's runs taken off
	reps=$(( n >= 4000 ? 1 : (4000 + n - 1) / n ))
	[ "$reps" -le 100 ] || reps=100
	empty=$(best_us "$bin" --run "$tmp/empty.scn")
	ms=$(awk -v us="$(best_us "$bin" --run "$@")" 'BEGIN { printf "%.1f", us / 1000 }')
	ns=$(ns_per_insn "$insns" "$@")
	nr=$(ns_per_insn "$insns" --no-races "$@")
	[ -n "$base" ] || base=$ns base_nr=$nr
	peak=- peak_nr=-
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' -o "$tmp/mem" "$bin" --run "$@" >/dev/null 2>&1
		peak=$(tail -n 1 "$tmp/mem")
		/usr/bin/time -f '%M' -o "$tmp/mem" "$bin" --run --no-races "$@" >/dev/null 2>&1
		peak_nr=$(tail -n 1 "$tmp/mem")
	fi
	printf '%-8s %12s %8s %10s %6s %12s %6s %10s %10s\n' "$n" "$insns" "$ms" "$ns" \
		"$(ratio "$ns" "$base")" "$nr" "$(ratio "$nr" "$base_nr")" "$peak" "$peak_nr"
done
