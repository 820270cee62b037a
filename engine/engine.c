/* The lockdep engine: what happens on each lock event.
 *
 * Fast path (a lock chain this program has already validated): look the lock up by address,
 * extend the thread's chain key, find the key in the chain cache, push. Nothing shared is
 * written and no lock is taken. Everything else (a new lock, a new chain, a new dependency,
 * a report) is the slow path, serialised by the graph lock. Stacks are captured before the
 * graph lock is taken (unwinding may need the dynamic loader's lock), and reports are
 * handed to the embedder after it is released. */
#include "engine.h"
#include "internal.h"

#include <stdatomic.h>
#include <string.h>

#include "acquire_cache.h"
#include "arena.h"
#include "glock.h"
#include "instance.h"
#include "keyset.h"
#include "options.h"
#include "stackdepot.h"

struct ul_keyset chains;            /* validated chain keys */
static struct ul_keyset edges;      /* (class, class, dep) already in the class graph */
static struct ul_keyset iedges;     /* the same for the instance graph */
static atomic_uint_fast64_t nslow, ninstance_edges;
static uint64_t instance_class_seq;
static uint64_t module_epoch; /* bumped by each module unload: static class keys change */

/* ---- lock instances and classes ---------------------------------------------------- */

struct gated_cycle;
static struct gated_cycle *gated_cycles;
static void gate_lost(struct ctx *c, const struct ul_class *k);

/* The class key of an init or first-use stack: its top `depth` frames of user code. Frames
 * of the C/C++ runtime (a std::mutex is locked through std::mutex::lock and
 * __gthread_mutex_lock, out of line at -O0) would make every lock of a program one class,
 * so they are skipped; a stack with nothing else (a lock made inside libstdc++) keeps them.
 * Called before the graph lock is taken (the runtime check may symbolise). */
static uint64_t site_key(const struct ctx *c, unsigned depth)
{
    uint64_t h = 0x5eed;
    unsigned used = 0;
    bool skip = env.runtime_pc && !c->t->sig_depth;
    for (unsigned i = 0; i < c->npcs && used < depth; i++) {
        if (skip && env.runtime_pc(c->pcs[i]))
            continue;
        h = ul_mix64(h ^ c->pcs[i]);
        used++;
    }
    if (used)
        return h;
    for (unsigned i = 0; i < depth && i < c->npcs; i++)
        h = ul_mix64(h ^ c->pcs[i]);
    return h;
}

/* Registers the lock at addr (graph lock NOT held). For an init, an existing instance at
 * the same address is retired first; for a first use, an instance registered meanwhile by
 * another thread is returned. */
static uint64_t hash_name(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
    return h;
}

static struct ul_instance *register_instance(struct ctx *c, uintptr_t addr, enum ul_lock_kind kind,
                                             enum ul_class_origin origin, const char *named)
{
    ctx_capture(c);
    bool is_static = env.is_static && env.is_static(addr);
    /* Static storage keys a class only for a lock that is never initialised by a call. */
    bool by_address = is_static && origin != UL_ORIGIN_INIT;
    uint64_t site_hash = named || ul_dopt.class_by_instance || by_address
                             ? 0 : site_key(c, (unsigned)ul_opt.class_depth);
    ul_flock_lock(&ul_glock);
    struct ul_instance *inst = ul_instance_find(addr);
    if (inst && origin == UL_ORIGIN_FIRST_USE) {
        ul_flock_unlock(&ul_glock);
        return inst;
    }
    if (inst)
        ul_instance_retire(inst);
    uint32_t site = ctx_stack(c);
    uint64_t key;
    if (named) {
        /* ulockdep_set_class() or a fake map: one class per name (and kind). */
        origin = UL_ORIGIN_NAMED;
        key = ul_hash3(UL_ORIGIN_NAMED, hash_name(named), kind);
    } else if (ul_dopt.class_by_instance) {
        origin = UL_ORIGIN_INSTANCE;
        key = ul_hash3(UL_ORIGIN_INSTANCE, ++instance_class_seq, kind);
    } else if (by_address) {
        /* A statically initialised lock is its own class (named by its symbol). */
        key = ul_hash3(UL_ORIGIN_STATIC, addr, module_epoch << 40);
        origin = UL_ORIGIN_STATIC;
    } else {
        /* The kernel's rule: a lock initialised at run time belongs to its init site's class
         * (an array of locks set up in a loop is one class, not one per element). */
        key = ul_hash3(origin, site_hash, kind);
    }
    struct ul_class *cls = ul_class_intern(key, origin, kind, site, is_static ? addr : 0);
    bool was_single = cls && !atomic_load_explicit(&cls->multi, memory_order_relaxed);
    if (cls && named && !cls->name) {
        size_t len = strnlen(named, 255);
        char *copy = ul_alloc(len + 1);
        if (copy)
            memcpy(copy, named, len);
        cls->name = copy;
    }
    inst = cls ? ul_instance_insert(addr, cls, kind, site, !is_static) : NULL;
    bool lost = inst && was_single && atomic_load_explicit(&cls->multi, memory_order_relaxed) && gated_cycles;
    if (lost)
        gate_lost(c, cls);
    ul_flock_unlock(&ul_glock);
    if (lost)
        ctx_flush(c); /* the reports of cycles that gate covered */
    if (!inst)
        out_of_memory();
    else if (env.ignore_class && !atomic_exchange_explicit(&cls->filtered, 1, memory_order_relaxed) &&
             env.ignore_class(cls, NULL)) {
        atomic_store_explicit(&cls->ignored, 1, memory_order_relaxed);
        ul_instance_epoch_bump(); /* the caches check `ignored` when the epoch moved */
    }
    return inst;
}

int find_held(const struct ul_thread *t, uintptr_t addr)
{
    for (int i = (int)t->depth - 1; i >= 0; i--)
        if (t->held[i].addr == addr)
            return i;
    return -1;
}

/* ---- dependencies ------------------------------------------------------------------ */

/* Identity of a node of a cycle; instance-graph ids are recycled, so add the generation. */
static uint64_t node_identity(uint32_t id, bool inst)
{
    struct ul_inode *n = inst ? ul_inode_get(id) : NULL;
    return ul_mix64((uint64_t)id + 1 + (n ? (uint64_t)n->node.gen << 32 : 0));
}

/* The same cycle, whichever of its dependencies closed it: a sum over all its nodes. */
static uint64_t cycle_key(enum ul_problem_kind kind, const struct ul_path_step *path, int n, bool inst)
{
    uint64_t sum = node_identity(path[0].from, inst);
    for (int i = 0; i < n; i++)
        sum += node_identity(path[i].to, inst);
    return ul_hash3(kind, sum, (uint64_t)n << 1 | inst);
}

