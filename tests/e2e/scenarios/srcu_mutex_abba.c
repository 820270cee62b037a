// Boqun Feng's srcu_mutex_ABBA: synchronize_srcu(&cfg_srcu) while holding big_lock, and
// big_lock taken inside a cfg_srcu read section elsewhere. The grace period waits for the
// reader, the reader waits for big_lock, big_lock's holder waits for the grace period.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular big_lock cfg_srcu
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE: big_lock cfg_srcu
// EXPECT-TEXT: sync(cfg_srcu);
// EXPECT-TEXT: rlock(cfg_srcu);
#include <ulockdep/srcu.h>

#include "e2e_util.h"

DEFINE_STATIC_SRCU(cfg_srcu);
static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    int idx = srcu_read_lock(&cfg_srcu);
    E2E_CHECK(pthread_mutex_lock(&big_lock));
    E2E_CHECK(pthread_mutex_unlock(&big_lock));
    srcu_read_unlock(&cfg_srcu, idx);

    E2E_CHECK(pthread_mutex_lock(&big_lock));
    synchronize_srcu(&cfg_srcu); /* no reader now: returns; the order is what matters */
    E2E_CHECK(pthread_mutex_unlock(&big_lock));
    return 0;
}
