/* Stack capture and "is this address static storage?".
 * libunwind is loaded with dlopen(RTLD_LOCAL) so its _Unwind_* and backtrace symbols never
 * enter the program's global scope (linking it would change which unwinder C++ exceptions
 * use). Without it, glibc's backtrace() is the fallback. */
#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <string.h>

#include "shim.h"
#include "stackdepot.h"

static int (*unw_backtrace_fn)(void **, int);
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
    if (h)
        unw_backtrace_fn = (int (*)(void **, int))dlsym(h, "unw_backtrace");
    if (!unw_backtrace_fn) {
        void *warm[4];
        backtrace(warm, 4); /* loads libgcc_s now, not inside a lock call later */
    }
}

unsigned ul_capture_stack(uintptr_t *pcs, unsigned max)
{
    void *buf[UL_STACK_MAX + 24];
    int want = (int)max + 24;
    /* Through the fork gate: the unwinder holds the loader's and its own locks (fork.c). */
    uint64_t mask = ul_gate_enter();
    int n = unw_backtrace_fn ? unw_backtrace_fn(buf, want) : backtrace(buf, want);
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
