// A lock held by a thread that is merely slow is not a deadlock: the holder keeps
// state_lock for 3 seconds (sleeping), the waiter blocks on it for all that time, three
// times the deadlock_timeout. The watchdog sees the waiter blocked but its lock's owner
// running (sleeping is not a traced wait), so there is no report and the program ends
// normally.
// ENV: ULOCKDEP_OPTIONS=deadlock_timeout=1
// EXPECT-NONE
// EXPECT-STDOUT: waiter got the lock
#include <unistd.h>

#include "e2e_util.h"

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t holding;

static void *slow_holder(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&state_lock));
    pthread_barrier_wait(&holding);
    sleep(3);
    E2E_CHECK(pthread_mutex_unlock(&state_lock));
    return NULL;
}

static void *waiter(void *arg)
{
    pthread_barrier_wait(&holding);
    E2E_CHECK(pthread_mutex_lock(&state_lock));
    printf("waiter got the lock\n");
    E2E_CHECK(pthread_mutex_unlock(&state_lock));
    return NULL;
}

int main(void)
{
    pthread_t h, w;
    E2E_CHECK(pthread_barrier_init(&holding, NULL, 2));
    E2E_CHECK(pthread_create(&h, NULL, slow_holder, NULL));
    E2E_CHECK(pthread_create(&w, NULL, waiter, NULL));
    E2E_CHECK(pthread_join(h, NULL));
    E2E_CHECK(pthread_join(w, NULL));
    return 0;
}
