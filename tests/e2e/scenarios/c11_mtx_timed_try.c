// C11 mutexes: mtx_trylock of B while holding A adds no dependency; mtx_timedlock of A while
// holding B is a blocking attempt and, together with mtx_lock A -> mtx_timedlock C and
// mtx_lock C -> mtx_lock B, closes the cycle A -> C -> B -> A (from C11 calls only).
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular mtx_a mtx_b mtx_c
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: mtx_a mtx_c mtx_b
#include <threads.h>

#include "e2e_util.h"

static mtx_t mtx_a, mtx_b, mtx_c;

static void ok(int r)
{
    if (r != thrd_success)
        exit(99);
}

int main(void)
{
    ok(mtx_init(&mtx_a, mtx_timed));
    ok(mtx_init(&mtx_b, mtx_timed));
    ok(mtx_init(&mtx_c, mtx_timed));
    struct timespec ts;

    ok(mtx_lock(&mtx_a));
    ok(mtx_trylock(&mtx_b)); /* no A -> B */
    ok(mtx_unlock(&mtx_b));
    ts = e2e_deadline(1000);
    ok(mtx_timedlock(&mtx_c, &ts)); /* A -> C */
    ok(mtx_unlock(&mtx_c));
    ok(mtx_unlock(&mtx_a));

    ok(mtx_lock(&mtx_c));
    ok(mtx_lock(&mtx_b)); /* C -> B */
    ok(mtx_unlock(&mtx_b));
    ok(mtx_unlock(&mtx_c));

    ok(mtx_lock(&mtx_b));
    ts = e2e_deadline(1000);
    ok(mtx_timedlock(&mtx_a, &ts)); /* B -> A: cycle A -> C -> B -> A */
    ok(mtx_unlock(&mtx_a));
    ok(mtx_unlock(&mtx_b));
    return 0;
}