static struct ul_lockref ref_of_inode(uint32_t id)
{
    struct ul_inode *n = ul_inode_get(id);
    struct ul_lockref r = { 0 };
    if (n && n->inst) {
        r.cls = atomic_load_explicit(&n->inst->cls, memory_order_relaxed);
        r.addr = atomic_load_explicit(&n->inst->addr, memory_order_relaxed);
        r.inst_name = n->inst->name;
    }
    return r;
}

/* Graph lock held. The new dependency prev -> next closes the cycle next -> ... -> prev. */
static void queue_cycle(struct ctx *c, const struct ul_lockref *prev, const struct ul_lockref *next,
                        const struct ul_path_step *path, int n, bool instance_level, uint32_t new_stack)
{
    if (!first_time(c, cycle_key(UL_P_CIRCULAR, path, n, instance_level)))
        return;
    struct ul_problem *p = queue_problem(c, UL_P_CIRCULAR, (unsigned)n + 1);
    if (!p)
        return;
    p->target = *next;
    p->holding = *prev;
    p->instance_level = instance_level;
    p->cycle[0] = (struct ul_cycle_step){ .from = *prev, .to = *next, .stack = new_stack,
                                          .dep = ul_dep_of(prev->mode, next->mode) };
    for (int i = 0; i < n; i++) {
        struct ul_cycle_step *s = &p->cycle[i + 1];
        if (instance_level) {
            s->from = ref_of_inode(path[i].from);
            s->to = ref_of_inode(path[i].to);
        } else {
            s->from = ref_of_class(ul_class_get(path[i].from));
            s->to = ref_of_class(ul_class_get(path[i].to));
        }
        s->stack = path[i].stack;
        s->dep = path[i].dep;
        /* How the target was taken: any write shows as a write. */
        s->to.mode = (path[i].to_modes & (1u << UL_WRITE)) ? UL_WRITE
                     : (path[i].to_modes & (1u << UL_READ)) ? UL_READ : UL_RREAD;
    }
    /* The ends of the chain are the locks of this acquisition: show their addresses. */
    p->cycle[1].from = *next;
    uint8_t last_mode = p->cycle[n].to.mode;
    p->cycle[n].to = *prev;
    p->cycle[n].to.mode = last_mode;
}

/* ---- gate locks (docs/gate-locks.md) ------------------------------------------------- */

/* The gates of one observation of held[prev] -> next: the other locks the thread holds
 * exclusively in this context whose class never had two live locks (so holding it means
 * holding the only one). Outermost first: an outer lock is the likeliest gate. */
static void observe_gates(const struct ul_thread *t, uint32_t upto, uint32_t prev, const struct ul_class *next,
                          struct ul_gates *g)
{
    g->n = 0;
    const struct ul_class *pc = t->held[prev].cls;
    for (uint32_t i = 0; i < upto && g->n < UL_GATES; i++) {
        const struct ul_held *h = &t->held[i];
        const struct ul_class *k = h->cls;
        if (i == prev || h->ctx != t->sig_depth || h->mode != UL_WRITE || k == pc || k == next ||
            (k->kind != UL_KIND_MUTEX && k->kind != UL_KIND_SPIN && k->kind != UL_KIND_RWLOCK) ||
            atomic_load_explicit(&k->multi, memory_order_relaxed))
            continue;
        bool dup = false;
        for (unsigned j = 0; j < g->n; j++)
            dup |= g->id[j] == k->id;
        if (!dup)
            g->id[g->n++] = k->id;
    }
}

/* a = a ∩ b */
static void gates_intersect(struct ul_gates *a, const struct ul_gates *b)
{
    unsigned n = 0;
    for (unsigned i = 0; i < a->n; i++)
        for (unsigned j = 0; j < b->n; j++)
            if (a->id[i] == b->id[j]) {
                a->id[n++] = a->id[i];
                break;
            }
    a->n = (uint8_t)n;
}

/* Order-independent, 0 for no gates (the keys of ungated dependencies are unchanged). */
static uint64_t gates_hash(const struct ul_gates *g)
{
    uint64_t h = 0;
    for (unsigned i = 0; i < g->n; i++)
        h += ul_mix64(g->id[i] + 0x9a7eull);
    return h;
}

/* Drops gates whose class has had two live locks since (no longer a single lock). */
static void gates_still_valid(struct ul_gates *g)
{
    unsigned n = 0;
    for (unsigned i = 0; i < g->n; i++) {
        struct ul_class *k = ul_class_get(g->id[i]);
        if (k && !atomic_load_explicit(&k->multi, memory_order_relaxed))
            g->id[n++] = g->id[i];
    }
    g->n = (uint8_t)n;
}

/* A cycle left unreported because one gate covered it: kept to be checked again if the
 * gate's class gets a second live lock, and for the exit summary. */
struct gated_cycle {
    struct gated_cycle *next;
    uint64_t key;
    bool inst;
    uint32_t src, dst;            /* next and prev: graph node ids */
    uint32_t src_gen, dst_gen;    /* instance graph: their generations then */
    struct ul_lockref prev_ref, next_ref;
    struct ul_gates gates;        /* of the closing dependency */
    uint32_t stack;               /* where it was taken */
    uint32_t gate;                /* the class that covers the cycle */
    uint32_t first_class, last_class;
    bool reported;                /* checked again and reported */
};
static uint64_t ngated;

/* The gate covering the cycle next -> ... -> prev closed under `gates`. */
static uint32_t covering_gate(struct ul_graph *g, const struct ul_path_step *path, int n, const struct ul_gates *gates)
{
    unsigned mask = (1u << gates->n) - 1;
    for (int i = 0; i < n && mask; i++) {
        struct ul_node *from = g->node(path[i].from), *to = g->node(path[i].to);
        struct ul_edge *e = from && to ? ul_graph_find_edge(from, path[i].to, to->gen) : NULL;
        mask &= e ? ul_gates_mask(e, gates) : 0;
    }
    for (unsigned k = 0; k < gates->n; k++)
        if (mask & 1u << k)
            return gates->id[k];
    return gates->n ? gates->id[0] : 0;
}

static void remember_gated(struct ctx *c, struct ul_graph *g, uint32_t next_id, uint32_t prev_id,
                           const struct ul_lockref *prev, const struct ul_lockref *next, bool inst,
                           const struct ul_gates *gates, const struct ul_path_step *path, int n, uint32_t stack)
{
    uint64_t key = cycle_key(UL_P_CIRCULAR, path, n, inst);
    for (struct gated_cycle *q = gated_cycles; q; q = q->next)
        if (q->key == key)
            return;
    struct gated_cycle *q = ul_alloc(sizeof *q);
    if (!q)
        return;
    *q = (struct gated_cycle){ .next = gated_cycles, .key = key, .inst = inst, .src = next_id, .dst = prev_id,
                               .prev_ref = *prev, .next_ref = *next, .gates = *gates, .stack = stack,
                               .gate = covering_gate(g, path, n, gates),
                               .first_class = next->cls ? next->cls->id : 0,
                               .last_class = prev->cls ? prev->cls->id : 0 };
    if (inst) {
        q->src_gen = g->node(next_id)->gen;
        q->dst_gen = g->node(prev_id)->gen;
    }
    (void)c;
    gated_cycles = q;
    ngated++;
}

