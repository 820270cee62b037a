// Suppressions that match nothing change nothing: the AB-BA is reported (exit 66), and
// print_suppressions (on by default) prints nothing because no rule was used. Patterns match
// whole names: "lock_" does not match lock_a, "a_then" does not match a_then_b.
// SUPPRESSIONS: deadlock:lock_
// SUPPRESSIONS: deadlock:a_then
// SUPPRESSIONS: deadlock:no_such_function*
// SUPPRESSIONS: lock:no_such_lock
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=1
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static void *a_then_b(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    return NULL;
}

static void *b_then_a(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    return NULL;
}

int main(void)
{
    e2e_run_thread(a_then_b, NULL);
    e2e_run_thread(b_then_a, NULL);
    return 0;
}
