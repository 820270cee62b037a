// A four-lock cycle from pairs A -> B, B -> C, C -> D, D -> A, each pair in its own thread
// (threads run one after the other). Also a chord-free check: the reported cycle has 4 locks.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b lock_c lock_d
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: lock_a lock_b lock_c lock_d
// EXPECT-CYCLE-LEN: 4
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_d = PTHREAD_MUTEX_INITIALIZER;

struct pair {
    pthread_mutex_t *first, *second;
};

static void *take_pair(void *arg)
{
    struct pair *p = arg;
    E2E_CHECK(pthread_mutex_lock(p->first));
    E2E_CHECK(pthread_mutex_lock(p->second));
    E2E_CHECK(pthread_mutex_unlock(p->second));
    E2E_CHECK(pthread_mutex_unlock(p->first));
    return NULL;
}

int main(void)
{
    struct pair pairs[] = { { &lock_a, &lock_b }, { &lock_b, &lock_c }, { &lock_c, &lock_d }, { &lock_d, &lock_a } };
    for (int i = 0; i < 4; i++)
        e2e_run_thread(take_pair, &pairs[i]);
    return 0;
}