/* Graph lock held. Finds a cycle the edge prev -> next (taken under `gates`) would close
 * and queues its report; a cycle that one gate covers is remembered instead. */
static void check_cycle(struct ctx *c, struct ul_graph *g, uint32_t next_id, uint32_t prev_id,
                        const struct ul_lockref *prev, const struct ul_lockref *next, bool inst,
                        const struct ul_gates *gates_in, uint32_t stack)
{
    struct ul_gates gates = *gates_in;
    gates_still_valid(&gates);
    struct ul_path_step buf[32];
    struct ul_path_step *path = buf;
    for (int pass = 0; pass < 2; pass++) {
        /* pass 0: a cycle no gate covers (any cycle when there are no gates); pass 1: one
         * that a gate covers, to remember */
        if (pass == 1 && !gates.n)
            break;
        int n = pass == 0 && gates.n
                    ? ul_graph_find_ungated_cycle(g, next_id, next->mode, prev_id, prev->mode, &gates, buf, 32)
                    : ul_graph_find_cycle(g, next_id, next->mode, prev_id, prev->mode, buf, 32);
        if (n > 32) {
            path = ul_alloc((size_t)n * sizeof *path);
            if (!path) {
                out_of_memory();
                return;
            }
            if (pass == 0 && gates.n)
                ul_graph_find_ungated_cycle(g, next_id, next->mode, prev_id, prev->mode, &gates, path, n);
            else
                ul_graph_find_cycle(g, next_id, next->mode, prev_id, prev->mode, path, n);
        }
        if (n < 0)
            out_of_memory();
        else if (n > 0 && pass == 0)
            queue_cycle(c, prev, next, path, n, inst, stack);
        else if (n > 0)
            remember_gated(c, g, next_id, prev_id, prev, next, inst, &gates, path, n, stack);
        if (path != buf)
            ul_free(path, (size_t)n * sizeof *path);
        path = buf;
        if (n != 0)
            break;
    }
}

/* Graph lock held: class k just got its second live lock, so it gates nothing any more;
 * the cycles it covered are checked again (and reported, from this thread's point of view,
 * with the stacks of their dependencies). */
static void gate_lost(struct ctx *c, const struct ul_class *k)
{
    for (struct gated_cycle *q = gated_cycles; q; q = q->next) {
        bool had = false;
        for (unsigned i = 0; i < q->gates.n; i++)
            had |= q->gates.id[i] == k->id;
        if (!had || q->reported)
            continue;
        struct ul_graph *g = q->inst ? &ul_instance_graph : &ul_class_graph;
        struct ul_node *sn = g->node(q->src), *dn = g->node(q->dst);
        if (!sn || !dn || (q->inst && (sn->gen != q->src_gen || dn->gen != q->dst_gen)))
            continue; /* a lock of it is gone */
        unsigned before = c->nout;
        struct ul_gates none = { 0 };
        struct ul_gates left = q->gates;
        gates_still_valid(&left);
        check_cycle(c, g, q->src, q->dst, &q->prev_ref, &q->next_ref, q->inst, left.n ? &left : &none, q->stack);
        q->reported = c->nout != before;
    }
}

/* Graph lock held: the dependency from -> to (node ids of graph g) taken under `obs`. The
 * keyset remembers each (dependency, kind, gates) seen, so a repeat costs nothing; a new
 * kind, a new dependency or one now taken under fewer gates is checked for cycles.
 * Returns whether it was checked. */
static bool add_edge_observed(struct ctx *c, struct ul_graph *g, struct ul_keyset *seen, uint64_t ek,
                              struct ul_node *from, uint32_t from_id, uint32_t to, uint32_t to_gen,
                              const struct ul_lockref *pref, const struct ul_lockref *next, bool inst,
                              uint8_t dep, const struct ul_gates *obs)
{
    struct ul_edge *e = ul_graph_find_edge(from, to, to_gen);
    struct ul_gates now = *obs;
    bool check = !e || !(e->dep & dep);
    if (e) {
        gates_intersect(&now, &e->gates);
        check |= now.n < e->gates.n;
    }
    uint32_t stack = ctx_stack(c);
    if (check)
        check_cycle(c, g, to, from_id, pref, next, inst, &now, stack);
    if (ul_graph_add_edge(g, from, to, to_gen, dep, next->mode, stack) < 0 || !ul_keyset_insert(seen, ek)) {
        out_of_memory();
        return false;
    }
    e = ul_graph_find_edge(from, to, to_gen);
    if (e)
        e->gates = now;
    return check;
}

/* Graph lock held: the class-level dependency prev -> next. */
static void add_dependency(struct ctx *c, const struct ul_held *prev, const struct ul_lockref *next,
                           const struct ul_gates *obs)
{
    uint8_t dep = ul_dep_of(prev->mode, next->mode);
    uint64_t ek = ul_hash3(prev->cls->id, next->cls->id, dep ^ gates_hash(obs) << 8);
    if (ul_keyset_contains(&edges, ek))
        return;
    struct ul_lockref pref = ref_of_held(prev);
    if (add_edge_observed(c, &ul_class_graph, &edges, ek, &prev->cls->node, prev->cls->id, next->cls->id, 0, &pref,
                          next, false, dep, obs) &&
        atomic_load_explicit(&any_signal_safe, memory_order_relaxed))
        check_signal_order_edge(c, &pref, next);
}

/* The chain ending in `next` is new: add the dependencies from the held locks (the nearest
 * one that is not a trylock, and any trylocks above it) and remember the chain. */
static void validate_chain(struct ul_thread *t, uint32_t upto, struct ul_instance *inst, struct ul_class *cls,
                           unsigned mode, uintptr_t ip, uint64_t key)
{
    struct ctx c;
    ctx_init(&c, t);
    ctx_capture(&c);
    atomic_fetch_add_explicit(&nslow, 1, memory_order_relaxed);
    ul_flock_lock(&ul_glock);
    if (!ul_keyset_contains(&chains, key)) {
        struct ul_lockref next = { .cls = cls,
                                   .addr = atomic_load_explicit(&inst->addr, memory_order_relaxed),
                                   .inst_name = inst->name,
                                   .mode = (uint8_t)mode,
                                   .ip = ip };
        for (int i = (int)upto - 1; i >= 0; i--) {
            struct ul_held *e = &t->held[i];
            if (e->ctx != t->sig_depth) /* no dependencies across signal contexts */
                continue;
            if (e->cls != cls) { /* same class: handled per instance */
                struct ul_gates gates;
                observe_gates(t, upto, (uint32_t)i, cls, &gates);
                add_dependency(&c, e, &next, &gates);
            }
            if (!(e->flags & UL_HELD_TRY))
                break;
        }
        if (!ul_keyset_insert(&chains, key))
            out_of_memory();
    }
    ul_flock_unlock(&ul_glock);
    ctx_flush(&c);
}

