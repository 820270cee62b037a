// Control for dlclose_reload: the same plugin lock taken both ways around main_lock, with no
// dlclose in between, is a real inversion.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular main_lock plugin_lock
// EXPECT-COUNT: circular=1
#define KEEP_FIRST 1
#include "dlclose_reload.c"
