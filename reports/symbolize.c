/* Symbolizer implementation (interface and contract: symbolize.h).
 *
 * Two sources of truth, combined:
 *  - dl_iterate_phdr(): which loaded object covers an address, its load bias (dlpi_addr) and
 *    its build-id note. It sees PT_LOAD p_memsz, so .bss past the file mapping is covered.
 *  - libdw's libdwfl (dlopen'ed RTLD_LOCAL, every entry point dlsym'ed): function and data
 *    symbols from .symtab, file:line from DWARF. Without it we fall back to dladdr().
 * libdw is never linked: the shim is preloaded into arbitrary programs and must not add
 * libdw/libelf/zlib symbols to their global scope.
 *
 * Returned strings live in an arena owned here (interned, so repeated names cost nothing)
 * and stay valid until ul_symbolizer_reset(). Results are cached per (pc, return_address)
 * in a fixed-size direct-mapped table, so memory stays bounded. */
#include "symbolize.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <ucontext.h>
#include <unistd.h>

#include "demangle.h"
#include "inline_frames.h"

/* ------------------------------------------------------------------------------------- */
/* Arena and string interning                                                              */

#define ARENA_CHUNK (16u * 1024)
#define ARENA_LIMIT (16u * 1024 * 1024) /* past this, new strings are dropped (NULL) */

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    char data[];
};

static struct arena_chunk *arena;
static size_t arena_total;

static const char **itab; /* open addressing; power-of-two capacity */
static size_t itab_cap, itab_count;

/* The first chunk and table are static: with no memory left, the first reports still get
 * module names (module+offset) and whatever was named before. */
#define ITAB_STATIC 512
static const char *itab_static[ITAB_STATIC];
static union {
    struct arena_chunk c;
    char bytes[sizeof(struct arena_chunk) + ARENA_CHUNK];
} static_chunk;
static bool static_chunk_used;

static char *arena_alloc(size_t n)
{
    if (!arena || arena->cap - arena->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        if (arena_total + cap > ARENA_LIMIT)
            return NULL;
        struct arena_chunk *c;
        if (!static_chunk_used && cap == ARENA_CHUNK) {
            static_chunk_used = true;
            c = &static_chunk.c;
        } else if (!(c = malloc(sizeof *c + cap))) {
            return NULL;
        }
        c->next = arena;
        c->used = 0;
        c->cap = cap;
        arena = c;
        arena_total += cap;
    }
    char *p = arena->data + arena->used;
    arena->used += n;
    return p;
}

