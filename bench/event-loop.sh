#!/bin/sh
# bench/event-loop.sh: how the chapter's event loop scales with its
# clients.  Runs scenarios/event-loop.scn headless (--run) with its
# #clients line changed to N clients one tick apart (N from CLIENTS,
# default "10 100 1000 10000"), and reports for each N: simulated
# ticks and instructions (from --stats), the best of 3 wall times in
# milliseconds, instructions per second, and the peak host memory of one
# run when /usr/bin/time is there.  Each run must serve every client
# (the scenario's #expect served == N).  Not a test: it asserts nothing
# beyond that; the figures go into issue notes.
# Usage: bench/event-loop.sh [THREADLAB]   (default: src/threadlab)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/src/threadlab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Milliseconds of the best of 3 runs of the command (which must succeed).
best_ms() {
	best=
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
		t1=$(date +%s%N)
		ms=$(( (t1 - t0) / 1000000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	echo "$best"
}

printf '%8s %10s %12s %8s %12s %10s\n' clients ticks instructions best_ms insns_per_s peak_KiB
for n in ${CLIENTS:-10 100 1000 10000}; do
	scn=$tmp/event-loop-$n.scn
	sed -e "s/^#clients .*/#clients $n port 8080 send \"GET \\/index\" at 60 every 1 latency 5/" \
	    -e "s/^#expect served == .*/#expect served == $n/" \
	    "$top/scenarios/event-loop.scn" >"$scn"
	"$bin" --run --stats --max-steps=4000000000 "$scn" >/dev/null 2>"$tmp/stats" ||
		{ cat "$tmp/stats" >&2; exit 1; }
	ticks=$(sed -n 's/^ticks: //p' "$tmp/stats")
	insns=$(sed -n 's/^instructions: //p' "$tmp/stats")
	ms=$(best_ms "$bin" --run --max-steps=4000000000 "$scn")
	kib=-
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' -o "$tmp/mem" "$bin" --run --max-steps=4000000000 "$scn" \
			>/dev/null 2>&1 && kib=$(cat "$tmp/mem")
	fi
	printf '%8d %10s %12s %8d %12s %10s\n' "$n" "$ticks" "$insns" "$ms" \
		"$(awk -v n="$insns" -v ms="$ms" 'BEGIN { printf "%.0f", (ms > 0 ? n * 1000 / ms : 0) }')" \
		"$kib"
done
