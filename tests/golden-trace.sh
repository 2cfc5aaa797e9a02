#!/bin/sh
# golden-trace.sh: the full event trace of every bundled scenario,
# compared with a stored one (tests/golden-traces/NAME.trace), so any
# change in what the simulator does, or in how the trace says it, shows
# up as a readable diff.  NAME.status holds the exit status of
#     threadlab --trace NAME
# (0, or 1 for a scenario whose program fails).  GOLDEN_UPDATE=1
# rewrites both files from the current program.  A scenario whose trace
# is too long to store at its own size has NAME.args, options given
# before its name (c10k's thousand clients: --clients 20).
. "$(dirname "$0")/lib.sh"

gold=$(cd "$srcdir/tests/golden-traces" && pwd) || exit 1
# Run from an empty directory, so that a name is always a bundled scenario.
cd "$tmp" || exit 1
if ! "$THREADLAB" --list >list 2>&1; then
	not_ok "threadlab --list works"
	diag "$(cat list)"
	finish
	exit
fi
names=$(cut -d ' ' -f 1 list)

for name in $names; do
	args=
	[ -f "$gold/$name.args" ] && args=$(cat "$gold/$name.args")
	# shellcheck disable=SC2086 # the options are words
	timeout 20 "$THREADLAB" --trace $args "$name" >got 2>err
	rc=$?
	if [ -n "${GOLDEN_UPDATE:-}" ] && [ "$rc" -le 1 ]; then
		cp got "$gold/$name.trace"
		echo "$rc" >"$gold/$name.status"
	fi
	if [ ! -f "$gold/$name.trace" ] || [ ! -f "$gold/$name.status" ]; then
		not_ok "$name has a stored trace and status"
		diag "make them with: GOLDEN_UPDATE=1 $0"
		continue
	fi
	if diff -u -L "golden-traces/$name.trace" -L "threadlab --trace $name" \
		"$gold/$name.trace" got >diff 2>&1; then
		ok "$name trace matches"
	else
		not_ok "$name trace matches"
		diag "$(head -n 40 diff)"
	fi
	want=$(head -n 1 "$gold/$name.status")
	if [ "$rc" = "$want" ]; then
		ok "$name exits with $want"
	else
		not_ok "$name exits with $want"
		diag "it exited with $rc" "$(head -n 5 err)"
	fi
done

# Every stored file belongs to a bundled scenario.
stale=
for f in "$gold"/*.trace "$gold"/*.status "$gold"/*.args; do
	[ -e "$f" ] || continue
	name=${f##*/}
	name=${name%.*}
	printf '%s\n' "$names" | grep -q -x -F -e "$name" || stale="$stale ${f##*/}"
done
if [ -z "$stale" ]; then
	ok "every stored trace belongs to a bundled scenario"
else
	not_ok "every stored trace belongs to a bundled scenario"
	diag "not bundled:$stale"
fi
finish
