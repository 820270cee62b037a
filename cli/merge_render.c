/* A cross-run cycle as a circular splat in the kernel's layout (reports/render_text.c), with
 * each dependency saying which run recorded it, and as one JSON line (the contract's
 * circular report plus "cross_run": true and a "run" per dependency).
 *
 * A cycle c0 -> c1 -> ... -> c(k-1) -> c0 is shown as if a thread holding c(k-1) were trying
 * to acquire c0 (the dependency c(k-1) -> c0 is #0); the chain c0 -> ... -> c(k-1) is the
 * "existing dependency chain". */
#include "merge.h"

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

static void class_label(FILE *out, const struct union_graph *ug, uint32_t cls)
{
    char us[7];
    usage_str(&ug->classes[cls], us);
    fprintf(out, "(%s)%s-%s", name_of(ug, cls), us, wait_type(&ug->classes[cls]));
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

static void frame_text(FILE *out, const struct graph_frame *f)
{
    if (f->function[0])
        fprintf(out, "%s+0x%lx/0x%lx", f->function, f->func_off, f->func_size);
    else
        fprintf(out, "%s", f->key);
    if (f->file[0] && f->line)
        fprintf(out, " %s:%d", basename_of(f->file), f->line);
    if (f->module[0])
        fprintf(out, " [%s+%s]", f->module, key_offset(f->key));
}

static void stack_text(FILE *out, const char *frames, int indent)
{
    struct graph_frame f;
    const char *p = frames;
    bool any = false;
    while (graph_next_frame(&p, &f)) {
        fprintf(out, "%*s", indent, "");
        frame_text(out, &f);
        fputc('\n', out);
        any = true;
    }
    if (!any)
        fprintf(out, "%*s(no stack recorded)\n", indent, "");
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

static void run_line(FILE *out, const struct edge_run *r)
{
    fprintf(out, "pid %ld on %s: %s", r->pid, r->host ? r->host : "?", r->cmd && *r->cmd ? r->cmd : r->exe ? r->exe : "?");
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

static void text(FILE *out, const struct union_graph *ug, const struct xcycle *c, unsigned seq, const char *db)
{
    static const char title[] = "WARNING: possible circular locking dependency detected";
    size_t k = c->n;
    const struct xcycle_step *closing = dep_no(c, 0);
    uint32_t source = closing->to, target = closing->from;   /* acquiring source, holding target */
    char comm[16];
    comm_of(&closing->shown, comm);

    fprintf(out, "\n%.*s\n%s\n", (int)strlen(title), "==============================================================", title);
    fprintf(out, "ulockdep %s cross-run #%u: %zu runs, %s\n", ULOCKDEP_VERSION, seq, distinct_runs(c), db);
    fprintf(out, "%.*s\n", (int)strlen(title), "--------------------------------------------------------------");
    fprintf(out, "%s/%ld is trying to acquire lock:\n", comm, closing->shown.pid);
    class_label(out, ug, source);
    struct graph_frame f;
    const char *p = closing->shown.frames;
    if (graph_next_frame(&p, &f)) {
        fputs(", at: ", out);
        frame_text(out, &f);
    }
    fputs("\n\nbut task is already holding lock:\n", out);
    class_label(out, ug, target);
    fputs("\n\nwhich lock already depends on the new lock.\n\n", out);
    fputs("(no single run saw this cycle: each dependency below names the run that recorded it)\n", out);
    fputs("\nthe existing dependency chain (in reverse order) is:\n", out);
    for (size_t j = k; j-- > 0;) {
        const struct xcycle_step *s = dep_no(c, j);
        fprintf(out, "\n-> #%zu ", j);
        class_label(out, ug, s->to);
        fputs(":\n       recorded by ", out);
        run_line(out, &s->shown);
        if (s->nruns > 1)
            fprintf(out, " (and %zu other run%s)", s->nruns - 1, s->nruns > 2 ? "s" : "");
        fputc('\n', out);
        stack_text(out, s->shown.frames, 7);
    }
    fputs("\nother info that might help us debug this:\n\n", out);
    const struct xcycle_step *last = dep_no(c, k - 1);   /* parent -> target */
    uint32_t parent = last->from;
    if (k > 2)
        fprintf(out, "Chain exists of:\n  %s --> %s --> %s\n\n", name_of(ug, source), name_of(ug, parent),
                name_of(ug, target));
    bool target_write = closing->dep & (DEP_ER | DEP_EN);
    bool parent_write = last->dep & (DEP_ER | DEP_EN);
    bool target_nonrec = last->dep & (DEP_SN | DEP_EN);
    bool source_nonrec = closing->dep & (DEP_SN | DEP_EN);
    fputs(" Possible unsafe locking scenario:\n\n", out);
    fputs("       CPU0                    CPU1\n", out);
    fputs("       ----                    ----\n", out);
    fprintf(out, "  %s(%s);\n", op_for(target_write), name_of(ug, target));
    fprintf(out, "                               %s(%s);\n", op_for(parent_write), name_of(ug, parent));
    fprintf(out, "                               %s(%s);\n", op_for(target_nonrec), name_of(ug, target));
    fprintf(out, "  %s(%s);\n", op_for(source_nonrec), name_of(ug, source));
    fputs("\n *** DEADLOCK ***\n\n", out);
    fputs("runs involved:\n", out);
    for (size_t i = 0; i < k; i++) {
        const struct edge_run *r = &c->steps[i].shown;
        if (has_run(c, i, r->run_id))
            continue;
        char when[64] = "?";
        time_t t = (time_t)r->start;
        struct tm tm;
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
        fputs(" ", out);
        run_line(out, r);
        fprintf(out, "\n   started %s, graph file %s\n", when, r->file ? r->file : "?");
    }
}

void render_cross_text(FILE *out, const struct union_graph *ug, const struct xcycle *c, unsigned seq, const char *db)
{
    text(out, ug, c, seq, db);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

void json_put_string(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void frame_json(FILE *out, const struct graph_frame *f)
{
    fputs("{\"function\":", out);
    json_put_string(out, f->function[0] ? f->function : NULL);
    fputs(",\"file\":", out);
    json_put_string(out, f->file[0] ? f->file : NULL);
    fprintf(out, ",\"line\":%d,\"module\":", f->line);
    json_put_string(out, f->module[0] ? f->module : NULL);
    fputs(",\"offset\":", out);
    json_put_string(out, key_offset(f->key));
    char bid[200];
    size_t n = strcspn(f->key, "+");
    snprintf(bid, sizeof bid, "%.*s", (int)n, f->key);
    fputs(",\"build_id\":", out);
    json_put_string(out, f->key[0] && f->key[0] != '@' && f->key[0] != '0' ? bid : NULL);
    fputc('}', out);
}

static void stack_json(FILE *out, const char *frames)
{
    struct graph_frame f;
    const char *p = frames;
    fputc('[', out);
    for (bool first = true; graph_next_frame(&p, &f); first = false) {
        if (!first)
            fputc(',', out);
        frame_json(out, &f);
    }
    fputc(']', out);
}

static void run_json(FILE *out, const struct edge_run *r, size_t nruns)
{
    fprintf(out, "{\"pid\":%ld,\"host\":", r->pid);
    json_put_string(out, r->host);
    fputs(",\"command\":", out);
    json_put_string(out, r->cmd);
    fputs(",\"exe\":", out);
    json_put_string(out, r->exe);
    fprintf(out, ",\"start\":%lld,\"file\":", r->start);
    json_put_string(out, r->file);
    if (nruns)
        fprintf(out, ",\"runs_with_dependency\":%zu", nruns);
    fputc('}', out);
}

static void lock_json(FILE *out, const struct union_graph *ug, uint32_t cls, bool write)
{
    const struct union_class *c = &ug->classes[cls];
    fputs("{\"name\":", out);
    json_put_string(out, name_of(ug, cls));
    fputs(",\"class\":", out);
    json_put_string(out, name_of(ug, cls));
    fprintf(out, ",\"addr\":null,\"mode\":\"%s\",\"kind\":", write ? "write" : "read");
    json_put_string(out, c->kind);
    fputs(",\"identity\":", out);
    json_put_string(out, c->ident);
    fputc('}', out);
}

void render_cross_json(FILE *out, const struct union_graph *ug, const struct xcycle *c, unsigned seq, const char *db)
{
    size_t k = c->n;
    const struct xcycle_step *closing = dep_no(c, 0);
    char comm[16];
    comm_of(&closing->shown, comm);
    char *txt = NULL;
    size_t txtlen = 0;
    FILE *mem = open_memstream(&txt, &txtlen);
    if (mem) {
        text(mem, ug, c, seq, db);
        fclose(mem);
    }
    fprintf(out, "{\"kind\":\"circular\",\"cross_run\":true,\"pid\":%ld,\"tid\":null,\"thread\":", closing->shown.pid);
    json_put_string(out, comm);
    fputs(",\"title\":\"WARNING: possible circular locking dependency detected\"", out);
    fprintf(out, ",\"seq\":%u,\"db\":", seq);
    json_put_string(out, db);
    fprintf(out, ",\"version\":\"%s\"", ULOCKDEP_VERSION);
    /* The locks: the one being acquired, the one held, then the rest of the chain. */
    fputs(",\"locks\":[", out);
    lock_json(out, ug, closing->to, closing->dep & (DEP_SN | DEP_EN));
    fputc(',', out);
    lock_json(out, ug, closing->from, closing->dep & (DEP_ER | DEP_EN));
    for (size_t j = 1; j + 1 < k; j++) {
        fputc(',', out);
        lock_json(out, ug, dep_no(c, j)->to, dep_no(c, j)->dep & (DEP_SN | DEP_EN));
    }
    fputs("],\"cycle\":[", out);
    for (size_t j = 0; j < k; j++) {
        const struct xcycle_step *s = dep_no(c, j);
        if (j)
            fputc(',', out);
        fputs("{\"lock\":", out);
        json_put_string(out, name_of(ug, s->from));
        fputs(",\"from\":", out);
        json_put_string(out, name_of(ug, s->from));
        fputs(",\"to\":", out);
        json_put_string(out, name_of(ug, s->to));
        fprintf(out, ",\"dep\":%u,\"stack\":", s->dep);
        stack_json(out, s->shown.frames);
        fputs(",\"run\":", out);
        run_json(out, &s->shown, s->nruns);
        fputc('}', out);
    }
    fputs("],\"runs\":[", out);
    bool first = true;
    for (size_t i = 0; i < k; i++) {
        if (has_run(c, i, c->steps[i].shown.run_id))
            continue;
        if (!first)
            fputc(',', out);
        first = false;
        run_json(out, &c->steps[i].shown, 0);
    }
    fputs("],\"text\":", out);
    json_put_string(out, txt);
    fputs("}\n", out);
    free(txt);
}
