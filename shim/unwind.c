/* Stack capture and "is this address static storage?".
 * libunwind is loaded with dlopen(RTLD_LOCAL) so its _Unwind_* and backtrace symbols never
 * enter the program's global scope (linking it would change which unwinder C++ exceptions
 * use). Without it, glibc's backtrace() is the fallback. */
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <libunwind.h> /* types only: every function is looked up with dlsym */
#include <link.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "shim.h"
#include "stackdepot.h"
#include "symbolize.h"

static int (*unw_backtrace_fn)(void **, int);
/* The frame-by-frame walk: libunwind's unw_backtrace() keeps a per-thread cache of frame
 * shapes (a 256 KiB table, allocated and filled on the thread's first capture and freed at
 * its exit), which made every short-lived thread that took a new lock pay dozens of page
 * faults. A thread's first captures walk frame by frame instead (the same return addresses,
 * from libunwind's shared caches); a thread that keeps capturing switches to
 * unw_backtrace() and its cache. */
static int (*getcontext_fn)(unw_context_t *);
static int (*init_local_fn)(unw_cursor_t *, unw_context_t *);
static int (*step_fn)(unw_cursor_t *);
static int (*get_reg_fn)(unw_cursor_t *, int, unw_word_t *);
#define STEP_CAPTURES 32 /* captures by frame walk before a thread uses unw_backtrace() */
static UL_TLS unsigned thread_captures;
static uintptr_t self_lo, self_hi;   /* our own code, dropped from captured stacks */

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
    uintptr_t probe = (uintptr_t)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (probe >= lo && probe < hi) {
            self_lo = lo;
            self_hi = hi;
            return 1;
        }
    }
    return 0;
}

/* The first address is inside this function (ours: dropped like the others). */
static __attribute__((noinline)) int step_backtrace(void **buf, int max)
{
    unw_context_t uc;
    unw_cursor_t cursor;
    unw_word_t ip;
    int n = 0;
    if (getcontext_fn(&uc) != 0 || init_local_fn(&cursor, &uc) < 0)
        return 0;
    while (n < max && get_reg_fn(&cursor, UNW_REG_IP, &ip) >= 0 && ip) {
        buf[n++] = (void *)(uintptr_t)ip;
        if (step_fn(&cursor) <= 0)
            break;
    }
    return n;
}

void ul_unwind_setup(void)
{
    dl_iterate_phdr(find_self, (void *)(uintptr_t)&ul_unwind_setup);
    void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    if (h) {
        unw_backtrace_fn = (int (*)(void **, int))dlsym(h, "unw_backtrace");
        getcontext_fn = (int (*)(unw_context_t *))dlsym(h, "_Ux86_64_getcontext");
        init_local_fn = (int (*)(unw_cursor_t *, unw_context_t *))dlsym(h, "_ULx86_64_init_local");
        step_fn = (int (*)(unw_cursor_t *))dlsym(h, "_ULx86_64_step");
        get_reg_fn = (int (*)(unw_cursor_t *, int, unw_word_t *))dlsym(h, "_ULx86_64_get_reg");
        if (!getcontext_fn || !init_local_fn || !step_fn || !get_reg_fn)
            getcontext_fn = NULL;
    }
    /* One capture now, at start-up: the unwinder's one-time set-up (libgcc_s loaded for
     * backtrace(), libunwind's memory-validation pipe) happens before the program opens
     * anything, not in the middle of its run; and the pipe it keeps gets numbers out of the
     * program's way (ul_fd_high_base), as the numbers below are all taken meanwhile. */
    int low[1024], nlow = 0;
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int base = ul_fd_high_base();
    while (null_fd >= 0 && nlow < (int)(sizeof low / sizeof *low)) {
        /* the free numbers below the base, held while libunwind makes its pipe */
        int fd = fcntl(null_fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
            break;
        if (fd >= base) {
            close(fd);
            break;
        }
        low[nlow++] = fd;
    }
    void *warm[4];
    if (getcontext_fn)
        step_backtrace(warm, 4);
    if (unw_backtrace_fn)
        unw_backtrace_fn(warm, 4);
    else
        backtrace(warm, 4);
    while (nlow > 0)
        close(low[--nlow]);
    if (null_fd >= 0)
        close(null_fd);
}

unsigned ul_capture_stack(uintptr_t *pcs, unsigned max)
{
    void *buf[UL_STACK_MAX + 24];
    int want = (int)max + 24;
    /* Through the fork gate: the unwinder holds the loader's and its own locks (fork.c). */
    uint64_t mask = ul_gate_enter();
    int n;
    if (getcontext_fn && thread_captures < STEP_CAPTURES) {
        thread_captures++;
        n = step_backtrace(buf, want);
    } else {
        n = unw_backtrace_fn ? unw_backtrace_fn(buf, want) : backtrace(buf, want);
    }
    ul_gate_leave(mask);
    /* Our frames (the interposer and engine on top, the thread trampoline at the bottom)
     * are not the program's: leave them out. */
    unsigned out = 0;
    for (int i = 0; i < n && out < max; i++)
        if ((uintptr_t)buf[i] < self_lo || (uintptr_t)buf[i] >= self_hi)
            pcs[out++] = (uintptr_t)buf[i];
    return out;
}

/* Is addr in a module's writable PT_LOAD segments (static storage)? Asked for every new
 * lock. Walking every module with dl_iterate_phdr for each (a few thousand instructions
 * under the loader's lock, ~2,400 for RocksDB's twenty libraries) made registration of heap
 * locks slow, so the writable ranges are kept in a snapshot tagged with the loader's
 * load/unload counters (dlpi_adds, dlpi_subs): an answer from the snapshot needs only those
 * counters, which the first module's callback gives (one callback, then stop). The snapshot
 * is rebuilt when they moved; old snapshots are never freed (a reader may hold one), and
 * they are few (one per change of the set of modules that was noticed). */
#define STATIC_RANGES_MAX 512

struct static_ranges {
    unsigned long long adds, subs;
    unsigned n;
    struct { uintptr_t lo, hi; } r[STATIC_RANGES_MAX];
};

static _Atomic(struct static_ranges *) static_snap;

struct static_probe {
    unsigned long long adds, subs;
    bool have_counts;
};

static int loader_counts(struct dl_phdr_info *info, size_t size, void *data)
{
    struct static_probe *p = data;
    if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
        p->adds = info->dlpi_adds;
        p->subs = info->dlpi_subs;
        p->have_counts = true;
    }
    return 1; /* the counters are the same in every module's info: stop */
}

