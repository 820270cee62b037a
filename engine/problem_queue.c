/* Collecting problems: each event gathers what it found in a `struct ctx`, under the graph
 * lock, into records that outlive the lock; they are handed to the embedder afterwards.
 * A problem found inside a signal handler is kept on the thread and handed over once the
 * thread is back in thread context: rendering a report allocates and symbolises, which a
 * handler that interrupted malloc or the dynamic loader must not do. */
#include <string.h>

#include "arena.h"
#include "glock.h"
#include "instance.h"
#include "internal.h"
#include "options.h"

struct ul_env env;
atomic_int enabled;
atomic_uint_fast64_t nreports;
static struct ul_keyset reported;  /* problems already reported */

void ul_engine_setup(const struct ul_env *e)
{
    env = *e;
    atomic_store(&enabled, 1);
}

bool ul_engine_enabled(void)
{
    return atomic_load_explicit(&enabled, memory_order_relaxed);
}

void ul_engine_disable(void)
{
    atomic_store(&enabled, 0);
}

void out_of_memory(void)
{
    if (atomic_exchange(&enabled, 0) && env.out_of_memory)
        env.out_of_memory();
}

void ctx_init(struct ctx *c, struct ul_thread *t)
{
    c->t = t;
    c->captured = false;
    c->npcs = 0;
    c->stack_id = 0;
    c->nout = 0;
}

void ctx_capture(struct ctx *c)
{
    if (c->captured)
        return;
    c->captured = true;
    unsigned max = (unsigned)ul_opt.stack_depth;
    if (max > UL_STACK_MAX)
        max = UL_STACK_MAX;
    c->npcs = env.capture_stack ? env.capture_stack(c->pcs, max) : 0;
}

uint32_t ctx_stack(struct ctx *c)
{
    if (!c->stack_id && c->npcs)
        c->stack_id = ul_stack_save(c->pcs, c->npcs);
    return c->stack_id;
}

struct ul_lockref ref_of_held(const struct ul_held *h)
{
    return (struct ul_lockref){ .cls = h->cls,
                                .addr = h->addr,
                                .inst_name = h->inst ? h->inst->name : NULL,
                                .mode = h->mode,
                                .trylock = (h->flags & UL_HELD_TRY) != 0,
                                .ip = h->ip };
}

struct ul_lockref ref_of_class(const struct ul_class *cls)
{
    return (struct ul_lockref){ .cls = cls };
}

struct ul_lockref ref_of_instance(struct ul_instance *inst, unsigned mode, uintptr_t ip)
{
    return (struct ul_lockref){ .cls = atomic_load_explicit(&inst->cls, memory_order_relaxed),
                                .addr = atomic_load_explicit(&inst->addr, memory_order_relaxed),
                                .inst_name = inst->name,
                                .mode = (uint8_t)mode,
                                .ip = ip };
}

bool first_time(struct ctx *c, uint64_t key)
{
    if (c->nout == MAX_PENDING || ul_keyset_contains(&reported, key))
        return false;
    if (!ul_keyset_insert(&reported, key))
        out_of_memory();
    return true;
}

bool already_reported(uint64_t key)
{
    return ul_keyset_contains(&reported, key);
}

void *queue_problem_extra(struct ctx *c, enum ul_problem_kind kind, unsigned ncycle, size_t nextra,
                          struct ul_problem **out)
{
    *out = NULL;
    if (c->nout == MAX_PENDING)
        return NULL;
    struct ul_thread *t = c->t;
    unsigned nheld = t ? t->depth : 0;
    if (nheld > UL_MAX_HELD_SHOWN)
        nheld = UL_MAX_HELD_SHOWN;
    size_t bytes = sizeof(struct pending) + ncycle * sizeof(struct ul_cycle_step) +
                   nheld * sizeof(struct ul_lockref) + nextra + 16;
    bytes = (bytes + 4095) & ~(size_t)4095;
    struct pending *pd = ul_pages_alloc(bytes);
    if (!pd)
        return NULL;
    pd->bytes = bytes;
    pd->next = NULL;
    struct ul_problem *p = &pd->p;
    p->kind = kind;
    p->tid = t ? t->tid : 0;
    p->signo = t && t->sig_depth ? t->sig[t->sig_depth].signo : 0;
    p->sig_depth = t ? t->sig_depth : 0;
    p->cycle = (struct ul_cycle_step *)(pd + 1);
    p->ncycle = ncycle;
    p->held = (struct ul_lockref *)(p->cycle + ncycle);
    p->nheld = nheld;
    for (unsigned i = 0; i < nheld; i++)
        p->held[i] = ref_of_held(&t->held[i]);
    p->stack = ctx_stack(c);
    p->reacquire_ip = t ? t->reacquire_ip : 0;
    c->out[c->nout++] = pd;
    *out = p;
    uintptr_t extra = ((uintptr_t)(p->held + nheld) + 15) & ~(uintptr_t)15;
    return (void *)extra;
}

struct ul_problem *queue_problem(struct ctx *c, enum ul_problem_kind kind, unsigned ncycle)
{
    struct ul_problem *p;
    queue_problem_extra(c, kind, ncycle, 0, &p);
    return p;
}

static void hand_over(struct pending *pd)
{
    if (env.report && env.report(&pd->p))
        atomic_fetch_add(&nreports, 1);
    ul_pages_free(pd, pd->bytes);
}

void ctx_flush(struct ctx *c)
{
    struct ul_thread *t = c->t;
    for (unsigned i = 0; i < c->nout; i++) {
        struct pending *pd = c->out[i];
        if (t && t->sig_depth) {
            /* Kept in order: append. Only this thread touches its list. */
            struct ul_deferred **tail = &t->deferred;
            while (*tail)
                tail = (struct ul_deferred **)&((struct pending *)*tail)->next;
            *tail = (struct ul_deferred *)pd;
        } else {
            hand_over(pd);
        }
    }
    c->nout = 0;
}

void ul_engine_flush_deferred(struct ul_thread *t)
{
    struct pending *pd = (struct pending *)t->deferred;
    t->deferred = NULL;
    while (pd) {
        struct pending *next = pd->next;
        hand_over(pd);
        pd = next;
    }
}

uint64_t ul_engine_report_count(void)
{
    return atomic_load(&nreports);
}

void ul_engine_reset_report_count(void)
{
    atomic_store(&nreports, 0);
}
