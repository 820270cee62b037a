// Suppressions that match nothing change nothing: the AB-BA is reported (exit 66), and
// print_suppressions (on by default) prints nothing because no rule was used. Patterns match
// whole names: "lock_" does not match lock_a, "a_then" does not match a_then_b.
// SUPPRESSIONS: deadlock:lock_
// SUPPRESSIONS: deadlock:a_then
// SUPPRESSIONS: deadlock:no_such_function*
// SUPPRESSIONS: lock:no_such_lock
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=1
// The program: abba_two_threads_sequential's (lock_a then lock_b in one thread, the reverse in another).
#include "abba_two_threads_sequential.c"
