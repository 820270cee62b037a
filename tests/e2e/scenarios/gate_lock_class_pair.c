// Gates work between classes too: lock_a -> lock_b and lock_b -> lock_a, both only ever
// taken while holding big_lock, make no report. Then a second lock of big_lock's class
// appears (both made by new_gate() at one site): holding "the" gate no longer excludes
// other threads, so the cycle it covered is reported then.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: lock_a lock_b
// EXPECT-STDOUT: gated pair done
#include "e2e_util.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t gates[2];

static void new_gate(pthread_mutex_t *m)
{
    E2E_CHECK(pthread_mutex_init(m, NULL));
}

/* one call site for both (class_depth 2: new_gate and this frame) */
static __attribute__((noinline)) void make_gate(int i)
{
    new_gate(&gates[i]);
}

static void pair(pthread_mutex_t *first, pthread_mutex_t *second)
{
    E2E_CHECK(pthread_mutex_lock(&gates[0]));
    E2E_CHECK(pthread_mutex_lock(first));
    E2E_CHECK(pthread_mutex_lock(second));
    E2E_CHECK(pthread_mutex_unlock(second));
    E2E_CHECK(pthread_mutex_unlock(first));
    E2E_CHECK(pthread_mutex_unlock(&gates[0]));
}

int main(void)
{
    make_gate(0);
    pair(&lock_a, &lock_b);
    pair(&lock_b, &lock_a);
    printf("gated pair done\n");
    fflush(stdout);
#ifndef GATE_STAYS_SINGLE
    make_gate(1);
#endif
    return 0;
}
