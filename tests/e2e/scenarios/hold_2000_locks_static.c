// 2000 static mutexes (2000 classes) held at once, in index order, twice; released in reverse.
// No report, no crash, exit 0.
// EXPECT-NONE
#include "e2e_util.h"

#define N 2000
static pthread_mutex_t locks[N];

int main(void)
{
    for (int i = 0; i < N; i++)
        E2E_CHECK(pthread_mutex_init(&locks[i], NULL));
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++)
            E2E_CHECK(pthread_mutex_lock(&locks[i]));
        for (int i = N - 1; i >= 0; i--)
            E2E_CHECK(pthread_mutex_unlock(&locks[i]));
    }
    return 0;
}
