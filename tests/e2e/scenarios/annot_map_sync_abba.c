// A flush modelled as a fake map: work items run inside ulockdep_map_acquire_read(flush);
// flushing is ulockdep_map_sync(flush) (wait for every holder, hold nothing). Flushing while
// holding dev_lock, when a work item takes dev_lock, deadlocks.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular wq_flush dev_lock
// EXPECT-COUNT: circular=1
#include <ulockdep/ulockdep.h>

#include "e2e_util.h"

static struct ulockdep_map flush_map;
static pthread_mutex_t dev_lock = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    ulockdep_map_init(&flush_map, "wq_flush");
    ulockdep_map_acquire_read(&flush_map); /* a work item runs */
    E2E_CHECK(pthread_mutex_lock(&dev_lock));
    E2E_CHECK(pthread_mutex_unlock(&dev_lock));
    ulockdep_map_release(&flush_map);

    E2E_CHECK(pthread_mutex_lock(&dev_lock));
    ulockdep_map_sync(&flush_map); /* flush_workqueue() under dev_lock */
    E2E_CHECK(pthread_mutex_unlock(&dev_lock));
    return ulockdep_is_held(&flush_map) == 0 ? 0 : 98;
}
