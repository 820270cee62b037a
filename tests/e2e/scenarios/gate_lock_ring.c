// A ring of 8 locks of one class (a static array initialised in a loop), each taken as
// buffer i then buffer (i + 1) % 8, always while the one switch_lock is held: a gate lock.
// No two threads can be inside the ring at once, so the cycle cannot deadlock: no report.
// EXPECT-NONE
#include "e2e_util.h"

#define N 8
static pthread_mutex_t switch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t buffers[N];

static void *writer(void *arg)
{
    int start = *(int *)arg;
    for (int k = 0; k < 2 * N; k++) {
        int i = (start + k) % N;
        E2E_CHECK(pthread_mutex_lock(&switch_lock));
        E2E_CHECK(pthread_mutex_lock(&buffers[i]));
        E2E_CHECK(pthread_mutex_lock(&buffers[(i + 1) % N]));
        E2E_CHECK(pthread_mutex_unlock(&buffers[i]));
        E2E_CHECK(pthread_mutex_unlock(&buffers[(i + 1) % N]));
        E2E_CHECK(pthread_mutex_unlock(&switch_lock));
    }
    return NULL;
}

int main(void)
{
    for (int i = 0; i < N; i++)
        E2E_CHECK(pthread_mutex_init(&buffers[i], NULL));
    pthread_t t[2];
    int starts[2] = { 0, 3 };
    for (int i = 0; i < 2; i++)
        E2E_CHECK(pthread_create(&t[i], NULL, writer, &starts[i]));
    for (int i = 0; i < 2; i++)
        E2E_CHECK(pthread_join(t[i], NULL));
    return 0;
}
