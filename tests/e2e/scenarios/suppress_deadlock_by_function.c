// Suppressions: the AB-BA of abba_two_threads_sequential, hidden by a deadlock: rule that
// names a function of one of the cycle's stacks (not a lock). No report, exit 0, and at
// exit print_suppressions (on by default) says the rule was used once.
// SUPPRESSIONS: deadlock:b_then_*
// EXPECT-NONE
// EXPECT-MESSAGE: ulockdep: suppressions used:
// EXPECT-MESSAGE: 1 deadlock:b_then_*
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
