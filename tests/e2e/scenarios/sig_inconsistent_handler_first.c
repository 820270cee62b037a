// A SIGUSR1 handler takes stats_lock; later the thread takes it with SIGUSR1 unblocked. If the
// signal arrived then, the handler would wait for a lock its own thread holds: lockdep's
// "inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage", with a signal for the irq.
// EXPECT-EXIT: 66
// EXPECT-REPORT: inconsistent_state stats_lock
// EXPECT-COUNT: inconsistent_state=1
// EXPECT-TEXT: inconsistent {IN-SIGNAL-W} -> {SIGNAL-ON-W} usage.
// EXPECT-TEXT: the signal is SIGUSR1
// EXPECT-TEXT:   <Interrupt>
// EXPECT-LINES: inconsistent {IN-SIGNAL-W} -> {SIGNAL-ON-W} usage.
// EXPECT-LINES: e2e_sig_inconsi/* [SIG0[0]:SE1] takes:
// EXPECT-LINES: * (stats_lock){?.?.}-{3:3}, at: main+0x*/0x* sig_inconsistent_handler_first.c:${LINE:thread_take} [e2e_sig_inconsistent_handler_first+0x*]
// EXPECT-LINES: {IN-SIGNAL-W} state was registered at:
// EXPECT-LINES:   on_usr1+0x*/0x* sig_inconsistent_handler_first.c:${LINE:handler_take} [e2e_sig_inconsistent_handler_first+0x*]
// EXPECT-LINES:   <signal handler called> [libc.so.6+0x*]
#include <signal.h>

#include "e2e_util.h"

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
    (void)sig;
    pthread_mutex_lock(&stats_lock); /* LINE:handler_take */
    handled++;
    pthread_mutex_unlock(&stats_lock);
}

int main(void)
{
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigemptyset(&sa.sa_mask);
    E2E_CHECK(sigaction(SIGUSR1, &sa, NULL));
    E2E_CHECK(raise(SIGUSR1));
    E2E_CHECK(pthread_mutex_lock(&stats_lock));   /* SIGUSR1 can arrive here; LINE:thread_take */
    E2E_CHECK(pthread_mutex_unlock(&stats_lock));
    return handled == 1 ? 0 : 99;
}
