// C11 <threads.h> mutexes: ABBA with mtx_lock across two threads made with thrd_create (run one
// after the other). Reported like pthread mutexes, with the static mtx_t names.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular mtx_a mtx_b
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: mtx_a mtx_b
#include <threads.h>

#include "e2e_util.h"

static mtx_t mtx_a, mtx_b;

static int a_then_b(void *arg)
{
    if (mtx_lock(&mtx_a) != thrd_success || mtx_lock(&mtx_b) != thrd_success)
        exit(99);
    mtx_unlock(&mtx_b);
    mtx_unlock(&mtx_a);
    return 0;
}

static int b_then_a(void *arg)
{
    if (mtx_lock(&mtx_b) != thrd_success || mtx_lock(&mtx_a) != thrd_success)
        exit(99);
    mtx_unlock(&mtx_a);
    mtx_unlock(&mtx_b);
    return 0;
}

int main(void)
{
    thrd_t t;
    if (mtx_init(&mtx_a, mtx_plain) != thrd_success || mtx_init(&mtx_b, mtx_timed) != thrd_success)
        return 99;
    if (thrd_create(&t, a_then_b, NULL) != thrd_success || thrd_join(t, NULL) != thrd_success)
        return 99;
    if (thrd_create(&t, b_then_a, NULL) != thrd_success || thrd_join(t, NULL) != thrd_success)
        return 99;
    mtx_destroy(&mtx_a);
    mtx_destroy(&mtx_b);
    return 0;
}
