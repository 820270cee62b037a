// srcu_read_unlock with an index srcu_read_lock did not return.
// EXPECT-EXIT: 66
// EXPECT-REPORT: srcu_misuse idx_srcu
// EXPECT-COUNT: srcu_misuse=1
// EXPECT-TEXT: srcu_read_unlock() with index
#include <ulockdep/srcu.h>

#include "e2e_util.h"

DEFINE_STATIC_SRCU(idx_srcu);

int main(void)
{
    int idx = srcu_read_lock(&idx_srcu);
    srcu_read_unlock(&idx_srcu, idx ^ 1);
    return 0;
}