static size_t str_hash(const char *s, size_t n)
{
    size_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* Keeps the table at most half full so probe sequences stay short. */
static bool itab_reserve(void)
{
    if (itab_count + 1 <= itab_cap / 2)
        return true;
    if (!itab_cap) {
        memset(itab_static, 0, sizeof itab_static);
        itab = itab_static;
        itab_cap = ITAB_STATIC;
        return true;
    }
    size_t ncap = itab_cap * 2;
    const char **nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return false;
    for (size_t i = 0; i < itab_cap; i++) {
        if (!itab[i])
            continue;
        size_t j = str_hash(itab[i], strlen(itab[i])) & (ncap - 1);
        while (nt[j])
            j = (j + 1) & (ncap - 1);
        nt[j] = itab[i];
    }
    if (itab != itab_static)
        free(itab);
    itab = nt;
    itab_cap = ncap;
    return true;
}

/* Interns the first n bytes of s; NULL when out of memory or over ARENA_LIMIT. */
static const char *intern_n(const char *s, size_t n)
{
    if (!s || !itab_reserve())
        return NULL;
    size_t i = str_hash(s, n) & (itab_cap - 1);
    for (; itab[i]; i = (i + 1) & (itab_cap - 1))
        if (!strncmp(itab[i], s, n) && !itab[i][n])
            return itab[i];
    char *copy = arena_alloc(n + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    itab[i] = copy;
    itab_count++;
    return copy;
}

static const char *intern(const char *s)
{
    return s ? intern_n(s, strlen(s)) : NULL;
}

/* Symbol names without a version suffix: .symtab spells copy-relocated and versioned
 * symbols "stdout@GLIBC_2.2.5"; C and mangled C++ names never contain '@'. */
static size_t sym_len(const char *name)
{
    return strcspn(name, "@");
}

static void strings_free(void)
{
    while (arena) {
        struct arena_chunk *next = arena->next;
        if (arena != &static_chunk.c)
            free(arena);
        arena = next;
    }
    arena_total = 0;
    static_chunk_used = false;
    if (itab != itab_static)
        free(itab);
    itab = NULL;
    itab_cap = itab_count = 0;
}

/* ------------------------------------------------------------------------------------- */
/* Per-pc result cache: direct mapped, a collision simply replaces the older entry         */

#define CACHE_SLOTS 1024u /* power of two */

enum slot_state { SLOT_EMPTY, SLOT_KNOWN, SLOT_UNKNOWN };

struct cache_slot {
    uintptr_t pc;
    bool return_address;
    unsigned char state;
    struct ul_frame frame;
};

static struct cache_slot *cache;

static struct cache_slot *cache_slot(uintptr_t pc, bool return_address)
{
    if (!cache)
        cache = calloc(CACHE_SLOTS, sizeof *cache);
    if (!cache)
        return NULL;
    uint64_t h = ((uint64_t)pc * 2 + return_address) * 0x9e3779b97f4a7c15ull;
    return &cache[(h >> 32) & (CACHE_SLOTS - 1)];
}

static void cache_free(void)
{
    free(cache);
    cache = NULL;
}

/* ------------------------------------------------------------------------------------- */
/* libdw, loaded privately                                                                 */

#define UL_DW_FUNCS(X)                                                                     \
    X(dwfl_begin)                                                                          \
    X(dwfl_end)                                                                            \
    X(dwfl_report_begin)                                                                   \
    X(dwfl_report_end)                                                                     \
    X(dwfl_linux_proc_report)                                                              \
    X(dwfl_linux_proc_find_elf)                                                            \
    X(dwfl_addrmodule)                                                                     \
    X(dwfl_module_info)                                                                    \
    X(dwfl_module_getelf)                                                                  \
    X(dwfl_module_build_id)                                                                \
    X(dwfl_module_addrinfo)                                                                \
    X(dwfl_module_getsrc)                                                                  \
    X(dwfl_lineinfo)                                                                       \
    X(dwfl_module_getsymtab)                                                               \
    X(dwfl_module_getsym_info)                                                             \
    X(dwfl_module_getdwarf)                                                                \
    X(dwarf_new_oom_handler)                                                               \
    X(dwfl_report_begin_add)                                                               \
    X(dwfl_report_elf)                                                                     \
    X(dwfl_offline_section_address)                                                        \
    X(dwfl_build_id_find_debuginfo)                                                        \
    UL_INLINE_DW_FUNCS(X)

/* __typeof__ of the declarations in libdwfl.h: type-checked calls, no link-time reference. */
static struct {
#define X(name) __typeof__(name) *name;
    UL_DW_FUNCS(X)
#undef X
} dw;

enum lib_state { LIB_UNTRIED, LIB_OK, LIB_MISSING };

static enum lib_state dw_state;
static bool use_libdw = true;

/* libdw's default reaction to a failed allocation is error(EXIT_FAILURE): it would end the
 * program. Every Dwarf we read gets our handler instead, which jumps back to the guard
 * around the lookup (guarded() below); libdw is then never used again in this process
 * (its session is abandoned, not freed: it may be half-updated), and the lookup is done
 * again without it. libdw calls the handler with none of its locks held. Not covered:
 * Dwarf objects libdw opens by itself (dwz alternate files, split DWARF units). */
static void *oom_jump[5];
static bool oom_armed;
static bool dw_out_of_memory;

static Dwfl *dwfl;
static pid_t session_pid;                /* process the module list was read for */
static unsigned long long dl_gen;        /* dlpi_adds + dlpi_subs when it was read */
static bool session_failed;              /* don't retry a failing /proc read until reset */
static Dwfl_Callbacks session_callbacks; /* libdwfl keeps a pointer to it */

static bool dw_resolve(void *h)
{
#define X(name)                                                                            \
    dw.name = (__typeof__(dw.name))dlsym(h, #name);                                        \
    if (!dw.name)                                                                          \
        return false;
    UL_DW_FUNCS(X)
#undef X
    return true;
}

static bool dw_load(void)
{
    if (dw_state == LIB_UNTRIED) {
        void *h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
        dw_state = h && dw_resolve(h) ? LIB_OK : LIB_MISSING;
        if (dw_state == LIB_MISSING) {
            if (h)
                dlclose(h);
            memset(&dw, 0, sizeof dw);
        }
        dlerror(); /* don't leave our failure for the program's next dlerror() */
    }
    return dw_state == LIB_OK;
}

static int dl_gen_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    *(unsigned long long *)arg = info->dlpi_adds + info->dlpi_subs;
    return 1;
}

static unsigned long long current_dl_gen(void)
{
    unsigned long long gen = 0;
    dl_iterate_phdr(dl_gen_cb, &gen);
    return gen;
}

/* (Re)reads /proc/self/maps into the module list; the generation is sampled first so a
 * library loaded during the read is noticed next time. */
static bool session_report(Dwfl *d)
{
    dl_gen = current_dl_gen();
    dw.dwfl_report_begin(d);
    int rc = dw.dwfl_linux_proc_report(d, getpid());
    return dw.dwfl_report_end(d, NULL, NULL) == 0 && rc == 0;
}

static void session_close(void)
{
    if (dwfl)
        dw.dwfl_end(dwfl);
    dwfl = NULL;
}

/* Descriptors ulockdep keeps open while the program runs (libdw keeps each file it reads
 * open for as long as its module is known; libunwind keeps a pipe) must not take the lowest
 * free numbers, which the program expects its own next open() or dup() to get (GLib's
 * unix-fd test asserts it; servers hand numbered descriptors to children). They go near the
 * top of the range select() can use, out of the way. */
int ul_fd_high_base(void)
{
    struct rlimit rl;
    long top = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < top)
        top = (long)rl.rlim_cur;
    return (int)(top > 256 ? top - 64 : top / 2);
}

int ul_fd_out_of_the_way(int fd)
{
    int base = ul_fd_high_base();
    if (fd < 0 || fd >= base)
        return fd;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, base);
    if (high < 0)
        return fd;
    close(fd);
    return high;
}

