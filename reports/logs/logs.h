/* The shim's JSON logs read back (format=json, or text,json), for `ulockdep report`, `stress`
 * and the fuzzer: one pipeline. Load (report_load.c, json-c) -> symbolise what the shim
 * could not (report_symbolize.c) -> merge identical problems across processes and runs
 * (report_dedup.c, the one rule) -> render (one report_<format>.c per output format; text
 * splats rebuilt from JSON use the shim's circular layout). report_kinds.c reads the one
 * table of report kinds; report_util.c holds the JSON helpers; supp_cli.c applies a
 * suppressions file to what the tools show. */
#ifndef ULOCKDEP_REPORTS_LOGS_H
#define ULOCKDEP_REPORTS_LOGS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "strbuf.h"

/* ---- options ------------------------------------------------------------------------ */

struct cli_supp;

struct rp_options {
    const char *format;        /* text, json, sarif, dot, svg, html */
    const char *output;        /* -o FILE, NULL: stdout */
    const char *srcroot;       /* repository root (absolute, resolved): SARIF URIs, HTML paths */
    const char *source_url;    /* --source-url: a frame's link, {path} and {line} filled in */
    bool gen_suppressions;
    bool symbolize;            /* symbolise frames the shim left as module+offset */
    const char **module_dirs;  /* --module-dir: where to look for modules by name */
    size_t nmodule_dirs;
    struct cli_supp *supp;     /* --suppressions FILE, or NULL */
    bool keep_messages;        /* keep the shim's "ulockdep: ..." lines (rp_set.messages) */
};

/* ---- kinds (report_kinds.c) ------------------------------------------------------- */

struct rp_kind {
    const char *kind;          /* JSON "kind" */
    const char *rule_name;     /* SARIF rule name, PascalCase */
    const char *title;         /* the text title (held_at_exit: with <comm>/<tid>) */
    const char *short_desc;
    const char *full_desc;
    const char *level;         /* SARIF level: error, warning */
};

/* The table entry of a report kind, NULL for a kind this version does not know. */
const struct rp_kind *rp_kind_find(const char *kind);
/* All kinds, in the order of the contract table (SARIF rule indices). */
const struct rp_kind *rp_kinds(size_t *n);

/* ---- one merged problem (report_dedup.c) ------------------------------------------- */

/* A process that made a report: pids repeat across runs and machines, so the log file
 * is part of its identity. */
struct rp_run {
    long pid;
    char *exe;
    char *cmdline;
    char *log;
    unsigned count;
    unsigned source;           /* rp_set.source when it was read (`ulockdep stress`: the run) */
};

struct rp_problem {
    json_object *obj;          /* the first report seen (owned): symbolised, "text" patched */
    char *key;                 /* what makes two reports the same problem */
    char fingerprint[33];      /* hex hash of key: stable across runs and machines */
    char *where;               /* "FILE:LINE" of its first report */
    unsigned count;            /* reports merged into it */
    struct rp_run *runs;
    size_t nruns, capruns;
};

/* lock_stat=1's per-process "lock_stat" lines, summed per class (name and type). */
struct rp_lockstat_class {
    char *name, *type;
    unsigned long long acq, cont, wait_total, wait_max, hold_total, hold_max;
    unsigned processes;        /* processes whose table listed it */
};

struct rp_set {
    struct rp_problem *v;
    size_t n, cap;
    struct rp_lockstat_class *ls;
    size_t nls, capls;
    unsigned ls_processes;     /* processes those lines speak for (a summed line counts several) */
    unsigned ls_lines;         /* lock_stat lines read */
    unsigned reports;          /* valid reports read */
    unsigned suppressed;       /* valid reports hidden by --suppressions */
    unsigned files;            /* log files read */
    unsigned skipped;          /* lines skipped with a warning */
    unsigned unusable;         /* files with content but no usable ulockdep JSON (exit 2) */
    unsigned source;           /* set by the caller: which input the next reports come from */
    char **messages;           /* distinct "ulockdep: ..." lines (rp_options.keep_messages) */
    size_t nmessages;
};

/* Adds one report (takes ownership of obj) read from file:line. */
void rp_set_add(struct rp_set *set, json_object *obj, const char *file, unsigned line);
void rp_set_free(struct rp_set *set);

/* report_lockstat.c: adds a "lock_stat" line (not a report: it never makes the exit status
 * 1); renders the summed table as text, or as one "lock_stat" JSON line that reads back. */
void rp_lockstat_add(struct rp_set *set, json_object *obj);
void rp_lockstat_text(FILE *out, const struct rp_set *set);
void rp_lockstat_json(FILE *out, const struct rp_set *set);
void rp_lockstat_free(struct rp_set *set);
/* Number of distinct processes over all problems. */
size_t rp_set_processes(const struct rp_set *set);

/* ---- loading (report_load.c) -------------------------------------------------------- */

/* Reads every JSON report of path (a file, a directory of log files, or "-" for stdin),
 * symbolises and adds them to set. Lines that are not reports are skipped with a one-line
 * warning naming the file and line. Returns -1 if path cannot be read (after saying why). */
int rp_load_path(struct rp_set *set, const char *path, const struct rp_options *opt);
/* The same for one open stream, named `name` in warnings (fuzz/fuzz_json_log.c). */
int rp_load_stream(struct rp_set *set, FILE *f, const char *name, const struct rp_options *opt);

/* ---- symbolisation (report_symbolize.c) ---------------------------------------------- */

