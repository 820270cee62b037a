// Suppressions: the same AB-BA hidden by a deadlock: rule naming one of its locks (the
// name reports print for it), with print_suppressions=0: no report, exit 0, no message.
// A comment and a blank line in the file are fine.
// SUPPRESSIONS: # locks of the AB-BA
// SUPPRESSIONS:
// SUPPRESSIONS: deadlock:lock_b
// ENV: ULOCKDEP_OPTIONS=print_suppressions=0
// EXPECT-NONE
// The program: abba_two_threads_sequential's (lock_a then lock_b in one thread, the reverse in another).
#include "abba_two_threads_sequential.c"
