// The other order: the thread takes cfg_lock with SIGALRM unblocked, then the SIGALRM handler
// takes it: "inconsistent {SIGNAL-ON-W} -> {IN-SIGNAL-W} usage", reported from the handler
// (and printed once the thread is back in thread context).
// EXPECT-EXIT: 66
// EXPECT-REPORT: inconsistent_state cfg_lock
// EXPECT-COUNT: inconsistent_state=1
// EXPECT-TEXT: inconsistent {SIGNAL-ON-W} -> {IN-SIGNAL-W} usage.
// EXPECT-TEXT: the signal is SIGALRM
// EXPECT-LINES: inconsistent {SIGNAL-ON-W} -> {IN-SIGNAL-W} usage.
// EXPECT-LINES: e2e_sig_inconsi/* [SIG14[1]:SE0] takes:
// EXPECT-LINES: * (cfg_lock){?.?.}-{3:3}, at: on_alarm+0x*/0x* sig_inconsistent_thread_first.c:${LINE:handler_take} [e2e_sig_inconsistent_thread_first+0x*]
// EXPECT-LINES: {SIGNAL-ON-W} state was registered at:
// EXPECT-LINES:   main+0x*/0x* sig_inconsistent_thread_first.c:${LINE:thread_take} [e2e_sig_inconsistent_thread_first+0x*]
#include <signal.h>

#include "e2e_util.h"

static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_alarm(int sig)
{
    (void)sig;
    pthread_mutex_lock(&cfg_lock); /* LINE:handler_take */
    pthread_mutex_unlock(&cfg_lock);
}

int main(void)
{
    signal(SIGALRM, on_alarm);
    E2E_CHECK(pthread_mutex_lock(&cfg_lock)); /* LINE:thread_take */
    E2E_CHECK(pthread_mutex_unlock(&cfg_lock));
    E2E_CHECK(raise(SIGALRM));
    return 0;
}
