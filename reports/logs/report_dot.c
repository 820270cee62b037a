/* `ulockdep report --format=dot|svg`: the lock-class graph of the problems. Nodes are the
 * locks the reports name; edges are the dependencies the reports show: every edge of a cycle
 * (red, labelled with the first frame of the stack where that dependency was first seen),
 * a recursive acquisition (red self-loop), and the order of the locks a thread held (grey).
 * SVG is the DOT laid out by Graphviz's `dot -Tsvg` run as a child process ($ULOCKDEP_DOT
 * names another binary). */
#include "logs.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct edge {
    char *from, *to, *label;
    bool cycle;   /* part of a problem: red */
};

struct graph {
    char **nodes;
    bool *hot;    /* node on a red edge */
    size_t nn, capn;
    struct edge *edges;
    size_t ne, cape;
};

static size_t node(struct graph *g, const char *name)
{
    for (size_t i = 0; i < g->nn; i++)
        if (!strcmp(g->nodes[i], name))
            return i;
    if (g->nn == g->capn) {
        g->capn = g->capn ? 2 * g->capn : 16;
        g->nodes = rp_xrealloc(g->nodes, g->capn * sizeof *g->nodes);
        g->hot = rp_xrealloc(g->hot, g->capn * sizeof *g->hot);
    }
    g->nodes[g->nn] = rp_xstrdup(name);
    g->hot[g->nn] = false;
    return g->nn++;
}

static char *edge_label(json_object *frame)
{
    char label[1024] = "", fb[512];
    if (frame) {
        const char *file = rp_str(frame, "file");
        long line = rp_int(frame, "line", 0);
        if (file && line > 0)
            snprintf(label, sizeof label, "%s\n%s:%ld", rp_frame_function(frame, fb, sizeof fb), rp_basename(file),
                     line);
        else
            snprintf(label, sizeof label, "%s", rp_frame_function(frame, fb, sizeof fb));
    }
    return rp_xstrdup(label);
}

/* Adds from -> to once; a cycle edge wins over a plain one (colour and label). */
static void edge(struct graph *g, const char *from, const char *to, json_object *frame, bool cycle)
{
    if (!from || !to)
        return;
    size_t a = node(g, from), b = node(g, to);
    if (cycle)
        g->hot[a] = g->hot[b] = true;
    for (size_t i = 0; i < g->ne; i++) {
        struct edge *e = &g->edges[i];
        if (strcmp(e->from, from) || strcmp(e->to, to))
            continue;
        if (cycle && !e->cycle) {
            e->cycle = true;
            free(e->label);
            e->label = edge_label(frame);
        }
        return;
    }
    if (g->ne == g->cape) {
        g->cape = g->cape ? 2 * g->cape : 16;
        g->edges = rp_xrealloc(g->edges, g->cape * sizeof *g->edges);
    }
    g->edges[g->ne++] = (struct edge){ rp_xstrdup(from), rp_xstrdup(to), edge_label(frame), cycle };
}

static json_object *first_frame(json_object *stack)
{
    return stack && json_object_array_length(stack) ? json_object_array_get_idx(stack, 0) : NULL;
}

