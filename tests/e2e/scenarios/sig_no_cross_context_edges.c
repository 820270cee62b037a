// The handler runs while the thread holds outer_lock and takes inner_lock: that is not a
// dependency outer_lock -> inner_lock (an interrupt is not nesting). So taking inner_lock ->
// outer_lock later is no circular dependency; it is a SIGNAL-safe -> unsafe order (inner is
// used in the handler, outer is held with SIGUSR1 unblocked), and only that is reported.
// EXPECT-EXIT: 66
// EXPECT-REPORT: signal_unsafe_order inner_lock outer_lock
// EXPECT-COUNT: signal_unsafe_order=1
#include <signal.h>

#include "e2e_util.h"

static pthread_mutex_t outer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t inner_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_usr1(int sig)
{
    (void)sig;
    pthread_mutex_lock(&inner_lock);
    pthread_mutex_unlock(&inner_lock);
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    E2E_CHECK(pthread_mutex_lock(&outer_lock));
    E2E_CHECK(raise(SIGUSR1)); /* handler runs now, on top of outer_lock */
    E2E_CHECK(pthread_mutex_unlock(&outer_lock));
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    E2E_CHECK(pthread_sigmask(SIG_BLOCK, &usr1, &old));
    E2E_CHECK(pthread_mutex_lock(&inner_lock));
    E2E_CHECK(pthread_mutex_lock(&outer_lock));
    E2E_CHECK(pthread_mutex_unlock(&outer_lock));
    E2E_CHECK(pthread_mutex_unlock(&inner_lock));
    return 0;
}
