// With class_by=instance every initialisation is its own class: two static mutexes used
// m[0] -> m[1], destroyed, re-initialised and used m[1] -> m[0]. The re-initialised locks are
// new classes: nothing to report. (Without retiring on destroy/init the classes of the first
// round would still be attached to the addresses and the second round would be a false ABBA.)
// ENV: ULOCKDEP_OPTIONS=class_by=instance
// EXPECT-NONE
#include "e2e_util.h"

static struct {
    pthread_mutex_t m[2];
} pair;

int main(void)
{
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 2; i++)
            E2E_CHECK(pthread_mutex_init(&pair.m[i], NULL));
        pthread_mutex_t *first = &pair.m[round], *second = &pair.m[1 - round];
        E2E_CHECK(pthread_mutex_lock(first));
        E2E_CHECK(pthread_mutex_lock(second));
        E2E_CHECK(pthread_mutex_unlock(second));
        E2E_CHECK(pthread_mutex_unlock(first));
        for (int i = 0; i < 2; i++)
            E2E_CHECK(pthread_mutex_destroy(&pair.m[i]));
    }
    return 0;
}
