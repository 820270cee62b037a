/* A cross-run cycle as a circular splat in the shim's layout (reports/circular_layout.c), with
 * each dependency saying which run recorded it, and as one JSON line (the contract's
 * circular report plus "cross_run": true and a "run" per dependency).
 *
 * A cycle c0 -> c1 -> ... -> c(k-1) -> c0 is shown as if a thread holding c(k-1) were trying
 * to acquire c0 (the dependency c(k-1) -> c0 is #0); the chain c0 -> ... -> c(k-1) is the
 * "existing dependency chain". */
#include "cli.h"
#include "merge.h"

#include <json-c/json.h>

#include "circular_layout.h"
#include "logs.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { DEP_SR = 1, DEP_ER = 2, DEP_SN = 4, DEP_EN = 8 };

/* k-th dependency in the kernel's numbering: #0 is the closing one, #j (j >= 1) the j-th of
 * the chain, which leads into the lock printed as "-> #j". */
static const struct xcycle_step *dep_no(const struct xcycle *c, size_t j)
{
    return j == 0 ? &c->steps[c->n - 1] : &c->steps[j - 1];
}

static const char *name_of(const struct union_graph *ug, uint32_t cls)
{
    const char *n = ug->classes[cls].name;
    return n && *n ? n : "(unnamed)";
}

static void usage_str(const struct union_class *c, char out[7])
{
    char w = (c->usage & 1) ? '+' : '.', r = (c->usage & 2) ? '+' : '.';
    snprintf(out, 7, "{%c%c%c%c}", w, r, w, r);
}

static const char *wait_type(const struct union_class *c)
{
    if (c->kind && !strcmp(c->kind, "spinlock"))
        return "{2:2}";
    if (c->kind && (!strcmp(c->kind, "srcu") || !strcmp(c->kind, "map")))
        return "{0:0}";
    return "{3:3}";
}

static void class_label(struct ul_strbuf *b, const struct union_graph *ug, uint32_t cls)
{
    char us[7];
    usage_str(&ug->classes[cls], us);
    ul_sb_printf(b, "(%s)%s-%s", name_of(ug, cls), us, wait_type(&ug->classes[cls]));
}

static const char *basename_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The offset part of a frame key ("<id>+0x<off>"). */
static const char *key_offset(const char *key)
{
    const char *plus = strrchr(key, '+');
    return plus ? plus + 1 : "0x0";
}

static void frame_text(struct ul_strbuf *b, const struct graph_frame *f)
{
    if (f->function[0])
        ul_sb_printf(b, "%s+0x%lx/0x%lx", f->function, f->func_off, f->func_size);
    else
        ul_sb_puts(b, f->key);
    if (f->file[0] && f->line)
        ul_sb_printf(b, " %s:%d", basename_of(f->file), f->line);
    if (f->module[0])
        ul_sb_printf(b, " [%s+%s]", f->module, key_offset(f->key));
}

static void stack_text(struct ul_strbuf *b, const char *frames, int indent)
{
    struct graph_frame f;
    const char *p = frames;
    bool any = false;
    while (graph_next_frame(&p, &f)) {
        ul_sb_repeat(b, ' ', (size_t)indent);
        frame_text(b, &f);
        ul_sb_putc(b, '\n');
        any = true;
    }
    if (!any) {
        ul_sb_repeat(b, ' ', (size_t)indent);
        ul_sb_puts(b, "(no stack recorded)\n");
    }
}

/* Like a thread name: the program's base name, at most 15 characters. */
static void comm_of(const struct edge_run *r, char out[16])
{
    const char *cmd = r->cmd && *r->cmd ? r->cmd : r->exe ? r->exe : "?";
    size_t n = strcspn(cmd, " ");
    const char *base = cmd;
    for (size_t i = 0; i < n; i++)
        if (cmd[i] == '/')
            base = cmd + i + 1;
    size_t len = (size_t)(cmd + n - base);
    if (len > 15)
        len = 15;
    memcpy(out, base, len);
    out[len] = 0;
}

static void run_line(struct ul_strbuf *b, const struct edge_run *r)
{
    ul_sb_printf(b, "pid %ld on %s: %s", r->pid, r->host ? r->host : "?",
                 r->cmd && *r->cmd ? r->cmd : r->exe ? r->exe : "?");
}

static bool has_run(const struct xcycle *c, size_t upto, long long run)
{
    for (size_t i = 0; i < upto; i++)
        if (c->steps[i].shown.run_id == run)
            return true;
    return false;
}

static size_t distinct_runs(const struct xcycle *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += !has_run(c, i, c->steps[i].shown.run_id);
    return n;
}

