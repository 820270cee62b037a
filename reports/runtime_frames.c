#include "runtime_frames.h"

#include <stdatomic.h>

#include <string.h>

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The libraries of the toolchain's runtime (and ulockdep's own SRCU library, whose
 * functions are the API, not the caller). */
static bool runtime_module(const char *m)
{
    static const char *const libs[] = { "libc.so", "libstdc++.so", "libc++.so", "libc++abi.so",
                                        "libgcc_s.so", "libpthread.so", "ld-linux", "libm.so" };
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++)
        if (starts_with(m, libs[i]))
            return true;
    return false;
}

/* Functions of the C++ library and its thread wrappers, wherever their code was emitted
 * (templates and inline functions land in the program's own binary). */
static bool runtime_function(const char *f)
{
    static const char *const prefixes[] = { "std::", "__gnu_cxx::", "__cxxabiv1::", "__gthread_",
                                            "__gthrw_" };
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (starts_with(f, prefixes[i]))
            return true;
    /* the return type comes first in some demangled template names: "void std::__invoke_impl<...>" */
    const char *sp = strchr(f, ' ');
    const char *lt = strchr(f, '<');
    const char *paren = strchr(f, '(');
    if (sp && (!lt || sp < lt) && (!paren || sp < paren) && starts_with(sp + 1, "std::"))
        return true;
    return false;
}

/* Code inlined from the toolchain's headers: libstdc++'s (/usr/include/c++/12/...,
 * .../x86_64-linux-gnu/c++/12/bits/gthr-default.h) and libc++'s (.../include/c++/v1/...). */
static bool runtime_file(const char *file)
{
    return strstr(file, "/c++/") != NULL && strstr(file, "include") != NULL;
}

bool ul_runtime_frame(const char *module, const char *function, const char *file)
{
    if (module && runtime_module(module))
        return true;
    if (function && runtime_function(function))
        return true;
    if (file && runtime_file(file))
        return true;
    return false;
}

/* ---- per-address verdicts ----------------------------------------------------------- */

#include "glock.h"
#include "symbolize.h"

#define FRAMES_MAX 16
#define VERDICT_SLOTS 8192u /* direct mapped: a collision replaces the older verdict */

/* pc << 2 | 2 (known) | runtime; 0: empty */
static _Atomic uintptr_t verdicts[VERDICT_SLOTS];

static bool frames_all_runtime(const struct ul_frame *f, int n)
{
    for (int i = 0; i < n; i++)
        if (!ul_runtime_frame(f[i].module, f[i].function, f[i].file))
            return false;
    return n > 0;
}

bool ul_pc_is_runtime(uintptr_t pc)
{
    _Atomic uintptr_t *slot = &verdicts[((uint64_t)pc * 0x9e3779b97f4a7c15ull >> 40) & (VERDICT_SLOTS - 1)];
    uintptr_t v = atomic_load_explicit(slot, memory_order_relaxed);
    if (v >> 2 == pc)
        return v & 1;
    bool take = !ul_flock_held_by_me(&ul_rlock);
    if (take)
        ul_flock_lock(&ul_rlock);
    struct ul_frame f[FRAMES_MAX];
    ul_symbolizer_avoid_loader_lock(true);
    int n = ul_symbolize_frames(pc, true, f, FRAMES_MAX);
    ul_symbolizer_avoid_loader_lock(false);
    bool runtime = frames_all_runtime(f, n);
    if (take)
        ul_flock_unlock(&ul_rlock);
    atomic_store_explicit(slot, pc << 2 | 2 | runtime, memory_order_relaxed);
    return runtime;
}

bool ul_user_frame(uintptr_t pc, struct ul_frame *out)
{
    struct ul_frame f[FRAMES_MAX];
    int n = ul_symbolize_frames(pc, true, f, FRAMES_MAX);
    if (n <= 0)
        return ul_symbolize_code(pc, true, out);
    for (int i = 0; i < n; i++)
        if (!ul_runtime_frame(f[i].module, f[i].function, f[i].file)) {
            *out = f[i];
            return true;
        }
    *out = f[0];
    return true;
}
