/* `ulockdep report`: small helpers shared by its files (JSON access, frames, strings). */
#include "logs.h"
#include "runtime_frames.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void (*rp_warn_hook)(const char *msg);

void rp_warn(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 127)
            *p = '?'; /* one line, whatever the input held (a kind "a\nb") */
    if (rp_warn_hook) {
        rp_warn_hook(msg);
        return;
    }
    fprintf(stderr, "ulockdep report: %s\n", msg);
}

static void out_of_memory(void)
{
    fputs("ulockdep report: out of memory\n", stderr);
    exit(2);
}

void *rp_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *rp_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

char *rp_xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        out_of_memory();
    return d;
}

/* ---- strings ------------------------------------------------------------------------ */

void rp_html_escape(struct ul_strbuf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': ul_sb_puts(b, "&amp;"); break;
        case '<': ul_sb_puts(b, "&lt;"); break;
        case '>': ul_sb_puts(b, "&gt;"); break;
        case '"': ul_sb_puts(b, "&quot;"); break;
        case '\'': ul_sb_puts(b, "&#39;"); break;
        default: ul_sb_putn(b, s, 1);
        }
    }
}

char *rp_take(struct ul_strbuf *b)
{
    if (b->failed)
        out_of_memory();
    char *s = b->s ? b->s : rp_xstrdup("");
    *b = (struct ul_strbuf){ 0 };
    return s;
}

/* ---- JSON access -------------------------------------------------------------------- */

const char *rp_str(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

long rp_int(json_object *o, const char *key, long def)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
        return def;
    return (long)json_object_get_int64(v);
}

json_object *rp_arr(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
        return NULL;
    return v;
}

json_object *rp_obj(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object))
        return NULL;
    return v;
}

bool rp_is_frame(json_object *o)
{
    return json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, "module", NULL) &&
           json_object_object_get_ex(o, "offset", NULL);
}

static void walk(json_object *o, void (*fn)(json_object *, void *), void *arg)
{
    if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++)
            walk(json_object_array_get_idx(o, i), fn, arg);
    } else if (json_object_is_type(o, json_type_object)) {
        if (rp_is_frame(o)) {
            fn(o, arg);
            return;
        }
        json_object_object_foreach(o, key, val) {
            if (strcmp(key, "text"))
                walk(val, fn, arg);
        }
    }
}

void rp_for_each_frame(json_object *report, void (*fn)(json_object *frame, void *arg), void *arg)
{
    walk(report, fn, arg);
}

const char *rp_basename(const char *path)
{
    if (!path)
        return NULL;
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

const char *rp_display_path(const char *path, char *buf, size_t len)
{
    char cwd[PATH_MAX];
    if (!path || path[0] != '/' || !getcwd(cwd, sizeof cwd))
        return path ? path : "?";
    size_t n = strlen(cwd);
    if (n > 1 && !strncmp(path, cwd, n) && path[n] == '/') {
        snprintf(buf, len, ".%s", path + n);
        return buf;
    }
    return path;
}

const char *rp_frame_function(json_object *frame, char *buf, size_t len)
{
    const char *fn = rp_str(frame, "function");
    if (fn && *fn)
        return fn;
    const char *mod = rp_str(frame, "module");
    const char *off = rp_str(frame, "offset");
    if (mod && off) {
        snprintf(buf, len, "%s+%s", mod, off);
        return buf;
    }
    return "?";
}

const char *rp_frame_label(json_object *frame, char *buf, size_t len)
{
    const char *fn = rp_str(frame, "function");
    const char *file = rp_str(frame, "file");
    long line = rp_int(frame, "line", 0);
    const char *mod = rp_str(frame, "module");
    const char *off = rp_str(frame, "offset");
    const char *pc = rp_str(frame, "pc");
    char where[512] = "";
    if (file && line > 0)
        snprintf(where, sizeof where, " %s:%ld", rp_basename(file), line);
    char modpart[512] = "";
    if (mod)
        snprintf(modpart, sizeof modpart, " [%s+%s]", mod, off ? off : "?");
    snprintf(buf, len, "%s%s%s", fn && *fn ? fn : pc ? pc : "?", where, modpart);
    return buf;
}

/* ---- report summaries --------------------------------------------------------------- */

const char *rp_title(json_object *report)
{
    const char *t = rp_str(report, "title");
    if (t && *t)
        return t;
    const struct rp_kind *k = rp_kind_find(rp_str(report, "kind"));
    return k ? k->title : "WARNING: ulockdep problem";
}

char *rp_lock_summary(json_object *report)
{
    struct ul_strbuf b = { 0 };
    json_object *cycle = rp_arr(report, "cycle");
    size_t n = cycle ? json_object_array_length(cycle) : 0;
    if (n && !strcmp(rp_str(report, "kind") ? rp_str(report, "kind") : "", "circular")) {
        for (size_t i = 0; i < n; i++) {
            const char *from = rp_str(json_object_array_get_idx(cycle, i), "from");
            ul_sb_printf(&b, "%s -> ", from ? from : "?");
        }
        const char *first = rp_str(json_object_array_get_idx(cycle, 0), "from");
        ul_sb_puts(&b, first ? first : "?");
        return rp_take(&b);
    }
    json_object *locks = rp_arr(report, "locks");
    size_t nl = locks ? json_object_array_length(locks) : 0;
    for (size_t i = 0, shown = 0; i < nl; i++) {
        const char *name = rp_str(json_object_array_get_idx(locks, i), "name");
        if (!name)
            continue;
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++) {
            const char *prev = rp_str(json_object_array_get_idx(locks, j), "name");
            dup = prev && !strcmp(prev, name);
        }
        if (!dup)
            ul_sb_printf(&b, "%s%s", shown++ ? ", " : "", name);
    }
    return rp_take(&b);
}

