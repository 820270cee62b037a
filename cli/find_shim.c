/* Locates the shim (libulockdep.so) to preload. */
#include "cli.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Absolute, canonical path of a readable regular file, or NULL (errno set). */
static char *readable(const char *path)
{
    struct stat st;
    char *abs = realpath(path, NULL);
    if (abs && access(abs, R_OK) == 0 && stat(abs, &st) == 0) {
        if (S_ISREG(st.st_mode))
            return abs;
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    }
    free(abs);
    return NULL;
}

/* ld.so splits LD_PRELOAD at ':' and ' ', so the path must contain neither. */
static char *preloadable(char *path)
{
    if (path && strpbrk(path, ": ")) {
        fprintf(stderr, "ulockdep: the shim path '%s' contains ':' or a space, which LD_PRELOAD "
                        "cannot express; set ULOCKDEP_SHIM to a copy elsewhere\n", path);
        free(path);
        return NULL;
    }
    return path;
}

char *find_shim(void)
{
    const char *env = getenv("ULOCKDEP_SHIM");
    if (env && *env) {
        char *p = readable(env);
        if (!p)
            fprintf(stderr, "ulockdep: ULOCKDEP_SHIM='%s': %s\n", env, strerror(errno));
        return preloadable(p);
    }

    /* Next to our own executable: <prefix>/bin/ulockdep -> <prefix>/lib/libulockdep.so when
     * installed, <build>/cli/ulockdep -> <build>/shim/libulockdep.so in a build tree. */
    static const char *const rel[] = { "../lib/libulockdep.so", "../shim/libulockdep.so" };
    char *exe = realpath("/proc/self/exe", NULL);
    if (!exe) {
        fprintf(stderr, "ulockdep: cannot find own executable (/proc/self/exe): %s; "
                        "set ULOCKDEP_SHIM=/path/to/libulockdep.so\n", strerror(errno));
        return NULL;
    }
    const char *bindir = dirname(exe);
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char *cand, *p;
        if (asprintf(&cand, "%s/%s", bindir, rel[i]) < 0)
            break;
        p = readable(cand);
        free(cand);
        if (p) {
            free(exe);
            return preloadable(p);
        }
    }
    fprintf(stderr, "ulockdep: cannot find the shim: no %s/%s or %s/%s; "
                    "set ULOCKDEP_SHIM=/path/to/libulockdep.so\n",
            bindir, rel[0], bindir, rel[1]);
    free(exe);
    return NULL;
}
