// Suppressions: bad lines are named (file and line, on stderr) and skipped; the good rule on
// the last line still applies, so the AB-BA is hidden and the program exits 0.
// SUPPRESSIONS: # a comment
// SUPPRESSIONS: race:b_then_a
// SUPPRESSIONS: deadlock:
// SUPPRESSIONS: b_then_a
// SUPPRESSIONS: deadlock:b_then_a
// EXPECT-NONE
// EXPECT-MESSAGE: ulockdep: suppressions ${SUPP}:2: unknown suppression type (deadlock or lock), in 'race:b_then_a'
// EXPECT-MESSAGE: ulockdep: suppressions ${SUPP}:3: empty pattern, in 'deadlock:'
// EXPECT-MESSAGE: ulockdep: suppressions ${SUPP}:4: expected TYPE:PATTERN (deadlock:PATTERN or lock:PATTERN), got 'b_then_a'
// EXPECT-MESSAGE: ulockdep: suppressions used:
// EXPECT-MESSAGE: 1 deadlock:b_then_a
// The program: abba_two_threads_sequential's (lock_a then lock_b in one thread, the reverse in another).
#include "abba_two_threads_sequential.c"
