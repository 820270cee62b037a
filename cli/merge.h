/* ulockdep merge: cross-run lock graphs (docs/cross-run.md).
 *   merge_file.c    reads and checks one graph file written by the shim (graph_dir=DIR)
 *   merge_db.c      the SQLite database the files are folded into
 *   merge_cycles.c  cycles of the union graph that no single run saw
 *   merge_render.c  those cycles as kernel-style circular splats or JSON lines
 *   cmd_merge.c     the command; merge_run() is also what `ulockdep stress` ends with. */
#ifndef ULOCKDEP_CLI_MERGE_H
#define ULOCKDEP_CLI_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- merge_file.c ---- */

#define GRAPH_FILE_SUFFIX ".ulg"

struct graph_class {
    uint32_t id;            /* within the file */
    const char *kind;       /* "mutex", "rwlock", ... */
    unsigned usage;         /* 1 taken as a writer, 2 as a reader */
    char *ident;            /* identity across runs (unescaped) */
    char *name;             /* display name (unescaped) */
};

struct graph_stack {
    uint32_t id;            /* within the file */
    const char *frames;     /* as written: escaped frames separated by ';' */
};

struct graph_edge {
    uint32_t from, to;      /* class ids of the file */
    unsigned dep;           /* UL_DEP_* bits */
    uint32_t stack;         /* stack id of the file, 0 for none */
};

struct graph_file {
    char *data;             /* the file's bytes; the records point into it */
    size_t size;
    char hash[33];          /* hex content hash: a file merged before is skipped */
    long pid, ppid;
    long long start;
    char *host, *exe, *cmd;
    struct graph_class *classes;
    size_t nclasses;
    struct graph_stack *stacks;
    size_t nstacks;
    struct graph_edge *edges;
    size_t nedges;
};

/* Reads and checks a whole graph file. On failure returns false with a message in err and
 * the 1-based line at fault in *line (0 when not about a line). */
bool graph_file_read(const char *path, struct graph_file *g, char *err, size_t errlen, long *line);
void graph_file_free(struct graph_file *g);

/* Hex content hash (32 digits + NUL). */
void graph_hash(const char *data, size_t n, char out[33]);

/* Field text of the format: separators and control bytes written as "\xHH" (NULL: empty). */
void graph_escape(FILE *out, const char *s);
/* Field text of the format: "\xHH" escapes decoded into out (at most len-1 bytes). */
void graph_unescape(const char *s, size_t n, char *out, size_t len);

/* One frame of an escaped "frame;frame;..." list. */
struct graph_frame {
    char key[200], module[256], function[512], file[1024];
    unsigned long func_off, func_size;
    int line;
};
/* Decodes the next frame from *p (advanced past it); false at the end. */
bool graph_next_frame(const char **p, struct graph_frame *f);

/* ---- merge_db.c ---- */

struct merge_db;

struct merge_db *merge_db_open(const char *path);   /* prints why on failure */
void merge_db_close(struct merge_db *db);
/* Was this path merged before with this size and modification time? (Saves reading it.) */
bool merge_db_has_file(struct merge_db *db, const char *path, long long size, long long mtime);
/* Folds one checked file in, in one transaction. 1 added, 0 merged before (same content),
 * -1 error. */
int merge_db_add(struct merge_db *db, const char *path, long long mtime, const struct graph_file *g);

struct merge_counts {
    long long runs, classes, edges, stacks, frames;
};
void merge_db_counts(struct merge_db *db, struct merge_counts *c);

struct union_class {
    long long id;
    char *ident, *name, *kind;
    unsigned usage;
};
struct union_edge {
    long long id;
    uint32_t from, to;      /* indexes into the class array */
    unsigned dep;
};
struct union_graph {
    struct union_class *classes;
    size_t nclasses;
    struct union_edge *edges;   /* sorted by from */
    size_t nedges;
};
bool merge_db_load(struct merge_db *db, struct union_graph *ug);
void union_graph_free(struct union_graph *ug);

struct edge_run {
    long long run_id;
    long pid;
    long long start;
    char *host, *cmd, *exe, *file;
    unsigned dep;           /* the kinds of dependency this run saw */
    char *frames;           /* escaped frames of the stack, or NULL */
};
/* The ids of every run that recorded the edge, ascending (caller frees *ids). */
bool merge_db_edge_run_ids(struct merge_db *db, long long edge_id, long long **ids, size_t *n);
/* What run `run_id` recorded of the edge. */
bool merge_db_edge_run(struct merge_db *db, long long edge_id, long long run_id, struct edge_run *out);
void edge_run_free(struct edge_run *r);

/* ---- merge_cycles.c ---- */

struct xcycle_step {
    uint32_t from, to;              /* class indexes */
    long long edge_id;
    unsigned dep;                   /* union of the runs' kinds of dependency */
    size_t nruns;                   /* runs that have this edge */
    struct edge_run shown;          /* the one shown (the first merged) */
};
struct xcycle {
    struct xcycle_step *steps;      /* steps[i].to == steps[i+1].from, last.to == first.from */
    size_t n;
};
/* The shortest cycles of the union graph (one per set of classes) whose dependencies no
 * single run has all of. */
bool find_cross_run_cycles(struct merge_db *db, const struct union_graph *ug, struct xcycle **out, size_t *n);
void xcycle_clear(struct xcycle *c);              /* one cycle's contents */
void xcycles_free(struct xcycle *c, size_t n);    /* contents and the array */

/* ---- merge_render.c ---- */

void render_cross_text(FILE *out, const struct union_graph *ug, const struct xcycle *c, unsigned seq,
                       const char *db_path);
void render_cross_json(FILE *out, const struct union_graph *ug, const struct xcycle *c, unsigned seq,
                       const char *db_path);

/* ---- cmd_merge.c ---- */

enum merge_format { MERGE_TEXT, MERGE_JSON };
struct cli_supp;
struct merge_opts {
    const char *db;
    char **inputs;                  /* directories (searched recursively) and files */
    size_t ninputs;
    enum merge_format format;
    bool quiet;                     /* no summary on stderr */
    const char *heading;            /* printed once before the first cycle (text) */
    struct cli_supp *supp;          /* --suppressions: cycles it matches are not reported */
    size_t *skipped;                /* if set: out, input files that were not graph files */
};
/* Merges the inputs and prints the cross-run cycles to out. Returns the number of cycles
 * printed, or -1 on an error (already printed). */
long merge_run(const struct merge_opts *o, FILE *out);

#endif
