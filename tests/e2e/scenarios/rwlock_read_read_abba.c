// Read-read ABBA on default glibc rwlocks: rd A -> rd B, then rd B -> rd A. glibc readers are
// recursive (a reader gets in while a writer waits), so two readers can never deadlock each
// other: nothing to report. A detector that treats reads like writes reports a false ABBA.
// EXPECT-NONE
#include "e2e_util.h"

static pthread_rwlock_t lock_a = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t lock_b = PTHREAD_RWLOCK_INITIALIZER;

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
    e2e_run_thread(a_then_b, NULL);
    e2e_run_thread(b_then_a, NULL);
    /* The same in one thread. */
    a_then_b(NULL);
    b_then_a(NULL);
    return 0;
}
