#!/bin/sh
# bench/compile.sh: how fast the front end compiles large scenarios.
# Usage: bench/compile.sh [THREADLAB]   (default: src/threadlab)
# Generates inputs near the 1 MiB file limit and reports, for each, the
# best of 5 runs of `threadlab --check` and of `--disasm` (to /dev/null),
# in milliseconds and in source lines per second.  Not a test: it asserts
# nothing; the figures go into issue notes.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/src/threadlab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gen() {
	case $1 in
	globals)
		awk 'BEGIN { for (i = 0; i < 80000; i++) printf "int g%d;\n", i;
			     print "int main() { return 0; }" }' ;;
	statements)
		awk 'BEGIN { print "int g[64];\nint main() {\n  int x = 0;";
			     for (i = 0; i < 40000; i++) printf "  x = x + g[%d] * %d;\n", i % 64, i;
			     print "  return x;\n}" }' ;;
	functions)
		awk 'BEGIN { for (i = 0; i < 8000; i++)
				printf "int f%d(int a, int b) {\n  int c = a * b;\n  if (c > %d) return c - a;\n  return f%d(b, c);\n}\n", i, i, i;
			     print "int main() { return f0(1, 2); }" }' ;;
	esac
}

# Milliseconds of the best of 5 runs of the command.
best_ms() {
	best=
	for _ in 1 2 3 4 5; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		ms=$(( (t1 - t0) / 1000000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	echo "$best"
}

printf '%-11s %8s %7s %10s %14s %10s\n' input bytes lines check_ms lines_per_s disasm_ms
for kind in globals statements functions; do
	gen "$kind" >"$tmp/$kind.scn"
	bytes=$(wc -c <"$tmp/$kind.scn")
	lines=$(wc -l <"$tmp/$kind.scn")
	"$bin" --check "$tmp/$kind.scn" || { echo "$kind does not compile" >&2; exit 1; }
	c=$(best_ms "$bin" --check "$tmp/$kind.scn")
	d=$(best_ms "$bin" --disasm "$tmp/$kind.scn")
	rate=$(( c > 0 ? lines * 1000 / c : 0 ))
	printf '%-11s %8d %7d %10d %14d %10d\n' "$kind" "$bytes" "$lines" "$c" "$rate" "$d"
done
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f 'peak memory compiling the statements input: %M KiB' \
		"$bin" --check "$tmp/statements.scn"
fi
