#!/bin/sh
# malformed.sh: the malformed-input corpus, as a TAP test.
#
# Every tests/malformed/NAME.scn is a broken scenario.  The compiler must
# reject it with exit status 2, and the first line it prints on stderr,
# run from the tests directory as
#     threadlab --check malformed/NAME.scn
# must equal tests/malformed/NAME.err.  A case whose right output the
# compiler does not give yet has NAME.err.todo instead; it is skipped.
# One more test builds a file over 1 MiB at run time and checks that it
# is refused.
#
# Environment: THREADLAB, the program to test (default: src/threadlab
# under the top directory); srcdir, the top source directory (default:
# the parent of this script's directory).

LC_ALL=C
export LC_ALL

timeout_secs=10

if [ -z "${srcdir:-}" ]; then
	case $0 in
	*/*) srcdir=${0%/*}/.. ;;
	*) srcdir=.. ;;
	esac
fi
srcdir=$(cd "$srcdir" && pwd) || {
	echo "Bail out! cannot enter srcdir '$srcdir'"
	exit 1
}

if [ -z "${THREADLAB:-}" ]; then
	THREADLAB=$srcdir/src/threadlab
fi
case $THREADLAB in
/*) ;;
*/*) THREADLAB=$(pwd)/$THREADLAB ;;
esac
if ! [ -x "$THREADLAB" ] && ! command -v "$THREADLAB" >/dev/null 2>&1; then
	echo "Bail out! no program to test: '$THREADLAB' (set THREADLAB)"
	exit 1
fi

cd "$srcdir/tests" || {
	echo "Bail out! no tests directory in '$srcdir'"
	exit 1
}

tmp=${TMPDIR:-/tmp}/threadlab-malformed.$$
rm -rf "$tmp"
mkdir "$tmp" || {
	echo "Bail out! cannot make a temporary directory '$tmp'"
	exit 1
}
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 13 15

# The cases, sorted for stable numbering.
count=0
for scn in malformed/*.scn; do
	[ -e "$scn" ] || continue
	count=$((count + 1))
done
echo "1..$((count + 1))"

n=0
failed=0

# check NAME FILE EXPECTED-LINE: run the compiler on FILE and compare.
check() {
	name=$1 file=$2 expected=$3
	timeout "$timeout_secs" "$THREADLAB" --check "$file" >/dev/null 2>"$tmp/stderr"
	status=$?
	actual=$(sed -n 1p "$tmp/stderr")
	n=$((n + 1))
	if [ "$status" -eq 2 ] && [ "x$actual" = "x$expected" ]; then
		echo "ok $n - $name"
		return 0
	fi
	echo "not ok $n - $name"
	case $status in
	124) echo "# timed out after ${timeout_secs}s" ;;
	2) ;;
	*) echo "# exit status $status, expected 2" ;;
	esac
	if [ "x$actual" != "x$expected" ]; then
		printf '# expected: %s\n# actual:   %s\n' "$expected" "$actual"
	fi
	failed=$((failed + 1))
	return 1
}

for scn in malformed/*.scn; do
	[ -e "$scn" ] || continue
	name=${scn#malformed/}
	name=${name%.scn}
	if [ -f "malformed/$name.err.todo" ]; then
		n=$((n + 1))
		echo "ok $n - $name # SKIP known compiler problem, see malformed/$name.err.todo"
		continue
	fi
	if ! [ -f "malformed/$name.err" ]; then
		n=$((n + 1))
		echo "not ok $n - $name"
		printf '# missing malformed/%s.err\n' "$name"
		failed=$((failed + 1))
		continue
	fi
	IFS= read -r expected <"malformed/$name.err"
	check "$name" "$scn" "$expected"
done

# A file over the 1 MiB limit: a valid program and a 1 MiB comment.
huge=$tmp/too-large.scn
{
	printf 'int main() {\n    return 0;\n}\n/*\n'
	dd if=/dev/zero bs=1024 count=1024 2>/dev/null | tr '\0' 'x'
	printf '\n*/\n'
} >"$huge"
check file-over-1mib "$huge" \
	"$huge: error: file too large (more than 1048576 bytes)"

[ "$failed" -eq 0 ]
