/* Warns before running a program the shim cannot be preloaded into. */
#include "cli.h"

#include <elf.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ELFDATA ELFDATA2LSB
#else
#define HOST_ELFDATA ELFDATA2MSB
#endif

struct elf_info {
    int elfclass, machine;
    bool interp;       /* has PT_INTERP: the kernel starts ld.so, which honours LD_PRELOAD */
    bool dynamic;      /* has PT_DYNAMIC */
    bool pie_flag;     /* DT_FLAGS_1 has DF_1_PIE */
};

static bool rd(int fd, void *buf, size_t n, uint64_t off)
{
    return pread(fd, buf, n, (off_t)off) == (ssize_t)n;
}

/* Reads the ELF and program headers (32- or 64-bit, host byte order). Returns false for
 * anything else: scripts, foreign-endian or unreadable files. */
static bool read_elf(const char *path, struct elf_info *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    memset(e, 0, sizeof *e);
    bool ok = false;
    unsigned char id[EI_NIDENT];
    if (!rd(fd, id, sizeof id, 0) || memcmp(id, ELFMAG, SELFMAG) || id[EI_DATA] != HOST_ELFDATA ||
        (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64))
        goto out;
    bool is64 = id[EI_CLASS] == ELFCLASS64;
    e->elfclass = id[EI_CLASS];

    uint64_t phoff;
    size_t phnum, phentsize;
    if (is64) {
        Elf64_Ehdr h;
        if (!rd(fd, &h, sizeof h, 0))
            goto out;
        e->machine = h.e_machine, phoff = h.e_phoff, phnum = h.e_phnum, phentsize = h.e_phentsize;
    } else {
        Elf32_Ehdr h;
        if (!rd(fd, &h, sizeof h, 0))
            goto out;
        e->machine = h.e_machine, phoff = h.e_phoff, phnum = h.e_phnum, phentsize = h.e_phentsize;
    }
    if (phnum == PN_XNUM || phentsize != (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
        goto out;

    uint64_t dyn_off = 0, dyn_size = 0;
    for (size_t i = 0; i < phnum; i++) {
        uint32_t type;
        uint64_t off, size;
        if (is64) {
            Elf64_Phdr p;
            if (!rd(fd, &p, sizeof p, phoff + i * sizeof p))
                goto out;
            type = p.p_type, off = p.p_offset, size = p.p_filesz;
        } else {
            Elf32_Phdr p;
            if (!rd(fd, &p, sizeof p, phoff + i * sizeof p))
                goto out;
            type = p.p_type, off = p.p_offset, size = p.p_filesz;
        }
        if (type == PT_INTERP)
            e->interp = true;
        if (type == PT_DYNAMIC)
            e->dynamic = true, dyn_off = off, dyn_size = size;
    }

    /* Without PT_INTERP, DF_1_PIE tells a static PIE (gcc -static-pie) from ld.so itself. */
    size_t dsz = is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
    for (uint64_t o = 0; !e->interp && o + dsz <= dyn_size && o < 65536; o += dsz) {
        int64_t tag;
        uint64_t val;
        if (is64) {
            Elf64_Dyn d;
            if (!rd(fd, &d, sizeof d, dyn_off + o))
                break;
            tag = d.d_tag, val = d.d_un.d_val;
        } else {
            Elf32_Dyn d;
            if (!rd(fd, &d, sizeof d, dyn_off + o))
                break;
            tag = d.d_tag, val = d.d_un.d_val;
        }
        if (tag == DT_NULL)
            break;
        if (tag == DT_FLAGS_1 && (val & DF_1_PIE))
            e->pie_flag = true;
    }
    ok = true;
out:
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
