/* Signal handlers as lockdep's hard-irq context.
 *
 * A handler runs on the interrupted thread's stack of held locks, with a chain key of its
 * own, and its locks take no dependencies on the locks of the context it interrupted
 * (engine.c skips held locks of another context). Per class we keep lockdep's usage bits,
 * one per signal: IN-SIGNAL (taken in that signal's handler) and SIGNAL-ON (taken where that
 * signal could arrive: not blocked), each as a writer and as a reader. Then, like lockdep:
 *   - one class with IN-SIGNAL-W and SIGNAL-ON (or IN-SIGNAL-R and SIGNAL-ON-W) for the
 *     same signal is `inconsistent_state`: the handler can interrupt a holder of the lock
 *     and take it again;
 *   - a SIGNAL-safe class (used in a handler) that comes to depend, through any chain of
 *     dependencies, on a SIGNAL-unsafe class (taken with that signal able to arrive) is
 *     `signal_unsafe_order`: the unsafe lock's holder can be interrupted by the handler,
 *     which waits for the safe lock, whose holder waits for the unsafe one.
 * Readers with readers do not conflict (recursive readers), as in lockdep. */
#include <string.h>

#include "arena.h"
#include "glock.h"
#include "internal.h"

atomic_int any_signal_safe;
static uint32_t *safe_classes;  /* classes with an IN-SIGNAL bit; graph lock */
static uint32_t nsafe, capsafe;

static int lowest_signal(uint64_t mask)
{
    return mask ? __builtin_ctzll(mask) + 1 : 0;
}