static const char *op_for(bool write)
{
    return write ? "lock" : "rlock";
}

/* Each run once: where and when it ran, and its graph file. */
static void runs_involved(struct ul_strbuf *b, const struct xcycle *c)
{
    ul_sb_puts(b, "runs involved:\n");
    for (size_t i = 0; i < c->n; i++) {
        const struct edge_run *r = &c->steps[i].shown;
        if (has_run(c, i, r->run_id))
            continue;
        char when[64] = "?";
        time_t t = (time_t)r->start;
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
        ul_sb_puts(b, " ");
        run_line(b, r);
        ul_sb_printf(b, "\n   started %s, graph file %s\n", when, r->file ? r->file : "?");
    }
}

struct cross {
    const struct union_graph *ug;
    const struct xcycle *c;
};

/* Acquiring the source (with where the closing run took it), holding the target. */
static void cross_lock_line(struct ul_strbuf *b, bool holding, void *arg)
{
    const struct cross *x = arg;
    const struct xcycle_step *closing = dep_no(x->c, 0);
    class_label(b, x->ug, holding ? closing->from : closing->to);
    struct graph_frame f;
    const char *p = closing->shown.frames;
    if (!holding && graph_next_frame(&p, &f)) {
        ul_sb_puts(b, ", at: ");
        frame_text(b, &f);
    }
    ul_sb_putc(b, '\n');
}

static void cross_dependency(struct ul_strbuf *b, unsigned k, void *arg)
{
    const struct cross *x = arg;
    const struct xcycle_step *s = dep_no(x->c, k);
    class_label(b, x->ug, s->to);
    ul_sb_puts(b, ":\n       recorded by ");
    run_line(b, &s->shown);
    if (s->nruns > 1)
        ul_sb_printf(b, " (and %zu other run%s)", s->nruns - 1, s->nruns > 2 ? "s" : "");
    ul_sb_putc(b, '\n');
    stack_text(b, s->shown.frames, 7);
}

/* The splat (malloc'd), in the shim's circular layout (reports/circular_layout.c). */
static char *text(const struct union_graph *ug, const struct xcycle *c, unsigned seq, const char *db)
{
    static const char title[] = "WARNING: possible circular locking dependency detected";
    const struct xcycle_step *closing = dep_no(c, 0), *last = dep_no(c, c->n - 1); /* parent -> target */
    char comm[16];
    comm_of(&closing->shown, comm);
    struct ul_strbuf b = { 0 };
    ul_sb_putc(&b, '\n');
    ul_sb_repeat(&b, '=', strlen(title));
    ul_sb_printf(&b, "\n%s\nulockdep %s cross-run #%u: %zu runs, %s\n", title, ULOCKDEP_VERSION, seq, distinct_runs(c),
                 db);
    ul_sb_repeat(&b, '-', strlen(title));
    ul_sb_putc(&b, '\n');
    struct cross x = { ug, c };
    const struct ul_circular_text ct = {
        .comm = comm, .tid = closing->shown.pid,
        .note = "(no single run saw this cycle: each dependency below names the run that recorded it)",
        .ndeps = (unsigned)c->n,
        .source = name_of(ug, closing->to), .parent = name_of(ug, last->from), .target = name_of(ug, closing->from),
        .op_target0 = op_for(closing->dep & (DEP_ER | DEP_EN)), .op_parent1 = op_for(last->dep & (DEP_ER | DEP_EN)),
        .op_target1 = op_for(last->dep & (DEP_SN | DEP_EN)), .op_source0 = op_for(closing->dep & (DEP_SN | DEP_EN)),
        .lock_line = cross_lock_line, .dependency = cross_dependency, .arg = &x,
    };
    ul_render_circular(&b, &ct);
    runs_involved(&b, c);
    if (b.failed || !b.s) {
        fprintf(stderr, "ulockdep merge: out of memory\n");
        exit(CLI_EXIT_USAGE);
    }
    return b.s;
}

void render_cross_text(FILE *out, const struct union_graph *ug, const struct xcycle *c, unsigned seq, const char *db)
{
    char *t = text(ug, c, seq, db);
    fputs(t, out);
    free(t);
}

/* ---- JSON (json-c, as every JSON the CLI writes) ------------------------------------------ */

static json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static void put(json_object *o, const char *key, json_object *v)
{
    json_object_object_add(o, key, v);
}

