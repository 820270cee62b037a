// pthread_cond_wait inside nested locks: the waiter holds A and M and waits on a condition
// with M (the wait releases M, keeps A); the signaller takes M alone to set the flag and
// signal. Both wait flavours (wait, timedwait) and several rounds. Nothing to report: a
// detector that does not see the release and re-acquisition of M inside the wait would think
// the waiter relocks M (recursive) or that M is held while the signaller takes it.
// EXPECT-NONE
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int round_ready;   /* protected by lock_m */
static int round_seen;

#define ROUNDS 20

static void *signaller(void *arg)
{
    for (int r = 1; r <= ROUNDS; r++) {
        E2E_CHECK(pthread_mutex_lock(&lock_m));
        while (round_seen != r - 1) { /* wait until the waiter consumed the previous round */
            E2E_CHECK(pthread_mutex_unlock(&lock_m));
            sched_yield();
            E2E_CHECK(pthread_mutex_lock(&lock_m));
        }
        round_ready = r;
        E2E_CHECK(pthread_cond_signal(&cond));
        E2E_CHECK(pthread_mutex_unlock(&lock_m));
    }
    return NULL;
}

int main(void)
{
    pthread_t th;
    E2E_CHECK(pthread_create(&th, NULL, signaller, NULL));
    for (int r = 1; r <= ROUNDS; r++) {
        E2E_CHECK(pthread_mutex_lock(&lock_a));
        E2E_CHECK(pthread_mutex_lock(&lock_m));
        while (round_ready != r) {
            if (r % 2) {
                E2E_CHECK(pthread_cond_wait(&cond, &lock_m));
            } else {
                struct timespec ts = e2e_deadline(50);
                int e = pthread_cond_timedwait(&cond, &lock_m, &ts);
                if (e && e != ETIMEDOUT)
                    return 99;
            }
        }
        round_seen = r;
        E2E_CHECK(pthread_mutex_unlock(&lock_m));
        E2E_CHECK(pthread_mutex_unlock(&lock_a));
    }
    E2E_CHECK(pthread_join(th, NULL));
    return 0;
}
