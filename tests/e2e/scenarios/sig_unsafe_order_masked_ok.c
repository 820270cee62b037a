// Control for sig_unsafe_order: unsafe_lock is only ever taken with SIGUSR1 blocked, so it is
// not SIGNAL-unsafe and safe_lock -> unsafe_lock is fine. No report.
// EXPECT-NONE
#include <signal.h>

#include "e2e_util.h"

static pthread_mutex_t safe_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t unsafe_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_usr1(int sig)
{
    (void)sig;
    pthread_mutex_lock(&safe_lock);
    pthread_mutex_unlock(&safe_lock);
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
    E2E_CHECK(sigprocmask(SIG_BLOCK, &usr1, &old));
    E2E_CHECK(pthread_mutex_lock(&unsafe_lock));
    E2E_CHECK(pthread_mutex_unlock(&unsafe_lock));
    E2E_CHECK(pthread_mutex_lock(&safe_lock));
    E2E_CHECK(pthread_mutex_lock(&unsafe_lock));
    E2E_CHECK(pthread_mutex_unlock(&unsafe_lock));
    E2E_CHECK(pthread_mutex_unlock(&safe_lock));
    E2E_CHECK(sigprocmask(SIG_SETMASK, &old, NULL));
    return 0;
}
