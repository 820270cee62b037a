// lock_stat=1 on a spinlock: in each of 10 rounds the holder keeps spin_lock until the
// contender has burnt 2 ms of CPU time after announcing it is about to take it: it can only
// do that spinning inside pthread_spin_lock, after lock_stat's first try found the lock busy.
// So the contender's 10 acquisitions were all contended, the holder's 10 never (it starts a
// round only after the contender let go), and main's 4 neither: exactly 24 acquisitions and
// 10 contentions, with the spinning as wait time.
// ENV: ULOCKDEP_OPTIONS=lock_stat=1
// EXPECT-NONE
// EXPECT-LOCKSTAT: spin_lock acquisitions=24 contentions=10 wait_total_ns>0 wait_max_ns>0 hold_total_ns>0
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#include "e2e_util.h"

#define ROUNDS 10

static pthread_spinlock_t spin_lock;
static atomic_int go, trying, done;
static clockid_t contender_clock;

static uint64_t cpu_ns(clockid_t clk)
{
    struct timespec ts;
    E2E_CHECK(clock_gettime(clk, &ts));
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *holder(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        E2E_CHECK(pthread_spin_lock(&spin_lock));
        atomic_store(&go, i + 1);
        while (atomic_load(&trying) != i + 1)
            sched_yield();
        uint64_t from = cpu_ns(contender_clock);
        struct timespec ms = { 0, 1000000 };
        while (cpu_ns(contender_clock) - from < 2000000u)
            nanosleep(&ms, NULL);
        E2E_CHECK(pthread_spin_unlock(&spin_lock));
        while (atomic_load(&done) != i + 1)
            sched_yield();
    }
    return NULL;
}

static void *contender(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        while (atomic_load(&go) != i + 1)
            sched_yield();
        atomic_store(&trying, i + 1);
        E2E_CHECK(pthread_spin_lock(&spin_lock));
        E2E_CHECK(pthread_spin_unlock(&spin_lock));
        atomic_store(&done, i + 1);
    }
    return NULL;
}

int main(void)
{
    pthread_t h, c;
    E2E_CHECK(pthread_spin_init(&spin_lock, PTHREAD_PROCESS_PRIVATE));
    E2E_CHECK(pthread_create(&c, NULL, contender, NULL));
    E2E_CHECK(pthread_getcpuclockid(c, &contender_clock));
    E2E_CHECK(pthread_create(&h, NULL, holder, NULL));
    E2E_CHECK(pthread_join(h, NULL));
    E2E_CHECK(pthread_join(c, NULL));
    for (int i = 0; i < 4; i++) {
        E2E_CHECK(pthread_spin_lock(&spin_lock));
        E2E_CHECK(pthread_spin_unlock(&spin_lock));
    }
    return 0;
}
