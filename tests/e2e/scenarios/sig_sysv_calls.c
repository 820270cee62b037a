// The System V calls, which glibc runs on its internal sigaction/sigprocmask/sigsuspend:
// under ulockdep they must still install a traced handler and keep the mask known. The
// SIGUSR1 handler installed with sigset() takes four spinlocks (IN-SIGNAL-W). Then the
// thread takes set_lock with SIGUSR1 deliverable (sigset() unblocks it): inconsistent; takes
// hold_lock after sighold(): consistent, no report; holds relse_lock across sigrelse(): the
// signal becomes deliverable, inconsistent; holds pause_lock while sigpause() waits with
// SIGUSR1 let in: inconsistent. Three reports.
// EXPECT-EXIT: 66
// EXPECT-REPORT: inconsistent_state set_lock
// EXPECT-REPORT: inconsistent_state relse_lock
// EXPECT-REPORT: inconsistent_state pause_lock
// EXPECT-COUNT: inconsistent_state=3
// EXPECT-LINES: Call Trace:
// EXPECT-LINES:  main+0x*/0x* sig_sysv_calls.c:${LINE:sigrelse} [e2e_sig_sysv_calls+0x*]
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <signal.h>

#include "e2e_util.h"

static pthread_spinlock_t set_lock, hold_lock, relse_lock, pause_lock;
static pthread_spinlock_t *const all[] = { &set_lock, &hold_lock, &relse_lock, &pause_lock };
static volatile sig_atomic_t armed = 1, deliveries;

static void on_usr1(int sig)
{
    (void)sig;
    deliveries++;
    if (!armed)
        return;
    for (unsigned i = 0; i < sizeof all / sizeof *all; i++) {
        pthread_spin_lock(all[i]);
        pthread_spin_unlock(all[i]);
    }
}

int main(void)
{
    /* one init site each: locks initialised in one loop would be one class */
    E2E_CHECK(pthread_spin_init(&set_lock, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_spin_init(&hold_lock, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_spin_init(&relse_lock, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_spin_init(&pause_lock, PTHREAD_PROCESS_PRIVATE));
    if (sigset(SIGUSR1, on_usr1) == SIG_ERR)
        return 98;
    E2E_CHECK(raise(SIGUSR1));
    armed = 0;

    E2E_CHECK(pthread_spin_lock(&set_lock)); /* SIGUSR1 deliverable */
    E2E_CHECK(pthread_spin_unlock(&set_lock));

    E2E_CHECK(sighold(SIGUSR1));
    E2E_CHECK(pthread_spin_lock(&hold_lock)); /* blocked: fine */
    E2E_CHECK(pthread_spin_unlock(&hold_lock));

    E2E_CHECK(pthread_spin_lock(&relse_lock));
    E2E_CHECK(sigrelse(SIGUSR1)); /* LINE:sigrelse */
    E2E_CHECK(pthread_spin_unlock(&relse_lock));

    E2E_CHECK(sighold(SIGUSR1));
    E2E_CHECK(pthread_spin_lock(&pause_lock));
    E2E_CHECK(raise(SIGUSR1)); /* pending until sigpause lets it in */
    if (sigpause(SIGUSR1) != -1 || errno != EINTR)
        return 97;
    E2E_CHECK(pthread_spin_unlock(&pause_lock));
    E2E_CHECK(sigrelse(SIGUSR1));
    return deliveries == 2 ? 0 : 96;
}
