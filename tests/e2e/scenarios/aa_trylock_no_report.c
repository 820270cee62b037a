// A trylock of a mutex the thread already holds fails with EBUSY and cannot deadlock: no
// report. Also trylock of a held rwlock for writing, and of a held spinlock.
// EXPECT-NONE
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw_b = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t spin_c;

int main(void)
{
    E2E_CHECK(pthread_mutex_lock(&lock_a));
    if (pthread_mutex_trylock(&lock_a) != EBUSY)
        return 99;
    E2E_CHECK(pthread_mutex_unlock(&lock_a));

    E2E_CHECK(pthread_rwlock_rdlock(&rw_b));
    if (pthread_rwlock_trywrlock(&rw_b) != EBUSY)
        return 99;
    E2E_CHECK(pthread_rwlock_unlock(&rw_b));

    E2E_CHECK(pthread_spin_init(&spin_c, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_spin_lock(&spin_c));
    if (pthread_spin_trylock(&spin_c) != EBUSY)
        return 99;
    E2E_CHECK(pthread_spin_unlock(&spin_c));
    return 0;
}
