/* Lock classes: the unit lockdep reasons about. Every lock instance belongs to one class;
 * dependencies, usage and reports are per class, so an inversion between two objects of
 * the same kind is found even if each object is used once.
 *
 * Identity (the class key):
 *   STATIC     a lock in a module's static storage that is never initialised by a call
 *              (a static initialiser) is its own class (keyed by address);
 *   INIT       a lock set up by *_init, whatever its storage (static array, struct member,
 *              heap, stack): the top class_depth frames of the init call stack, as the
 *              kernel keys a lock by its init site (frames of the C/C++ runtime skipped);
 *   FIRST_USE  a heap/stack lock never initialised by a call: its first acquisition's stack;
 *   INSTANCE   class_by=instance: one class per instance;
 *   NAMED      ulockdep_set_class(): the given name.
 * Classes live for the whole process and their ids are never reused, so an id is also the
 * class's tag in chain keys. */
#ifndef ULOCKDEP_ENGINE_LOCKCLASS_H
#define ULOCKDEP_ENGINE_LOCKCLASS_H

#include <stdatomic.h>
#include <stdint.h>

#include "graph.h"

enum ul_lock_kind {
    UL_KIND_MUTEX,
    UL_KIND_RWLOCK,
    UL_KIND_SPIN,
    UL_KIND_SRCU,
    UL_KIND_MAP,   /* annotation map (not a real lock) */
};

enum ul_class_origin { UL_ORIGIN_STATIC, UL_ORIGIN_INIT, UL_ORIGIN_FIRST_USE, UL_ORIGIN_INSTANCE, UL_ORIGIN_NAMED };

enum { UL_USED_WRITE = 1, UL_USED_READ = 2 };

struct ul_class {
    struct ul_node node;      /* in the class graph; node id == id */
    uint64_t key;
    uint32_t id;
    uint32_t site_stack;      /* init or first-use stack */
    uintptr_t static_addr;    /* STATIC: the lock's address; INIT: its first instance's, if
                               * that was in static storage (it names the class) */
    uint32_t live;            /* live instances (graph lock) */
    uint32_t instances;       /* instances ever registered (graph lock) */
    _Atomic uint8_t multi;    /* two instances were live at once: it cannot be a gate lock */
    uint8_t kind;
    uint8_t origin;
    _Atomic uint8_t usage;    /* UL_USED_* */
    _Atomic uint8_t ignored;  /* env.ignore_class said so: never traced */
    _Atomic uint8_t filtered; /* env.ignore_class was asked */
    const char *name;         /* given (NAMED) or computed by the reports side */
    /* Signal usage, per signal (bit signo-1), [0] as a writer, [1] as a reader: signals
     * whose handler took it, and signals that could arrive while it was taken; with the
     * first stack of each (see signal_context.c). */
    uint64_t sig_in[2], sig_on[2];
    uint32_t sig_in_stack[2], sig_on_stack[2];
    const struct ul_class *parent; /* subclass (ulockdep_lock_nested) of this class */
    uint8_t subclass;
    _Atomic(struct ul_class *) subs[7]; /* its subclasses 1..7, created on first use */
    int name_version;         /* >1 when another class printed the same name first */
    struct ul_class *hash_next;
};

/* Lock-free. NULL for an unknown id. */
struct ul_class *ul_class_get(uint32_t id);
/* Graph lock held. Finds the class with `key` or creates it. NULL when out of memory. */
struct ul_class *ul_class_intern(uint64_t key, enum ul_class_origin origin, enum ul_lock_kind kind,
                                 uint32_t site_stack, uintptr_t static_addr);
uint32_t ul_class_count(void);

extern struct ul_graph ul_class_graph;

static inline const char *ul_kind_name(unsigned kind)
{
    switch (kind) {
    case UL_KIND_MUTEX: return "mutex";
    case UL_KIND_RWLOCK: return "rwlock";
    case UL_KIND_SPIN: return "spinlock";
    case UL_KIND_SRCU: return "srcu";
    case UL_KIND_MAP: return "map";
    }
    return "lock";
}

#endif
