// Suppressions: lock:PATTERN ignores a lock class entirely. lock_b is never traced, so its
// AB-BA with lock_a gives no report; the same inversion between lock_a and lock_c (not
// ignored) is still reported, and the rule's use is counted once (one class ignored).
// SUPPRESSIONS: lock:lock_b
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_c
// EXPECT-COUNT: circular=1
// EXPECT-MESSAGE: ulockdep: suppressions used:
// EXPECT-MESSAGE: 1 lock:lock_b
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;

static void take_in_order(pthread_mutex_t *first, pthread_mutex_t *second)
{
    E2E_CHECK(pthread_mutex_lock(first));
    E2E_CHECK(pthread_mutex_lock(second));
    E2E_CHECK(pthread_mutex_unlock(second));
    E2E_CHECK(pthread_mutex_unlock(first));
}

static void *forward(void *arg)
{
    take_in_order(&lock_a, &lock_b);
    take_in_order(&lock_a, &lock_c);
    return NULL;
}

static void *backward(void *arg)
{
    take_in_order(&lock_b, &lock_a);
    take_in_order(&lock_c, &lock_a);
    return NULL;
}

int main(void)
{
    e2e_run_thread(forward, NULL);
    e2e_run_thread(backward, NULL);
    return 0;
}