static int find_elf_out_of_the_way(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                                   char **file_name, Elf **elfp)
{
    Elf *before = *elfp;
    int fd = dw.dwfl_linux_proc_find_elf(mod, userdata, modname, base, file_name, elfp);
    return *elfp == before ? ul_fd_out_of_the_way(fd) : fd; /* an Elf made on fd keeps its number */
}

/* Separate debug info on this machine only: by build-id under /usr/lib/debug, then by
 * .gnu_debuglink next to the file, in its .debug/ and under /usr/lib/debug. Never
 * dwfl_standard_find_debuginfo: its last resort is debuginfod, which loads libdebuginfod,
 * libcurl, libcrypto and more into the traced program and writes under ~/.cache. */
static int find_debuginfo_local(Dwfl_Module *mod, void **userdata, const char *modname, GElf_Addr base,
                                const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
                                char **debuginfo_file_name)
{
    int fd = dw.dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
                                             debuglink_crc, debuginfo_file_name);
    if (fd >= 0 || !debuglink_file || !file_name || file_name[0] != '/')
        return ul_fd_out_of_the_way(fd);
    const char *slash = strrchr(file_name, '/');
    int dirlen = (int)(slash - file_name);
    static const char *const forms[] = { "%.*s/%s", "%.*s/.debug/%s", "/usr/lib/debug%.*s/%s" };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        char path[PATH_MAX];
        int n = snprintf(path, sizeof path, forms[i], dirlen, file_name, debuglink_file);
        if (n <= 0 || (size_t)n >= sizeof path || strcmp(path, file_name) == 0)
            continue;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            *debuginfo_file_name = strdup(path);
            return ul_fd_out_of_the_way(fd);
        }
    }
    return -1;
}

static Dwfl *session_open(void)
{
    session_callbacks.find_elf = find_elf_out_of_the_way;
    session_callbacks.find_debuginfo = find_debuginfo_local;
    Dwfl *d = dw.dwfl_begin(&session_callbacks);
    if (d && !session_report(d)) {
        dw.dwfl_end(d);
        d = NULL;
    }
    session_failed = !d;
    session_pid = getpid();
    return d;
}

/* The session for this process. A forked child that never called reset gets a fresh one:
 * the inherited list describes the parent's pid. */
static bool avoid_loader_lock;

static Dwfl *session(void)
{
    /* on a lock path, never the dlopen of a first load */
    if (!use_libdw || dw_out_of_memory || (avoid_loader_lock && dw_state == LIB_UNTRIED) || !dw_load())
        return NULL;
    if (session_pid != getpid()) {
        session_close();
        session_failed = false;
    }
    if (!dwfl && !session_failed)
        dwfl = session_open();
    return dwfl;
}

/* ------------------------------------------------------------------------------------- */
/* Loaded objects (dl_iterate_phdr)                                                        */

#define BUILD_ID_MAX 64

struct objinfo {
    bool found;
    bool is_main;
    uintptr_t bias;  /* dlpi_addr */
    uintptr_t probe; /* start of the first PT_LOAD: inside the module's /proc/maps range */
    const char *path;
    char build_id[2 * BUILD_ID_MAX + 1];
};

struct obj_query {
    uintptr_t addr;
    int index;
    struct objinfo *out;
};

static bool phdr_covers(const struct dl_phdr_info *info, uintptr_t addr)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && addr >= start && addr - start < ph->p_memsz)
            return true;
    }
    return false;
}

static uintptr_t first_load(const struct dl_phdr_info *info)
{
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_LOAD)
            return info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
    return 0;
}

static void hex_encode(char *out, const unsigned char *bytes, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Walks one PT_NOTE segment (mapped: notes sit inside the first PT_LOAD) for
 * NT_GNU_BUILD_ID, bounds-checking every header against the segment size. */
static bool note_build_id(const char *p, size_t size, size_t align, char *out)
{
    while (size >= sizeof(ElfW(Nhdr))) {
        const ElfW(Nhdr) *n = (const void *)p;
        size_t name = (n->n_namesz + align - 1) & ~(align - 1);
        size_t desc = (n->n_descsz + align - 1) & ~(align - 1);
        size_t total = sizeof *n + name + desc;
        if (name > size || desc > size || total > size)
            return false;
        if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
            !memcmp(p + sizeof *n, "GNU", 4) && n->n_descsz > 0 &&
            n->n_descsz <= BUILD_ID_MAX) {
            hex_encode(out, (const unsigned char *)p + sizeof *n + name, n->n_descsz);
            return true;
        }
        p += total;
        size -= total;
    }
    return false;
}

static void phdr_build_id(const struct dl_phdr_info *info, char *out)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        size_t align = ph->p_align == 8 ? 8 : 4;
        if (note_build_id((const char *)(info->dlpi_addr + ph->p_vaddr), ph->p_memsz, align,
                          out))
            return;
    }
}

static int obj_match(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct obj_query *q = arg;
    bool is_main = q->index++ == 0; /* glibc lists the main program first */
    if (!phdr_covers(info, q->addr))
        return 0;
    struct objinfo *o = q->out;
    o->found = true;
    o->is_main = is_main;
    o->bias = info->dlpi_addr;
    o->probe = first_load(info);
    /* dlpi_name belongs to the link map (gone after dlclose): copy it now. */
    o->path = info->dlpi_name && *info->dlpi_name ? intern(info->dlpi_name) : NULL;
    phdr_build_id(info, o->build_id);
    return 1;
}

