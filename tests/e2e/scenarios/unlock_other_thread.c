// Unlock of an error-checking mutex that another thread holds (glibc refuses with EPERM):
// bad unlock balance in the unlocking thread. The owner then unlocks it normally.
// EXPECT-EXIT: 66
// EXPECT-REPORT: bad_unlock lock_e
// EXPECT-COUNT: bad_unlock=1
#include "e2e_util.h"

static pthread_mutex_t lock_e = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static pthread_barrier_t locked, tried;

static void *owner(void *arg)
{
    E2E_CHECK(pthread_mutex_lock(&lock_e));
    pthread_barrier_wait(&locked);
    pthread_barrier_wait(&tried);
    E2E_CHECK(pthread_mutex_unlock(&lock_e));
    return NULL;
}

int main(void)
{
    pthread_t th;
    E2E_CHECK(pthread_barrier_init(&locked, NULL, 2));
    E2E_CHECK(pthread_barrier_init(&tried, NULL, 2));
    E2E_CHECK(pthread_create(&th, NULL, owner, NULL));
    pthread_barrier_wait(&locked);
    int r = pthread_mutex_unlock(&lock_e); /* the bug: not ours */
    pthread_barrier_wait(&tried);
    E2E_CHECK(pthread_join(th, NULL));
    if (r != EPERM) {
        fprintf(stderr, "unlock of another thread's errorcheck mutex returned %d, not EPERM\n", r);
        return 99;
    }
    return 0;
}
