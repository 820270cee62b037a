// 2000 heap mutexes (one init site: one class) held at once, taken in address order, released
// in reverse; twice, from two threads one after the other; then all 2000 again and released
// from the bottom up for the first 100 (out-of-order releases of a deep stack). No report, no
// crash, exit 0.
// EXPECT-NONE
#include "e2e_util.h"

#define N 2000
static pthread_mutex_t *locks;

static void *hold_all(void *arg)
{
    for (int i = 0; i < N; i++)
        E2E_CHECK(pthread_mutex_lock(&locks[i]));
    for (int i = N - 1; i >= 0; i--)
        E2E_CHECK(pthread_mutex_unlock(&locks[i]));
    return NULL;
}

int main(void)
{
    locks = malloc(N * sizeof *locks);
    if (!locks)
        return 99;
    for (int i = 0; i < N; i++)
        E2E_CHECK(pthread_mutex_init(&locks[i], NULL));
    e2e_run_thread(hold_all, NULL);
    e2e_run_thread(hold_all, NULL);

    for (int i = 0; i < N; i++)
        E2E_CHECK(pthread_mutex_lock(&locks[i]));
    for (int i = 0; i < 100; i++)
        E2E_CHECK(pthread_mutex_unlock(&locks[i]));
    for (int i = N - 1; i >= 100; i--)
        E2E_CHECK(pthread_mutex_unlock(&locks[i]));

    for (int i = 0; i < N; i++)
        E2E_CHECK(pthread_mutex_destroy(&locks[i]));
    free(locks);
    return 0;
}
