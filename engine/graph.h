/* Dependency graphs and the cycle search.
 *
 * A node is a lock class (the class graph) or, for nesting of two instances of one class, a
 * lock instance (the instance graph). An edge A -> B means "B was acquired while A was held".
 * Each edge carries the kinds of dependency seen (Linux lockdep's four: the holder of A was
 * a Shared reader or Exclusive, B was taken as a Recursive reader or Non-recursively) and
 * the stack where it was first established.
 *
 * The cycle search is a breadth-first search, so it finds the shortest cycle, over "strong"
 * paths only: a path that goes -(xR)-> into a lock and leaves it -(Sx)-> (a recursive read
 * followed by a dependency held only as a reader) cannot deadlock, so it is not followed.
 * This is lockdep's rule for recursive readers; a cycle is reported iff it is strong,
 * including at the two junctions with the new edge. All calls need the graph lock. */
#ifndef ULOCKDEP_ENGINE_GRAPH_H
#define ULOCKDEP_ENGINE_GRAPH_H

#include <stdbool.h>
#include <stdint.h>

/* Acquisition modes. */
enum ul_mode { UL_WRITE = 0, UL_READ = 1 /* non-recursive reader */, UL_RREAD = 2 /* recursive */ };

enum {
    UL_DEP_SR = 1 << 0, /* prev held Shared, next taken Recursive-read */
    UL_DEP_ER = 1 << 1, /* prev held Exclusive, next Recursive-read */
    UL_DEP_SN = 1 << 2, /* prev held Shared, next Non-recursive */
    UL_DEP_EN = 1 << 3, /* prev held Exclusive, next Non-recursive */
};

static inline uint8_t ul_dep_of(unsigned prev_mode, unsigned next_mode)
{
    unsigned idx = (prev_mode == UL_WRITE ? 1u : 0u) | (next_mode != UL_RREAD ? 2u : 0u);
    return (uint8_t)(1u << idx);
}

/* Gate locks (docs/gate-locks.md): the singleton lock classes that were held, by the thread
 * taking the dependency, every time the dependency was taken. A cycle all of whose
 * dependencies were taken under one and the same gate cannot deadlock: no two threads can
 * be inside it at once. */
#define UL_GATES 3
struct ul_gates {
    uint8_t n;
    uint32_t id[UL_GATES]; /* class ids */
};

struct ul_edge {
    uint32_t to;
    uint32_t to_gen;   /* generation of the target when the edge was made (instances) */
    uint32_t stack;    /* where the dependency was first seen */
    uint8_t dep;       /* UL_DEP_* bits */
    uint8_t to_modes;  /* 1 << mode for each mode the target was taken in */
    struct ul_gates gates; /* held on every observation (intersection) */
};

struct ul_node {
    struct ul_edge *out;
    uint32_t nout, cap;
    uint32_t gen;              /* bumped when the node is retired */
    /* BFS scratch, indexed by arrival state (0: via a recursive-read edge, 1: strong). */
    uint32_t visit[2];
    uint32_t par[2];
    uint32_t par_edge[2];
    uint8_t par_state[2];
    uint32_t gvisit_gen;       /* ul_graph_find_ungated_cycle's scratch: states seen */
    uint16_t gvisit;
};

struct ul_graph {
    struct ul_node *(*node)(uint32_t id);
    uint32_t bfs_gen;
    struct ul_bfs_item *queue;
    uint32_t qcap;
    uint64_t nedges;
};

struct ul_path_step {
    uint32_t from, to;
    uint32_t stack;
    uint8_t dep;
    uint8_t to_modes;
};

/* Adds `dep` to the edge from -> to (creating it with `stack` if new).
 * Returns 1 if the edge is new, 0 if it existed, -1 when out of memory. */
int ul_graph_add_edge(struct ul_graph *g, struct ul_node *from, uint32_t to, uint32_t to_gen,
                      uint8_t dep, unsigned to_mode, uint32_t stack);

/* The edge from -> to (of that target generation), or NULL. */
struct ul_edge *ul_graph_find_edge(struct ul_node *from, uint32_t to, uint32_t to_gen);

/* Bit k set when gates->id[k] is also in e's gates. */
unsigned ul_gates_mask(const struct ul_edge *e, const struct ul_gates *gates);

/* Like ul_graph_find_cycle, for a new dependency dst -> src taken under `gates`: only a cycle
 * along which every one of those gates was missing from some dependency (a cycle no single
 * gate covers) counts. gates->n > 0. */
int ul_graph_find_ungated_cycle(struct ul_graph *g, uint32_t src, unsigned src_mode, uint32_t dst,
                                unsigned dst_mode, const struct ul_gates *gates, struct ul_path_step *path,
                                int max);

/* Looks for a strong path src -> ... -> dst that, closed by a new edge dst -> src (dst held
 * in dst_mode, src acquired in src_mode), forms a deadlock. On success stores up to `max`
 * steps in `path` (src first) and returns the number of steps; 0 when there is none;
 * -1 when out of memory. */
int ul_graph_find_cycle(struct ul_graph *g, uint32_t src, unsigned src_mode, uint32_t dst,
                        unsigned dst_mode, struct ul_path_step *path, int max);

/* Breadth-first search over strong paths (the rule above) from src to the nearest node
 * other than src that `match` accepts. `match` is told whether the path reaches the node
 * only as a recursive reader (every dependency into it on the path is -(xR)->). With
 * src_exclusive, only dependencies where src was held exclusively (-(Ex)->) leave src.
 * Path and return value as for ul_graph_find_cycle. */
int ul_graph_find_path(struct ul_graph *g, uint32_t src, bool src_exclusive,
                       bool (*match)(uint32_t id, bool via_rread, void *arg), void *arg,
                       struct ul_path_step *path, int max);

/* Drops all out-edges of a node and bumps its generation (edges into it become stale). */
void ul_graph_retire_node(struct ul_node *n);

#endif