char *rp_seen_line(const struct rp_problem *p)
{
    struct ul_strbuf b = { 0 };
    ul_sb_printf(&b, "(seen %u time%s in %zu process%s: ", p->count, p->count == 1 ? "" : "s", p->nruns,
                 p->nruns == 1 ? "" : "es");
    const size_t max_shown = 8;
    for (size_t i = 0; i < p->nruns && i < max_shown; i++) {
        char db[4096];
        const struct rp_run *r = &p->runs[i];
        ul_sb_printf(&b, "%spid %ld %s", i ? ", " : "", r->pid,
                     r->exe[0] ? rp_display_path(r->exe, db, sizeof db) : r->cmdline[0] ? r->cmdline : "?");
    }
    if (p->nruns > max_shown)
        ul_sb_printf(&b, ", and %zu more", p->nruns - max_shown);
    /* When (the JSON "time" of the report shown): how far into its run, and the wall clock. */
    json_object *t = rp_obj(p->obj, "time"), *since;
    if (t && json_object_object_get_ex(t, "since_start", &since) &&
        (json_object_is_type(since, json_type_double) || json_object_is_type(since, json_type_int)) &&
        rp_str(t, "wall"))
        ul_sb_printf(&b, "; at %.3fs into the run, %s", json_object_get_double(since), rp_str(t, "wall"));
    ul_sb_puts(&b, ")");
    return rp_take(&b);
}

/* Frames that are never "the program": the C and C++ runtimes and their wrappers, wherever
 * their code was emitted (reports/runtime_frames.h: std::mutex::lock in the program's own
 * binary at -O0, __gthread_mutex_lock inlined at -O2), and ulockdep itself. A suppression
 * naming one would silence every report of every C++ program. */
static bool runtime_or_ours(json_object *f)
{
    const char *mod = rp_str(f, "module");
    return ul_runtime_frame(mod, rp_str(f, "function"), rp_str(f, "file")) ||
           (mod && !strncmp(mod, "libulockdep", strlen("libulockdep")));
}

static json_object *program_frame_of(json_object *stack, const char *prog)
{
    size_t n = stack ? json_object_array_length(stack) : 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            json_object *f = json_object_array_get_idx(stack, i);
            const char *fn = rp_str(f, "function"), *mod = rp_str(f, "module");
            if (!fn || !*fn || !mod || runtime_or_ours(f))
                continue;
            if (pass == 1 || (prog && !strcmp(mod, prog)))
                return f;
        }
    }
    return NULL;
}

/* The reporting stack; for a deadlock (reported by the watchdog thread, whose own stack says
 * nothing) the first blocked thread's. */