static void add_problem(struct graph *g, json_object *r)
{
    const char *kind = rp_str(r, "kind");
    json_object *locks = rp_arr(r, "locks"), *held = rp_arr(r, "held"), *cycle = rp_arr(r, "cycle");
    size_t nl = locks ? json_object_array_length(locks) : 0;
    for (size_t i = 0; i < nl; i++) {
        const char *name = rp_str(json_object_array_get_idx(locks, i), "name");
        if (name)
            node(g, name);
    }
    size_t nc = cycle ? json_object_array_length(cycle) : 0;
    for (size_t i = 0; i < nc; i++) {
        json_object *e = json_object_array_get_idx(cycle, i);
        edge(g, rp_str(e, "from"), rp_str(e, "to"), first_frame(rp_arr(e, "stack")), true);
    }
    json_object *chain = rp_arr(r, "chain"); /* signal_unsafe_order: safe -> ... -> unsafe */
    for (size_t i = 0; chain && i < json_object_array_length(chain); i++) {
        json_object *e = json_object_array_get_idx(chain, i);
        edge(g, rp_str(e, "from"), rp_str(e, "to"), first_frame(rp_arr(e, "stack")), true);
    }
    /* deadlock: each blocked thread waits for a lock while holding others */
    json_object *threads = rp_arr(r, "threads");
    for (size_t i = 0; threads && i < json_object_array_length(threads); i++) {
        json_object *t = json_object_array_get_idx(threads, i), *w = rp_obj(t, "waiting_for");
        json_object *holding = rp_arr(t, "holding");
        for (size_t j = 0; w && holding && j < json_object_array_length(holding); j++)
            edge(g, rp_str(json_object_array_get_idx(holding, j), "name"), rp_str(w, "name"), rp_obj(w, "at"), true);
    }
    if (!strcmp(kind, "recursive") && nl >= 2) {
        json_object *target = json_object_array_get_idx(locks, 0);
        edge(g, rp_str(json_object_array_get_idx(locks, 1), "name"), rp_str(target, "name"), rp_obj(target, "at"),
             true);
    }
    size_t nh = held ? json_object_array_length(held) : 0;
    for (size_t i = 0; i + 1 < nh; i++) {
        json_object *to = json_object_array_get_idx(held, i + 1);
        const char *a = rp_str(json_object_array_get_idx(held, i), "name"), *b = rp_str(to, "name");
        if (a && b && strcmp(a, b))
            edge(g, a, b, rp_obj(to, "at"), false);
    }
}

/* A DOT quoted string: quotes and backslashes escaped, newlines as \n (centred lines). */
static void dot_string(struct ul_strbuf *b, const char *s)
{
    ul_sb_puts(b, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            ul_sb_printf(b, "\\%c", *s);
        else if (*s == '\n')
            ul_sb_puts(b, "\\n");
        else
            ul_sb_putn(b, s, 1);
    }
    ul_sb_puts(b, "\"");
}

char *rp_dot_graph(const struct rp_problem *const *problems, size_t n, const char *title)
{
    struct graph g = { 0 };
    for (size_t i = 0; i < n; i++)
        add_problem(&g, problems[i]->obj);
    struct ul_strbuf b = { 0 };
    ul_sb_puts(&b, "digraph ulockdep {\n"
                "  graph [rankdir=LR, nodesep=0.5, ranksep=1.1, fontname=\"Helvetica\", fontsize=12, labelloc=t, label=");
    dot_string(&b, title);
    ul_sb_puts(&b, "];\n"
                "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f6f8\", color=\"#5b6770\", "
                "fontname=\"Helvetica\", fontsize=12];\n"
                "  edge [fontname=\"Helvetica\", fontsize=10, color=\"#8a949c\", fontcolor=\"#5b6770\"];\n");
    for (size_t i = 0; i < g.nn; i++) {
        ul_sb_puts(&b, "  ");
        dot_string(&b, g.nodes[i]);
        if (g.hot[i])
            ul_sb_puts(&b, " [color=\"#c62828\", fillcolor=\"#fdecea\", penwidth=1.5]");
        ul_sb_puts(&b, ";\n");
    }
    for (size_t i = 0; i < g.ne; i++) {
        struct edge *e = &g.edges[i];
        ul_sb_puts(&b, "  ");
        dot_string(&b, e->from);
        ul_sb_puts(&b, " -> ");
        dot_string(&b, e->to);
        ul_sb_puts(&b, e->cycle ? " [color=\"#d32f2f\", fontcolor=\"#b71c1c\", penwidth=2.2, label="
                             : " [style=dashed, label=");
        dot_string(&b, e->label ? e->label : "");
        ul_sb_puts(&b, "];\n");
        free(e->from);
        free(e->to);
        free(e->label);
    }
    if (g.ne) /* what the two kinds of arrow mean, in the picture itself (also the standalone SVG) */
        ul_sb_puts(&b, "  subgraph cluster_legend {\n"
                    "    label=\"legend\"; fontsize=10; fontcolor=\"#5b6770\"; color=\"#d0d7de\"; style=rounded;\n"
                    "    node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontsize=9, width=0.3, "
                    "height=0.2, margin=\"0.04,0.02\"];\n"
                    "    edge [fontsize=9];\n"
                    "    legend_a1 [label=\"A\"]; legend_b1 [label=\"B\"]; legend_a2 [label=\"A\"]; "
                    "legend_b2 [label=\"B\"];\n"
                    "    legend_a1 -> legend_b1 [color=\"#d32f2f\", fontcolor=\"#b71c1c\", penwidth=2.2, "
                    "label=\"dependency the report is about: B taken while A was held\"];\n"
                    "    legend_a2 -> legend_b2 [style=dashed, label=\"order of locks the thread held\"];\n"
                    "  }\n");
    ul_sb_puts(&b, "}\n");
    for (size_t i = 0; i < g.nn; i++)
        free(g.nodes[i]);
    free(g.nodes);
    free(g.hot);
    free(g.edges);
    return rp_take(&b);
}