static const char *exe_path(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return intern(buf);
}

struct range_query {
    uintptr_t addr, lo, hi;
    bool found;
};

bool ul_object_load_span(const struct dl_phdr_info *info, uintptr_t *lo, uintptr_t *hi)
{
    *lo = UINTPTR_MAX;
    *hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t a = info->dlpi_addr + ph->p_vaddr, b = a + ph->p_memsz;
        *lo = a < *lo ? a : *lo;
        *hi = b > *hi ? b : *hi;
    }
    return *hi > *lo;
}

static int range_match(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct range_query *q = arg;
    if (!phdr_covers(info, q->addr))
        return 0;
    q->found = ul_object_load_span(info, &q->lo, &q->hi);
    return 1;
}

/* All the PT_LOAD segments of the object that covers addr. */
static bool object_range(uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
    struct range_query q = { .addr = addr };
    dl_iterate_phdr(range_match, &q);
    *lo = q.lo;
    *hi = q.hi;
    return q.found;
}

static void find_object(uintptr_t addr, struct objinfo *o)
{
    memset(o, 0, sizeof *o);
    struct obj_query q = { .addr = addr, .out = o };
    dl_iterate_phdr(obj_match, &q);
    if (o->found && o->is_main && !o->path)
        o->path = exe_path();
}

/* ------------------------------------------------------------------------------------- */
/* Unloaded modules                                                                         */

/* Modules dlclose'd (recorded just before, while still mapped): a frame that no loaded
 * object covers is looked up here, newest first, and named by that module's path, offset
 * and build-id, and by function and line read from the file on disk (a libdwfl session of
 * its own, the module placed at its old load bias) when the file there still has the same
 * build-id. A module loaded later at the same addresses wins for its addresses: the
 * loader cannot tell whose a bare address is. Kept across ul_symbolizer_reset(): a forked
 * child still has stacks from before the fork. */
#define GONE_MAX 64
#define GONE_PATH_MAX 512

struct gone_module {
    uintptr_t lo, hi, bias;
    char path[GONE_PATH_MAX];
    char build_id[2 * BUILD_ID_MAX + 1];
    Dwfl_Module *dwmod;   /* in gone_dwfl, once reported */
    bool dw_tried;
};

static struct gone_module gone[GONE_MAX];
static unsigned gone_next, gone_count;
static Dwfl *gone_dwfl;
static Dwfl_Callbacks gone_callbacks;

void ul_symbolizer_module_unloading(uintptr_t addr)
{
    struct objinfo o;
    uintptr_t lo, hi;
    find_object(addr, &o);
    if (!o.found || !o.path || !object_range(addr, &lo, &hi) || strlen(o.path) >= GONE_PATH_MAX)
        return;
    for (unsigned i = 0; i < gone_count; i++) /* the same module again (dlopen, dlclose) */
        if (gone[i].lo == lo && gone[i].bias == o.bias && !strcmp(gone[i].path, o.path) &&
            !strcmp(gone[i].build_id, o.build_id))
            return;
    struct gone_module *g = &gone[gone_next];
    gone_next = (gone_next + 1) % GONE_MAX;
    if (gone_count < GONE_MAX)
        gone_count++;
    *g = (struct gone_module){ .lo = lo, .hi = hi, .bias = o.bias };
    memcpy(g->path, o.path, strlen(o.path) + 1);
    memcpy(g->build_id, o.build_id, sizeof g->build_id);
    /* A module of the session reported at these addresses before is stale now. */
    for (unsigned i = 0; i < gone_count; i++)
        if (&gone[i] != g && gone[i].lo < hi && lo < gone[i].hi)
            gone[i].lo = gone[i].hi = 0;
}

static struct gone_module *gone_find(uintptr_t addr)
{
    for (unsigned k = 1; k <= gone_count; k++) {
        struct gone_module *g = &gone[(gone_next + GONE_MAX - k) % GONE_MAX];
        if (addr >= g->lo && addr < g->hi)
            return g;
    }
    return NULL;
}

static bool same_build_id(Dwfl_Module *m, const char *want)
{
    const unsigned char *bits;
    GElf_Addr vaddr;
    int n = dw.dwfl_module_build_id(m, &bits, &vaddr);
    if (n <= 0 || n > BUILD_ID_MAX)
        return !want[0]; /* neither has one */
    char hex[2 * BUILD_ID_MAX + 1];
    hex_encode(hex, bits, (size_t)n);
    return !strcmp(hex, want);
}

/* The file of a gone module, placed where it was loaded (NULL: no libdw, no file, or it
 * was rebuilt since). */
