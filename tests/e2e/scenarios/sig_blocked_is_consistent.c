// Control for the inconsistent_state scenarios: the thread takes stats_lock only with SIGUSR1
// blocked, so the handler can never interrupt a holder. No report.
// EXPECT-NONE
#include <signal.h>

#include "e2e_util.h"

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_usr1(int sig)
{
    (void)sig;
    pthread_mutex_lock(&stats_lock);
    pthread_mutex_unlock(&stats_lock);
}

int main(void)
{
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigemptyset(&sa.sa_mask);
    E2E_CHECK(sigaction(SIGUSR1, &sa, NULL));
    E2E_CHECK(raise(SIGUSR1));
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    for (int i = 0; i < 3; i++) {
        E2E_CHECK(pthread_sigmask(SIG_BLOCK, &usr1, &old));
        E2E_CHECK(pthread_mutex_lock(&stats_lock));
        E2E_CHECK(pthread_mutex_unlock(&stats_lock));
        E2E_CHECK(pthread_sigmask(SIG_SETMASK, &old, NULL));
    }
    E2E_CHECK(raise(SIGUSR1));
    return 0;
}
