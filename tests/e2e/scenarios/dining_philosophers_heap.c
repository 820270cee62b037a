// Five dining philosophers, forks on the heap initialised at one call site: all forks are
// instances of one class, so the class graph sees no cycle (same-class nesting adds no class
// edge); the cycle fork0 -> fork1 -> ... -> fork4 -> fork0 is between instances, and must be
// reported as an instance-level cycle of the five distinct forks. All five share the class
// name (where they were initialised).
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular init_forks@${FILE}:${LINE:init}
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE-LEN: 5
// EXPECT-INSTANCE-LEVEL: true
// EXPECT-LOCK-ADDRS: 5
#include "e2e_util.h"

#define N 5
static pthread_mutex_t *forks;

static void init_forks(void)
{
    forks = malloc(N * sizeof *forks);
    if (!forks)
        exit(99);
    for (int i = 0; i < N; i++)
        E2E_CHECK(pthread_mutex_init(&forks[i], NULL)); /* LINE:init */
}

static void *philosopher(void *arg)
{
    int i = (int)(long)arg;
    E2E_CHECK(pthread_mutex_lock(&forks[i]));
    E2E_CHECK(pthread_mutex_lock(&forks[(i + 1) % N]));
    E2E_CHECK(pthread_mutex_unlock(&forks[(i + 1) % N]));
    E2E_CHECK(pthread_mutex_unlock(&forks[i]));
    return NULL;
}

int main(void)
{
    init_forks();
    for (long i = 0; i < N; i++)
        e2e_run_thread(philosopher, (void *)i);
    for (int i = 0; i < N; i++)
        E2E_CHECK(pthread_mutex_destroy(&forks[i]));
    free(forks);
    return 0;
}
