// The deepest of 2000 held static locks is still tracked: with locks[0..1999] held, lock_x is
// taken (locks+0x13858 -> lock_x, 1999 * 40 = 0x13858); later lock_x -> locks[1999] closes
// a cycle that only exists if the 2000th held lock was recorded.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_x locks+0x13858
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: lock_x locks+0x13858
#include "e2e_util.h"

#define N 2000
static pthread_mutex_t locks[N];
static pthread_mutex_t lock_x = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    for (int i = 0; i < N; i++)
        E2E_CHECK(pthread_mutex_init(&locks[i], NULL));
    for (int i = 0; i < N; i++)
        E2E_CHECK(pthread_mutex_lock(&locks[i]));
    E2E_CHECK(pthread_mutex_lock(&lock_x));
    E2E_CHECK(pthread_mutex_unlock(&lock_x));
    for (int i = N - 1; i >= 0; i--)
        E2E_CHECK(pthread_mutex_unlock(&locks[i]));

    E2E_CHECK(pthread_mutex_lock(&lock_x));
    E2E_CHECK(pthread_mutex_lock(&locks[N - 1]));
    E2E_CHECK(pthread_mutex_unlock(&locks[N - 1]));
    E2E_CHECK(pthread_mutex_unlock(&lock_x));
    return 0;
}
