/* graph.h on hand-built graphs: edge merging, BFS shortest cycle, path order, the
 * strong-path rules for recursive readers, retired nodes. */
#include <criterion/criterion.h>
#include <string.h>

#include "graph.h"

#define NNODES 6000

static struct ul_node nodes[NNODES];

static struct ul_node *node_of(uint32_t id)
{
    return id < NNODES ? &nodes[id] : NULL;
}

static struct ul_graph g = { .node = node_of };

static int add(uint32_t from, uint32_t to, unsigned from_mode, unsigned to_mode)
{
    return ul_graph_add_edge(&g, &nodes[from], to, nodes[to].gen, ul_dep_of(from_mode, to_mode), to_mode,
                             100 * from + to);
}

static int cycle(uint32_t src, unsigned src_mode, uint32_t dst, unsigned dst_mode)
{
    struct ul_path_step path[64];
    return ul_graph_find_cycle(&g, src, src_mode, dst, dst_mode, path, 64);
}

Test(graph, dep_of_encodes_the_four_kinds)
{
    cr_assert_eq(ul_dep_of(UL_WRITE, UL_WRITE), UL_DEP_EN);
    cr_assert_eq(ul_dep_of(UL_WRITE, UL_READ), UL_DEP_EN);
    cr_assert_eq(ul_dep_of(UL_WRITE, UL_RREAD), UL_DEP_ER);
    cr_assert_eq(ul_dep_of(UL_READ, UL_WRITE), UL_DEP_SN);
    cr_assert_eq(ul_dep_of(UL_RREAD, UL_READ), UL_DEP_SN);
    cr_assert_eq(ul_dep_of(UL_READ, UL_RREAD), UL_DEP_SR);
    cr_assert_eq(ul_dep_of(UL_RREAD, UL_RREAD), UL_DEP_SR);
}

Test(graph, add_edge_merges_dep_bits_and_modes)
{
    cr_assert_eq(ul_graph_add_edge(&g, &nodes[1], 2, 0, UL_DEP_SR, UL_RREAD, 7), 1);
    cr_assert_eq(ul_graph_add_edge(&g, &nodes[1], 2, 0, UL_DEP_EN, UL_WRITE, 8), 0);
    cr_assert_eq(ul_graph_add_edge(&g, &nodes[1], 2, 0, UL_DEP_SN, UL_READ, 9), 0);
    cr_assert_eq(nodes[1].nout, 1);
    cr_assert_eq(g.nedges, 1);
    const struct ul_edge *e = &nodes[1].out[0];
    cr_assert_eq(e->to, 2);
    cr_assert_eq(e->dep, UL_DEP_SR | UL_DEP_EN | UL_DEP_SN);
    cr_assert_eq(e->to_modes, (1u << UL_RREAD) | (1u << UL_WRITE) | (1u << UL_READ));
    cr_assert_eq(e->stack, 7, "the stack is the one where the dependency was first seen");

    /* Same target, other generation: a different edge. Other target: another edge. */
    cr_assert_eq(ul_graph_add_edge(&g, &nodes[1], 2, 1, UL_DEP_EN, UL_WRITE, 10), 1);
    cr_assert_eq(ul_graph_add_edge(&g, &nodes[1], 3, 0, UL_DEP_EN, UL_WRITE, 11), 1);
    cr_assert_eq(nodes[1].nout, 3);
    cr_assert_eq(g.nedges, 3);
}

Test(graph, add_edge_grows_the_edge_array)
{
    for (uint32_t to = 2; to < 1002; to++)
        cr_assert_eq(ul_graph_add_edge(&g, &nodes[1], to, 0, UL_DEP_EN, UL_WRITE, to), 1);
    for (uint32_t to = 2; to < 1002; to++)
        cr_assert_eq(ul_graph_add_edge(&g, &nodes[1], to, 0, UL_DEP_ER, UL_RREAD, 0), 0);
    cr_assert_eq(nodes[1].nout, 1000);
    cr_assert_geq(nodes[1].cap, 1000);
    for (uint32_t i = 0; i < 1000; i++) {
        cr_assert_eq(nodes[1].out[i].to, i + 2);
        cr_assert_eq(nodes[1].out[i].stack, i + 2);
        cr_assert_eq(nodes[1].out[i].dep, UL_DEP_EN | UL_DEP_ER);
    }
}

Test(graph, no_path_no_cycle)
{
    add(1, 2, UL_WRITE, UL_WRITE);
    add(3, 1, UL_WRITE, UL_WRITE);
    cr_assert_eq(cycle(1, UL_WRITE, 3, UL_WRITE), 0);
    cr_assert_eq(cycle(2, UL_WRITE, 1, UL_WRITE), 0);
    cr_assert_eq(cycle(4, UL_WRITE, 1, UL_WRITE), 0, "a node without edges");
}

