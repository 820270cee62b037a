/* libulockdep-api.so: the annotation API as no-ops, so annotated programs link and run
 * without the shim. When libulockdep.so is preloaded, its definitions come first. */
#include "ulockdep/ulockdep.h"

#define API __attribute__((visibility("default")))

API void ulockdep_set_name(void *lock, const char *name)
{
    (void)lock;
    (void)name;
}
