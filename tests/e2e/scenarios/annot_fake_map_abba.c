// A fake lock (a struct ulockdep_map, like the kernel's lockdep_map for
// mmu_notifier_invalidate_range_start) ordered against a real mutex both ways.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular invalidate_range_start table_lock
// EXPECT-COUNT: circular=1
// EXPECT-TEXT: (invalidate_range_start){+.+.}-{0:0}
#include <ulockdep/ulockdep.h>

#include "e2e_util.h"

static struct ulockdep_map invalidate_map = ULOCKDEP_MAP_INIT("invalidate_range_start");
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
    ulockdep_map_acquire(&invalidate_map);
    E2E_CHECK(pthread_mutex_lock(&table_lock));
    E2E_CHECK(pthread_mutex_unlock(&table_lock));
    ulockdep_map_release(&invalidate_map);

    E2E_CHECK(pthread_mutex_lock(&table_lock));
    ulockdep_map_acquire(&invalidate_map);
    ulockdep_map_release(&invalidate_map);
    E2E_CHECK(pthread_mutex_unlock(&table_lock));
    return 0;
}
