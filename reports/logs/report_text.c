/* `ulockdep report --format=text`: each problem's kernel-style splat once (the shim's own
 * text from the report's "text" field, symbolised later where needed), then where it was
 * seen. Logs without "text" (another producer, an older shim) get a splat rebuilt from the
 * JSON fields, in the same layout but shorter. */
#include "logs.h"

#include "circular_layout.h"

#include <stdlib.h>
#include <string.h>

static void frame_line(struct ul_strbuf *b, json_object *frame, const char *indent)
{
    char fb[2048];
    ul_sb_printf(b, "%s%s\n", indent, rp_frame_label(frame, fb, sizeof fb));
}

static void frames(struct ul_strbuf *b, json_object *stack, const char *indent)
{
    size_t n = stack ? json_object_array_length(stack) : 0;
    if (!n)
        ul_sb_printf(b, "%s(no stack recorded)\n", indent);
    for (size_t i = 0; i < n; i++)
        frame_line(b, json_object_array_get_idx(stack, i), indent);
}

static void lock_line(struct ul_strbuf *b, json_object *lock)
{
    const char *name = rp_str(lock, "name"), *addr = rp_str(lock, "addr"), *mode = rp_str(lock, "mode");
    ul_sb_printf(b, "%s (%s)", addr ? addr : "-", name ? name : "?");
    if (mode && strcmp(mode, "write"))
        ul_sb_printf(b, " [%s]", mode);
    json_object *at = rp_obj(lock, "at");
    if (at) {
        char fb[2048];
        ul_sb_printf(b, ", at: %s", rp_frame_label(at, fb, sizeof fb));
    }
    ul_sb_puts(b, "\n");
}

static void lock_list(struct ul_strbuf *b, json_object *locks, const char *prefix)
{
    size_t n = locks ? json_object_array_length(locks) : 0;
    for (size_t i = 0; i < n; i++) {
        ul_sb_printf(b, prefix, (unsigned)i);
        lock_line(b, json_object_array_get_idx(locks, i));
    }
}

/* A circular report's cycle: cycle[0] is the new dependency (held -> acquired), cycle[n-1]
 * leads into the held lock; #k is cycle[k]. */
static void rebuilt_lock_line(struct ul_strbuf *b, bool holding, void *arg)
{
    lock_line(b, json_object_array_get_idx(rp_arr(arg, "locks"), holding ? 1 : 0));
}

static void rebuilt_dependency(struct ul_strbuf *b, unsigned k, void *arg)
{
    json_object *e = json_object_array_get_idx(rp_arr(arg, "cycle"), k);
    ul_sb_printf(b, "(%s):\n", rp_str(e, "to"));
    frames(b, rp_arr(e, "stack"), "       ");
}

static const char *op_of_mode(json_object *lock)
{
    const char *mode = rp_str(lock, "mode");
    return mode && strcmp(mode, "write") ? "rlock" : "lock";
}

static void rebuilt_circular(struct ul_strbuf *b, json_object *r, const char *thread, long tid)
{
    json_object *locks = rp_arr(r, "locks"), *cycle = rp_arr(r, "cycle");
    json_object *acquired = json_object_array_get_idx(locks, 0), *held = json_object_array_get_idx(locks, 1);
    size_t n = json_object_array_length(cycle);
    const char *parent = rp_str(json_object_array_get_idx(cycle, n - 1), "from");
    const struct ul_circular_text c = {
        .comm = thread, .tid = tid, .ndeps = (unsigned)n,
        .source = rp_str(acquired, "name") ? rp_str(acquired, "name") : "?", .parent = parent ? parent : "?",
        .target = rp_str(held, "name") ? rp_str(held, "name") : "?",
        /* the kinds of the dependencies are not in the JSON: CPU1 takes the parent as a writer */
        .op_target0 = op_of_mode(held), .op_parent1 = "lock", .op_target1 = op_of_mode(held),
        .op_source0 = op_of_mode(acquired),
        .lock_line = rebuilt_lock_line, .dependency = rebuilt_dependency, .arg = r,
    };
    ul_render_circular(b, &c);
}

char *rp_report_text(json_object *r)
{
    const char *text = rp_str(r, "text");
    if (text && *text)
        return rp_xstrdup(text);
    struct ul_strbuf b = { 0 };
    const char *title = rp_title(r), *thread = rp_str(r, "thread"), *exe = rp_str(r, "exe");
    const char *kind = rp_str(r, "kind");
    long tid = rp_int(r, "tid", 0);
    thread = thread ? thread : "?";
    size_t w = strlen(title);
    ul_sb_puts(&b, "\n");
    for (size_t i = 0; i < w; i++)
        ul_sb_puts(&b, "=");
    ul_sb_printf(&b, "\n%s\nulockdep #%ld pid %ld %s\n", title, rp_int(r, "seq", 0), rp_int(r, "pid", 0),
                 exe ? exe : "?");
    for (size_t i = 0; i < w; i++)
        ul_sb_puts(&b, "-");
    ul_sb_puts(&b, "\n(text rebuilt from the JSON report)\n");
    json_object *locks = rp_arr(r, "locks"), *cycle = rp_arr(r, "cycle");
    if (!strcmp(kind, "circular") && cycle && json_object_array_length(cycle) && json_object_array_length(locks) >= 2) {
        rebuilt_circular(&b, r, thread, tid);
    } else {
        ul_sb_puts(&b, "locks involved:\n");
        lock_list(&b, locks, " ");
        ul_sb_puts(&b, "\n");
    }
    json_object *held = rp_arr(r, "held");
    size_t nheld = held ? json_object_array_length(held) : 0;
    if (nheld) {
        ul_sb_printf(&b, "%zu lock%s held by %s/%ld:\n", nheld, nheld > 1 ? "s" : "", thread, tid);
        lock_list(&b, held, " #%u: ");
    } else {
        ul_sb_printf(&b, "no locks held by %s/%ld.\n", thread, tid);
    }
    ul_sb_printf(&b, "\nstack backtrace:\nTID: %ld Comm: %s\nCall Trace:\n", tid, thread);
    frames(&b, rp_arr(r, "stack"), " ");
    return rp_take(&b);
}

int rp_render_text(FILE *out, const struct rp_set *set, const struct rp_options *opt)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct rp_problem *p = &set->v[i];
        char *text = rp_report_text(p->obj);
        char *seen = rp_seen_line(p);
        size_t n = strlen(text);
        fprintf(out, "%s%s%s\n", text, n && text[n - 1] == '\n' ? "" : "\n", seen);
        free(text);
        free(seen);
    }
    size_t procs = rp_set_processes(set);
    char supp[64] = "";
    if (set->suppressed)
        snprintf(supp, sizeof supp, "; %u report%s suppressed", set->suppressed, set->suppressed == 1 ? "" : "s");
    if (set->n)
        fprintf(out, "\nulockdep report: %zu problem%s (%u report%s from %zu process%s in %u file%s%s)\n", set->n,
                set->n == 1 ? "" : "s", set->reports, set->reports == 1 ? "" : "s", procs, procs == 1 ? "" : "es",
                set->files, set->files == 1 ? "" : "s", supp);
    else if (set->unusable)
        fprintf(out, "ulockdep report: no reports read: %u of %u file%s held no ulockdep JSON\n", set->unusable,
                set->files, set->files == 1 ? "" : "s");
    else
        fprintf(out, "ulockdep report: no problems (%u file%s read%s)\n", set->files, set->files == 1 ? "" : "s",
                supp);
    rp_lockstat_text(out, set);
    return 0;
}
