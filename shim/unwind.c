/* Stack capture and "is this address static storage?".
 * libunwind is loaded with dlopen(RTLD_LOCAL) so its _Unwind_* and backtrace symbols never
 * enter the program's global scope (linking it would change which unwinder C++ exceptions
 * use). Without it, glibc's backtrace() is the fallback. */
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <execinfo.h>
#include <libunwind.h> /* types only: every function is looked up with dlsym */
#include <link.h>
#include <string.h>

#include "shim.h"
#include "stackdepot.h"

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
    if (!unw_backtrace_fn) {
        void *warm[4];
        backtrace(warm, 4); /* loads libgcc_s now, not inside a lock call later */
    }
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

struct static_probe {
    uintptr_t addr;
    bool found;
};

static int find_static(struct dl_phdr_info *info, size_t size, void *data)
{
    struct static_probe *p = data;
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

bool ul_addr_is_static(uintptr_t addr)
{
    struct static_probe p = { addr, false };
    uint64_t mask = ul_gate_enter();
    dl_iterate_phdr(find_static, &p);
    ul_gate_leave(mask);
    return p.found;
}