static uint64_t sig_load(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Signals on which the safe class s and the class u conflict (s used in their handlers,
 * u taken where they could arrive). */
static uint64_t conflict(const struct ul_class *s, const struct ul_class *u, unsigned *s_bit, unsigned *u_bit)
{
    uint64_t ww = sig_load(&s->sig_in[0]) & sig_load(&u->sig_on[0]);
    uint64_t wr = sig_load(&s->sig_in[0]) & sig_load(&u->sig_on[1]);
    uint64_t rw = sig_load(&s->sig_in[1]) & sig_load(&u->sig_on[0]);
    if (ww | wr) {
        *s_bit = UL_U_IN_W;
        *u_bit = ww ? UL_U_ON_W : UL_U_ON_R;
        return ww ? ww : wr;
    }
    *s_bit = UL_U_IN_R;
    *u_bit = UL_U_ON_W;
    return rw;
}

static uint64_t order_key(uint32_t safe, uint32_t unsafe)
{
    return ul_hash3(UL_P_SIGNAL_UNSAFE_ORDER, safe, unsafe);
}

struct match_arg {
    struct ul_class *safe;
};

static bool is_new_unsafe(uint32_t id, void *argp)
{
    struct match_arg *arg = argp;
    struct ul_class *u = ul_class_get(id);
    unsigned a, b;
    return u && conflict(arg->safe, u, &a, &b) && !already_reported(order_key(arg->safe->id, id));
}

/* Graph lock held: looks for a chain from a SIGNAL-safe class to a SIGNAL-unsafe one that
 * was not reported yet. `target`/`holding` describe the event that may have made it. */
static void check_signal_order(struct ctx *c, const struct ul_lockref *target, const struct ul_lockref *holding)
{
    for (uint32_t k = 0; k < nsafe; k++) {
        struct ul_class *s = ul_class_get(safe_classes[k]);
        struct match_arg arg = { s };
        struct ul_path_step path[32];
        int n = ul_graph_find_path(&ul_class_graph, s->id, is_new_unsafe, &arg, path, 32);
        if (n < 0) {
            out_of_memory();
            return;
        }
        if (n == 0)
            continue;
        if (n > 32)
            n = 32;
        struct ul_class *u = ul_class_get(path[n - 1].to);
        if (!first_time(c, order_key(s->id, u->id)))
            continue;
        struct ul_problem *p = queue_problem(c, UL_P_SIGNAL_UNSAFE_ORDER, (unsigned)n);
        if (!p)
            return;
        unsigned sb, ub;
        uint64_t sigs = conflict(s, u, &sb, &ub);
        p->target = *target;
        if (holding)
            p->holding = *holding;
        p->safe = ref_of_class(s);
        p->unsafe = ref_of_class(u);
        p->usage_prev = (uint8_t)sb;
        p->usage_new = (uint8_t)ub;
        p->usage_signo = lowest_signal(sigs);
        p->usage_stack = s->sig_in_stack[sb == UL_U_IN_R];
        p->usage_stack2 = u->sig_on_stack[ub == UL_U_ON_R];
        for (int i = 0; i < n; i++) {
            p->cycle[i] = (struct ul_cycle_step){ .from = ref_of_class(ul_class_get(path[i].from)),
                                                  .to = ref_of_class(ul_class_get(path[i].to)),
                                                  .stack = path[i].stack,
                                                  .dep = path[i].dep };
            p->cycle[i].to.mode = (path[i].to_modes & 1u) ? UL_WRITE : UL_RREAD;
        }
    }
}

void check_signal_order_edge(struct ctx *c, const struct ul_lockref *prev, const struct ul_lockref *next)
{
    check_signal_order(c, next, prev);
}

static void queue_inconsistent(struct ctx *c, const struct ul_lockref *self, unsigned prev_bit, unsigned new_bit,
                               uint64_t sigs, uint32_t prev_stack)
{
    const struct ul_class *cls = self->cls;
    int signo = lowest_signal(sigs);
    if (!first_time(c, ul_hash3(UL_P_INCONSISTENT_STATE, cls->id, (uint64_t)signo << 4 | prev_bit << 2 | new_bit)))
        return;
    struct ul_problem *p = queue_problem(c, UL_P_INCONSISTENT_STATE, 0);
    if (!p)
        return;
    p->target = *self;
    p->usage_prev = (uint8_t)prev_bit;
    p->usage_new = (uint8_t)new_bit;
    p->usage_signo = signo;
    p->usage_stack = prev_stack;
    p->signal_enabled = new_bit == UL_U_ON_W || new_bit == UL_U_ON_R;
}

void mark_signal_usage(struct ul_thread *t, const struct ul_lockref *self, uint64_t in, uint64_t on)
{
    struct ul_class *cls = (struct ul_class *)self->cls;
    unsigned rw = self->mode != UL_WRITE;
    struct ctx c;
    ctx_init(&c, t);
    ctx_capture(&c);
    ul_flock_lock(&ul_glock);
    uint64_t new_in = in & ~cls->sig_in[rw], new_on = on & ~cls->sig_on[rw];
    if (new_in | new_on) {
        uint32_t st = ctx_stack(&c);
        bool was_safe = (cls->sig_in[0] | cls->sig_in[1]) != 0;
        if (new_in && !cls->sig_in_stack[rw])
            cls->sig_in_stack[rw] = st;
        if (new_on && !cls->sig_on_stack[rw])
            cls->sig_on_stack[rw] = st;
        __atomic_store_n(&cls->sig_in[rw], cls->sig_in[rw] | new_in, __ATOMIC_RELAXED);
        __atomic_store_n(&cls->sig_on[rw], cls->sig_on[rw] | new_on, __ATOMIC_RELAXED);
        if (new_in && !was_safe) {
            if (nsafe == capsafe) {
                uint32_t ncap = capsafe ? capsafe * 2 : 16;
                uint32_t *n = ul_alloc(ncap * sizeof *n);
                if (n && nsafe)
                    memcpy(n, safe_classes, nsafe * sizeof *n);
                if (n) {
                    ul_free(safe_classes, capsafe * sizeof *n);
                    safe_classes = n;
                    capsafe = ncap;
                }
            }
            if (nsafe < capsafe)
                safe_classes[nsafe++] = cls->id;
            atomic_store(&any_signal_safe, 1);
        }
        /* One lock: used in the handler and where the handler can interrupt it. */
        if (new_in) {
            uint64_t cw = new_in & cls->sig_on[0], cr = rw == 0 ? new_in & cls->sig_on[1] : 0;
            if (cw | cr)
                queue_inconsistent(&c, self, cw ? UL_U_ON_W : UL_U_ON_R, rw ? UL_U_IN_R : UL_U_IN_W,
                                   cw ? cw : cr, cls->sig_on_stack[cw ? 0 : 1]);
        }
        if (new_on) {
            uint64_t cw = new_on & cls->sig_in[0], cr = rw == 0 ? new_on & cls->sig_in[1] : 0;
            if (cw | cr)
                queue_inconsistent(&c, self, cw ? UL_U_IN_W : UL_U_IN_R, rw ? UL_U_ON_R : UL_U_ON_W,
                                   cw ? cw : cr, cls->sig_in_stack[cw ? 0 : 1]);
        }
        /* Two locks: the new usage may complete a safe -> ... -> unsafe chain. */
        if (atomic_load_explicit(&any_signal_safe, memory_order_relaxed))
            check_signal_order(&c, self, NULL);
    }
    ul_flock_unlock(&ul_glock);
    ctx_flush(&c);
}

/* ---- entering and leaving handlers ---- */

bool ul_on_signal_enter(struct ul_thread *t, int signo, uint64_t blocked)
{
    if (t->sig_depth >= UL_SIG_MAX_DEPTH || signo < 1 || signo > 64)
        return false;
    uint8_t d = (uint8_t)(t->sig_depth + 1);
    t->sig[d].chain_key = t->chain_key;
    t->sig[d].signo = signo;
    t->chain_key = UL_CHAIN_INITIAL;
    t->sig_blocked = blocked;
    t->sig_mask_known = true;
    t->sig_depth = d;
    return true;
}

enum { ORPHANED = 0xff }; /* context of locks a handler left held: no context's own */

void ul_on_signal_exit(struct ul_thread *t, bool longjmp)
{
    uint8_t d = t->sig_depth;
    if (!d)
        return;
    unsigned left = 0;
    for (uint32_t k = 0; k < t->depth; k++)
        left += t->held[k].ctx == d;
    if (left && atomic_load_explicit(&enabled, memory_order_relaxed)) {
        struct ctx c;
        ctx_init(&c, t);
        ctx_capture(&c);
        ul_flock_lock(&ul_glock);
        uint64_t sum = 0;
        for (uint32_t k = 0; k < t->depth; k++)
            if (t->held[k].ctx == d)
                sum += ul_mix64(t->held[k].cls->id);
        if (first_time(&c, ul_hash3(UL_P_HELD_AT_SIGNAL_RETURN, sum, (uint64_t)t->sig[d].signo << 1 | longjmp))) {
            struct ul_problem *p = queue_problem(&c, UL_P_HELD_AT_SIGNAL_RETURN, 0);
            if (p) {
                unsigned n = 0;
                for (uint32_t k = 0; k < t->depth && n < p->nheld; k++)
                    if (t->held[k].ctx == d)
                        p->held[n++] = ref_of_held(&t->held[k]);
                p->nheld = n;
                p->by_longjmp = longjmp;
            }
        }
        ul_flock_unlock(&ul_glock);
        ctx_flush(&c); /* still in the handler: kept until thread context */
    }
    for (uint32_t k = 0; k < t->depth; k++)
        if (t->held[k].ctx == d)
            t->held[k].ctx = ORPHANED;
    t->chain_key = t->sig[d].chain_key;
    t->sig_depth = (uint8_t)(d - 1);
}
