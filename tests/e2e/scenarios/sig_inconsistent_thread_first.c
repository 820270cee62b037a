// The other order: the thread takes cfg_lock with SIGALRM unblocked, then the SIGALRM handler
// takes it: "inconsistent {SIGNAL-ON-W} -> {IN-SIGNAL-W} usage", reported from the handler
// (and printed once the thread is back in thread context).
// EXPECT-EXIT: 66
// EXPECT-REPORT: inconsistent_state cfg_lock
// EXPECT-COUNT: inconsistent_state=1
// EXPECT-TEXT: inconsistent {SIGNAL-ON-W} -> {IN-SIGNAL-W} usage.
// EXPECT-TEXT: the signal is SIGALRM
#include <signal.h>

#include "e2e_util.h"

static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_alarm(int sig)
{
    (void)sig;
    pthread_mutex_lock(&cfg_lock);
    pthread_mutex_unlock(&cfg_lock);
}

int main(void)
{
    signal(SIGALRM, on_alarm);
    E2E_CHECK(pthread_mutex_lock(&cfg_lock));
    E2E_CHECK(pthread_mutex_unlock(&cfg_lock));
    E2E_CHECK(raise(SIGALRM));
    return 0;
}
