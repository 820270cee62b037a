// Control for heap_freed_reused_swapped: the same two lock sites S1 -> S2, but the objects are
// NOT freed between the rounds; round 1 passes them in the other order (y at S1, x at S2).
// That is a real inversion of the two locks (their classes come from their first use:
// x is S1, y is S2) and is reported. So in heap_freed_reused_swapped it is the free() that
// makes round 1 clean, not the sites.
// EXPECT-EXIT: 66
// EXPECT-COUNT: circular=1
// EXPECT-REPORT: circular main@${FILE}:${LINE:s1} main@${FILE}:${LINE:s2}
#include "e2e_util.h"

struct obj {
    pthread_mutex_t m;
    char payload[24];
};

int main(void)
{
    struct obj *x = malloc(sizeof *x), *y = malloc(sizeof *y);
    if (!x || !y)
        return 99;
    *x = (struct obj){ .m = PTHREAD_MUTEX_INITIALIZER };
    *y = (struct obj){ .m = PTHREAD_MUTEX_INITIALIZER };
    for (int round = 0; round < 2; round++) {
        struct obj *a = round ? y : x, *b = round ? x : y;
        E2E_CHECK(pthread_mutex_lock(&a->m)); /* LINE:s1 */
        E2E_CHECK(pthread_mutex_lock(&b->m)); /* LINE:s2 */
        E2E_CHECK(pthread_mutex_unlock(&b->m));
        E2E_CHECK(pthread_mutex_unlock(&a->m));
    }
    free(x);
    free(y);
    return 0;
}
