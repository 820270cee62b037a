// A real ABBA deadlock whose reports are all suppressed (deadlock:a_then_b names a function of
// the stacks of both lockdep's circular report and the watchdog's deadlock report). The
// threads are still stuck for good: the watchdog says so in one line and ends the process with
// exitcode (deadlock_exit=1, the default) instead of letting it hang forever.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1
// SUPPRESSIONS: deadlock:a_then_b
// TIMEOUT: 20
// EXPECT-EXIT: 66
// EXPECT-MESSAGE: ulockdep: threads deadlocked for 1 s; the deadlock report was suppressed by deadlock:a_then_b; exiting with status 66
// EXPECT-MESSAGE: ulockdep: suppressions used:
// EXPECT-MESSAGE: 2 deadlock:a_then_b
// The program: deadlock_cli_default's ABBA pair (a_then_b, b_then_a).
#include "deadlock_cli_default.c"