static char *all_problems_dot(const struct rp_set *set)
{
    const struct rp_problem **v = rp_xmalloc((set->n ? set->n : 1) * sizeof *v);
    for (size_t i = 0; i < set->n; i++)
        v[i] = &set->v[i];
    char title[128];
    if (set->n)
        snprintf(title, sizeof title, "ulockdep: lock classes of %zu problem%s", set->n, set->n == 1 ? "" : "s");
    else
        snprintf(title, sizeof title, "ulockdep: no problems");
    char *dot = rp_dot_graph(v, set->n, title);
    free(v);
    return dot;
}

int rp_render_dot(FILE *out, const struct rp_set *set, const struct rp_options *opt)
{
    char *dot = all_problems_dot(set);
    fputs(dot, out);
    free(dot);
    return 0;
}

static bool write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        s += w;
        n -= (size_t)w;
    }
    return true;
}

char *rp_dot_to_svg(const char *dot)
{
    const char *prog = getenv("ULOCKDEP_DOT");
    if (!prog || !*prog)
        prog = "dot";
    /* The input goes through a file, so only one pipe needs draining (no deadlock). */
    const char *tmpdir = getenv("TMPDIR");
    char in_path[4096];
    snprintf(in_path, sizeof in_path, "%s/ulockdep-dot-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int in_fd = mkstemp(in_path);
    if (in_fd < 0) {
        rp_warn("cannot create a temporary file for Graphviz: %s", strerror(errno));
        return NULL;
    }
    bool written = write_all(in_fd, dot, strlen(dot));
    close(in_fd);
    int pipefd[2];
    if (!written || pipe2(pipefd, O_CLOEXEC) < 0) {
        rp_warn("cannot prepare Graphviz input: %s", strerror(errno));
        unlink(in_path);
        return NULL;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    char *argv[] = { (char *)prog, "-Tsvg", in_path, NULL };
    pid_t pid;
    int rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc) {
        rp_warn("cannot run Graphviz '%s': %s; SVG pictures need Graphviz (Debian: apt-get install graphviz)", prog,
                strerror(rc));
        close(pipefd[0]);
        unlink(in_path);
        return NULL;
    }
    struct ul_strbuf b = { 0 };
    char chunk[65536];
    ssize_t n;
    while ((n = read(pipefd[0], chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        ul_sb_putn(&b, chunk, (size_t)n);
    }
    close(pipefd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    unlink(in_path);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !b.s || !strstr(b.s, "<svg")) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            rp_warn("cannot run Graphviz '%s'; SVG pictures need Graphviz (Debian: apt-get install graphviz)", prog);
        else
            rp_warn("Graphviz '%s -Tsvg' failed (%s %d)", prog, WIFEXITED(status) ? "exit status" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        free(b.s);
        return NULL;
    }
    return rp_take(&b);
}

int rp_render_svg(FILE *out, const struct rp_set *set, const struct rp_options *opt)
{
    char *dot = all_problems_dot(set);
    char *svg = rp_dot_to_svg(dot);
    free(dot);
    if (!svg)
        return -1;
    fputs(svg, out);
    free(svg);
    return 0;
}
