/* Warns before running a program the shim cannot be preloaded into. */
#include "cli.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct elf_info {
    int elfclass, machine;
    bool interp;       /* has PT_INTERP: the kernel starts ld.so, which honours LD_PRELOAD */
    bool dynamic;      /* has PT_DYNAMIC */
    bool pie_flag;     /* DT_FLAGS_1 has DF_1_PIE */
};

/* The program's ELF class and machine, and whether it can be preloaded into: a PT_INTERP
 * (the kernel starts ld.so) or, without one, a dynamic section without DF_1_PIE (ld.so run
 * as a program). Read with libelf. False when path is not an ELF file. */
static bool read_elf(const char *path, struct elf_info *e)
{
    memset(e, 0, sizeof *e);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    elf_version(EV_CURRENT);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    GElf_Ehdr eh;
    size_t phnum = 0;
    bool ok = elf && elf_kind(elf) == ELF_K_ELF && gelf_getehdr(elf, &eh) && !elf_getphdrnum(elf, &phnum);
    if (ok) {
        e->elfclass = gelf_getclass(elf);
        e->machine = eh.e_machine;
    }
    GElf_Phdr dyn = { 0 };
    for (size_t i = 0; ok && i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int)i, &ph))
            continue;
        e->interp |= ph.p_type == PT_INTERP;
        if (ph.p_type == PT_DYNAMIC) {
            e->dynamic = true;
            dyn = ph;
        }
    }
    /* Without PT_INTERP, DF_1_PIE tells a static PIE (gcc -static-pie) from ld.so itself. */
    Elf_Data *d = ok && e->dynamic && !e->interp && dyn.p_filesz < 65536
                      ? elf_getdata_rawchunk(elf, (int64_t)dyn.p_offset, dyn.p_filesz, ELF_T_DYN) : NULL;
    GElf_Dyn dy;
    for (int i = 0; d && gelf_getdyn(d, i, &dy) && dy.d_tag != DT_NULL; i++)
        if (dy.d_tag == DT_FLAGS_1 && (dy.d_un.d_val & DF_1_PIE))
            e->pie_flag = true;
    if (elf)
        elf_end(elf);
    close(fd);
    return ok;
}

/* execvp's search: a name with '/' is used as is, otherwise the first executable regular
 * file in $PATH (an empty entry is the current directory). Returns a malloc'd path or NULL. */
static char *resolve(const char *prog)
{
    if (strchr(prog, '/'))
        return strdup(prog);
    const char *path = getenv("PATH");
    if (!path)
        path = "/bin:/usr/bin";     /* glibc's default, confstr(_CS_PATH) */
    for (const char *p = path;; p++) {
        const char *end = strchrnul(p, ':');
        char *cand;
        struct stat st;
        if (asprintf(&cand, "%.*s%s%s", (int)(end - p), p, end > p ? "/" : "", prog) < 0)
            return NULL;
        if (!stat(cand, &st) && S_ISREG(st.st_mode) && !access(cand, X_OK))
            return cand;
        free(cand);
        if (!*end)
            return NULL;
        p = end;
    }
}

bool untraceable(const char *prog, const char *shim, char *why, size_t len)
{
    char *path = resolve(prog);
    if (!path)
        return false; /* execvp reports it */
    bool bad = false;
    struct stat st;
    if (!stat(path, &st)) {
        const char *kind = (st.st_mode & S_ISUID) && st.st_uid != getuid() ? "set-user-ID"
                         : (st.st_mode & S_ISGID) && st.st_gid != getgid() ? "set-group-ID"
                         : NULL;
        if (kind) {
            snprintf(why, len, "it is %s: in secure-execution mode the loader ignores LD_PRELOAD paths "
                               "with '/'", kind);
            bad = true;
        }
    }
    struct elf_info e, s;
    if (!bad && read_elf(path, &e)) {
        bool have_shim = read_elf(shim, &s);
        bad = true;
        if (!e.interp && (!e.dynamic || e.pie_flag))
            snprintf(why, len, "it is statically linked: LD_PRELOAD has no effect on it");
        else if (have_shim && e.elfclass != s.elfclass)
            snprintf(why, len, "it is %d-bit and the shim %d-bit", e.elfclass == ELFCLASS64 ? 64 : 32,
                     s.elfclass == ELFCLASS64 ? 64 : 32);
        else if (have_shim && e.machine != s.machine)
            snprintf(why, len, "it is for another CPU (ELF machine %d) than the shim (%d)", e.machine, s.machine);
        else
            bad = false;
    }
    free(path);
    return bad;
}

bool refuse_untraceable(const char *cmd, const char *prog, const char *shim, bool allow)
{
    char why[256];
    if (!untraceable(prog, shim, why, sizeof why))
        return false;
    if (allow) {
        fprintf(stderr, "ulockdep: warning: '%s' will not be traced: %s (running it anyway: --allow-untraced)\n",
                prog, why);
        return false;
    }
    fprintf(stderr, "ulockdep %s: cannot trace '%s': %s; not running it (--allow-untraced runs it untraced)\n",
            cmd, prog, why);
    return true;
}
