// Two independent ABBA pairs, A/B and C/D, in separate threads: exactly two reports, one per
// cycle, each naming only its own locks.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-REPORT: circular lock_c lock_d
// EXPECT-COUNT: circular=2
// EXPECT-CYCLE: lock_a lock_b
// EXPECT-CYCLE: lock_c lock_d
// EXPECT-CYCLE-LEN: 2
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_d = PTHREAD_MUTEX_INITIALIZER;

static void pair(pthread_mutex_t *first, pthread_mutex_t *second)
{
    E2E_CHECK(pthread_mutex_lock(first));
    E2E_CHECK(pthread_mutex_lock(second));
    E2E_CHECK(pthread_mutex_unlock(second));
    E2E_CHECK(pthread_mutex_unlock(first));
}

static void *abba(void *arg)
{
    pthread_mutex_t **l = arg;
    pair(l[0], l[1]);
    pair(l[1], l[0]);
    return NULL;
}

int main(void)
{
    pthread_mutex_t *ab[2] = { &lock_a, &lock_b }, *cd[2] = { &lock_c, &lock_d };
    e2e_run_thread(abba, ab);
    e2e_run_thread(abba, cd);
    return 0;
}
