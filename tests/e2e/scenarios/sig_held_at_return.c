// The SIGUSR2 handler takes log_lock and returns without releasing it (the thread releases it
// later, which pthreads allows): "lock held when returning from signal handler!".
// EXPECT-EXIT: 66
// EXPECT-REPORT: held_at_signal_return log_lock
// EXPECT-COUNT: held_at_signal_return=1
// EXPECT-TEXT: is returning from the SIGUSR2 handler with locks still held!
#include <signal.h>

#include "e2e_util.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_usr2(int sig)
{
    (void)sig;
    pthread_mutex_lock(&log_lock);
}

int main(void)
{
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    signal(SIGUSR2, on_usr2);
    E2E_CHECK(raise(SIGUSR2));
    E2E_CHECK(pthread_mutex_unlock(&log_lock));
    return 0;
}
