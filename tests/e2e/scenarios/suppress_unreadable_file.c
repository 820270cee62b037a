// Suppressions: an unreadable suppressions file is one clear line on stderr, and the program
// runs with no suppressions (the AB-BA is reported, exit 66).
// ENV: ULOCKDEP_OPTIONS=suppressions=/nonexistent-ulockdep-dir/supp.txt
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-MESSAGE: ulockdep: cannot read suppressions file /nonexistent-ulockdep-dir/supp.txt: No such file or directory; running without suppressions
// The program: abba_two_threads_sequential's (lock_a then lock_b in one thread, the reverse in another).
#include "abba_two_threads_sequential.c"