static Dwfl_Module *gone_module(struct gone_module *g)
{
    if (g->dw_tried)
        return g->dwmod;
    g->dw_tried = true;
    if (!use_libdw || dw_out_of_memory || !dw_load())
        return NULL;
    if (!gone_dwfl) {
        gone_callbacks.find_elf = find_elf_out_of_the_way;
        gone_callbacks.find_debuginfo = find_debuginfo_local;
        gone_callbacks.section_address = dw.dwfl_offline_section_address;
        if (!(gone_dwfl = dw.dwfl_begin(&gone_callbacks)))
            return NULL;
    }
    dw.dwfl_report_begin_add(gone_dwfl);
    int fd = ul_fd_out_of_the_way(open(g->path, O_RDONLY | O_CLOEXEC));
    if (fd < 0)
        return NULL;
    Dwfl_Module *m = dw.dwfl_report_elf(gone_dwfl, g->path, g->path, fd, g->bias, false);
    if (!m)
        close(fd); /* consumed only on success */
    if (dw.dwfl_report_end(gone_dwfl, NULL, NULL) != 0)
        m = NULL;
    if (m && !same_build_id(m, g->build_id))
        m = NULL; /* another file now: its lines would be wrong */
    return g->dwmod = m;
}

static void gone_close(void)
{
    if (gone_dwfl)
        dw.dwfl_end(gone_dwfl);
    gone_dwfl = NULL;
    for (unsigned i = 0; i < gone_count; i++) {
        gone[i].dwmod = NULL;
        gone[i].dw_tried = false;
    }
}

/* ------------------------------------------------------------------------------------- */
/* Module lookup                                                                           */

static const char *base_name(const char *path)
{
    if (!path)
        return NULL;
    const char *slash = strrchr(path, '/');
    return slash ? intern(slash + 1) : path;
}

/* dwfl_addrmodule() past the last module answers with the last module (a stack address
 * comes back as ld.so), so check the module's range ourselves. */
static Dwfl_Module *module_containing(Dwfl *d, uintptr_t addr)
{
    Dwfl_Module *m = dw.dwfl_addrmodule(d, addr);
    Dwarf_Addr start = 0, end = 0;
    if (m && !dw.dwfl_module_info(m, NULL, &start, &end, NULL, NULL, NULL, NULL))
        return NULL;
    return m && addr >= start && addr < end ? m : NULL;
}

/* The libdwfl module for addr, which the loader knows (o). libdwfl is asked only about
 * objects the loader vouches for: its /proc/maps view can attribute a neighbouring
 * anonymous page to a library (seen under valgrind). Falls back to the object's first
 * PT_LOAD (addr may be in .bss past the file mapping, which /proc/maps does not attribute
 * to the file), and re-reads the module list once if the loader's set of objects changed
 * since it was read (a dlopen). */
static Dwfl_Module *module_for(uintptr_t addr, const struct objinfo *o)
{
    Dwfl *d = session();
    if (!d)
        return NULL;
    for (int pass = 0; pass < 2; pass++) {
        Dwfl_Module *m = module_containing(d, addr);
        if (!m)
            m = module_containing(d, o->probe);
        if (m || current_dl_gen() == dl_gen || pass)
            return m;
        if (!session_report(d))
            return NULL;
    }
    return NULL;
}

static void module_from_object(struct ul_frame *f, const struct objinfo *o, uintptr_t pc)
{
    f->module_path = o->path;
    f->module = base_name(o->path);
    f->module_off = pc - o->bias;
    if (o->build_id[0])
        f->build_id = intern(o->build_id);
}

/* Used only when the loader has no name for the object (the executable, if readlink of
 * /proc/self/exe failed). */
static void module_from_dwfl(struct ul_frame *f, Dwfl_Module *m, uintptr_t pc)
{
    const char *mainfile = NULL;
    const char *name = dw.dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
    GElf_Addr bias = 0;
    if (!dw.dwfl_module_getelf(m, &bias))
        return;
    f->module_path = intern(mainfile ? mainfile : name);
    f->module = base_name(f->module_path);
    f->module_off = pc - bias;
}

static void build_id_from_dwfl(struct ul_frame *f, Dwfl_Module *m)
{
    const unsigned char *bits;
    GElf_Addr vaddr;
    GElf_Addr bias;
    if (!dw.dwfl_module_getelf(m, &bias)) /* the build-id is read with the ELF */
        return;
    int n = dw.dwfl_module_build_id(m, &bits, &vaddr);
    if (n <= 0 || n > BUILD_ID_MAX)
        return;
    char hex[2 * BUILD_ID_MAX + 1];
    hex_encode(hex, bits, (size_t)n);
    f->build_id = intern(hex);
}

/* ------------------------------------------------------------------------------------- */
/* Code addresses                                                                          */

/* A function's name as the reader writes it: demangled, without its parameter list. */
static const char *function_name(const char *name, size_t n)
{
    char buf[1024];
    if (ul_demangle(name, n, buf, sizeof buf))
        return intern(buf);
    return intern_n(name, n);
}

/* `at` is the address looked up (pc-1 for return addresses: the call, which may be the
 * last instruction of a noreturn-calling function); offsets are reported from pc. */
static void function_from_dwfl(struct ul_frame *f, Dwfl_Module *m, uintptr_t pc, uintptr_t at)
{
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *name = dw.dwfl_module_addrinfo(m, at, &off, &sym, NULL, NULL, NULL);
    if (!name || !*name)
        return;
    f->function = function_name(name, sym_len(name));
    f->func_off = pc - (at - off);
    f->func_size = sym.st_size;
}

static __attribute__((noreturn)) void dw_oom_handler(void)
{
    if (oom_armed)
        __builtin_longjmp(oom_jump, 1);
    abort(); /* not reached: libdw only allocates inside guarded lookups */
}