json_object *rp_program_frame(json_object *report)
{
    const char *prog = rp_basename(rp_str(report, "exe"));
    json_object *f = program_frame_of(rp_arr(report, "stack"), prog);
    json_object *threads = rp_arr(report, "threads");
    for (size_t i = 0; !f && threads && i < json_object_array_length(threads); i++)
        f = program_frame_of(rp_arr(json_object_array_get_idx(threads, i), "stack"), prog);
    return f;
}

const char *rp_thread_wait(json_object *t, char *buf, size_t len)
{
    json_object *w = rp_obj(t, "waiting_for");
    const char *wait = rp_str(t, "wait") ? rp_str(t, "wait") : "";
    const char *name = rp_str(w, "name");
    long thread = rp_int(w, "thread", 0);
    if (!strcmp(wait, "join") || (!name && thread))
        snprintf(buf, len, "waiting for thread %ld to exit", thread);
    else if (!strcmp(wait, "cond"))
        snprintf(buf, len, "waiting on %s", name ? name : "a condition variable");
    else
        snprintf(buf, len, "blocked acquiring %s", name ? name : "?");
    return buf;
}

static void edges_stacks(json_object *edges, const char *what, void (*fn)(const char *, json_object *, void *),
                         void *arg)
{
    size_t n = edges ? json_object_array_length(edges) : 0;
    for (size_t k = n; k-- > 0;) {
        json_object *e = json_object_array_get_idx(edges, k);
        json_object *st = rp_arr(e, "stack");
        if (!st || !json_object_array_length(st))
            continue;
        char h[1400];
        snprintf(h, sizeof h, "%s #%zu %s -> %s: %s first taken while holding %s", what, k, rp_str(e, "from"),
                 rp_str(e, "to"), rp_str(e, "to"), rp_str(e, "from"));
        fn(h, st, arg);
    }
}

void rp_for_each_stack(json_object *report, void (*fn)(const char *heading, json_object *frames, void *arg),
                       void *arg)
{
    edges_stacks(rp_arr(report, "cycle"), "dependency", fn, arg);
    edges_stacks(rp_arr(report, "chain"), "chain dependency", fn, arg);
    json_object_object_foreach(report, key, val) {
        size_t n = strlen(key);
        if (n > 6 && !strcmp(key + n - 6, "_stack") && json_object_is_type(val, json_type_array) &&
            json_object_array_length(val)) {
            char h[256];
            snprintf(h, sizeof h, "%.*s stack: where that usage was first seen", (int)(n - 6), key);
            fn(h, val, arg);
        }
    }
    json_object *threads = rp_arr(report, "threads");
    for (size_t i = 0; threads && i < json_object_array_length(threads); i++) {
        json_object *t = json_object_array_get_idx(threads, i);
        json_object *st = rp_arr(t, "stack");
        if (!st || !json_object_array_length(st))
            continue;
        char h[1400], wb[1100];
        snprintf(h, sizeof h, "thread %s/%ld, %s", rp_str(t, "name") ? rp_str(t, "name") : "?", rp_int(t, "tid", 0),
                 rp_thread_wait(t, wb, sizeof wb));
        fn(h, st, arg);
    }
    json_object *stack = rp_arr(report, "stack");
    if (stack && json_object_array_length(stack)) {
        char h[300];
        snprintf(h, sizeof h, "backtrace of %s/%ld when it was reported",
                 rp_str(report, "thread") ? rp_str(report, "thread") : "?", rp_int(report, "tid", 0));
        fn(h, stack, arg);
    }
}

char *rp_repo_path(const char *file, const char *srcroot)
{
    if (!file || !*file || !srcroot)
        return NULL;
    char joined[PATH_MAX * 2], real[PATH_MAX];
    const char *path = file;
    if (file[0] != '/') {
        snprintf(joined, sizeof joined, "%s/%s", srcroot, file);
        if (!realpath(joined, real))
            return NULL;
        path = real;
    } else if (realpath(file, real)) {
        path = real;
    }
    size_t n = strlen(srcroot);
    if (strncmp(path, srcroot, n) || (path[n] != '/' && n > 1) || !path[n + (n > 1)])
        return NULL;
    const char *rel = path + n + (n > 1);
    if (strstr(rel, "../") || !strncmp(rel, "./", 2))
        return NULL; /* unnormalised and not on disk: cannot be a repository path */
    return rp_xstrdup(rel);
}
