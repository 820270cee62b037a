// Heap objects holding mutexes set up by assignment from PTHREAD_MUTEX_INITIALIZER (no init
// call: each lock's class comes from the site of its first acquisition). Round 0: objects a, b;
// a->m -> b->m (first-use sites S1 then S2). Both are freed and allocated again: glibc's
// per-thread cache hands back the last freed chunk first, so the new a is where the old b was
// and vice versa (the program checks this and skips if not). Round 1 does a->m -> b->m at the
// same sites again. The freed locks are gone: nothing to report. Without retiring locks on
// free() the addresses would keep their round-0 classes and round 1 would look like S2 -> S1.
// EXPECT-NONE
// EXPECT-STDOUT: addresses swapped
#include <stdint.h>

#include "e2e_util.h"

struct obj {
    pthread_mutex_t m;
    char payload[24];
};

int main(void)
{
    uintptr_t old_a = 0, old_b = 0;
    for (int round = 0; round < 2; round++) {
        struct obj *a = malloc(sizeof *a);
        struct obj *b = malloc(sizeof *b);
        if (!a || !b)
            return 99;
        if (round == 1) {
            if ((uintptr_t)a != old_b || (uintptr_t)b != old_a)
                E2E_SKIP("the allocator did not swap the addresses (%p %p, before %p %p)", (void *)a, (void *)b,
                         (void *)old_a, (void *)old_b);
            printf("addresses swapped\n");
        }
        *a = (struct obj){ .m = PTHREAD_MUTEX_INITIALIZER };
        *b = (struct obj){ .m = PTHREAD_MUTEX_INITIALIZER };
        E2E_CHECK(pthread_mutex_lock(&a->m)); /* S1 */
        E2E_CHECK(pthread_mutex_lock(&b->m)); /* S2 */
        E2E_CHECK(pthread_mutex_unlock(&b->m));
        E2E_CHECK(pthread_mutex_unlock(&a->m));
        old_a = (uintptr_t)a;
        old_b = (uintptr_t)b;
        free(a);
        free(b); /* freed last: the next malloc of this size returns it */
    }
    return 0;
}