static void line_from_dwfl(struct ul_frame *f, Dwfl_Module *m, uintptr_t at)
{
    Dwarf_Addr bias;
    Dwarf *dwarf = dw.dwfl_module_getdwarf(m, &bias); /* errors are returned, not fatal */
    if (!dwarf)
        return;
    dw.dwarf_new_oom_handler(dwarf, dw_oom_handler);
    Dwfl_Line *l = dw.dwfl_module_getsrc(m, at);
    if (!l)
        return;
    Dwarf_Addr addr;
    int line = 0, col;
    Dwarf_Word mtime, length;
    const char *file = dw.dwfl_lineinfo(l, &addr, &line, &col, &mtime, &length);
    if (!file)
        return;
    f->file = intern(file);
    f->line = line;
}

static bool is_code_sym(unsigned char type)
{
    return type == STT_FUNC || type == STT_GNU_IFUNC || type == STT_NOTYPE;
}

/* dladdr only sees .dynsym: exported functions only, no file:line. */
static void function_from_dladdr(struct ul_frame *f, uintptr_t pc, uintptr_t at)
{
    Dl_info info;
    const ElfW(Sym) *sym = NULL;
    if (!dladdr1((void *)at, &info, (void **)&sym, RTLD_DL_SYMENT) || !info.dli_sname ||
        !info.dli_saddr || !sym || !is_code_sym(GELF_ST_TYPE(sym->st_info)))
        return;
    f->function = function_name(info.dli_sname, sym_len(info.dli_sname));
    f->func_off = pc - (uintptr_t)info.dli_saddr;
    f->func_size = sym->st_size;
}

/* Is pc the signal return trampoline that handlers return to (glibc's __restore_rt, a
 * local symbol a stripped libc does not name)? On x86-64 it is "mov $15,%rax; syscall"
 * (rt_sigreturn), and a stack unwound through a handler shows its address exactly. */
static bool is_sigreturn(uintptr_t pc)
{
#if defined(__x86_64__)
    static const unsigned char code[] = { 0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05 };
    struct objinfo end;
    find_object(pc + sizeof code - 1, &end); /* all of it mapped, in an object's code */
    return end.found && memcmp((const void *)pc, code, sizeof code) == 0;
#else
    (void)pc;
    return false;
#endif
}

/* avoid_loader_lock (above): set while symbolising on a lock path. */

static void resolve_code(uintptr_t pc, bool return_address, struct ul_frame *f)
{
    uintptr_t at = return_address && pc ? pc - 1 : pc;
    struct objinfo o;
    find_object(at, &o);
    Dwfl_Module *m;
    if (!o.found) {
        struct gone_module *g = gone_find(at);
        if (!g)
            return; /* not inside any loaded or unloaded object: nothing to say */
        o = (struct objinfo){ .found = true, .bias = g->bias, .probe = g->lo, .path = intern(g->path) };
        memcpy(o.build_id, g->build_id, sizeof o.build_id);
        module_from_object(f, &o, pc);
        if ((m = gone_module(g)) != NULL) {
            function_from_dwfl(f, m, pc, at);
            line_from_dwfl(f, m, at);
        }
        return;
    }
    module_from_object(f, &o, pc);
    m = module_for(at, &o);
    if (!m) {
        if (!avoid_loader_lock)
            function_from_dladdr(f, pc, at);
        return;
    }
    if (!f->module_path)
        module_from_dwfl(f, m, pc);
    if (!f->build_id) /* the loaded image's note wins: the file on disk may be newer */
        build_id_from_dwfl(f, m);
    function_from_dwfl(f, m, pc, at);
    line_from_dwfl(f, m, at);
}

/* Names the signal trampoline like gdb does (it is not a call: no function+offset, no line). */
static void name_signal_frame(uintptr_t pc, struct ul_frame *f)
{
    if ((f->function && strcmp(f->function, "__restore_rt") != 0) || !f->module || !is_sigreturn(pc))
        return;
    f->function = "<signal handler called>";
    f->func_off = f->func_size = 0;
    f->file = NULL;
    f->line = 0;
    f->signal_frame = true;
}

/* Set while a lookup runs: a nested call (e.g. a lock taken inside libdw reported by the
 * engine) gets "unknown" instead of mutating the caches under the outer call. */
static bool busy;

struct lookup {
    uintptr_t addr;
    bool return_address;
    struct ul_frame *frame;  /* code */
    char *buf;               /* data */
    size_t len;
    bool ok;
    struct ul_frame *frames; /* inlined frames */
    int max, n;
};

static void lookup_code(struct lookup *l)
{
    resolve_code(l->addr, l->return_address, l->frame);
}

/* Runs fn(l) so that libdw running out of memory comes back here: false then, and libdw
 * is off for good. */
static __attribute__((noinline)) bool guarded(void (*fn)(struct lookup *), struct lookup *l)
{
    if (__builtin_setjmp(oom_jump)) {
        oom_armed = false;
        dw_out_of_memory = true;
        dwfl = NULL; /* abandoned */
        gone_dwfl = NULL;
        for (unsigned i = 0; i < gone_count; i++)
            gone[i].dwmod = NULL;
        return false;
    }
    oom_armed = true;
    fn(l);
    oom_armed = false;
    return true;
}

