// Control for the destroy_reinit_* scenarios: the same static struct used m[0] -> m[1] and
// then m[1] -> m[0] WITHOUT destroy and re-init in between is a real ABBA and is reported,
// so the "nothing to report" of the other scenarios comes from the destroy/re-init.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular pair pair+0x28
// EXPECT-COUNT: circular=1
#include "e2e_util.h"

static struct {
    pthread_mutex_t m[2];
} pair;

int main(void)
{
    for (int i = 0; i < 2; i++)
        E2E_CHECK(pthread_mutex_init(&pair.m[i], NULL));
    for (int round = 0; round < 2; round++) {
        pthread_mutex_t *first = &pair.m[round], *second = &pair.m[1 - round];
        E2E_CHECK(pthread_mutex_lock(first));
        E2E_CHECK(pthread_mutex_lock(second));
        E2E_CHECK(pthread_mutex_unlock(second));
        E2E_CHECK(pthread_mutex_unlock(first));
    }
    return 0;
}
