/* Lock instances: one record per lock object the program uses, found by address.
 *
 * Lookups are lock-free (a hash of chains that are only appended to or unlinked under the
 * graph lock). When a lock is destroyed, re-initialised, or the memory holding it is freed,
 * its instance is retired: later use of that address is a new instance (and, for a lock that
 * was never initialised by a call, a new first-use class), so address reuse cannot make
 * false cycles. Retired records are recycled; a reader racing with that sees a different
 * address and falls back to the locked slow path.
 *
 * Heap instances are also indexed by page so that free() can find the locks inside a block
 * without scanning: a lock-free page filter answers "any lock on these pages?". */
#ifndef ULOCKDEP_ENGINE_INSTANCE_H
#define ULOCKDEP_ENGINE_INSTANCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph.h"
#include "lockclass.h"

struct ul_inode;

struct ul_instance {
    _Atomic uintptr_t addr;
    _Atomic(struct ul_instance *) next;   /* hash chain */
    _Atomic(struct ul_class *) cls;
    uint32_t site_stack;                  /* where it was initialised or first used */
    uint32_t serial;                      /* unique per instance, never reused */
    struct ul_inode *inode;               /* node in the instance graph, if it has one */
    const char *name;                     /* ulockdep_set_name() */
    uint8_t kind;
    bool heap;                            /* indexed by page for free() */
    struct ul_instance *page_next;
};

/* A node of the instance graph (same-class nesting: a1 -> a2 of one class). */
struct ul_inode {
    struct ul_node node;
    uint32_t id;
    struct ul_instance *inst;   /* NULL once retired */
    struct ul_inode *free_next;
};

extern struct ul_graph ul_instance_graph;

/* Bumped by every retirement. Anything that remembers an instance without the graph lock
 * (the per-thread acquisition cache) reads it once per use: unchanged, nothing was retired
 * since; changed, it checks its own instance (addr and serial) again. */
extern _Atomic uint32_t ul_instance_epoch;
/* A class became ignored: what the caches remember about its locks must be checked again. */
static inline void ul_instance_epoch_bump(void)
{
    atomic_fetch_add_explicit(&ul_instance_epoch, 1, memory_order_release);
}

struct ul_instance *ul_instance_find(uintptr_t addr);                /* lock-free */
/* Graph lock held. Inserts a new instance for addr (the caller checked there is none). */
struct ul_instance *ul_instance_insert(uintptr_t addr, struct ul_class *cls, enum ul_lock_kind kind,
                                       uint32_t site_stack, bool heap);
void ul_instance_retire(struct ul_instance *inst);                   /* graph lock held */
struct ul_inode *ul_instance_node(struct ul_instance *inst);         /* graph lock; NULL on OOM */
struct ul_inode *ul_inode_get(uint32_t id);

/* Lock-free filter: might [lo, hi) contain a heap lock? */
bool ul_instance_range_maybe(uintptr_t lo, uintptr_t hi);
/* Graph lock held: heap instances inside [lo, hi), up to max of them; returns the count
 * found (which may exceed max). */
size_t ul_instance_collect(uintptr_t lo, uintptr_t hi, struct ul_instance **out, size_t max);
/* The same for static (non-heap) instances: scans the whole table (module unload only). */
size_t ul_instance_collect_static(uintptr_t lo, uintptr_t hi, struct ul_instance **out, size_t max);
uint64_t ul_instance_live(void);

#endif