/* 1 -> 2 -> 3 -> 4 -> 5 -> 9 (long) and 1 -> 6 -> 9 (short), the long one added first so a
 * depth-first search would find it first. */
Test(graph, bfs_finds_the_shortest_path_src_first)
{
    add(1, 2, UL_WRITE, UL_WRITE);
    add(2, 3, UL_WRITE, UL_WRITE);
    add(3, 4, UL_WRITE, UL_WRITE);
    add(4, 5, UL_WRITE, UL_WRITE);
    add(5, 9, UL_WRITE, UL_WRITE);
    add(1, 6, UL_WRITE, UL_WRITE);
    add(6, 9, UL_WRITE, UL_WRITE);
    struct ul_path_step path[16];
    memset(path, 0xff, sizeof path);
    int n = ul_graph_find_cycle(&g, 1, UL_WRITE, 9, UL_WRITE, path, 16);
    cr_assert_eq(n, 2);
    cr_assert_eq(path[0].from, 1);
    cr_assert_eq(path[0].to, 6);
    cr_assert_eq(path[1].from, 6);
    cr_assert_eq(path[1].to, 9);
    cr_assert_eq(path[0].stack, 106);
    cr_assert_eq(path[1].stack, 609);
    cr_assert_eq(path[0].dep, UL_DEP_EN);
    cr_assert_eq(path[1].to_modes, 1u << UL_WRITE);

    /* Without the short cut the long path is found, in order from the source. */
    cr_assert_eq(cycle(2, UL_WRITE, 9, UL_WRITE), 4);
    n = ul_graph_find_cycle(&g, 2, UL_WRITE, 9, UL_WRITE, path, 16);
    cr_assert_eq(n, 4);
    uint32_t want[] = { 2, 3, 4, 5, 9 };
    for (int i = 0; i < n; i++) {
        cr_assert_eq(path[i].from, want[i], "step %d from %u", i, path[i].from);
        cr_assert_eq(path[i].to, want[i + 1], "step %d to %u", i, path[i].to);
    }
}

Test(graph, path_is_truncated_to_max_but_length_is_whole)
{
    for (uint32_t i = 1; i < 11; i++)
        add(i, i + 1, UL_WRITE, UL_WRITE);
    struct ul_path_step path[4];
    memset(path, 0, sizeof path);
    cr_assert_eq(ul_graph_find_cycle(&g, 1, UL_WRITE, 11, UL_WRITE, path, 3), 10);
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_eq(path[i].from, i + 1);
        cr_assert_eq(path[i].to, i + 2);
    }
    cr_assert_eq(path[3].from, 0, "nothing written past max");
}

/* Long enough that the BFS queue has to grow past its first allocation. */
Test(graph, long_chain_and_wide_fanout)
{
    for (uint32_t i = 1; i < 5000; i++)
        add(i, i + 1, UL_WRITE, UL_WRITE);
    cr_assert_eq(cycle(1, UL_WRITE, 5000, UL_WRITE), 4999);
    /* Fan-out: 5001 -> 5002..5999, each -> 1; the target 5000 is far away. */
    for (uint32_t i = 5002; i < NNODES; i++) {
        add(5001, i, UL_WRITE, UL_WRITE);
        add(i, 1, UL_WRITE, UL_WRITE);
    }
    cr_assert_eq(cycle(5001, UL_WRITE, 5000, UL_WRITE), 5001);
}

/* The strong-path rule: -(xR)-> followed by -(Sx)-> is not followed. */
Test(graph, strong_path_rules)
{
    /* 1 -(ER)-> 2 -(SR)-> 3: not strong. */
    add(1, 2, UL_WRITE, UL_RREAD);
    add(2, 3, UL_RREAD, UL_RREAD);
    cr_assert_eq(cycle(1, UL_WRITE, 3, UL_WRITE), 0);
    /* 1 -(ER)-> 4 -(EN)-> 5: strong. */
    add(1, 4, UL_WRITE, UL_RREAD);
    add(4, 5, UL_WRITE, UL_WRITE);
    cr_assert_eq(cycle(1, UL_WRITE, 5, UL_WRITE), 2);
    /* 1 -(EN)-> 6 -(SR)-> 7: strong (only an R arrival restricts the next hop). */
    add(1, 6, UL_WRITE, UL_WRITE);
    add(6, 7, UL_READ, UL_RREAD);
    cr_assert_eq(cycle(1, UL_WRITE, 7, UL_WRITE), 2);
    /* An edge that carries both R and N kinds is followed as its strongest (N) kind. */
    add(1, 8, UL_WRITE, UL_RREAD);
    add(1, 8, UL_WRITE, UL_WRITE);
    add(8, 9, UL_READ, UL_WRITE);
    cr_assert_eq(cycle(1, UL_WRITE, 9, UL_WRITE), 2);
}

