// synchronize_srcu inside a read section of the same domain: a certain self-deadlock.
// halt_on_error stops the program at the report, before the real call would hang.
// EXPECT-EXIT: 66
// EXPECT-REPORT: srcu_misuse my_srcu
// EXPECT-COUNT: srcu_misuse=1
// EXPECT-TEXT: Illegal synchronize_srcu() in same-type SRCU read-side critical section!
// ENV: ULOCKDEP_OPTIONS=halt_on_error=1
#include <ulockdep/srcu.h>

#include "e2e_util.h"

DEFINE_STATIC_SRCU(my_srcu);

int main(void)
{
    int idx = srcu_read_lock(&my_srcu);
    synchronize_srcu(&my_srcu);
    srcu_read_unlock(&my_srcu, idx);
    return 0;
}
