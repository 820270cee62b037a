// Read/write ABBA: rd A -> wr B, then rd B -> wr A. A writer waits for readers, so
// thread 1 (holding A for reading, waiting to write B) and thread 2 (holding B for reading,
// waiting to write A) deadlock.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: lock_a lock_b
#include "e2e_util.h"

static pthread_rwlock_t lock_a = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t lock_b = PTHREAD_RWLOCK_INITIALIZER;

static void *ra_wb(void *arg)
{
    E2E_CHECK(pthread_rwlock_rdlock(&lock_a));
    E2E_CHECK(pthread_rwlock_wrlock(&lock_b));
    E2E_CHECK(pthread_rwlock_unlock(&lock_b));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    return NULL;
}

static void *rb_wa(void *arg)
{
    E2E_CHECK(pthread_rwlock_rdlock(&lock_b));
    E2E_CHECK(pthread_rwlock_wrlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_a));
    E2E_CHECK(pthread_rwlock_unlock(&lock_b));
    return NULL;
}

int main(void)
{
    e2e_run_thread(ra_wb, NULL);
    e2e_run_thread(rb_wa, NULL);
    return 0;
}
