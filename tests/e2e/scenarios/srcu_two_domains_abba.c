// srcu_ABBA: a reader of domain_a waits for domain_b's grace period, and a reader of domain_b
// waits for domain_a's. Each grace period waits for the other's reader.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular domain_a domain_b
// EXPECT-COUNT: circular=1
#include <ulockdep/srcu.h>

#include "e2e_util.h"

DEFINE_STATIC_SRCU(domain_a);
DEFINE_STATIC_SRCU(domain_b);

int main(void)
{
    int i = srcu_read_lock(&domain_a);
    synchronize_srcu(&domain_b);
    srcu_read_unlock(&domain_a, i);

    i = srcu_read_lock(&domain_b);
    synchronize_srcu_expedited(&domain_a);
    srcu_read_unlock(&domain_b, i);
    return 0;
}
