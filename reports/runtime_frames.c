#include "runtime_frames.h"

#include <string.h>

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The libraries of the toolchain's runtime. */
static bool runtime_module(const char *m)
{
    static const char *const libs[] = { "libc.so", "libstdc++.so", "libc++.so", "libc++abi.so",
                                        "libgcc_s.so", "libpthread.so", "ld-linux", "ld64.so", "libm.so", "libc-2.",
                                        "libdl.so", "librt.so" };
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
