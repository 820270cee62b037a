// A SIGSEGV-style recovery: the handler takes recover_lock and siglongjmps out of itself.
// The lock stays held (the program then releases it); ulockdep reports the handler was left
// with a lock held, and the thread's state is right afterwards: an AB-BA in thread context
// is still found (exactly one circular), and nothing is attributed to the dead handler.
// EXPECT-EXIT: 66
// EXPECT-REPORT: held_at_signal_return recover_lock
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: held_at_signal_return=1 circular=1
// EXPECT-TEXT: is leaving (by longjmp) the SIGUSR1 handler with locks still held!
// EXPECT-STDOUT: jumped back
#include <setjmp.h>
#include <signal.h>

#include "e2e_util.h"

static pthread_mutex_t recover_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static sigjmp_buf back;

static void on_usr1(int sig)
{
    (void)sig;
    pthread_mutex_lock(&recover_lock);
    siglongjmp(back, 1);
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    if (sigsetjmp(back, 1) == 0) {
        raise(SIGUSR1);
        return 98; /* not reached */
    }
    printf("jumped back\n");
    E2E_CHECK(pthread_mutex_unlock(&recover_lock));
    /* the thread context works as before */
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    /* a signal arriving now is handled in a fresh context */
    signal(SIGUSR1, SIG_IGN);
    return 0;
}
