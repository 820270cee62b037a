// Lock coupling's release (shim fast path: the lock under the top of a two-lock stack): after
// lock a, lock b, unlock a, the stack is b alone and its chain key must be b's. lock_c was
// taken alone first, so the cache has an entry for "nothing held -> lock_c"; with a stale
// chain key the next lock_c under lock_b would hit that entry and record no lock_b -> lock_c
// dependency, and the inversion below would go unseen.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_b lock_c
// EXPECT-COUNT: circular=1
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    for (int i = 0; i < 2; i++) { /* cached: lock_c with nothing held */
        E2E_CHECK(pthread_mutex_lock(&lock_c));
        E2E_CHECK(pthread_mutex_unlock(&lock_c));
    }
    E2E_CHECK(pthread_mutex_lock(&lock_a)); /* hand over hand: a, b, release a */
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_a));
    E2E_CHECK(pthread_mutex_lock(&lock_c)); /* b -> c */
    E2E_CHECK(pthread_mutex_unlock(&lock_c));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));

    E2E_CHECK(pthread_mutex_lock(&lock_c)); /* c -> b: the inversion */
    E2E_CHECK(pthread_mutex_lock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_b));
    E2E_CHECK(pthread_mutex_unlock(&lock_c));
    return 0;
}
