// A twenty-lock cycle: pairs locks[i] -> locks[i+1] for i = 0..18, then locks[19] -> locks[0].
// The locks are a static array, so each is its own class named "locks+0x<offset>".
// EXPECT-EXIT: 66
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE-LEN: 20
// EXPECT-REPORT: circular locks locks+0x28 locks+0x50 locks+0x78 locks+0xa0 locks+0xc8 locks+0xf0 locks+0x118 locks+0x140 locks+0x168 locks+0x190 locks+0x1b8 locks+0x1e0 locks+0x208 locks+0x230 locks+0x258 locks+0x280 locks+0x2a8 locks+0x2d0 locks+0x2f8
// EXPECT-CYCLE: locks locks+0x28 locks+0x50 locks+0x78 locks+0xa0 locks+0xc8 locks+0xf0 locks+0x118 locks+0x140 locks+0x168 locks+0x190 locks+0x1b8 locks+0x1e0 locks+0x208 locks+0x230 locks+0x258 locks+0x280 locks+0x2a8 locks+0x2d0 locks+0x2f8
#include "e2e_util.h"

#define N 20
static pthread_mutex_t locks[N];

int main(void)
{
    _Static_assert(sizeof(pthread_mutex_t) == 0x28, "names below assume 40-byte mutexes");
    for (int i = 0; i < N; i++)
        E2E_CHECK(pthread_mutex_init(&locks[i], NULL));
    for (int i = 0; i < N; i++) {
        pthread_mutex_t *first = &locks[i], *second = &locks[(i + 1) % N];
        E2E_CHECK(pthread_mutex_lock(first));
        E2E_CHECK(pthread_mutex_lock(second));
        E2E_CHECK(pthread_mutex_unlock(second));
        E2E_CHECK(pthread_mutex_unlock(first));
    }
    return 0;
}