static int collect_ranges(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct static_ranges *sr = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
            continue;
        if (sr->n == STATIC_RANGES_MAX) {
            sr->n = STATIC_RANGES_MAX + 1; /* too many: no snapshot */
            return 1;
        }
        sr->r[sr->n].lo = info->dlpi_addr + ph->p_vaddr;
        sr->r[sr->n].hi = sr->r[sr->n].lo + ph->p_memsz;
        sr->n++;
    }
    return 0;
}

struct direct_probe {
    uintptr_t addr;
    bool found;
};

static int find_static(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct direct_probe *p = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (p->addr >= lo && p->addr < hi) {
            p->found = true;
            return 1;
        }
    }
    return 0;
}

static bool in_snapshot(const struct static_ranges *sr, uintptr_t addr)
{
    for (unsigned i = 0; i < sr->n; i++)
        if (addr >= sr->r[i].lo && addr < sr->r[i].hi)
            return true;
    return false;
}

/* Called inside the fork gate: dl_iterate_phdr holds the loader's lock. */
static bool addr_is_static_gated(uintptr_t addr)
{
    struct static_probe p = { 0 };
    dl_iterate_phdr(loader_counts, &p);
    struct static_ranges *sr = atomic_load_explicit(&static_snap, memory_order_acquire);
    if (p.have_counts && sr && sr->adds == p.adds && sr->subs == p.subs)
        return in_snapshot(sr, addr);
    if (p.have_counts) {
        /* Rebuild (the counters are read again with the ranges, under the same lock hold). */
        struct static_ranges *n = ul_pages_alloc(sizeof *n);
        if (n) {
            n->adds = p.adds;
            n->subs = p.subs;
            dl_iterate_phdr(collect_ranges, n);
            struct static_probe again = { 0 };
            dl_iterate_phdr(loader_counts, &again);
            if (n->n <= STATIC_RANGES_MAX && again.adds == n->adds && again.subs == n->subs) {
                atomic_store_explicit(&static_snap, n, memory_order_release); /* the old one leaks */
                return in_snapshot(n, addr);
            }
            ul_pages_free(n, sizeof *n);
        }
    }
    struct direct_probe d = { addr, false };
    dl_iterate_phdr(find_static, &d);
    return d.found;
}

bool ul_addr_is_static(uintptr_t addr)
{
    uint64_t mask = ul_gate_enter();
    bool found = addr_is_static_gated(addr);
    ul_gate_leave(mask);
    return found;
}
