// The hang watchdog on a three-thread cycle: t0 holds lock_0 and waits for lock_1, t1 holds
// lock_1 and waits for lock_2, t2 holds lock_2 and waits for lock_0. One deadlock report
// with the three threads and the three locks, the cycle in order.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_0 lock_1 lock_2
// EXPECT-REPORT: deadlock lock_0 lock_1 lock_2
// EXPECT-DEADLOCK-THREADS: ring_0 ring_1 ring_2 e2e_deadlock_c*
// EXPECT-TEXT: 4 threads blocked for more than 1 second, waiting for each other:
#include "e2e_util.h"

static pthread_mutex_t lock_0 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_1 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_2 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t *const ring[3] = { &lock_0, &lock_1, &lock_2 };
static pthread_barrier_t all_hold_one;

static void *member(void *arg)
{
    long i = (long)arg;
    char name[16];
    snprintf(name, sizeof name, "ring_%ld", i);
    pthread_setname_np(pthread_self(), name);
    E2E_CHECK(pthread_mutex_lock(ring[i]));
    pthread_barrier_wait(&all_hold_one);
    E2E_CHECK(pthread_mutex_lock(ring[(i + 1) % 3]));
    return NULL;
}

int main(void)
{
    pthread_t th[3];
    E2E_CHECK(pthread_barrier_init(&all_hold_one, NULL, 3));
    for (long i = 0; i < 3; i++)
        E2E_CHECK(pthread_create(&th[i], NULL, member, (void *)i));
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    printf("not reached\n");
    return 0;
}
