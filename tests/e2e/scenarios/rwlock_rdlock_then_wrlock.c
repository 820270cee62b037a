// rdlock then wrlock of the same rwlock in one thread: the writer waits for the thread's own
// read lock, forever. Reported as recursive locking before it blocks; the write attempt is a
// timedwrlock with a 100 ms timeout so the program goes on.
// EXPECT-EXIT: 66
// EXPECT-REPORT: recursive lock_a
// EXPECT-COUNT: recursive=1
#include "e2e_util.h"

static pthread_rwlock_t lock_a = PTHREAD_RWLOCK_INITIALIZER;

int main(void)
{
    E2E_CHECK(pthread_rwlock_rdlock(&lock_a));
    struct timespec ts = e2e_deadline(100);
    int r = pthread_rwlock_timedwrlock(&lock_a, &ts);
    if (r != ETIMEDOUT && r != EDEADLK) {
        fprintf(stderr, "timedwrlock over our own read lock returned %d\n", r);
        return 99;
    }
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    /* After the failed attempt the lock is free again: write it cleanly. */
    E2E_CHECK(pthread_rwlock_wrlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    return 0;
}