/* Fills function/file/line of frames that lack them, and names locks that the shim could
 * only name by address or module+offset, from the modules on this machine whose build-id
 * matches; patches the report's "text" to match. */
void rp_symbolize_report(json_object *report, const struct rp_options *opt);
void rp_symbolizer_free(void);

/* ---- JSON helpers (report_util.c) -------------------------------------------------- */

const char *rp_str(json_object *o, const char *key);      /* NULL unless a string */
long rp_int(json_object *o, const char *key, long def);    /* def unless an integer */
json_object *rp_arr(json_object *o, const char *key);     /* NULL unless an array */
json_object *rp_obj(json_object *o, const char *key);     /* NULL unless an object */
bool rp_is_frame(json_object *o);                          /* has "module" and "offset" */

/* Calls fn for every stack frame anywhere in the report (locks' "at", stacks, ...). */
void rp_for_each_frame(json_object *report, void (*fn)(json_object *frame, void *arg), void *arg);

/* "func file.c:12 [mod+0x12]" style one-line description of a frame into buf. */
const char *rp_frame_label(json_object *frame, char *buf, size_t len);
/* The frame's function, or "module+0xoff", or "?" (buf used when needed). */
const char *rp_frame_function(json_object *frame, char *buf, size_t len);
const char *rp_basename(const char *path);
/* path relative to the current directory when inside it ("./a.out"), else path. */
const char *rp_display_path(const char *path, char *buf, size_t len);

/* The report's title: "title", or the kind's. */
const char *rp_title(json_object *report);
/* "A -> B -> A" for a cycle, else the lock names joined by ", " (malloc'd). */
char *rp_lock_summary(json_object *report);
/* "(seen 3 times in 2 processes: pid 12 ./a.out, ...)" (malloc'd). */
char *rp_seen_line(const struct rp_problem *p);
/* The first frame of the reporting stack that is in the program (not in a system library or
 * the shim), or NULL. */
json_object *rp_program_frame(json_object *report);
/* The text splat: the shim's "text", else one rebuilt from the JSON fields (malloc'd). */
char *rp_report_text(json_object *report);

/* What a deadlocked thread ("threads" of a deadlock report) waits for, in words:
 * "blocked acquiring lock_b", "waiting on not_empty", "waiting for thread 12 to exit". */
const char *rp_thread_wait(json_object *thread, char *buf, size_t len);

/* Every stack of a report, each with a heading saying what it is: a cycle's dependencies
 * (kernel numbering, "#N" from the newest), a signal chain's, the "*_stack" fields (where a
 * usage was first seen), each blocked thread of a deadlock, and last the reporting thread's
 * backtrace. Empty stacks are skipped. */
void rp_for_each_stack(json_object *report,
                       void (*fn)(const char *heading, json_object *frames, void *arg), void *arg);

/* Text is built in the reports' growing strings (reports/strbuf.h). */
void rp_html_escape(struct ul_strbuf *b, const char *s);
char *rp_take(struct ul_strbuf *b);   /* the string (never NULL; exits when out of memory), b reset */

void *rp_xmalloc(size_t n);
void *rp_xrealloc(void *p, size_t n);
char *rp_xstrdup(const char *s);

/* Warnings go to stderr as one "ulockdep report: ..." line (control characters taken from
 * the input shown as '?'), or to rp_warn_hook when set (the text without the prefix; at
 * most 1023 bytes). */
void rp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern void (*rp_warn_hook)(const char *msg);

/* ---- renderers: each writes the whole output to out; 0 on success ---------------------- */

int rp_render_text(FILE *out, const struct rp_set *set, const struct rp_options *opt);
int rp_render_json(FILE *out, const struct rp_set *set, const struct rp_options *opt);
/* report_json.c: one JSON object on a line, as every JSON line the tools write. */
void rp_print_json_line(FILE *out, json_object *o);
/* The processes that reported a problem: [{pid, exe, cmdline, log, count}]. */
json_object *rp_runs_json(const struct rp_problem *p);
int rp_render_sarif(FILE *out, const struct rp_set *set, const struct rp_options *opt);
int rp_render_dot(FILE *out, const struct rp_set *set, const struct rp_options *opt);
int rp_render_svg(FILE *out, const struct rp_set *set, const struct rp_options *opt);
/* The file as a path relative to srcroot (malloc'd), or NULL when it is not inside it. A
 * relative file name (DWARF without a compilation directory) counts only if it exists there. */
char *rp_repo_path(const char *file, const char *srcroot);
int rp_render_html(FILE *out, const struct rp_set *set, const struct rp_options *opt);
int rp_render_suppressions(FILE *out, const struct rp_set *set, const struct rp_options *opt);

/* report_dot.c: the DOT of some problems (all of the set, or just one). */
char *rp_dot_graph(const struct rp_problem *const *problems, size_t n, const char *title);
/* Runs Graphviz `dot -Tsvg` (or $ULOCKDEP_DOT) on dot; the SVG (malloc'd) or NULL after
 * printing why. */
char *rp_dot_to_svg(const char *dot);

/* report_suppress.c: the suppression pattern of a problem (malloc'd). */
char *rp_suppression_pattern(json_object *report);
/* Is the report hidden by --suppressions (counted there)? Its every frame and lock name is
 * matched, as the shim matches a problem. */
bool rp_report_suppressed(json_object *report, struct cli_supp *supp);

#endif
