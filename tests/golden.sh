#!/bin/sh
# golden.sh: the compiler's output for a set of small programs, compared
# with stored listings (tests/golden/NAME.dis), so any change in code
# generation shows up as a readable diff.  GOLDEN_UPDATE=1 rewrites them.
. "$(dirname "$0")/lib.sh"

cd "$srcdir/tests" || exit 1
for f in golden/*.scn; do
	name=${f%.scn}
	timeout 20 "$THREADLAB" --disasm "$f" >"$tmp/got" 2>"$tmp/err"
	rc=$?
	if [ -n "${GOLDEN_UPDATE:-}" ] && [ "$rc" -eq 0 ]; then
		cp "$tmp/got" "$name.dis"
	fi
	if [ "$rc" -ne 0 ]; then
		not_ok "$name compiles"
		diag "$(cat "$tmp/err")"
	elif diff -u "$name.dis" "$tmp/got" >"$tmp/diff" 2>&1; then
		ok "$name listing matches"
	else
		not_ok "$name listing matches"
		diag "$(head -n 40 "$tmp/diff")"
	fi
done
finish
