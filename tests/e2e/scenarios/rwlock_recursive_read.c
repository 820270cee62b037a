// Recursive read of a default rwlock: rd A, rd A (glibc lets a reader in even when a writer
// waits, so this cannot deadlock), and also rd A, rd B, rd A. Nothing to report; a detector
// that treats every relock as AA reports a false recursive locking.
// EXPECT-NONE
#include "e2e_util.h"

static pthread_rwlock_t lock_a = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t lock_b = PTHREAD_RWLOCK_INITIALIZER;

int main(void)
{
    E2E_CHECK(pthread_rwlock_rdlock(&lock_a));
    E2E_CHECK(pthread_rwlock_rdlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));

    E2E_CHECK(pthread_rwlock_rdlock(&lock_a));
    E2E_CHECK(pthread_rwlock_rdlock(&lock_b));
    E2E_CHECK(pthread_rwlock_rdlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_b));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    return 0;
}
