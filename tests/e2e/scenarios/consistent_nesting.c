// A -> B -> C many times, in four concurrent threads, released in LIFO order and also in
// acquisition (FIFO) order and in a mixed order; plus a trylock of A while holding C (a trylock
// against the order cannot deadlock). Nothing to report.
// EXPECT-NONE
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    for (int i = 0; i < 2000; i++) {
        E2E_CHECK(pthread_mutex_lock(&lock_a));
        E2E_CHECK(pthread_mutex_lock(&lock_b));
        E2E_CHECK(pthread_mutex_lock(&lock_c));
        switch (i % 3) {
        case 0: /* LIFO */
            E2E_CHECK(pthread_mutex_unlock(&lock_c));
            E2E_CHECK(pthread_mutex_unlock(&lock_b));
            E2E_CHECK(pthread_mutex_unlock(&lock_a));
            break;
        case 1: /* FIFO */
            E2E_CHECK(pthread_mutex_unlock(&lock_a));
            E2E_CHECK(pthread_mutex_unlock(&lock_b));
            E2E_CHECK(pthread_mutex_unlock(&lock_c));
            break;
        default: /* middle first */
            E2E_CHECK(pthread_mutex_unlock(&lock_b));
            E2E_CHECK(pthread_mutex_unlock(&lock_a));
            E2E_CHECK(pthread_mutex_unlock(&lock_c));
            break;
        }
        /* A alone, B -> C, A -> C: all consistent with A -> B -> C. */
        E2E_CHECK(pthread_mutex_lock(&lock_b));
        E2E_CHECK(pthread_mutex_lock(&lock_c));
        E2E_CHECK(pthread_mutex_unlock(&lock_c));
        E2E_CHECK(pthread_mutex_unlock(&lock_b));
        E2E_CHECK(pthread_mutex_lock(&lock_a));
        E2E_CHECK(pthread_mutex_lock(&lock_c));
        E2E_CHECK(pthread_mutex_unlock(&lock_c));
        E2E_CHECK(pthread_mutex_unlock(&lock_a));
        /* Against the order, but only as a trylock. */
        E2E_CHECK(pthread_mutex_lock(&lock_c));
        if (pthread_mutex_trylock(&lock_a) == 0)
            E2E_CHECK(pthread_mutex_unlock(&lock_a));
        E2E_CHECK(pthread_mutex_unlock(&lock_c));
    }
    return NULL;
}

int main(void)
{
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        E2E_CHECK(pthread_create(&th[i], NULL, worker, NULL));
    for (int i = 0; i < 4; i++)
        E2E_CHECK(pthread_join(th[i], NULL));
    return 0;
}
