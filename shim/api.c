/* The annotation API (include/ulockdep/ulockdep.h) as the shim implements it; without the
 * shim, libulockdep-api.so's no-op versions are used. */
#include "interpose.h"
#include "ulockdep/ulockdep.h"

UL_EXPORT void ulockdep_set_name(void *lock, const char *name)
{
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_set_name(t, lock, name);
        ul_leave();
    }
}
