// srcu_read_unlock with the other index (1: no grace period ran, the readers' index is 0), at a place where a thousand correct read sections
// went through the shim's read-side fast path first: the unlock's fast path must not take
// a reader with another index for this one. Then a section left out of order (a mutex taken
// inside it is still held at its unlock), which is legal: no report for it, and the
// mutex's release afterwards is not "unheld".
// EXPECT-EXIT: 66
// EXPECT-REPORT: srcu_misuse idx_warm_srcu
// EXPECT-COUNT: srcu_misuse=1
// EXPECT-LINES: main+0x*/0x* srcu_wrong_index_after_fast_path.c:${LINE:unlock} [e2e_srcu_wrong_index_after_fast_path+0x*] srcu_read_unlock() with index 1, but srcu_read_lock() returned 0!
// EXPECT-LINES: SRCU domain: idx_warm_srcu
//
// EXPECT-LINES: 1 lock held by e2e_srcu_wrong_/*:
// EXPECT-LINES:  #0: * (idx_warm_srcu){.+.+}-{0:0}, at: main+0x*/0x* srcu_wrong_index_after_fast_path.c:${LINE:lock} [e2e_srcu_wrong_index_after_fast_path+0x*]
#include <ulockdep/srcu.h>

#include "e2e_util.h"

#define WARM_SECTIONS 1000

DEFINE_STATIC_SRCU(idx_warm_srcu);
static pthread_mutex_t inner = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    for (int i = 0; i <= WARM_SECTIONS; i++) {
        int idx = srcu_read_lock(&idx_warm_srcu); /* LINE:lock */
        srcu_read_unlock(&idx_warm_srcu, i == WARM_SECTIONS ? idx ^ 1 : idx); /* LINE:unlock */
    }
    for (int i = 0; i < WARM_SECTIONS; i++) {
        int idx = srcu_read_lock(&idx_warm_srcu);
        pthread_mutex_lock(&inner);
        srcu_read_unlock(&idx_warm_srcu, idx);
        pthread_mutex_unlock(&inner);
    }
    return 0;
}