/* libdw needs more stack than a program's threads may have: reading a line table took ~160
 * KiB in a thread of 128 KiB (a SIGSEGV in dwarf_getsrclines, e2e.thread_churn_rss). Lookups
 * run on a stack of ours (2 MiB, mapped at start-up, used by one thread at a time); when it is
 * missing or taken, on the caller's. */
#define BIG_STACK_SIZE (2u << 20)
static char *big_stack;
static atomic_bool big_in_use;
static ucontext_t big_caller, big_ctx; /* used by the thread holding big_in_use */
static struct {
    void (*fn)(struct lookup *);
    struct lookup *l;
    bool ok;
} big_call;

static void big_stack_entry(void)
{
    big_call.ok = guarded(big_call.fn, big_call.l);
}

static void big_stack_setup(void)
{
    if (big_stack)
        return;
    void *p = mmap(NULL, BIG_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                   -1, 0);
    big_stack = p == MAP_FAILED ? NULL : p;
}

static bool run_guarded(void (*fn)(struct lookup *), struct lookup *l)
{
    if (!big_stack || atomic_exchange(&big_in_use, true))
        return guarded(fn, l);
    bool ok;
    if (getcontext(&big_ctx) != 0) {
        ok = guarded(fn, l);
    } else {
        big_ctx.uc_stack.ss_sp = big_stack;
        big_ctx.uc_stack.ss_size = BIG_STACK_SIZE;
        big_ctx.uc_link = &big_caller;
        big_call.fn = fn;
        big_call.l = l;
        big_call.ok = false;
        makecontext(&big_ctx, big_stack_entry, 0);
        ok = swapcontext(&big_caller, &big_ctx) == 0 ? big_call.ok : guarded(fn, l);
    }
    atomic_store(&big_in_use, false);
    return ok;
}

bool ul_symbolize_code(uintptr_t pc, bool return_address, struct ul_frame *out)
{
    if (!out)
        return false;
    memset(out, 0, sizeof *out);
    out->pc = pc;
    if (busy)
        return false;
    busy = true;
    struct cache_slot *s = cache_slot(pc, return_address);
    if (s && s->state != SLOT_EMPTY && s->pc == pc && s->return_address == return_address) {
        *out = s->frame;
    } else {
        struct lookup l = { .addr = pc, .return_address = return_address, .frame = out };
        if (!run_guarded(lookup_code, &l)) {
            memset(out, 0, sizeof *out);
            out->pc = pc;
            resolve_code(pc, return_address, out); /* without libdw now */
        }
        name_signal_frame(pc, out);
        if (s && !avoid_loader_lock) /* what dladdr would add is missing: not for later */
            *s = (struct cache_slot){ pc, return_address,
                                      out->module || out->function ? SLOT_KNOWN : SLOT_UNKNOWN,
                                      *out };
    }
    busy = false;
    return out->module || out->function;
}

/* ------------------------------------------------------------------------------------- */
/* Inlined frames                                                                          */

static const char *keep_string(const char *s, size_t n, bool is_function)
{
    return is_function ? function_name(s, sym_len(s) < n ? sym_len(s) : n) : intern_n(s, n);
}

/* l->frames[0] is the physical frame. Rewrites it into the chain of inlined frames at the
 * address (inline_frames.c), innermost first, the physical one last. */
static void lookup_inline(struct lookup *l)
{
    struct ul_frame phys = l->frames[0];
    uintptr_t at = l->return_address && l->addr ? l->addr - 1 : l->addr;
    struct objinfo o;
    find_object(at, &o);
    Dwfl_Module *m = o.found ? module_for(at, &o) : NULL;
    if (!m)
        return;
    static struct ul_inline_dw api;
    if (!api.keep) {
#define X(name) api.name = dw.name;
        UL_INLINE_DW_FUNCS(X)
#undef X
        api.keep = keep_string;
    }
    struct ul_inline_step steps[16];
    int max = l->max - 1 < 16 ? l->max - 1 : 16;
    const char *file = phys.file;
    int line = phys.line;
    int n = ul_inline_walk(&api, m, at, steps, max, &file, &line);
    for (int i = 0; i < n; i++) {
        struct ul_frame *f = &l->frames[i];
        *f = phys;
        f->function = steps[i].function;
        f->func_off = f->func_size = 0;
        f->file = steps[i].file;
        f->line = steps[i].line;
        f->inlined = true;
    }
    phys.file = file;
    phys.line = line;
    l->frames[n] = phys;
    l->n = n + 1;
}

int ul_symbolize_frames(uintptr_t pc, bool return_address, struct ul_frame *out, int max)
{
    if (!out || max <= 0)
        return 0;
    bool known = ul_symbolize_code(pc, return_address, out);
    if (!known || max == 1 || out->signal_frame || busy || !out->file)
        return known ? 1 : 0;
    busy = true;
    struct lookup l = { .addr = pc, .return_address = return_address, .frames = out, .max = max, .n = 1 };
    struct ul_frame phys = out[0];
    if (!run_guarded(lookup_inline, &l)) {
        out[0] = phys;
        l.n = 1;
    }
    busy = false;
    return l.n;
}

/* ------------------------------------------------------------------------------------- */
/* Data addresses                                                                          */

/* Never name data after a function, a section or a file. A sizeless symbol only names
 * its exact address, and only when it is declared as an object. */
