// Control for rwlock_recursive_read: on a writer-preferring, non-recursive rwlock a second
// read lock by the same thread can deadlock (it queues behind a waiting writer, who waits for
// the first read lock), so rd A, rd A is recursive locking.
// EXPECT-EXIT: 66
// EXPECT-REPORT: recursive lock_a
// EXPECT-COUNT: recursive=1
#include "e2e_util.h"

static pthread_rwlock_t lock_a = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;

int main(void)
{
    E2E_CHECK(pthread_rwlock_rdlock(&lock_a));
    E2E_CHECK(pthread_rwlock_rdlock(&lock_a)); /* no writer waits now, so it gets in */
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    return 0;
}
