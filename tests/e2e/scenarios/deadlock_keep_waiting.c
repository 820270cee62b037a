// deadlock_exit=0: the watchdog reports the ABBA deadlock once and lets the program hang
// (the driver kills it after TIMEOUT seconds). The same deadlock is not reported again on
// later scans.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1:deadlock_exit=0
// TIMEOUT: 5
// EXPECT-HANG
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-REPORT: deadlock lock_a lock_b
// EXPECT-COUNT: deadlock=1
// The program: deadlock_cli_default's ABBA pair (a_then_b, b_then_a).
#include "deadlock_cli_default.c"
