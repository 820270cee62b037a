// Locks held when a signal becomes deliverable (lockdep's mark_held_locks when irqs are
// enabled). Each lock is taken by the SIGUSR1 handler (IN-SIGNAL-W; spinlocks, which a
// handler may take), then held by the thread with SIGUSR1 blocked, and the thread opens the
// mask while holding it: with pthread_sigmask(SIG_UNBLOCK), sigprocmask(SIG_SETMASK), or by
// waiting in sigsuspend, ppoll, pselect or epoll_pwait with a mask that lets SIGUSR1 in. A
// handler arriving then would spin on the lock its own thread holds: six inconsistent_state
// reports, one per lock. masked_lock is held across a ppoll whose mask keeps SIGUSR1
// blocked: no report.
// EXPECT-EXIT: 66
// EXPECT-REPORT: inconsistent_state unblock_lock
// EXPECT-REPORT: inconsistent_state setmask_lock
// EXPECT-REPORT: inconsistent_state suspend_lock
// EXPECT-REPORT: inconsistent_state ppoll_lock
// EXPECT-REPORT: inconsistent_state pselect_lock
// EXPECT-REPORT: inconsistent_state epoll_lock
// EXPECT-COUNT: inconsistent_state=6
// EXPECT-LINES: inconsistent {IN-SIGNAL-W} -> {SIGNAL-ON-W} usage.
// EXPECT-LINES: e2e_sig_mask_op/* [SIG0[0]:SE1] takes:
// EXPECT-LINES: * (suspend_lock){?.?.}-{2:2}, at: main+0x*/0x* sig_mask_opened_while_held.c:${LINE:suspend_take} [e2e_sig_mask_opened_while_held+0x*]
//
// EXPECT-LINES: Call Trace:
// EXPECT-LINES:  main+0x*/0x* sig_mask_opened_while_held.c:${LINE:suspend_wait} [e2e_sig_mask_opened_while_held+0x*]
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

#include "e2e_util.h"

static pthread_spinlock_t unblock_lock, setmask_lock, suspend_lock, ppoll_lock, pselect_lock, epoll_lock,
    masked_lock;
static pthread_spinlock_t *const all[] = { &unblock_lock, &setmask_lock, &suspend_lock, &ppoll_lock,
                                           &pselect_lock, &epoll_lock, &masked_lock };
#define NLOCKS (sizeof all / sizeof *all)
static volatile sig_atomic_t armed = 1, deliveries;

static void on_usr1(int sig)
{
    (void)sig;
    deliveries++;
    if (!armed)
        return; /* later deliveries: the thread holds the locks now */
    for (unsigned i = 0; i < NLOCKS; i++) {
        pthread_spin_lock(all[i]);
        pthread_spin_unlock(all[i]);
    }
}

int main(void)
{
    /* one init site each: locks initialised in one loop would be one class */
    E2E_CHECK(pthread_spin_init(&unblock_lock, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_spin_init(&setmask_lock, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_spin_init(&suspend_lock, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_spin_init(&ppoll_lock, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_spin_init(&pselect_lock, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_spin_init(&epoll_lock, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_spin_init(&masked_lock, PTHREAD_PROCESS_PRIVATE));
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigemptyset(&sa.sa_mask);
    E2E_CHECK(sigaction(SIGUSR1, &sa, NULL));
    E2E_CHECK(raise(SIGUSR1));
    armed = 0;

    sigset_t usr1, none;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&none);
    struct timespec ms = { 0, 1000000 };
    E2E_CHECK(pthread_sigmask(SIG_BLOCK, &usr1, NULL));

    E2E_CHECK(pthread_spin_lock(&unblock_lock));
    E2E_CHECK(pthread_sigmask(SIG_UNBLOCK, &usr1, NULL));
    E2E_CHECK(pthread_spin_unlock(&unblock_lock));
    E2E_CHECK(pthread_sigmask(SIG_BLOCK, &usr1, NULL));

    E2E_CHECK(pthread_spin_lock(&setmask_lock));
    E2E_CHECK(sigprocmask(SIG_SETMASK, &none, NULL));
    E2E_CHECK(pthread_spin_unlock(&setmask_lock));
    E2E_CHECK(sigprocmask(SIG_BLOCK, &usr1, NULL));

    E2E_CHECK(pthread_spin_lock(&suspend_lock)); /* LINE:suspend_take */
    E2E_CHECK(raise(SIGUSR1));                  /* pending until sigsuspend lets it in */
    if (sigsuspend(&none) != -1 || errno != EINTR) /* LINE:suspend_wait */
        return 98;
    E2E_CHECK(pthread_spin_unlock(&suspend_lock));

    E2E_CHECK(pthread_spin_lock(&ppoll_lock));
    E2E_CHECK(ppoll(NULL, 0, &ms, &none));
    E2E_CHECK(pthread_spin_unlock(&ppoll_lock));

    E2E_CHECK(pthread_spin_lock(&pselect_lock));
    E2E_CHECK(pselect(0, NULL, NULL, NULL, &ms, &none));
    E2E_CHECK(pthread_spin_unlock(&pselect_lock));

    int ep = epoll_create1(0);
    struct epoll_event ev;
    E2E_CHECK(pthread_spin_lock(&epoll_lock));
    E2E_CHECK(epoll_pwait(ep, &ev, 1, 1, &none));
    E2E_CHECK(pthread_spin_unlock(&epoll_lock));
    close(ep);

    E2E_CHECK(pthread_spin_lock(&masked_lock)); /* SIGUSR1 stays blocked: fine */
    E2E_CHECK(ppoll(NULL, 0, &ms, &usr1));
    E2E_CHECK(pthread_spin_unlock(&masked_lock));
    return deliveries == 2 ? 0 : 97;
}
