#!/bin/sh
# lang.sh: the language has what real I/O code needs.  The chapter's
# epoll loop, with only the edits the language asks of it, compiles
# (--check) and runs (--run), printing what the chapter's loop prints
# for the clients of a listening socket, and ends ok once they have all
# closed and the loop waits for more; and a program of chars,
# structs, unions and sizeof prints what C would.
. "$(dirname "$0")/lib.sh"

loop=$srcdir/tests/lang-programs/epoll-loop.scn
types=$srcdir/tests/lang-programs/types.scn
sed '1,/\*\//d' "$loop" >"$tmp/code"      # the program, without the comment naming the edits

# The edits, and only those: none of what was taken out is left, and
# the chapter's own lines are there as it wrote them.
for gone in '#include' '#define' 'printf' 'perror' 'exit(' 'ssize_t' 'fd1 = 0'; do
	check "the loop has no $gone" sh -c '! grep -qF -- "$1" "$2"' - "$gone" "$tmp/code"
done
for line in 'const int MAX_EVENTS = 10;' 'int epoll_fd = epoll_create();' \
	'struct epoll_event ev, events[MAX_EVENTS];' 'ev.events = EPOLLIN;' 'ev.data.fd = fd1;' \
	'if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd1, &ev) == -1) {' \
	'int n = epoll_wait(epoll_fd, events, MAX_EVENTS, -1);' \
	'if (events[i].events & EPOLLIN) {' 'char buffer[1024];' \
	'int count = read(events[i].data.fd, buffer, sizeof(buffer));' \
	'print("Read: %s\n", buffer);' 'print("Connection closed\n");' \
	'close(events[i].data.fd);' 'close(epoll_fd);'; do
	check "the loop keeps: $(printf '%s' "$line" | sed 's/\\/\\\\/g')" grep -qF -- "$line" "$tmp/code"
done

run --check "$loop"
check "the chapter's loop compiles" [ "$rc" -eq 0 ] && [ -z "$err" ]
[ "$rc" -eq 0 ] || diag "$err"

run --run "$loop"
check "it runs, its expectations held" [ "$rc" -eq 0 ]
check "it reads each client's request, and sees each close" \
	[ "$out" = "$(printf 'Read: hello\nConnection closed\nRead: hello\nConnection closed')" ]
[ "$rc" -eq 0 ] || diag "$out" "$err"

run --disasm "$loop"
check "epoll_ctl is given the address of ev" \
	sh -c 'printf "%s\n" "$1" | grep -A4 "&ev) == -1" | grep -q "lea  r0, \[fp-[0-9]*\] *; ev$"' - "$out"

run --run "$types"
check "chars, structs, unions and sizeof give what C gives" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$out" "$err"

run --disasm "$types"
check "a char is loaded and stored a byte at a time" \
	sh -c 'printf "%s\n" "$1" | grep -q "ldb " && printf "%s\n" "$1" | grep -q "stb "' - "$out"

finish
