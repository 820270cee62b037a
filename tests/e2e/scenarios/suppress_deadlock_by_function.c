// Suppressions: the AB-BA of abba_two_threads_sequential, hidden by a deadlock: rule that
// names a function of one of the cycle's stacks (not a lock). No report, exit 0, and at
// exit print_suppressions (on by default) says the rule was used once.
// SUPPRESSIONS: deadlock:b_then_*
// EXPECT-NONE
// EXPECT-MESSAGE: ulockdep: suppressions used:
// EXPECT-MESSAGE: 1 deadlock:b_then_*
// The program: abba_two_threads_sequential's (lock_a then lock_b in one thread, the reverse in another).
#include "abba_two_threads_sequential.c"