static uint64_t inode_edge_key(const struct ul_inode *a, const struct ul_inode *b, uint8_t dep,
                               const struct ul_gates *gates)
{
    return ul_hash3(a->id | (uint64_t)a->node.gen << 32, b->id | (uint64_t)b->node.gen << 32,
                    (0x100u | dep) ^ gates_hash(gates) << 12);
}

/* Two instances of one class nested: held[prev_idx] -> inst. Order between instances of a
 * class is checked on the instance graph, so consistent nesting (accounts locked in address
 * order) is fine and an inversion between instances (dining philosophers) is a cycle. */
static void add_instance_dependency(struct ul_thread *t, uint32_t prev_idx, struct ul_instance *inst,
                                    unsigned mode, uintptr_t ip)
{
    struct ul_held *prev = &t->held[prev_idx];
    uint8_t dep = ul_dep_of(prev->mode, mode);
    struct ul_gates gates;
    observe_gates(t, t->depth, prev_idx, prev->cls, &gates);
    struct ul_inode *a = prev->inst->inode, *b = inst->inode;
    if (a && b && ul_keyset_contains(&iedges, inode_edge_key(a, b, dep, &gates)))
        return;
    struct ctx c;
    ctx_init(&c, t);
    ctx_capture(&c);
    atomic_fetch_add_explicit(&nslow, 1, memory_order_relaxed);
    ul_flock_lock(&ul_glock);
    a = ul_instance_node(prev->inst);
    b = ul_instance_node(inst);
    if (!a || !b) {
        out_of_memory();
    } else if (!ul_keyset_contains(&iedges, inode_edge_key(a, b, dep, &gates))) {
        struct ul_lockref pref = ref_of_held(prev);
        struct ul_lockref next = { .cls = atomic_load_explicit(&inst->cls, memory_order_relaxed),
                                   .addr = atomic_load_explicit(&inst->addr, memory_order_relaxed),
                                   .inst_name = inst->name,
                                   .mode = (uint8_t)mode,
                                   .ip = ip };
        bool had = ul_graph_find_edge(&a->node, b->id, b->node.gen) != NULL;
        add_edge_observed(&c, &ul_instance_graph, &iedges, inode_edge_key(a, b, dep, &gates), &a->node, a->id,
                          b->id, b->node.gen, &pref, &next, true, dep, &gates);
        if (!had)
            atomic_fetch_add_explicit(&ninstance_edges, 1, memory_order_relaxed);
    }
    ul_flock_unlock(&ul_glock);
    ctx_flush(&c);
}

static void report_recursive(struct ul_thread *t, const struct ul_held *held, struct ul_instance *inst,
                             struct ul_class *cls, unsigned mode, uintptr_t ip)
{
    struct ctx c;
    ctx_init(&c, t);
    ctx_capture(&c);
    ul_flock_lock(&ul_glock);
    if (first_time(&c, ul_hash3(UL_P_RECURSIVE, cls->id, (uint64_t)held->mode << 2 | mode))) {
        struct ul_problem *p = queue_problem(&c, UL_P_RECURSIVE, 0);
        if (p) {
            p->holding = ref_of_held(held);
            p->target = (struct ul_lockref){ .cls = cls,
                                             .addr = atomic_load_explicit(&inst->addr, memory_order_relaxed),
                                             .inst_name = inst->name,
                                             .mode = (uint8_t)mode,
                                             .ip = ip };
        }
    }
    ul_flock_unlock(&ul_glock);
    ctx_flush(&c);
}

enum { SAME_CLASS_PUSH, SAME_CLASS_MERGED, SAME_CLASS_REPORTED };

/* A lock of this class (probably) is already held: relock of the same instance, or nesting
 * of two instances of the class. */
static int same_class(struct ul_thread *t, struct ul_instance *inst, struct ul_class *cls, unsigned mode,
                      unsigned flags, uintptr_t ip)
{
    for (int i = (int)t->depth - 1; i >= 0; i--) {
        struct ul_held *e = &t->held[i];
        if (e->inst != inst)
            continue;
        if (flags & UL_F_RECURSIVE) {
            e->refs++;              /* a recursive mutex: not an edge, not an error */
            return SAME_CLASS_MERGED;
        }
        if (mode == UL_RREAD && e->mode != UL_WRITE)
            return SAME_CLASS_PUSH; /* recursive read */
        if (flags & UL_F_TRY)
            return SAME_CLASS_PUSH;
        report_recursive(t, e, inst, cls, mode, ip);
        return SAME_CLASS_REPORTED; /* like the kernel: no dependencies from a self-deadlock */
    }
    if (flags & UL_F_TRY)
        return SAME_CLASS_PUSH;
    for (int i = (int)t->depth - 1; i >= 0; i--) {
        struct ul_held *e = &t->held[i];
        if (e->cls != cls || e->ctx != t->sig_depth)
            continue;
        add_instance_dependency(t, (uint32_t)i, inst, mode, ip);
        if (!(e->flags & UL_HELD_TRY))
            break;
    }
    return SAME_CLASS_PUSH;
}

/* ---- the event entry points -------------------------------------------------------- */

static struct ul_instance *first_use(struct ul_thread *t, uintptr_t addr, enum ul_lock_kind kind)
{
    struct ctx c;
    ctx_init(&c, t);
    return register_instance(&c, addr, kind, UL_ORIGIN_FIRST_USE, NULL);
}

struct ul_instance *engine_instance(struct ul_thread *t, uintptr_t addr, enum ul_lock_kind kind)
{
    struct ul_instance *inst = ul_instance_find(addr);
    return inst ? inst : first_use(t, addr, kind);
}

/* Field by field: a struct built on the stack and copied here stalled on store forwarding. */
static bool push_held(struct ul_thread *t, uintptr_t addr, struct ul_instance *inst, struct ul_class *cls,
                      unsigned mode, unsigned flags, uintptr_t ip)
{
    if (unlikely(t->depth == t->cap) && !ul_thread_grow(t)) {
        out_of_memory();
        return false;
    }
    struct ul_held *h = &t->held[t->depth++];
    h->addr = addr;
    h->inst = inst;
    h->cls = cls;
    h->prev_key = t->chain_key;
    h->prev_ikey = t->ikey;
    h->ip = ip;
    h->refs = 0;
    h->mode = (uint8_t)mode;
    h->flags = (flags & UL_F_TRY) ? UL_HELD_TRY : 0;
    h->ctx = t->sig_depth;
    h->aux = (uint8_t)(flags >> 16);
    h->slot = (uint8_t)(cls->id % UL_CLASS_BLOOM);
    t->class_count[h->slot]++;
    t->ikey = ul_ikey_next(t->ikey, addr, mode, h->flags, h->ctx, cls->subclass);
    return true;
}

