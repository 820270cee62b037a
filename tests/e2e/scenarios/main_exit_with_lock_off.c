// main_exit_with_lock's program with exit_held=0 (a program that ends holding a lock on
// purpose): no report, the program's own exit status.
// ENV: ULOCKDEP_OPTIONS=exit_held=0
// EXPECT-NONE
#include "main_exit_with_lock.c"
