// Suppressions: a deadlock: rule matching the module of the cycle's frames (the program's
// base name) hides the AB-BA; with halt_on_error=1 a suppressed problem does not stop the
// program either (it runs to the end, exit 0, and prints its last line).
// SUPPRESSIONS: deadlock:e2e_suppress_deadlock_by_mod*
// ENV: ULOCKDEP_OPTIONS=halt_on_error=1
// EXPECT-NONE
// EXPECT-STDOUT: finished
// EXPECT-MESSAGE: ulockdep: suppressions used:
// EXPECT-MESSAGE: 1 deadlock:e2e_suppress_deadlock_by_mod*
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
    printf("finished\n");
    return 0;
}
