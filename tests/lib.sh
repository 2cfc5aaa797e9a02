# lib.sh: TAP helpers for the test scripts (sourced).
# THREADLAB is the program under test; srcdir the top source directory.
: "${srcdir:=$(dirname "$0")/..}"
srcdir=$(cd "$srcdir" && pwd)	# absolute: a test may cd to $tmp
: "${THREADLAB:=$srcdir/src/threadlab}"
tap_n=0
tap_failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/threadlab-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $1"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# check DESCRIPTION COMMAND...: one test that passes when COMMAND does.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# run ARGS...: run threadlab with a time limit; sets $out, $err, $rc.
run() {
	timeout 20 "$THREADLAB" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# finish: print the plan and exit non-zero if anything failed.
finish() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