static json_object *frame_json(const struct graph_frame *f)
{
    json_object *o = json_object_new_object();
    char bid[200];
    snprintf(bid, sizeof bid, "%.*s", (int)strcspn(f->key, "+"), f->key);
    put(o, "function", str_or_null(f->function[0] ? f->function : NULL));
    put(o, "file", str_or_null(f->file[0] ? f->file : NULL));
    put(o, "line", json_object_new_int(f->line));
    put(o, "module", str_or_null(f->module[0] ? f->module : NULL));
    put(o, "offset", json_object_new_string(key_offset(f->key)));
    put(o, "build_id", str_or_null(f->key[0] && f->key[0] != '@' && f->key[0] != '0' ? bid : NULL));
    return o;
}

static json_object *stack_json(const char *frames)
{
    json_object *a = json_object_new_array();
    struct graph_frame f;
    for (const char *p = frames; graph_next_frame(&p, &f);)
        json_object_array_add(a, frame_json(&f));
    return a;
}

static json_object *run_json(const struct edge_run *r, size_t nruns)
{
    json_object *o = json_object_new_object();
    put(o, "pid", json_object_new_int64(r->pid));
    put(o, "host", str_or_null(r->host));
    put(o, "command", str_or_null(r->cmd));
    put(o, "exe", str_or_null(r->exe));
    put(o, "start", json_object_new_int64(r->start));
    put(o, "file", str_or_null(r->file));
    if (nruns)
        put(o, "runs_with_dependency", json_object_new_int64((int64_t)nruns));
    return o;
}

static json_object *lock_json(const struct union_graph *ug, uint32_t cls, bool write)
{
    const struct union_class *c = &ug->classes[cls];
    json_object *o = json_object_new_object();
    put(o, "name", json_object_new_string(name_of(ug, cls)));
    put(o, "class", json_object_new_string(name_of(ug, cls)));
    put(o, "addr", NULL);
    put(o, "mode", json_object_new_string(write ? "write" : "read"));
    put(o, "kind", str_or_null(c->kind));
    put(o, "identity", str_or_null(c->ident));
    return o;
}

/* The locks: the one being acquired, the one held, then the rest of the chain. */
static json_object *locks_json(const struct union_graph *ug, const struct xcycle *c)
{
    const struct xcycle_step *closing = dep_no(c, 0);
    json_object *a = json_object_new_array();
    json_object_array_add(a, lock_json(ug, closing->to, closing->dep & (DEP_SN | DEP_EN)));
    json_object_array_add(a, lock_json(ug, closing->from, closing->dep & (DEP_ER | DEP_EN)));
    for (size_t j = 1; j + 1 < c->n; j++)
        json_object_array_add(a, lock_json(ug, dep_no(c, j)->to, dep_no(c, j)->dep & (DEP_SN | DEP_EN)));
    return a;
}

static json_object *cycle_json(const struct union_graph *ug, const struct xcycle *c)
{
    json_object *a = json_object_new_array();
    for (size_t j = 0; j < c->n; j++) {
        const struct xcycle_step *s = dep_no(c, j);
        json_object *e = json_object_new_object();
        put(e, "lock", json_object_new_string(name_of(ug, s->from)));
        put(e, "from", json_object_new_string(name_of(ug, s->from)));
        put(e, "to", json_object_new_string(name_of(ug, s->to)));
        put(e, "dep", json_object_new_int((int)s->dep));
        put(e, "stack", stack_json(s->shown.frames));
        put(e, "run", run_json(&s->shown, s->nruns));
        json_object_array_add(a, e);
    }
    return a;
}

/* The contract's circular report, plus "cross_run": true and the runs. */
void render_cross_json(FILE *out, const struct union_graph *ug, const struct xcycle *c, unsigned seq, const char *db)
{
    const struct xcycle_step *closing = dep_no(c, 0);
    char comm[16];
    comm_of(&closing->shown, comm);
    char *txt = text(ug, c, seq, db);
    json_object *o = json_object_new_object();
    put(o, "kind", json_object_new_string("circular"));
    put(o, "cross_run", json_object_new_boolean(1));
    put(o, "pid", json_object_new_int64(closing->shown.pid));
    put(o, "tid", NULL);
    put(o, "thread", json_object_new_string(comm));
    put(o, "title", json_object_new_string("WARNING: possible circular locking dependency detected"));
    put(o, "seq", json_object_new_int64(seq));
    put(o, "db", str_or_null(db));
    put(o, "version", json_object_new_string(ULOCKDEP_VERSION));
    put(o, "locks", locks_json(ug, c));
    put(o, "cycle", cycle_json(ug, c));
    json_object *runs = json_object_new_array();
    for (size_t i = 0; i < c->n; i++)
        if (!has_run(c, i, c->steps[i].shown.run_id))
            json_object_array_add(runs, run_json(&c->steps[i].shown, 0));
    put(o, "runs", runs);
    put(o, "text", str_or_null(txt));
    rp_print_json_line(out, o);
    json_object_put(o);
    free(txt);
}
