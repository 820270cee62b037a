// Readers in a handler, lockdep's rules for recursive readers. Both rwlocks are read (a
// recursive read: glibc's default rwlock lets a reader in past a waiting writer) in the
// SIGUSR1 handler, so both are IN-SIGNAL-R.
//  - cfg_rwlock: the thread, SIGUSR1 unblocked, takes cfg_stats inside a read section of
//    cfg_rwlock. The chain leaves cfg_rwlock held as a reader, and the handler's reader does
//    not wait for readers: fine.
//  - tbl_rwlock: the thread, SIGUSR1 blocked, takes tbl_stats inside a *write* section of
//    tbl_rwlock; tbl_stats is also taken with SIGUSR1 unblocked. A thread holding tbl_stats
//    can be interrupted by the handler, whose reader waits for the writer holding
//    tbl_rwlock, who waits for tbl_stats: reported, {IN-SIGNAL-R} against {SIGNAL-ON-W}.
// EXPECT-EXIT: 66
// EXPECT-REPORT: signal_unsafe_order tbl_rwlock tbl_stats
// EXPECT-COUNT: signal_unsafe_order=1
// EXPECT-LINES: ... which became SIGNAL-safe (IN-SIGNAL-R in the SIGUSR1 handler) at:
// EXPECT-LINES:   on_usr1+0x*/0x* sig_reader_in_handler_rules.c:${LINE:tbl_read} [e2e_sig_reader_in_handler_rules+0x*]
//
// EXPECT-LINES: ... which became SIGNAL-unsafe (SIGNAL-ON-W: taken with SIGUSR1 unblocked) at:
// EXPECT-LINES: ...
// EXPECT-LINES:   main+0x*/0x* sig_reader_in_handler_rules.c:${LINE:tbl_stats_on} [e2e_sig_reader_in_handler_rules+0x*]
#include <signal.h>

#include "e2e_util.h"

static pthread_rwlock_t cfg_rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t cfg_stats = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t tbl_rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t tbl_stats = PTHREAD_MUTEX_INITIALIZER;

static void on_usr1(int sig)
{
    (void)sig;
    pthread_rwlock_rdlock(&cfg_rwlock);
    pthread_rwlock_unlock(&cfg_rwlock);
    pthread_rwlock_rdlock(&tbl_rwlock); /* LINE:tbl_read */
    pthread_rwlock_unlock(&tbl_rwlock);
}

int main(void)
{
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigemptyset(&sa.sa_mask);
    E2E_CHECK(sigaction(SIGUSR1, &sa, NULL));
    E2E_CHECK(raise(SIGUSR1));

    /* reader chain, signals on: fine */
    E2E_CHECK(pthread_rwlock_rdlock(&cfg_rwlock));
    E2E_CHECK(pthread_mutex_lock(&cfg_stats));
    E2E_CHECK(pthread_mutex_unlock(&cfg_stats));
    E2E_CHECK(pthread_rwlock_unlock(&cfg_rwlock));

    /* writer chain, SIGUSR1 blocked; tbl_stats SIGNAL-unsafe elsewhere */
    E2E_CHECK(pthread_mutex_lock(&tbl_stats)); /* LINE:tbl_stats_on */
    E2E_CHECK(pthread_mutex_unlock(&tbl_stats));
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    E2E_CHECK(pthread_sigmask(SIG_BLOCK, &usr1, &old));
    E2E_CHECK(pthread_rwlock_wrlock(&tbl_rwlock));
    E2E_CHECK(pthread_mutex_lock(&tbl_stats));
    E2E_CHECK(pthread_mutex_unlock(&tbl_stats));
    E2E_CHECK(pthread_rwlock_unlock(&tbl_rwlock));
    E2E_CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL));
    return 0;
}