/* After a full check of an acquisition (chain key `prev` -> `next`): remember it, so that
 * the same acquisition at the same place is a cache hit (acquire_cache.h). `epoch` was read
 * before the instance was looked up. */
static void acache_fill(struct ul_thread *t, uint64_t prev, uint64_t next, uintptr_t addr, struct ul_instance *inst,
                        struct ul_class *cls, unsigned mode, unsigned flags, uint32_t epoch,
                        uint64_t same_ikey)
{
    unsigned rw = mode != UL_WRITE, try_ = flags & UL_F_TRY;
    struct ul_acache_entry *e = &t->acache[ul_acache_index(prev, addr)];
    e->key = prev;
    e->addr_tag = addr | UL_ACACHE_TAG(mode, try_);
    e->next = next;
    e->inst = inst;
    e->cls = cls;
    e->same_ikey = same_ikey;
    e->epoch = epoch;
    e->serial = __atomic_load_n(&inst->serial, __ATOMIC_RELAXED);
    e->slot = (uint8_t)(cls->id % UL_CLASS_BLOOM);
    e->sig_in = 0;
    if (t->sig_depth && !try_) {
        int signo = t->sig[t->sig_depth].signo;
        if (__atomic_load_n(&cls->sig_in[rw], __ATOMIC_RELAXED) & 1ull << (signo - 1))
            e->sig_in = (uint8_t)signo;
    }
}

/* The class of subclass `sub` of cls (ulockdep_lock_nested): a class of its own, named
 * after its parent with "/sub", created once and then found through the parent. */
static struct ul_class *subclass_of(struct ul_class *cls, unsigned sub)
{
    struct ul_class *s = atomic_load_explicit(&cls->subs[sub - 1], memory_order_acquire);
    if (likely(s))
        return s;
    ul_flock_lock(&ul_glock);
    s = ul_class_intern(ul_hash3(cls->key, 0x5abc1a55ull, sub), (enum ul_class_origin)cls->origin,
                        (enum ul_lock_kind)cls->kind, cls->site_stack, cls->static_addr);
    if (s) {
        s->parent = cls;
        s->subclass = (uint8_t)sub;
        atomic_store_explicit(&cls->subs[sub - 1], s, memory_order_release);
    }
    ul_flock_unlock(&ul_glock);
    if (!s)
        out_of_memory();
    return s;
}

/* The instance of the lock at addr through the thread's instance cache (thread.h), then the
 * global hash, then registration. `epoch` was read before (as for the acquisition cache).
 * NULL when out of memory. */
/* Modulo a prime: the locks of an array (any stride) land in distinct slots until there are
 * more than UL_ICACHE_PRIME of them, where a multiplicative or xor-folded hash of the
 * address collides for a third of them at some strides (measured: 64- and 296-byte). A
 * division by a constant is a multiply and a few shifts. */
#define UL_ICACHE_PRIME 4093u
_Static_assert(UL_ICACHE_PRIME <= 1u << UL_ICACHE_BITS, "prime fits the table");
static inline uint32_t icache_index(uintptr_t addr)
{
    return (uint32_t)((addr >> 2) % UL_ICACHE_PRIME);
}

static struct ul_instance *thread_instance(struct ul_thread *t, uintptr_t addr, enum ul_lock_kind kind,
                                           uint32_t epoch, struct ul_class **clsp)
{
    struct ul_icache_entry *ic = t->icache;
    struct ul_icache_entry *e = NULL;
    if (likely(ic != NULL)) {
        e = &ic[icache_index(addr)];
        if (likely(e->addr == addr)) {
            struct ul_instance *inst = e->inst;
            if (likely(e->epoch == epoch) ||
                (atomic_load_explicit(&inst->addr, memory_order_acquire) == addr &&
                 __atomic_load_n(&inst->serial, __ATOMIC_RELAXED) == e->serial)) {
                e->epoch = epoch;
                *clsp = e->cls;
                return inst;
            }
        }
    } else if ((ic = ul_pages_alloc(sizeof *ic << UL_ICACHE_BITS)) != NULL) {
        t->icache = ic; /* (in a signal handler too: mmap is async-signal-safe) */
        e = &ic[icache_index(addr)];
    }
    struct ul_instance *inst = ul_instance_find(addr);
    if (unlikely(!inst) && !(inst = first_use(t, addr, kind)))
        return NULL;
    struct ul_class *cls = atomic_load_explicit(&inst->cls, memory_order_relaxed);
    if (e) {
        e->addr = addr;
        e->inst = inst;
        e->cls = cls;
        e->serial = __atomic_load_n(&inst->serial, __ATOMIC_RELAXED);
        e->epoch = epoch;
    }
    *clsp = cls;
    return inst;
}

/* Where a report points for this acquisition. Unoptimised C++ locks a std::mutex from inside
 * std::mutex::lock, so the return address is the same runtime code for every lock of the
 * program: point at the first frame of user code instead. That takes a stack capture per
 * acquisition, so such acquisitions are never cached (only unoptimised builds pay). */
static uintptr_t user_ip(struct ul_thread *t, uintptr_t ip, bool *uncached)
{
    if (!env.runtime_pc || !env.capture_stack || t->sig_depth || !ip || !env.runtime_pc(ip))
        return ip;
    *uncached = true;
    uintptr_t pcs[16];
    unsigned n = env.capture_stack(pcs, 16);
    for (unsigned i = 0; i < n; i++)
        if (!env.runtime_pc(pcs[i]))
            return pcs[i];
    return ip;
}