Test(graph, strong_path_rules_at_the_junctions)
{
    /* Start junction: the new edge arrives at src as a recursive read (src_mode RREAD);
     * the path must not leave src -(Sx)->. */
    add(1, 2, UL_READ, UL_WRITE);                          /* 1 -(SN)-> 2 */
    cr_assert_eq(cycle(1, UL_RREAD, 2, UL_WRITE), 0);
    cr_assert_eq(cycle(1, UL_READ, 2, UL_WRITE), 1);
    cr_assert_eq(cycle(1, UL_WRITE, 2, UL_WRITE), 1);
    add(3, 4, UL_WRITE, UL_WRITE);                         /* 3 -(EN)-> 4 */
    cr_assert_eq(cycle(3, UL_RREAD, 4, UL_WRITE), 1);

    /* Closing junction: the path arrives at dst -(xR)->; the new edge leaves dst as a
     * reader (dst_mode READ/RREAD) -(Sx)->: not a deadlock; as a writer it is. */
    add(5, 6, UL_WRITE, UL_RREAD);                         /* 5 -(ER)-> 6 */
    cr_assert_eq(cycle(5, UL_WRITE, 6, UL_RREAD), 0);
    cr_assert_eq(cycle(5, UL_WRITE, 6, UL_READ), 0);
    cr_assert_eq(cycle(5, UL_WRITE, 6, UL_WRITE), 1);
    add(7, 8, UL_WRITE, UL_READ);                          /* 7 -(EN)-> 8 */
    cr_assert_eq(cycle(7, UL_WRITE, 8, UL_RREAD), 1);

    /* dst reachable both ways: the weak arrival is skipped, the strong one found. */
    add(10, 11, UL_WRITE, UL_RREAD);                       /* 10 -(ER)-> 11 (weak at dst) */
    add(10, 12, UL_WRITE, UL_WRITE);
    add(12, 13, UL_WRITE, UL_WRITE);
    add(13, 11, UL_WRITE, UL_WRITE);                       /* 10 -> 12 -> 13 -(EN)-> 11 */
    struct ul_path_step path[8];
    cr_assert_eq(ul_graph_find_cycle(&g, 10, UL_WRITE, 11, UL_RREAD, path, 8), 3);
    cr_assert_eq(path[0].to, 12);
    cr_assert_eq(path[2].to, 11);
}

/* ul_graph_find_path (the signal-order search): strong paths only, src_exclusive keeps the
 * first hop to -(Ex)->, and match is told whether the node was reached only by -(xR)->. */
struct want_node {
    uint32_t id;
    int via_rread; /* -1: until the match, record it */
};

static bool match_node(uint32_t id, bool via_rread, void *arg)
{
    struct want_node *w = arg;
    if (id != w->id)
        return false;
    w->via_rread = via_rread;
    return true;
}

static int path_to(uint32_t src, bool exclusive, struct want_node *w)
{
    struct ul_path_step path[16];
    w->via_rread = -1;
    return ul_graph_find_path(&g, src, exclusive, match_node, w, path, 16);
}

Test(graph, find_path_strong_and_exclusive_start)
{
    add(1, 2, UL_READ, UL_WRITE);      /* 1 -(SN)-> 2: 1 held as a reader */
    struct want_node w = { 2, -1 };
    cr_assert_eq(path_to(1, false, &w), 1);
    cr_assert_eq(w.via_rread, 0);
    cr_assert_eq(path_to(1, true, &w), 0, "an exclusive start does not leave 1 -(Sx)->");
    add(1, 2, UL_WRITE, UL_WRITE);     /* and now also -(EN)-> */
    cr_assert_eq(path_to(1, true, &w), 1);

    add(3, 4, UL_WRITE, UL_RREAD);     /* 3 -(ER)-> 4 -(SN)-> 5: not strong */
    add(4, 5, UL_READ, UL_WRITE);
    w = (struct want_node){ 5, -1 };
    cr_assert_eq(path_to(3, false, &w), 0);
    w = (struct want_node){ 4, -1 };
    cr_assert_eq(path_to(3, false, &w), 1);
    cr_assert_eq(w.via_rread, 1, "4 is reached only as a recursive reader");
    add(4, 5, UL_WRITE, UL_WRITE);     /* 4 -(EN)-> 5: strong */
    w = (struct want_node){ 5, -1 };
    cr_assert_eq(path_to(3, false, &w), 2);
    cr_assert_eq(w.via_rread, 0);
}

