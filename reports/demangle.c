#include "demangle.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

typedef char *(*cxa_demangle_fn)(const char *, char *, size_t *, int *);

static cxa_demangle_fn cxa_demangle;
static bool looked_up;

void ul_demangle_setup(void)
{
    if (looked_up)
        return;
    looked_up = true;
    /* The program's own C++ runtime, if it has one: never load one into a C program. */
    cxa_demangle = (cxa_demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
    dlerror();
}

void ul_demangle_setup_loading(void)
{
    ul_demangle_setup();
    if (cxa_demangle)
        return;
    void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
    if (h)
        cxa_demangle = (cxa_demangle_fn)dlsym(h, "__cxa_demangle"); /* kept loaded */
    dlerror();
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

void ul_demangled_strip_params(char *s)
{
    size_t n = strlen(s);
    static const char *const quals[] = { " const", " volatile", " &&", " &" };
    for (bool again = true; again;) {
        again = false;
        for (size_t q = 0; q < sizeof quals / sizeof *quals; q++)
            if (ends_with(s, n, quals[q])) {
                n -= strlen(quals[q]);
                again = true;
            }
    }
    if (n == 0 || s[n - 1] != ')')
        return;
    /* the '(' that opens the last parenthesised group */
    int depth = 0;
    for (size_t i = n; i-- > 0;) {
        if (s[i] == ')')
            depth++;
        else if (s[i] == '(' && --depth == 0) {
            if (i == 0)
                return;
            s[i] = 0;
            return;
        }
    }
}

bool ul_demangle(const char *name, size_t n, char *buf, size_t len)
{
    if (!cxa_demangle || n < 3 || len == 0 || name[0] != '_' || name[1] != 'Z')
        return false;
    char copy[1024];
    if (n >= sizeof copy)
        return false;
    memcpy(copy, name, n);
    copy[n] = 0;
    int status = -1;
    char *out = cxa_demangle(copy, NULL, NULL, &status);
    if (!out || status != 0) {
        free(out);
        return false;
    }
    ul_demangled_strip_params(out);
    size_t k = strlen(out);
    if (k >= len)
        k = len - 1;
    memcpy(buf, out, k);
    buf[k] = 0;
    free(out);
    return true;
}