/* An acquisition not in the thread's cache: every check, then remember it. */
static enum ul_token acquire_slow(struct ul_thread *t, void *lock, enum ul_lock_kind kind, unsigned mode,
                                  unsigned flags, uintptr_t ip)
{
    uintptr_t addr = (uintptr_t)lock;
    bool uncached = false;
    ip = user_ip(t, ip, &uncached);
    uint32_t epoch = atomic_load_explicit(&ul_instance_epoch, memory_order_acquire); /* before the lookup */
    struct ul_class *cls;
    struct ul_instance *inst = thread_instance(t, addr, kind, epoch, &cls);
    if (unlikely(!inst))
        return UL_T_NONE;
    if (unlikely(UL_F_SUBCLASS_OF(flags)) && !(cls = subclass_of(cls, UL_F_SUBCLASS_OF(flags))))
        return UL_T_NONE;
    if (unlikely(atomic_load_explicit(&cls->ignored, memory_order_relaxed)))
        return UL_T_NONE;
    uint8_t used = mode == UL_WRITE ? UL_USED_WRITE : UL_USED_READ;
    if (unlikely(!(atomic_load_explicit(&cls->usage, memory_order_relaxed) & used)))
        atomic_fetch_or_explicit(&cls->usage, used, memory_order_relaxed);
    /* Signal usage: the common case (no new usage bit) is two loads and a compare. */
    unsigned rw = mode != UL_WRITE;
    uint64_t on = (flags & UL_F_SYNC) ? 0 : signals_enabled(t);
    uint64_t in = (t->sig_depth && !(flags & UL_F_TRY)) ? 1ull << (t->sig[t->sig_depth].signo - 1) : 0;
    if (unlikely((__atomic_load_n(&cls->sig_on[rw], __ATOMIC_RELAXED) & on) != on ||
                 (__atomic_load_n(&cls->sig_in[rw], __ATOMIC_RELAXED) & in) != in)) {
        struct ul_lockref self = ref_of_instance(inst, mode, ip);
        self.cls = cls;
        mark_signal_usage(t, &self, in, on);
    }
    int same = SAME_CLASS_PUSH;
    uint64_t same_ikey = 0; /* the stack passed the same-class checks (acquire_cache.h) */
    if (unlikely(t->class_count[cls->id % UL_CLASS_BLOOM]) && !(flags & UL_F_SYNC)) {
        same = same_class(t, inst, cls, mode, flags, ip);
        if (same == SAME_CLASS_MERGED)
            return UL_T_REF;
        if (same == SAME_CLASS_PUSH)
            same_ikey = t->ikey;
    }
    uint64_t prev = t->chain_key;
    uint64_t key = ul_chain_next(prev, cls->id, mode);
    bool validate = t->depth && !(flags & UL_F_TRY);
    if (validate && same != SAME_CLASS_REPORTED && unlikely(!ul_keyset_contains(&chains, key)))
        validate_chain(t, t->depth, inst, cls, mode, ip, key);
    if (flags & UL_F_SYNC)
        return UL_T_NONE;
    if (!push_held(t, addr, inst, cls, mode, flags, ip))
        return UL_T_NONE;
    t->chain_key = key;
    /* Only what a hit can repeat exactly: not a subclass, and a validated chain. */
    if (!(flags & UL_ACACHE_UNCACHED) && !uncached && (!validate || ul_keyset_contains(&chains, key)))
        acache_fill(t, prev, key, addr, inst, cls, mode, flags, epoch, same_ikey);
    return UL_T_PUSHED;
}

enum ul_token ul_on_acquire(struct ul_thread *t, void *lock, enum ul_lock_kind kind, unsigned mode,
                            unsigned flags, uintptr_t ip)
{
    if (unlikely(!atomic_load_explicit(&enabled, memory_order_relaxed)))
        return UL_T_NONE;
    if (unlikely(t->deferred != NULL)) {
        /* Reports made in a signal handler: print them once back in thread context, or
         * right away if the handler is about to block (it may never come back). */
        if (!t->sig_depth || !(flags & (UL_F_TRY | UL_F_NOWAIT)))
            ul_engine_flush_deferred(t);
    }
    struct ul_acache_entry *e = ul_acache_find(t, (uintptr_t)lock, mode, flags);
    if (unlikely(!e))
        return acquire_slow(t, lock, kind, mode, flags, ip);
    /* Seen before at this place of this chain; only the same-class checks depend on what
     * else is held now, and they are remembered for one held stack. */
    if (unlikely(!ul_acache_no_same_class_check(t, e))) {
        uint32_t epoch = e->epoch; /* ul_acache_find made it current */
        int same = same_class(t, e->inst, e->cls, mode, flags, ip);
        if (same == SAME_CLASS_MERGED)
            return UL_T_REF;
        if (same == SAME_CLASS_PUSH && epoch == atomic_load_explicit(&ul_instance_epoch, memory_order_acquire))
            e->same_ikey = t->ikey;
    }
    ul_acache_push(t, e, (uintptr_t)lock, mode, flags, ip);
    return UL_T_PUSHED;
}

enum ul_token ul_on_acquire_missed(struct ul_thread *t, void *lock, enum ul_lock_kind kind, unsigned mode,
                                   unsigned flags, uintptr_t ip)
{
    return acquire_slow(t, lock, kind, mode, flags, ip);
}

/* The chain key of signal context `ctx`: the current one, or one saved when a handler
 * interrupted it. */
static void set_context_key(struct ul_thread *t, uint8_t ctx, uint64_t key)
{
    if (ctx == t->sig_depth)
        t->chain_key = key;
    else if (ctx < t->sig_depth)
        t->sig[ctx + 1].chain_key = key;
    /* ctx > sig_depth: left over by a handler that returned; its chain is gone */
}

/* Removes held[i]. The locks of its context above it get new chain keys, and the new
 * chains are validated like any other. Lock coupling (hand over hand: release the lock
 * below the one just taken) does this on every step, so the held entries are moved and
 * read in place, not copied. */
void remove_held(struct ul_thread *t, uint32_t i)
{
    struct ul_held *held = t->held;
    uint8_t ctx = held[i].ctx;
    uint64_t key = held[i].prev_key, ikey = held[i].prev_ikey;
    t->class_count[held[i].slot]--;
    uint32_t above = t->depth - i - 1;
    if (above == 1)
        held[i] = held[i + 1];
    else
        memmove(&held[i], &held[i + 1], above * sizeof *held);
    t->depth--;
    for (uint32_t k = i; k < t->depth; k++) {
        struct ul_held *h = &held[k];
        h->prev_ikey = ikey; /* the held-stack key spans every context */
        ikey = ul_ikey_next(ikey, h->addr, h->mode, h->flags & UL_HELD_TRY, h->ctx, h->cls->subclass);
        if (h->ctx != ctx)
            continue;
        uint64_t next = ul_chain_next(key, h->cls->id, h->mode);
        h->prev_key = key;
        if (ctx == t->sig_depth && k > 0 && !(h->flags & UL_HELD_TRY) && !ul_keyset_contains(&chains, next) &&
            atomic_load_explicit(&enabled, memory_order_relaxed))
            validate_chain(t, k, h->inst, h->cls, h->mode, h->ip, next);
        key = next;
    }
    t->ikey = ikey;
    set_context_key(t, ctx, key);
}

void ul_on_acquire_failed(struct ul_thread *t, void *lock, enum ul_token tok)
{
    int i = find_held(t, (uintptr_t)lock);
    if (i < 0)
        return;
    if (tok == UL_T_REF && t->held[i].refs)
        t->held[i].refs--;
    else if (tok == UL_T_PUSHED)
        remove_held(t, (uint32_t)i);
}

static void report_bad_unlock(struct ul_thread *t, uintptr_t addr, enum ul_lock_kind kind, uintptr_t ip)
{
    struct ul_instance *inst = ul_instance_find(addr);
    if (!inst) {
        struct ctx c;
        ctx_init(&c, t);
        inst = register_instance(&c, addr, kind, UL_ORIGIN_FIRST_USE, NULL);
        if (!inst)
            return;
    }
    struct ctx c;
    ctx_init(&c, t);
    ctx_capture(&c);
    ul_flock_lock(&ul_glock);
    struct ul_class *cls = atomic_load_explicit(&inst->cls, memory_order_relaxed);
    if (first_time(&c, ul_hash3(UL_P_BAD_UNLOCK, cls->id, ip))) {
        struct ul_problem *p = queue_problem(&c, UL_P_BAD_UNLOCK, 0);
        if (p)
            p->target = (struct ul_lockref){ .cls = cls, .addr = addr, .inst_name = inst->name, .ip = ip };
    }
    ul_flock_unlock(&ul_glock);
    ctx_flush(&c);
}

