// srcu_barrier() is a grace-period wait too (a lock_sync on the domain): called with
// flush_lock held, while flush_lock is taken inside a read section of flush_srcu elsewhere,
// it waits for a reader that waits for flush_lock. Circular, naming both, with the
// barrier shown as sync().
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular flush_lock flush_srcu
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: flush_lock flush_srcu
// EXPECT-CYCLE-LEN: 2
// EXPECT-TEXT: sync(flush_srcu);
// EXPECT-TEXT: rlock(flush_srcu);
#include <ulockdep/srcu.h>

#include "e2e_util.h"

DEFINE_STATIC_SRCU(flush_srcu);
static pthread_mutex_t flush_lock = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    E2E_CHECK(pthread_mutex_lock(&flush_lock));
    srcu_barrier(&flush_srcu); /* no callbacks queued: returns; the order is what matters */
    E2E_CHECK(pthread_mutex_unlock(&flush_lock));

    int idx = srcu_read_lock(&flush_srcu);
    E2E_CHECK(pthread_mutex_lock(&flush_lock));
    E2E_CHECK(pthread_mutex_unlock(&flush_lock));
    srcu_read_unlock(&flush_srcu, idx);
    return 0;
}
