// The gated ring of gate_lock_ring.c, but one step (buffer 5 -> buffer 6) is also taken once
// without the gate: two threads could now be inside the ring at once, so the 8-lock cycle
// among the instances of the buffers' class is reported, each lock named by its symbol.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular buffers buffers+0x28 buffers+0x50 buffers+0x78 buffers+0xa0 buffers+0xc8 buffers+0xf0 buffers+0x118
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE-LEN: 8
// EXPECT-INSTANCE-LEVEL: true
#include "e2e_util.h"

_Static_assert(sizeof(pthread_mutex_t) == 0x28, "names above assume 40-byte mutexes");

#define N 8
static pthread_mutex_t switch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t buffers[N];

static void step(int i, int gated)
{
    if (gated)
        E2E_CHECK(pthread_mutex_lock(&switch_lock));
    E2E_CHECK(pthread_mutex_lock(&buffers[i]));
    E2E_CHECK(pthread_mutex_lock(&buffers[(i + 1) % N]));
    E2E_CHECK(pthread_mutex_unlock(&buffers[(i + 1) % N]));
    E2E_CHECK(pthread_mutex_unlock(&buffers[i]));
    if (gated)
        E2E_CHECK(pthread_mutex_unlock(&switch_lock));
}

int main(void)
{
    for (int i = 0; i < N; i++)
        E2E_CHECK(pthread_mutex_init(&buffers[i], NULL));
    step(5, 0);
    for (int i = 0; i < N; i++)
        step(i, 1);
    return 0;
}
