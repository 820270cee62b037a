// sig_sleeping_call_in_handler's program with strict_signal_locks=1: the handler's blocking
// pthread_mutex_lock and pthread_rwlock_wrlock are reported too (POSIX: not
// async-signal-safe), besides its condition-variable wait; its trylock and spinlock are not.
// ENV: ULOCKDEP_OPTIONS=strict_signal_locks=1
// EXPECT-EXIT: 66
// EXPECT-REPORT: srcu_misuse ev_mutex
// EXPECT-REPORT: srcu_misuse ev_mutex
// EXPECT-REPORT: srcu_misuse ev_rwlock
// EXPECT-COUNT: srcu_misuse=3
// EXPECT-TEXT: Illegal pthread_mutex_lock() in the SIGUSR1 handler: sleeping function called from invalid context!
// EXPECT-TEXT: Illegal pthread_rwlock_wrlock() in the SIGUSR1 handler: sleeping function called from invalid context!
// EXPECT-TEXT: Illegal pthread_cond_timedwait() in the SIGUSR1 handler: sleeping function called from invalid context!
#include "sig_sleeping_call_in_handler.c"
