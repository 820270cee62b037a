/* Resolution of the real libc functions with dlsym/dlvsym(RTLD_NEXT). Done by the
 * constructor, and lazily by the first interposer that runs before it (a library's own
 * constructor can take a lock before ours runs). */
#include <dlfcn.h>
#include <string.h>

#include "shim.h"
#include "ulockdep/srcu.h"

#define REAL_FN(ret, name, params, version) ret(*ul_real_##name) params;
#include "real.def"
#undef REAL_FN

void ul_resolve_real(void)
{
    static UL_TLS int resolving;
    if (resolving)
        return; /* dlsym re-entered us: the caller falls back (see the interposers) */
    resolving = 1;
#define REAL_FN(ret, name, params, version)                                                  \
    if (!ul_real_##name) {                                                                   \
        void *p = (version) ? dlvsym(RTLD_NEXT, #name, (version) ? (version) : "") : NULL;  \
        if (!p)                                                                              \
            p = dlsym(RTLD_NEXT, #name);                                                     \
        __atomic_store_n(&ul_real_##name, (ret(*) params)p, __ATOMIC_RELEASE);               \
    }
#include "real.def"
#undef REAL_FN
    resolving = 0;
}