/* A node first reached weakly (via -(xR)->) must be expanded again when reached strongly. */
Test(graph, node_revisited_when_reached_strongly)
{
    add(1, 2, UL_WRITE, UL_RREAD);     /* 1 -(ER)-> 2 : reaches 2 weakly, first */
    add(1, 3, UL_WRITE, UL_WRITE);
    add(3, 2, UL_WRITE, UL_WRITE);     /* 1 -> 3 -(EN)-> 2 : reaches 2 strongly, later */
    add(2, 4, UL_READ, UL_WRITE);      /* 2 -(SN)-> 4 : only usable after a strong arrival */
    struct ul_path_step path[8];
    int n = ul_graph_find_cycle(&g, 1, UL_WRITE, 4, UL_WRITE, path, 8);
    cr_assert_eq(n, 3);
    cr_assert_eq(path[0].to, 3);
    cr_assert_eq(path[1].to, 2);
    cr_assert_eq(path[2].to, 4);
}

/* The kernel's three-lock read-recursion table as graph queries. W1R2 means "1 held as a
 * writer, 2 taken as a recursive reader": the edge 1 -> 2. The last event is the new edge
 * prev -> next, the query looks for next -> ... -> prev. */
struct ev { uint32_t from, to; unsigned from_mode, to_mode; };

static bool table_cycle(const struct ev e[3], int closing)
{
    memset(nodes, 0, sizeof nodes);
    g = (struct ul_graph){ .node = node_of };
    for (int i = 0; i < 3; i++)
        if (i != closing)
            add(e[i].from, e[i].to, e[i].from_mode, e[i].to_mode);
    const struct ev *c = &e[closing];
    return cycle(c->to, c->to_mode, c->from, c->from_mode) > 0;
}

Test(graph, kernel_three_lock_read_recursion_table)
{
    const unsigned W = UL_WRITE, R = UL_RREAD;
    const struct ev w1r2_w2r3_w3r1[3] = { { 1, 2, W, R }, { 2, 3, W, R }, { 3, 1, W, R } };
    const struct ev w1w2_r2r3_w3r1[3] = { { 1, 2, W, W }, { 2, 3, R, R }, { 3, 1, W, R } };
    const struct ev w1w2_r2r3_r3w1[3] = { { 1, 2, W, W }, { 2, 3, R, R }, { 3, 1, R, W } };
    const struct ev w1r2_r2r3_w3w1[3] = { { 1, 2, W, R }, { 2, 3, R, R }, { 3, 1, W, W } };
    for (int closing = 0; closing < 3; closing++) {
        cr_assert(table_cycle(w1r2_w2r3_w3r1, closing), "W1R2/W2R3/W3R1 closing with %d", closing);
        cr_assert(table_cycle(w1w2_r2r3_w3r1, closing), "W1W2/R2R3/W3R1 closing with %d", closing);
        cr_assert_not(table_cycle(w1w2_r2r3_r3w1, closing), "W1W2/R2R3/R3W1 closing with %d", closing);
        cr_assert_not(table_cycle(w1r2_r2r3_w3w1, closing), "W1R2/R2R3/W3W1 closing with %d", closing);
    }
}

Test(graph, retired_node_edges_are_ignored)
{
    add(1, 2, UL_WRITE, UL_WRITE);
    add(2, 3, UL_WRITE, UL_WRITE);
    cr_assert_eq(cycle(1, UL_WRITE, 3, UL_WRITE), 2);

    uint32_t old_gen = nodes[2].gen;
    ul_graph_retire_node(&nodes[2]);
    cr_assert_eq(nodes[2].gen, old_gen + 1);
    cr_assert_eq(nodes[2].nout, 0);
    cr_assert_null(nodes[2].out);
    /* 1 -> 2 is now stale (made for the old generation), 2 -> 3 is gone. */
    cr_assert_eq(cycle(1, UL_WRITE, 3, UL_WRITE), 0);
    cr_assert_eq(cycle(1, UL_WRITE, 2, UL_WRITE), 0);

    /* The reused node: fresh edges with the new generation count again. */
    add(2, 3, UL_WRITE, UL_WRITE);
    cr_assert_eq(cycle(1, UL_WRITE, 3, UL_WRITE), 0, "the stale edge into 2 still does not count");
    cr_assert_eq(add(1, 2, UL_WRITE, UL_WRITE), 1, "an edge to the new generation is a new edge");
    cr_assert_eq(cycle(1, UL_WRITE, 3, UL_WRITE), 2);
}

Test(graph, unknown_source_node)
{
    struct ul_path_step path[2];
    cr_assert_eq(ul_graph_find_cycle(&g, NNODES + 5, UL_WRITE, 1, UL_WRITE, path, 2), 0);
}