static bool data_sym_covers(const GElf_Sym *sym, uintptr_t value, uintptr_t addr)
{
    unsigned char type = GELF_ST_TYPE(sym->st_info);
    if (type != STT_OBJECT && type != STT_COMMON && type != STT_TLS && type != STT_NOTYPE)
        return false;
    if (sym->st_size == 0)
        return addr == value && (type == STT_OBJECT || type == STT_COMMON);
    return addr >= value && addr - value < sym->st_size;
}

static void format_data(char *buf, size_t len, const char *name, uintptr_t off)
{
    char readable[512]; /* a C++ variable: "svc::registry_mu", not "_ZN3svc11registry_muE" */
    if (ul_demangle(name, sym_len(name), readable, sizeof readable))
        name = readable;
    if (off)
        snprintf(buf, len, "%.*s+0x%lx", (int)sym_len(name), name, (unsigned long)off);
    else
        snprintf(buf, len, "%.*s", (int)sym_len(name), name);
}

/* Prefer the innermost symbol (latest start), then a global one over a local alias. */
static bool better_data(const GElf_Sym *s, uintptr_t v, const GElf_Sym *best, uintptr_t bv)
{
    if (v != bv)
        return v > bv;
    return GELF_ST_BIND(s->st_info) != STB_LOCAL && GELF_ST_BIND(best->st_info) == STB_LOCAL;
}

/* A linear scan of the symbol table (as libdwfl's own lookup does): we pick by type
 * ourselves, as dwfl_module_addrinfo() may answer with a function or with the nearest
 * preceding sizeless symbol, neither of which may name data. */
static bool data_from_dwfl(Dwfl_Module *m, uintptr_t addr, char *buf, size_t len)
{
    int n = dw.dwfl_module_getsymtab(m);
    const char *best = NULL;
    GElf_Sym best_sym = { 0 };
    uintptr_t best_value = 0;
    for (int i = 1; i < n; i++) {
        GElf_Sym sym;
        GElf_Addr value;
        GElf_Word shndx;
        Elf *elf;
        Dwarf_Addr bias;
        const char *name = dw.dwfl_module_getsym_info(m, i, &sym, &value, &shndx, &elf, &bias);
        if (!name || !*name || shndx == SHN_UNDEF || sym.st_shndx == SHN_ABS ||
            GELF_ST_TYPE(sym.st_info) == STT_TLS) /* TLS values are offsets, not addresses */
            continue;
        if (!data_sym_covers(&sym, value, addr))
            continue;
        if (!best || better_data(&sym, value, &best_sym, best_value)) {
            best = name;
            best_sym = sym;
            best_value = value;
        }
    }
    if (!best)
        return false;
    format_data(buf, len, best, addr - best_value);
    return true;
}

static bool data_from_dladdr(uintptr_t addr, char *buf, size_t len)
{
    Dl_info info;
    const ElfW(Sym) *sym = NULL;
    if (!dladdr1((void *)addr, &info, (void **)&sym, RTLD_DL_SYMENT) || !info.dli_sname ||
        !info.dli_saddr || !sym)
        return false;
    GElf_Sym g = { .st_info = sym->st_info, .st_size = sym->st_size };
    if (!data_sym_covers(&g, (uintptr_t)info.dli_saddr, addr))
        return false;
    format_data(buf, len, info.dli_sname, addr - (uintptr_t)info.dli_saddr);
    return true;
}

static bool resolve_data(uintptr_t addr, char *buf, size_t len)
{
    struct objinfo o;
    find_object(addr, &o);
    if (!o.found)
        return false; /* stack, heap, anonymous mappings */
    Dwfl_Module *m = module_for(addr, &o);
    return m ? data_from_dwfl(m, addr, buf, len) : data_from_dladdr(addr, buf, len);
}

static void lookup_data(struct lookup *l)
{
    l->ok = resolve_data(l->addr, l->buf, l->len);
}

bool ul_symbolize_data(uintptr_t addr, char *buf, size_t len)
{
    if (!buf || !len || !addr || busy)
        return false;
    busy = true;
    struct lookup l = { .addr = addr, .buf = buf, .len = len };
    if (!run_guarded(lookup_data, &l))
        l.ok = resolve_data(addr, buf, len); /* without libdw now */
    busy = false;
    return l.ok;
}

/* ------------------------------------------------------------------------------------- */
/* Control                                                                                 */

void ul_symbolizer_avoid_loader_lock(bool on)
{
    avoid_loader_lock = on;
}

void ul_symbolizer_prepare(void)
{
    ul_demangle_setup();
    big_stack_setup();
    /* Not under a small address-space limit: a program that runs near it would have libdw's
     * own start-up fail for it (seen in the oom.rlimit_as test). Then libdw is loaded by the
     * first report, as before, and lock paths use module names only until then. */
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY && as.rlim_cur < (1ull << 30))
        return;
    if (use_libdw)
        dw_load();
}

void ul_symbolizer_reset(void)
{
    gone_close();
    session_close();
    session_failed = false;
    cache_free();
    strings_free();
}

bool ul_symbolizer_out_of_memory(void)
{
    return dw_out_of_memory;
}

/* Cached frames were computed with the other source: forget them (strings stay valid). */
void ul_symbolizer_use_libdw(bool on)
{
    if (use_libdw == on)
        return;
    use_libdw = on;
    cache_free();
}
