// AA deadlock on a normal (default) mutex: the second, blocking acquisition is reported before
// it blocks. It is a pthread_mutex_timedlock with a 100 ms timeout so the program does not hang:
// on a default mutex glibc really waits (and times out with ETIMEDOUT).
// EXPECT-EXIT: 66
// EXPECT-REPORT: recursive lock_a
// EXPECT-COUNT: recursive=1
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    struct timespec ts = e2e_deadline(100);
    int r = pthread_mutex_timedlock(&lock_a, &ts);
    if (r != ETIMEDOUT) {
        fprintf(stderr, "timedlock of a held default mutex returned %d, expected ETIMEDOUT\n", r);
        return 99;
    }
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    /* The failed attempt was undone: the lock is taken and released once more cleanly. */
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    return 0;
}
