// halt_on_error=1: the program would make two reports (A/B, then C/D) but stops right after
// the first, with status 66; nothing after it runs.
// ENV: ULOCKDEP_OPTIONS=halt_on_error=1
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=1
#include <unistd.h>

#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_d = PTHREAD_MUTEX_INITIALIZER;

static void abba(pthread_mutex_t *x, pthread_mutex_t *y)
{
    E2E_CHECK(pthread_mutex_lock(x));
    E2E_CHECK(pthread_mutex_lock(y));
    E2E_CHECK(pthread_mutex_unlock(y));
    E2E_CHECK(pthread_mutex_unlock(x));
    E2E_CHECK(pthread_mutex_lock(y));
    E2E_CHECK(pthread_mutex_lock(x));
    E2E_CHECK(pthread_mutex_unlock(x));
    E2E_CHECK(pthread_mutex_unlock(y));
}

int main(void)
{
    abba(&lock_a, &lock_b);
    abba(&lock_c, &lock_d);
    /* Not reached when halt_on_error works; make it visible if it is. */
    write(STDOUT_FILENO, "still running\n", 14);
    return 0;
}
