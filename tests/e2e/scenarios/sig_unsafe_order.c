// safe_lock is taken in the SIGUSR1 handler (SIGNAL-safe); unsafe_lock is taken with SIGUSR1
// unblocked (SIGNAL-unsafe). A thread then takes safe_lock -> unsafe_lock (with SIGUSR1
// blocked, so each lock alone is consistent). Thread 1 holding unsafe_lock can be interrupted
// by the handler, which waits for safe_lock, whose holder waits for unsafe_lock.
// EXPECT-EXIT: 66
// EXPECT-REPORT: signal_unsafe_order safe_lock unsafe_lock
// EXPECT-COUNT: signal_unsafe_order=1
// EXPECT-TEXT: but this new dependency connects a SIGNAL-safe lock:
// EXPECT-TEXT: to a SIGNAL-unsafe lock:
// EXPECT-TEXT: <Interrupt: SIGUSR1>
// EXPECT-LINES: which would create a new lock dependency:
// EXPECT-LINES:  (safe_lock){-.-.}-{3:3} -> (unsafe_lock){+.+.}-{3:3}
//
// EXPECT-LINES: ... which became SIGNAL-safe (IN-SIGNAL-W in the SIGUSR1 handler) at:
// EXPECT-LINES:   on_usr1+0x*/0x* sig_unsafe_order.c:${LINE:safe_in_handler} [e2e_sig_unsafe_order+0x*]
// EXPECT-LINES:   <signal handler called> [libc.so.6+0x*]
//
// EXPECT-LINES: ... which became SIGNAL-unsafe (SIGNAL-ON-W: taken with SIGUSR1 unblocked) at:
// EXPECT-LINES: ...
// EXPECT-LINES:   main+0x*/0x* sig_unsafe_order.c:${LINE:unsafe_on} [e2e_sig_unsafe_order+0x*]
#include <signal.h>

#include "e2e_util.h"

static pthread_mutex_t safe_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t unsafe_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_usr1(int sig)
{
    (void)sig;
    pthread_mutex_lock(&safe_lock); /* LINE:safe_in_handler */
    pthread_mutex_unlock(&safe_lock);
}

int main(void)
{
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigemptyset(&sa.sa_mask);
    E2E_CHECK(sigaction(SIGUSR1, &sa, NULL));
    E2E_CHECK(raise(SIGUSR1));
    E2E_CHECK(pthread_mutex_lock(&unsafe_lock)); /* LINE:unsafe_on */
    E2E_CHECK(pthread_mutex_unlock(&unsafe_lock));
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    E2E_CHECK(pthread_sigmask(SIG_BLOCK, &usr1, &old));
    E2E_CHECK(pthread_mutex_lock(&safe_lock));
    E2E_CHECK(pthread_mutex_lock(&unsafe_lock));
    E2E_CHECK(pthread_mutex_unlock(&unsafe_lock));
    E2E_CHECK(pthread_mutex_unlock(&safe_lock));
    E2E_CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL));
    return 0;
}
