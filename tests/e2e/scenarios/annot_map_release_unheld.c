// Releasing a fake map that is not held is a bad unlock.
// EXPECT-EXIT: 66
// EXPECT-REPORT: bad_unlock session_map
// EXPECT-COUNT: bad_unlock=1
#include <ulockdep/ulockdep.h>

#include "e2e_util.h"

static ULOCKDEP_DEFINE_MAP(map, "session_map");

int main(void)
{
    ulockdep_map_acquire(&map);
    ulockdep_map_release(&map);
    ulockdep_map_release(&map);
    return 0;
}
