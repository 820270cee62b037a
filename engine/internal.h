/* Shared between the engine's files (engine.c: lock events; problem_queue.c: collecting
 * problems; signal_context.c: handler context and signal usage; srcu_events.c: SRCU and
 * annotation events). Not part of the engine's interface. */
#ifndef ULOCKDEP_ENGINE_INTERNAL_H
#define ULOCKDEP_ENGINE_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>

#include "engine.h"
#include "keyset.h"
#include "stackdepot.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

extern struct ul_env env;
extern atomic_int enabled;
extern struct ul_keyset chains;  /* validated chain keys */
extern atomic_uint_fast64_t nreports;

void out_of_memory(void);

/* ---- per-event context: the caller's stack and the problems found ---- */

#define MAX_PENDING 32

struct pending {
    size_t bytes;
    struct pending *next;   /* deferred list */
    struct ul_problem p;
};

struct ctx {
    struct ul_thread *t;
    bool captured;
    unsigned npcs;
    uint32_t stack_id;
    unsigned nout;
    struct pending *out[MAX_PENDING];
    uintptr_t pcs[UL_STACK_MAX];
};

void ctx_init(struct ctx *c, struct ul_thread *t);
void ctx_capture(struct ctx *c);            /* never with the graph lock held */
uint32_t ctx_stack(struct ctx *c);          /* graph lock held */
/* Graph lock held: false if this problem was reported before or there is no room. */
bool first_time(struct ctx *c, uint64_t key);
bool already_reported(uint64_t key);
/* Graph lock held: a problem record with room for ncycle steps and nextra bytes, and a
 * snapshot of the thread's held locks. NULL when there is no room. */
struct ul_problem *queue_problem(struct ctx *c, enum ul_problem_kind kind, unsigned ncycle);
void *queue_problem_extra(struct ctx *c, enum ul_problem_kind kind, unsigned ncycle, size_t nextra,
                          struct ul_problem **out);
/* Without the graph lock: hand the problems to the embedder (or, in a signal handler,
 * keep them on the thread until it is back in thread context). */
void ctx_flush(struct ctx *c);

struct ul_lockref ref_of_held(const struct ul_held *h);
struct ul_lockref ref_of_class(const struct ul_class *cls);
struct ul_lockref ref_of_instance(struct ul_instance *inst, unsigned mode, uintptr_t ip);

int find_held(const struct ul_thread *t, uintptr_t addr);
/* The instance at addr, registered (as a first use) if new. NULL when out of memory. */
struct ul_instance *engine_instance(struct ul_thread *t, uintptr_t addr, enum ul_lock_kind kind);
void remove_held(struct ul_thread *t, uint32_t i);

/* ---- signal context (signal_context.c) ---- */

/* Signals that could run a handler on this thread now (a handler may take locks). */
static inline uint64_t signals_enabled(struct ul_thread *t)
{
    if (unlikely(!t->sig_mask_known)) {
        t->sig_blocked = env.signal_mask ? env.signal_mask() : 0;
        t->sig_mask_known = true;
    }
    return ~t->sig_blocked;
}
/* Slow path of an acquisition that gives its class a new signal usage bit: `in` the
 * handler's signal (or 0), `on` the signals that could arrive. Records and checks it. */
void mark_signal_usage(struct ul_thread *t, const struct ul_lockref *self, uint64_t in, uint64_t on);
/* Graph lock held: the new dependency prev -> next; look for SIGNAL-safe -> unsafe. */
void check_signal_order_edge(struct ctx *c, const struct ul_lockref *prev, const struct ul_lockref *next);
extern atomic_int any_signal_safe;  /* some class was taken in a handler */
/* A held lock's or the thread's context (0, or a handler's depth) as a misuse names it:
 * 0, the handler's signal, or UL_CTX_RETURNED. */
int ul_context_signo(const struct ul_thread *t, uint8_t ctx);

/* ---- SRCU (srcu_events.c) ---- */

/* Queues an srcu_misuse about the lock or domain `inst` (taken in `mode` at ip), once per
 * (class, check, call site). */
void report_srcu_misuse(struct ul_thread *t, struct ul_instance *inst, unsigned mode, uintptr_t ip,
                        const struct ul_misuse_info *m);

#endif
