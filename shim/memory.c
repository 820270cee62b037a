/* free() and realloc(): locks inside memory that goes back to the allocator are retired
 * (so a later lock at the same address is a new lock), and freeing a lock this thread
 * still holds is reported. The common case costs a size query and a page-filter probe. */
#include <malloc.h>

#include "instance.h"
#include "interpose.h"
#include "options.h"

static void freed(void *p, size_t size)
{
    uintptr_t lo = (uintptr_t)p;
    if (!ul_instance_range_maybe(lo, lo + size))
        return;
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_memory_freed(t, lo, lo + size);
        ul_leave();
    }
}

static inline bool watching(void *p)
{
    return p && ul_likely(__atomic_load_n(&ul_running, __ATOMIC_RELAXED)) && !ul_busy && ul_opt.check_free;
}

UL_EXPORT void free(void *p)
{
    if (watching(p))
        freed(p, malloc_usable_size(p));
    void (*real)(void *) = REAL(free);
    if (real) /* NULL only while dlsym itself is resolving it: leak that block */
        real(p);
}

UL_EXPORT void *realloc(void *p, size_t n)
{
    size_t old = watching(p) ? malloc_usable_size(p) : 0;
    void *r = REAL(realloc)(p, n);
    if (old && r != p && (r || n == 0))
        freed(p, old);
    return r;
}

UL_EXPORT void *reallocarray(void *p, size_t nmemb, size_t size)
{
    size_t old = watching(p) ? malloc_usable_size(p) : 0;
    void *r = REAL(reallocarray)(p, nmemb, size);
    if (old && r != p && (r || nmemb == 0 || size == 0))
        freed(p, old);
    return r;
}
