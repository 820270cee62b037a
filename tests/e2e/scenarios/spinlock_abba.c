// pthread spinlocks: ABBA (initialised with pthread_spin_init), reported with their names.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular spin_a spin_b
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: spin_a spin_b
#include "e2e_util.h"

static pthread_spinlock_t spin_a, spin_b;

static void *a_then_b(void *arg)
{
    E2E_CHECK(pthread_spin_lock(&spin_a));
    E2E_CHECK(pthread_spin_lock(&spin_b));
    E2E_CHECK(pthread_spin_unlock(&spin_b));
    E2E_CHECK(pthread_spin_unlock(&spin_a));
    return NULL;
}

static void *b_then_a(void *arg)
{
    E2E_CHECK(pthread_spin_lock(&spin_b));
    E2E_CHECK(pthread_spin_lock(&spin_a));
    E2E_CHECK(pthread_spin_unlock(&spin_a));
    E2E_CHECK(pthread_spin_unlock(&spin_b));
    return NULL;
}

int main(void)
{
    E2E_CHECK(pthread_spin_init(&spin_a, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_spin_init(&spin_b, PTHREAD_PROCESS_PRIVATE));
    e2e_run_thread(a_then_b, NULL);
    e2e_run_thread(b_then_a, NULL);
    E2E_CHECK(pthread_spin_destroy(&spin_a));
    E2E_CHECK(pthread_spin_destroy(&spin_b));
    return 0;
}
