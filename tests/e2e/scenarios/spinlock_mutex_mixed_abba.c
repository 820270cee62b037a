// Mixed kinds: mutex -> spinlock in one thread, spinlock -> mutex in another (one after the
// other), and a spinlock taken with pthread_spin_trylock that adds no dependency.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_m spin_s
// EXPECT-COUNT: circular=1
#include "e2e_util.h"

static pthread_mutex_t lock_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_spinlock_t spin_s, spin_t;

static void *m_then_s(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_m));
    E2E_CHECK(pthread_spin_lock(&spin_s));
    E2E_CHECK(pthread_spin_unlock(&spin_s));
    E2E_CHECK(pthread_mutex_unlock(&lock_m));
    /* lock_m -> spin_t here; the other thread holds spin_t and only trylocks lock_m: no cycle. */
    E2E_CHECK(pthread_mutex_lock(&lock_m));
    E2E_CHECK(pthread_spin_lock(&spin_t));
    E2E_CHECK(pthread_spin_unlock(&spin_t));
    E2E_CHECK(pthread_mutex_unlock(&lock_m));
    return NULL;
}

static void *s_then_m(void *arg)
{
    E2E_CHECK(pthread_spin_lock(&spin_s));
    E2E_CHECK(pthread_mutex_lock(&lock_m));
    E2E_CHECK(pthread_mutex_unlock(&lock_m));
    E2E_CHECK(pthread_spin_unlock(&spin_s));
    E2E_CHECK(pthread_spin_lock(&spin_t));
    if (pthread_mutex_trylock(&lock_m) == 0)
        E2E_CHECK(pthread_mutex_unlock(&lock_m));
    E2E_CHECK(pthread_spin_unlock(&spin_t));
    return NULL;
}

int main(void)
{
    E2E_CHECK(pthread_spin_init(&spin_s, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_spin_init(&spin_t, PTHREAD_PROCESS_PRIVATE));
    e2e_run_thread(m_then_s, NULL);
    e2e_run_thread(s_then_m, NULL);
    return 0;
}
