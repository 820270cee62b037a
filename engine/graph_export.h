/* Export of the class graph, for recording it outside the process (the graph_dir option:
 * cross-run lock graphs). The engine does no I/O: this walks the classes and their
 * dependencies under the graph lock and hands each one to the embedder's callbacks, which
 * copy what they need (they run with the graph lock held: no I/O, no symbolization, no
 * lock the program could hold). Stacks are referred to by depot id (ul_stack_get, lock-free)
 * and classes by id (ul_class_get, lock-free), so the slow work is done after the walk. */
#ifndef ULOCKDEP_ENGINE_GRAPH_EXPORT_H
#define ULOCKDEP_ENGINE_GRAPH_EXPORT_H

#include <stdint.h>

struct ul_export_class {
    uint32_t id;
    uint8_t kind;         /* enum ul_lock_kind */
    uint8_t origin;       /* enum ul_class_origin */
    uint8_t usage;        /* UL_USED_* */
    uint8_t subclass;     /* ulockdep_lock_nested subclass (0: none) */
    uint32_t parent;      /* id of the class it is a subclass of (0: none) */
    uint32_t site_stack;  /* init or first-use stack */
    uintptr_t static_addr;
};

struct ul_export_edge {
    uint32_t from, to;    /* class ids: `to` was acquired while `from` was held */
    uint32_t stack;       /* where the dependency was first seen */
    uint8_t dep;          /* UL_DEP_* bits */
    uint8_t to_modes;     /* 1 << mode for each mode `to` was taken in */
};

struct ul_export_sink {
    void *arg;
    void (*on_class)(void *arg, const struct ul_export_class *c);
    void (*on_edge)(void *arg, const struct ul_export_edge *e);
};

/* How many classes and class-level dependencies there are now (lock-free, without the
 * graph lock: never blocks, even in a forked child; the graph may grow meanwhile). */
void ul_graph_export_size(uint32_t *nclasses, uint64_t *nedges);
/* Takes the graph lock, then calls on_class for every class (in id order) and on_edge for
 * every class-level dependency between two classes that are not ignored. */
void ul_graph_export(const struct ul_export_sink *sink);

#endif
