// A signal handler is the kernel's hard-irq context, where nothing may sleep. The SIGUSR1
// handler waits on a condition variable (pthread_cond_timedwait on ev_mutex): a wait for
// another thread, always a srcu_misuse report ("sleeping function called from invalid
// context", as RCU-lockdep's "Illegal context switch"). Its pthread_mutex_lock and
// pthread_rwlock_wrlock are the userspace spin_lock-in-an-irq: judged by the usage checks,
// not reported here by default (sig_sleeping_lock_in_handler_strict: strict_signal_locks=1).
// Its trylock and its spinlock never wait. The thread never takes these locks.
// EXPECT-EXIT: 66
// EXPECT-REPORT: srcu_misuse ev_mutex
// EXPECT-COUNT: srcu_misuse=1
// EXPECT-LINES: on_usr1+0x*/0x* sig_sleeping_call_in_handler.c:${LINE:cond_wait} [e2e_sig_sleeping_call_in_handler+0x*] Illegal pthread_cond_timedwait() in the SIGUSR1 handler: sleeping function called from invalid context!
// EXPECT-LINES: e2e_sig_sleepin/* is trying to lock:
// EXPECT-LINES: * (ev_mutex){*}-{3:3}, at: on_usr1+0x*/0x* sig_sleeping_call_in_handler.c:${LINE:cond_wait} [e2e_sig_sleeping_call_in_handler+0x*]
#include <signal.h>

#include "e2e_util.h"

static pthread_mutex_t ev_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ev_try = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t ev_rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_cond_t ev_cond = PTHREAD_COND_INITIALIZER;
static pthread_spinlock_t ev_spin;
static volatile sig_atomic_t done;

static void on_usr1(int sig)
{
    (void)sig;
    pthread_mutex_lock(&ev_mutex);
    struct timespec now = e2e_deadline_on(CLOCK_REALTIME, 0);
    pthread_cond_timedwait(&ev_cond, &ev_mutex, &now); /* LINE:cond_wait times out at once */
    pthread_mutex_unlock(&ev_mutex);
    pthread_rwlock_wrlock(&ev_rwlock);
    pthread_rwlock_unlock(&ev_rwlock);
    if (pthread_mutex_trylock(&ev_try) == 0)
        pthread_mutex_unlock(&ev_try);
    pthread_spin_lock(&ev_spin);
    pthread_spin_unlock(&ev_spin);
    done = 1;
}

int main(void)
{
    E2E_CHECK(pthread_spin_init(&ev_spin, PTHREAD_PROCESS_PRIVATE));
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigemptyset(&sa.sa_mask);
    E2E_CHECK(sigaction(SIGUSR1, &sa, NULL));
    E2E_CHECK(raise(SIGUSR1));
    return done ? 0 : 99;
}
