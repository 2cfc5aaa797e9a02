#!/bin/sh
# bench/run.sh: how fast the simulator runs a program, and how fast it
# writes the trace.
# Usage: bench/run.sh [THREADLAB]   (default: src/threadlab)
# Runs bench/counter.scn (two threads adding to one counter, about 4.4
# million instructions) with tracing off (--run) on one core, which is
# the baseline, on 2 and on 8 cores, without the race detector
# (--no-races) on 1 and on 8 cores, and with --trace=FILE into a
# temporary file, and reports, for each, the best of 5 runs: wall time
# in milliseconds, simulated instructions per second (the count --stats
# gives), that rate as a ratio to the baseline's in the same run and,
# when tracing, trace lines and megabytes per second; then what the race
# detector costs on 1 and on 8 cores (its time over the time without
# it), and the peak memory of one run with tracing off and one with it,
# if /usr/bin/time is there.
# ROUNDS=N runs the workload with N rounds per thread instead of the
# file's 200000 (11 instructions a round; the trace takes about 80 bytes
# an instruction).  Not a test: it asserts nothing; the figures go into
# issue notes.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/src/threadlab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

scn=$top/bench/counter.scn
if [ -n "${ROUNDS:-}" ]; then
	sed "s/^const int ROUNDS = [0-9]*;/const int ROUNDS = $ROUNDS;/" "$scn" >"$tmp/counter.scn"
	scn=$tmp/counter.scn
fi

# Milliseconds of the best of 5 runs of the command (which must succeed).
best_ms() {
	best=
	for _ in 1 2 3 4 5; do
		rm -f "$tmp/trace"
		t0=$(date +%s%N)
		"$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
		t1=$(date +%s%N)
		ms=$(( (t1 - t0) / 1000000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	echo "$best"
}

# per_s COUNT MS: COUNT per second.
per_s() {
	awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", (ms > 0 ? n * 1000 / ms : 0) }'
}

# row NAME OPTIONS...: time --run with OPTIONS, print the row; the first
# row is the baseline the others' ratios are to.
base_ms=
row() {
	name=$1
	shift
	"$bin" --run --stats "$@" "$scn" >/dev/null 2>"$tmp/stats" || { cat "$tmp/stats" >&2; exit 1; }
	n=$(sed -n 's/^instructions: //p' "$tmp/stats")
	ms=$(best_ms "$bin" --run "$@" "$scn")
	[ -n "$base_ms" ] || base_ms=$ms
	printf '%-26s %12d %8d %12s %6s %12s %12s %9s %8s\n' "$name" "$n" "$ms" "$(per_s "$n" "$ms")" \
		"$(ratio "$n" "$ms")" - - - -
	eval "ms_$(echo "$name" | tr -c 'a-z0-9\n' _)=\$ms"
}

# ratio COUNT MS: COUNT per second as a ratio to the baseline's.
ratio() {
	awk -v n="$1" -v ms="$2" -v bn="$insns" -v bms="$base_ms" \
		'BEGIN { printf "%.2f", (ms > 0 && bn > 0) ? (n / ms) / (bn / bms) : 0 }'
}

"$bin" --run --stats "$scn" >/dev/null 2>"$tmp/stats" || { cat "$tmp/stats" >&2; exit 1; }
insns=$(sed -n 's/^instructions: //p' "$tmp/stats")

printf '%-26s %12s %8s %12s %6s %12s %12s %9s %8s\n' \
	mode instructions best_ms insns_per_s ratio trace_lines lines_per_s trace_MB MB_per_s
row run
row 'run --cores 2' --cores 2
row 'run --cores 8' --cores 8
row 'run --no-races' --no-races
row 'run --cores 8 --no-races' --cores 8 --no-races

trace_ms=$(best_ms "$bin" --trace="$tmp/trace" "$scn")
lines=$(wc -l <"$tmp/trace")
bytes=$(wc -c <"$tmp/trace")
rm -f "$tmp/trace"
printf '%-26s %12d %8d %12s %6s %12d %12s %9s %8s\n' \
	trace "$insns" "$trace_ms" "$(per_s "$insns" "$trace_ms")" "$(ratio "$insns" "$trace_ms")" \
	"$lines" "$(per_s "$lines" "$trace_ms")" \
	"$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')" \
	"$(awk -v b="$bytes" -v ms="$trace_ms" 'BEGIN { printf "%.1f", (ms > 0 ? b / 1048576 * 1000 / ms : 0) }')"
# what the race detector costs: the time with it over the time without, less 1
awk -v a="$ms_run" -v b="$ms_run___no_races" -v c="$ms_run___cores_8" -v d="$ms_run___cores_8___no_races" \
	'BEGIN { printf "race detector: %+.0f%% of the time on 1 core, %+.0f%% on 8 cores\n",
		 (b > 0 ? (a / b - 1) * 100 : 0), (d > 0 ? (c / d - 1) * 100 : 0) }'

if [ -x /usr/bin/time ]; then
	/usr/bin/time -f 'peak memory with tracing off: %M KiB' "$bin" --run "$scn" >/dev/null
	/usr/bin/time -f 'peak memory with --trace=FILE: %M KiB' "$bin" --trace="$tmp/trace" "$scn" >/dev/null
	rm -f "$tmp/trace"
fi
