/* Per-address verdicts of the runtime-frame rule (runtime_frames.c), for the shim: the
 * engine's class keys and the frame a report points at. */
#include <stdatomic.h>

#include "runtime_frames.h"
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
