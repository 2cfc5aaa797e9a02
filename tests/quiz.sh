#!/bin/sh
# quiz.sh: --quiz as a teacher meets it — the questions printed for
# handing out, answers files graded right and wrong by exit status (0
# all right, 1 not, 2 a malformed file), the per-question report, and
# the options that go with it.
. "$(dirname "$0")/lib.sh"

answers=$srcdir/tests/quiz-answers

# contains TEXT NEEDLE: TEXT holds NEEDLE (a fixed string).
contains() { printf '%s\n' "$1" | grep -F -q -e "$2"; }
# lacks TEXT NEEDLE: TEXT does not hold NEEDLE.
lacks() { ! contains "$1" "$2"; }

# Handing out: numbered questions, the tick, the line, never the answer.
run --quiz race-counter </dev/null
check "--quiz without a terminal prints the questions (exit 0)" [ "$rc" -eq 0 ]
check "it says how many" contains "$out" "Quiz on race-counter: 10 questions."
check "it says how to answer" contains "$out" "N: ANSWER"
check "question 1 has its tick, line and thread" contains "$out" "1. tick 32, line 34, T1 (main)"
check "with the source line" contains "$out" "   | join(a);"
check "asked as a question" contains "$out" "T1 is about to call join on T2. Will it block?"
check "a racy load is asked" contains "$out" "T2 is about to run ld r0, [0x600000]: it loads counter."
check "the lost update's store is asked" contains "$out" "4. tick 58, line 26, T2 (worker)"
check "a switch is asked with its choices" contains "$out" "answer: a thread: T2, T3"
check "question 10 is the last" contains "$out" "10. tick 146, line 37, T1 (main)"
check "no eleventh" lacks "$out" "11. tick"
check "the answers are not given away" lacks "$out" "the answer is"
check "nothing on stderr" [ -z "$err" ]
first=$out
run --quiz race-counter </dev/null
check "the same questions every time" [ "$out" = "$first" ]
run --quiz --questions=3 race-counter </dev/null
check "--questions=3 asks 3" contains "$out" "3 questions."
check "--questions=3 has no fourth" lacks "$out" "4. tick"
run --quiz --questions 1 race-counter </dev/null
check "one question: a lost update's store" contains "$out" "it stores into counter"
run --quiz event-loop </dev/null
check "epoll_wait's report is asked" contains "$out" "Which descriptor does it report first?"
run --quiz race-mutex </dev/null
check "a lock that blocks is asked" contains "$out" "call lock on mutex m. Will it block?"

# Grading: all right.
run --quiz --answers "$answers/race-counter.right" race-counter
check "right answers exit 0" [ "$rc" -eq 0 ]
check "right answers score 10 of 10" contains "$out" "10 of 10 right"
check "each is reported right" [ "$(printf '%s\n' "$out" | grep -c ': right, ')" -eq 10 ]
check "a thread answered t3 is right" contains "$out" "7. tick 113, T2 (worker): right, T3"
check "a value answered 0x3 is right" contains "$out" "8. tick 114, line 26, T3 (worker): right, 3"
check "the report says why" contains "$out" "T3's update is lost"
check "grading writes nothing on stderr" [ -z "$err" ]

# Grading: wrong and missing answers.
run --quiz --answers="$answers/race-counter.wrong" race-counter
check "wrong answers exit 1" [ "$rc" -eq 1 ]
check "the lost update is reported wrong with the right answer" \
	contains "$out" "4. tick 58, line 26, T2 (worker): wrong, you answered 3; the answer is 2"
check "and why" contains "$out" "It loaded 1 at tick 44; T3 stored 2 at"
check "a missing answer is reported" contains "$out" "7. tick 113, T2 (worker): no answer; the answer is T3"
check "the end value is reported wrong" contains "$out" "you answered 6; the answer is 4"
check "the right ones stay right" contains "$out" "1. tick 32, line 34, T1 (main): right, yes"
check "the score" contains "$out" "7 of 10 right"
run --quiz --answers /dev/null race-counter
check "an empty answers file exits 1" [ "$rc" -eq 1 ]
check "an empty answers file scores 0" contains "$out" "0 of 10 right"

# Malformed answers files: exit 2, the file and the line.
run --quiz --answers "$answers/bad-form.answers" race-counter
check "an answer of the wrong form exits 2" [ "$rc" -eq 2 ]
check "it names the file, the line and the form" \
	contains "$err" "bad-form.answers:2: error: question 1 wants yes or no, not 'maybe'"
check "a malformed file grades nothing" [ -z "$out" ]
run --quiz --answers "$answers/bad-line.answers" race-counter
check "a line without N: exits 2" [ "$rc" -eq 2 ]
check "it says what a line must be" \
	contains "$err" "bad-line.answers:2: error: expected 'N: ANSWER'"
run --quiz --answers "$answers/twice.answers" race-counter
check "a question answered twice exits 2" [ "$rc" -eq 2 ]
check "it says where first" contains "$err" "twice.answers:3: error: question 1 is answered twice (first on line 1)"
run --quiz --answers "$answers/no-such-question.answers" race-counter
check "an answer to no question exits 2" [ "$rc" -eq 2 ]
check "it says how many there are" contains "$err" "no-such-question.answers:1: error: there is no question 11: the quiz has 10"
run --quiz --questions 11 --answers "$answers/no-such-question.answers" race-counter
check "with 11 questions, 11 is a question (and wrong): exit 1" [ "$rc" -eq 1 ]
run --quiz --answers "$tmp/none" race-counter
check "a missing answers file exits 2" [ "$rc" -eq 2 ]
check "it says it cannot open it" contains "$err" "cannot open '$tmp/none'"

# Options that go with it.
run --answers "$answers/race-counter.right" race-counter
check "--answers without --quiz exits 2" [ "$rc" -eq 2 ]
check "it says so" contains "$err" "--answers and --questions go with --quiz"
run --questions 3 --run race-counter
check "--questions without --quiz exits 2" [ "$rc" -eq 2 ]
run --quiz --questions 0 race-counter
check "--questions 0 exits 2" [ "$rc" -eq 2 ]
check "it gives the range" contains "$err" "--questions wants a number from 1 to 100, not '0'"
run --quiz --questions 101 race-counter
check "--questions 101 exits 2" [ "$rc" -eq 2 ]
run --quiz --run race-counter
check "--quiz does not go with --run" [ "$rc" -eq 2 ]
check "it says to choose" contains "$err" "--quiz, --check, --disasm and --list"
run --quiz --stats race-counter
check "--stats does not go with --quiz" [ "$rc" -eq 2 ]
check "it says so" contains "$err" "do not go with --explore, --compare, --quiz,"
run --quiz --export=perfetto "$tmp/x.json" race-counter
check "an export does not go with --quiz" [ "$rc" -eq 2 ]
check "it says so too" contains "$err" "--compare, --quiz, --check, --disasm or --list"
printf 'int main() { return x; }\n' >"$tmp/bad.scn"
run --quiz "$tmp/bad.scn"
check "a bad scenario exits 2" [ "$rc" -eq 2 ]
run --quiz --schedule "1*2 | 2*3" race-counter
check "a schedule that does not fit exits 2" [ "$rc" -eq 2 ]
run --quiz --policy fifo race-counter </dev/null
check "the settings change the run the questions come from" [ "$rc" -eq 0 ] && \
	check "under fifo no update is lost, so other questions" [ "$out" != "$first" ]
run --help
check "--help has --quiz" contains "$out" "--quiz"
check "--help has --answers" contains "$out" "--answers=FILE"
check "--help has --questions" contains "$out" "--questions=N"

finish