bool ul_on_release(struct ul_thread *t, void *lock, enum ul_lock_kind kind, enum ul_unlock_hint hint,
                   uintptr_t ip)
{
    if (unlikely(!atomic_load_explicit(&enabled, memory_order_relaxed)))
        return false;
    uintptr_t addr = (uintptr_t)lock;
    uint32_t d = t->depth;
    if (likely(d && t->held[d - 1].addr == addr && t->held[d - 1].ctx == t->sig_depth)) {
        struct ul_held *h = &t->held[d - 1];
        if (h->refs) {
            h->refs--;
            return true;
        }
        t->chain_key = h->prev_key;
        t->ikey = h->prev_ikey;
        t->class_count[h->slot]--;
        t->depth = d - 1;
        return true;
    }
    int i = find_held(t, addr);
    if (i >= 0) {
        if (t->held[i].refs) {
            t->held[i].refs--;
        } else {
            /* Out of order: the locks above it are taken again (as the kernel's lockdep
             * re-acquires them); a report found so says it, and points at this unlock. */
            t->reacquire_ip = (uint32_t)i + 1 < t->depth ? ip : 0;
            remove_held(t, (uint32_t)i);
            t->reacquire_ip = 0;
        }
        return true;
    }
    /* Not held by this thread as far as we know. Locks taken before tracing started (or
     * inside a signal handler that interrupted ulockdep) are not on the stack, so this is
     * a problem only when the lock word says so. */
    if (hint != UL_UNLOCK_UNKNOWN)
        report_bad_unlock(t, addr, kind, ip);
    return false;
}

bool ul_is_held(struct ul_thread *t, void *lock)
{
    return find_held(t, (uintptr_t)lock) >= 0;
}

void ul_on_init(struct ul_thread *t, void *lock, enum ul_lock_kind kind)
{
    if (!atomic_load_explicit(&enabled, memory_order_relaxed))
        return;
    int i = find_held(t, (uintptr_t)lock);
    if (i >= 0) /* re-initialising a lock this thread holds */
        ul_on_destroy(t, lock, 0);
    struct ctx c;
    ctx_init(&c, t);
    register_instance(&c, (uintptr_t)lock, kind, UL_ORIGIN_INIT, NULL);
}

/* Graph lock held: report that the lock at held[i] is going away while held. */
static void queue_held_freed(struct ctx *c, const struct ul_held *h, uintptr_t lo, uintptr_t hi)
{
    if (!first_time(c, ul_hash3(UL_P_HELD_LOCK_FREED, h->cls->id, 0)))
        return;
    struct ul_problem *p = queue_problem(c, UL_P_HELD_LOCK_FREED, 0);
    if (p) {
        p->target = ref_of_held(h);
        p->mem_lo = lo;
        p->mem_hi = hi;
    }
}

/* The lock at addr goes away (destroy, or overwritten while held: lo == hi == 0): reported
 * if this thread holds it, then retired and dropped from the held stack. */
static void lock_gone(struct ul_thread *t, uintptr_t addr, uintptr_t lo, uintptr_t hi)
{
    if (!ul_instance_find(addr))
        return;
    struct ctx c;
    ctx_init(&c, t);
    int i = find_held(t, addr);
    if (i >= 0)
        ctx_capture(&c);
    ul_flock_lock(&ul_glock);
    if (i >= 0)
        queue_held_freed(&c, &t->held[i], lo, hi);
    struct ul_instance *inst = ul_instance_find(addr);
    if (inst)
        ul_instance_retire(inst);
    ul_flock_unlock(&ul_glock);
    if (i >= 0)
        remove_held(t, (uint32_t)i);
    ctx_flush(&c);
}

void ul_on_destroy(struct ul_thread *t, void *lock, size_t size)
{
    if (atomic_load_explicit(&enabled, memory_order_relaxed))
        lock_gone(t, (uintptr_t)lock, (uintptr_t)lock, (uintptr_t)lock + (size ? size : 1));
}

void ul_on_overwritten(struct ul_thread *t, void *lock)
{
    if (atomic_load_explicit(&enabled, memory_order_relaxed))
        lock_gone(t, (uintptr_t)lock, 0, 0);
}

/* Graph lock held: retires every instance collect() finds in [lo, hi), 64 at a time. */
static void retire_all(size_t (*collect)(uintptr_t lo, uintptr_t hi, struct ul_instance **out, size_t max),
                       uintptr_t lo, uintptr_t hi)
{
    struct ul_instance *batch[64];
    size_t n;
    while ((n = collect(lo, hi, batch, 64)) > 0) {
        size_t m = n < 64 ? n : 64;
        for (size_t k = 0; k < m; k++)
            ul_instance_retire(batch[k]);
    }
}

/* Takes the held locks in [lo, hi) off the thread's stack (their memory is gone). */
static void drop_held_in(struct ul_thread *t, uintptr_t lo, uintptr_t hi)
{
    for (int k = (int)t->depth - 1; k >= 0; k--)
        if (t->held[k].addr >= lo && t->held[k].addr < hi)
            remove_held(t, (uint32_t)k);
}

void ul_on_memory_freed(struct ul_thread *t, uintptr_t lo, uintptr_t hi)
{
    if (!atomic_load_explicit(&enabled, memory_order_relaxed) || !ul_instance_range_maybe(lo, hi))
        return;
    struct ctx c;
    ctx_init(&c, t);
    bool held_inside = false;
    for (uint32_t k = 0; k < t->depth; k++)
        if (t->held[k].addr >= lo && t->held[k].addr < hi)
            held_inside = true;
    if (held_inside)
        ctx_capture(&c);
    ul_flock_lock(&ul_glock);
    for (uint32_t k = 0; k < t->depth; k++)
        if (t->held[k].addr >= lo && t->held[k].addr < hi)
            queue_held_freed(&c, &t->held[k], lo, hi);
    /* Page by page: each collect call looks at every page of its range, so one call per
     * batch of 64 over a large block (a freed array of a million locks) was quadratic. */
    uintptr_t step = (uintptr_t)1 << 16; /* 16 pages */
    for (uintptr_t a = lo; a < hi; a = (a & ~(step - 1)) + step) {
        uintptr_t b = (a & ~(step - 1)) + step;
        if (b > hi || b < a)
            b = hi;
        retire_all(ul_instance_collect, a, b);
    }
    ul_flock_unlock(&ul_glock);
    drop_held_in(t, lo, hi);
    ctx_flush(&c);
}

