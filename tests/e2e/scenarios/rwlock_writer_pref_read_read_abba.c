// Read-read ABBA on writer-preferring, non-recursive rwlocks
// (PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP): a reader queues behind a waiting writer, so
// rd A -> rd B against rd B -> rd A can deadlock once writers wait on A and B. Reported.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: lock_a lock_b
#include "e2e_util.h"

static pthread_rwlock_t lock_a;
static pthread_rwlock_t lock_b;

static void *a_then_b(void *arg)
{
    E2E_CHECK(pthread_rwlock_rdlock(&lock_a));
    E2E_CHECK(pthread_rwlock_rdlock(&lock_b));
    E2E_CHECK(pthread_rwlock_unlock(&lock_b));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    return NULL;
}

static void *b_then_a(void *arg)
{
    E2E_CHECK(pthread_rwlock_rdlock(&lock_b));
    E2E_CHECK(pthread_rwlock_rdlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_b));
    return NULL;
}

int main(void)
{
    pthread_rwlockattr_t attr;
    E2E_CHECK(pthread_rwlockattr_init(&attr));
    E2E_CHECK(pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP));
    E2E_CHECK(pthread_rwlock_init(&lock_a, &attr));
    E2E_CHECK(pthread_rwlock_init(&lock_b, &attr));
    E2E_CHECK(pthread_rwlockattr_destroy(&attr));
    e2e_run_thread(a_then_b, NULL);
    e2e_run_thread(b_then_a, NULL);
    return 0;
}
