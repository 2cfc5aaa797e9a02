#!/bin/sh
# bench/explore.sh: how fast --explore settles a scenario, and what the
# reduction saves.
# Usage: bench/explore.sh [THREADLAB] [SCENARIO...]   (default: src/threadlab,
# and the lost update with five increments per thread and its locked
# version, the lock-order deadlock, Peterson's algorithm, the broken flag
# lock, and the bundled race-counter and race-mutex)
# For each scenario, with reduction and without (--no-reduction): the
# best of 3 wall times end to end (reading the file included) in
# milliseconds, the schedules counted, the states kept, the steps run,
# and schedules and steps per second; then the reduction factor (the
# schedules, and the steps run, without reduction over with it) and the
# peak memory of one search, if /usr/bin/time is there; all on one host
# thread (--jobs 1).  Then the four-thread lost update
# (bench/lost-update-4.scn, about a million states; JOBS_SCN picks
# another) on 1 host thread, the baseline, and on 2 and on every online
# core (--jobs N): the best of 3 wall times, the speed-up over one job,
# and whether the report is the same byte for byte.  Not a test: it
# asserts nothing; the figures go into issue notes.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/src/threadlab}
[ $# -gt 0 ] && shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
[ $# -gt 0 ] || set -- "$top/bench/lost-update.scn" "$top/bench/locked-update.scn" deadlock peterson \
	flag-lock race-counter race-mutex

# Milliseconds of the best of 3 searches (exit 0 or 1: a failing schedule
# found is a result, not an error); the first line of the last in $tmp/out.
best_ms() {
	best=
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		rc=0
		"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
		t1=$(date +%s%N)
		[ "$rc" -le 1 ] || { cat "$tmp/err" >&2; exit 1; }
		ms=$(( (t1 - t0) / 1000000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	echo "$best"
}

# field NAME: a number from the first line of the last search.
field() {
	head -n 1 "$tmp/out" | sed -n "s/.*[ (]\([0-9]*\) $1.*/\1/p"
}

# per_s COUNT MS: COUNT per second.
per_s() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", (ms > 0) ? n * 1000 / ms : n * 1000 }'; }

printf '%-14s %-6s %9s %14s %8s %8s %14s %12s\n' scenario reduce ms schedules states steps schedules/s steps/s
for scn in "$@"; do
	name=$(basename "$scn" .scn)
	for mode in on off; do
		flag=
		[ "$mode" = off ] && flag=--no-reduction
		ms=$(best_ms "$bin" --explore --jobs 1 $flag "$scn")
		sched=$(head -n 1 "$tmp/out" | sed 's/^[^:]*: \([0-9]*\) schedule.*/\1/')
		states=$(field states)
		steps=$(field 'steps run')
		printf '%-14s %-6s %9s %14s %8s %8s %14s %12s\n' "$name" "$mode" "$ms" "$sched" \
			"$states" "$steps" "$(per_s "$sched" "$ms")" "$(per_s "$steps" "$ms")"
		eval "sched_$mode=\$sched steps_$mode=\$steps"
	done
	awk -v a="$sched_off" -v b="$sched_on" -v c="$steps_off" -v d="$steps_on" \
		'BEGIN { printf "%-14s reduction: %.1fx fewer schedules, %.2fx the steps\n", "", a / b, c / d }'
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' -o "$tmp/mem" "$bin" --explore --jobs 1 "$scn" >/dev/null 2>&1 || :
		printf '%-14s peak memory: %s KiB\n' "" "$(tail -n 1 "$tmp/mem")"
	fi
done

# --jobs: one host thread against several, on one search.
jscn=${JOBS_SCN:-$top/bench/lost-update-4.scn}
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
printf '\n%-14s %5s %9s %9s %s\n' scenario jobs ms speed-up "same report"
base=
list="1 2"
[ "$cores" -gt 2 ] && list="$list $cores"
for jobs in $list; do
	ms=$(best_ms "$bin" --explore --jobs "$jobs" "$jscn")
	if [ -z "$base" ]; then
		base=$ms
		cp "$tmp/out" "$tmp/one"
	fi
	same=yes
	cmp -s "$tmp/out" "$tmp/one" || same=no
	printf '%-14s %5s %9s %9s %s\n' "$(basename "$jscn" .scn)" "$jobs" "$ms" \
		"$(awk -v a="$base" -v b="$ms" 'BEGIN { printf "%.2fx", (b > 0) ? a / b : 0 }')" "$same"
done