size_t ul_module_classes(uintptr_t lo, uintptr_t hi, struct ul_class **out, size_t max)
{
    size_t n = 0;
    ul_flock_lock(&ul_glock);
    uint32_t count = ul_class_count();
    for (uint32_t id = 1; id <= count; id++) {
        struct ul_class *c = ul_class_get(id);
        if (!c)
            continue;
        const struct ul_stack *st = c->site_stack ? ul_stack_get(c->site_stack) : NULL;
        bool in = (c->static_addr >= lo && c->static_addr < hi) ||
                  (st && st->n && st->pcs[0] >= lo && st->pcs[0] < hi);
        if (in) {
            if (n < max)
                out[n] = c;
            n++;
        }
    }
    ul_flock_unlock(&ul_glock);
    return n;
}

void ul_on_module_unloaded(struct ul_thread *t, uintptr_t lo, uintptr_t hi)
{
    if (!atomic_load_explicit(&enabled, memory_order_relaxed))
        return;
    ul_on_memory_freed(t, lo, hi); /* heap-registered locks in the range, held ones reported */
    struct ctx c;
    ctx_init(&c, t);
    ul_flock_lock(&ul_glock);
    module_epoch++;
    retire_all(ul_instance_collect_static, lo, hi);
    ul_flock_unlock(&ul_glock);
    drop_held_in(t, lo, hi);
    ctx_flush(&c);
}

void ul_on_thread_exit(struct ul_thread *t)
{
    if (t->deferred && !t->sig_depth)
        ul_engine_flush_deferred(t);
    if (t->exit_checked)
        return;
    t->exit_checked = true;
    if (!t->depth || !atomic_load_explicit(&enabled, memory_order_relaxed))
        return;
    struct ctx c;
    ctx_init(&c, t);
    ctx_capture(&c);
    ul_flock_lock(&ul_glock);
    uint64_t sum = 0;
    for (uint32_t k = 0; k < t->depth; k++)
        sum += ul_mix64(t->held[k].cls->id);
    if (first_time(&c, ul_hash3(UL_P_HELD_AT_EXIT, sum, t->depth)))
        queue_problem(&c, UL_P_HELD_AT_EXIT, 0);
    ul_flock_unlock(&ul_glock);
    ctx_flush(&c);
}

void ul_on_set_name(struct ul_thread *t, void *lock, const char *name)
{
    if (!atomic_load_explicit(&enabled, memory_order_relaxed) || !name)
        return;
    struct ul_instance *inst = ul_instance_find((uintptr_t)lock);
    if (!inst) {
        struct ctx c;
        ctx_init(&c, t);
        inst = register_instance(&c, (uintptr_t)lock, UL_KIND_MUTEX, UL_ORIGIN_FIRST_USE, NULL);
        if (!inst)
            return;
    }
    size_t len = strnlen(name, 255);
    ul_flock_lock(&ul_glock);
    char *copy = ul_alloc(len + 1);
    if (copy) {
        memcpy(copy, name, len);
        inst->name = copy;
    }
    ul_flock_unlock(&ul_glock);
    struct ul_class *cls = atomic_load_explicit(&inst->cls, memory_order_relaxed);
    if (copy && env.ignore_class && env.ignore_class(cls, copy)) {
        atomic_store_explicit(&cls->ignored, 1, memory_order_relaxed);
        ul_instance_epoch_bump(); /* the caches check `ignored` when the epoch moved */
    }
}

bool ul_lock_known(const void *lock)
{
    return ul_instance_find((uintptr_t)lock) != NULL;
}

void ul_on_register_named(struct ul_thread *t, void *lock, enum ul_lock_kind kind, const char *class_name)
{
    if (!atomic_load_explicit(&enabled, memory_order_relaxed) || !class_name)
        return;
    struct ul_instance *old = ul_instance_find((uintptr_t)lock);
    if (old) {
        struct ul_class *oc = atomic_load_explicit(&old->cls, memory_order_relaxed);
        if (oc->origin == UL_ORIGIN_NAMED && oc->name && strncmp(oc->name, class_name, 255) == 0)
            return; /* already there (a map used again, or set_class twice) */
        kind = (enum ul_lock_kind)old->kind;
    }
    struct ctx c;
    ctx_init(&c, t);
    register_instance(&c, (uintptr_t)lock, kind, UL_ORIGIN_INIT, class_name);
}

void ul_on_assert(struct ul_thread *t, const void *lock, bool want_held, uintptr_t ip)
{
    if (!atomic_load_explicit(&enabled, memory_order_relaxed))
        return;
    if ((find_held(t, (uintptr_t)lock) >= 0) == want_held)
        return;
    struct ul_instance *inst = ul_instance_find((uintptr_t)lock);
    if (!inst) {
        struct ctx c0;
        ctx_init(&c0, t);
        inst = register_instance(&c0, (uintptr_t)lock, UL_KIND_MUTEX, UL_ORIGIN_FIRST_USE, NULL);
        if (!inst)
            return;
    }
    struct ctx c;
    ctx_init(&c, t);
    ctx_capture(&c);
    ul_flock_lock(&ul_glock);
    struct ul_lockref r = ref_of_instance(inst, UL_WRITE, ip);
    if (first_time(&c, ul_hash3(UL_P_ASSERT_HELD, r.cls->id, ip ^ want_held))) {
        struct ul_problem *p = queue_problem(&c, UL_P_ASSERT_HELD, 0);
        if (p) {
            p->target = r;
            p->misuse.check = want_held ? UL_MISUSE_ASSERT_HELD : UL_MISUSE_ASSERT_NOT_HELD;
        }
    }
    ul_flock_unlock(&ul_glock);
    ctx_flush(&c);
}

/* ---- statistics -------------------------------------------------------------------- */

void ul_engine_stats(struct ul_engine_stats *s)
{
    ul_flock_lock(&ul_glock);
    s->classes = ul_class_count();
    s->instances = ul_instance_live();
    s->edges = ul_class_graph.nedges;
    s->instance_edges = atomic_load(&ninstance_edges);
    s->chains = chains.count;
    s->stacks = ul_stack_count();
    s->reports = atomic_load(&nreports);
    s->slow_paths = atomic_load(&nslow);
    s->gated_cycles = ngated;
    s->bytes = ul_arena_bytes();
    ul_flock_unlock(&ul_glock);
}

size_t ul_engine_gated_cycles(struct ul_gated_cycle_info *out, size_t max)
{
    size_t n = 0;
    ul_flock_lock(&ul_glock);
    for (struct gated_cycle *q = gated_cycles; q; q = q->next, n++)
        if (n < max)
            out[n] = (struct ul_gated_cycle_info){ .prev = ul_class_get(q->last_class),
                                                   .next = ul_class_get(q->first_class),
                                                   .gate = ul_class_get(q->gate),
                                                   .instance_level = q->inst,
                                                   .reported_later = q->reported };
    ul_flock_unlock(&ul_glock);
    return n;
}
