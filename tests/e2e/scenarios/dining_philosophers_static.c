// Five dining philosophers, forks in a static array: philosopher i takes fork i, then fork
// (i+1)%5. They eat one after the other, so it never deadlocks, but the fork order is a
// five-lock cycle. Each static fork is its own class, so the cycle is at class level.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular forks forks+0x28 forks+0x50 forks+0x78 forks+0xa0
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: forks forks+0x28 forks+0x50 forks+0x78 forks+0xa0
// EXPECT-CYCLE-LEN: 5
// EXPECT-INSTANCE-LEVEL: false
#include "e2e_util.h"

#define N 5
static pthread_mutex_t forks[N] = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                                    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER };

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
    for (long i = 0; i < N; i++)
        e2e_run_thread(philosopher, (void *)i);
    return 0;
}
