// Two mutexes in one heap object initialised at one site (one class: their order is checked
// between instances), used m[0] -> m[1], destroyed, re-initialised at the same addresses and
// used m[1] -> m[0]. The old instances are gone, so this is no inversion: nothing to report.
// Without retiring on destroy/init the instance graph would hold m[0] -> m[1] and report a
// false instance-level ABBA.
// EXPECT-NONE
#include "e2e_util.h"

struct pair {
    pthread_mutex_t m[2];
};

int main(void)
{
    struct pair *p = malloc(sizeof *p);
    if (!p)
        return 99;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 2; i++)
            E2E_CHECK(pthread_mutex_init(&p->m[i], NULL));
        pthread_mutex_t *first = &p->m[round], *second = &p->m[1 - round];
        E2E_CHECK(pthread_mutex_lock(first));
        E2E_CHECK(pthread_mutex_lock(second));
        E2E_CHECK(pthread_mutex_unlock(second));
        E2E_CHECK(pthread_mutex_unlock(first));
        for (int i = 0; i < 2; i++)
            E2E_CHECK(pthread_mutex_destroy(&p->m[i]));
    }
    free(p);
    return 0;
}
