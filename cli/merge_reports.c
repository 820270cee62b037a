/* The reports of many runs (the shim's JSON log lines), de-duplicated: two reports are the
 * same problem when they have the same kind, the same lock names and the same functions
 * (for a cycle: the top frame of each dependency's stack; otherwise the top frames of the
 * backtrace), whatever thread, pid or address they had, and whichever dependency closed a
 * cycle. Each problem is printed once with how often and in how many runs it was seen. */
#include "merge.h"

#include <stdlib.h>
#include <string.h>

struct problem {
    char *key;
    char *kind;
    char *text;             /* the report as the shim printed it, or title + lock names */
    size_t count;           /* reports */
    size_t nruns;           /* distinct runs */
    unsigned last_run;
    unsigned first_run;
    long first_pid;
};

struct report_set {
    struct problem *v;
    size_t n, cap;
    char **messages;        /* distinct "ulockdep: ..." lines */
    size_t nmessages;
    size_t reports;
};

struct report_set *report_set_new(void)
{
    return calloc(1, sizeof(struct report_set));
}

/* ---- keys ------------------------------------------------------------------------------------ */

struct strs {
    char **v;
    size_t n, cap;
};

static void strs_add(struct strs *s, const char *x)
{
    if (!x)
        return;
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 8;
        char **m = realloc(s->v, ncap * sizeof *m);
        if (!m)
            return;
        s->v = m;
        s->cap = ncap;
    }
    if ((s->v[s->n] = strdup(x)))
        s->n++;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted and joined with sep (malloc'd). */
static char *strs_join(struct strs *s, const char *sep)
{
    qsort(s->v, s->n, sizeof *s->v, str_cmp);
    size_t len = 1;
    for (size_t i = 0; i < s->n; i++)
        len += strlen(s->v[i]) + strlen(sep);
    char *out = malloc(len), *o = out;
    if (!out)
        return NULL;
    *o = 0;
    for (size_t i = 0; i < s->n; i++)
        o += sprintf(o, "%s%s", i ? sep : "", s->v[i]);
    return out;
}

static void strs_free(struct strs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static const struct json *items(const struct json *j, size_t *n)
{
    *n = j && j->type == JSON_ARRAY ? j->n : 0;
    return j;
}

static void top_functions(const struct json *stack, size_t max, struct strs *out)
{
    size_t n;
    items(stack, &n);
    for (size_t i = 0; i < n && i < max; i++) {
        const char *f = json_str(json_get(stack->items[i], "function"));
        strs_add(out, f ? f : "?");
    }
}

static char *report_key(const struct json *r, const char *kind)
{
    struct strs locks = { 0 }, funcs = { 0 };
    size_t n;
    const struct json *l = items(json_get(r, "locks"), &n);
    for (size_t i = 0; i < n; i++)
        strs_add(&locks, json_str(json_get(l->items[i], "name")));
    const struct json *cyc = items(json_get(r, "cycle"), &n);
    if (n) {
        for (size_t i = 0; i < n; i++)
            top_functions(json_get(cyc->items[i], "stack"), 1, &funcs);
    } else {
        top_functions(json_get(r, "stack"), 3, &funcs);
    }
    char *a = strs_join(&locks, ","), *b = strs_join(&funcs, ",");
    char *key = NULL;
    if (a && b && (key = malloc(strlen(kind) + strlen(a) + strlen(b) + 3)))
        sprintf(key, "%s|%s|%s", kind, a, b);
    free(a);
    free(b);
    strs_free(&locks);
    strs_free(&funcs);
    return key;
}

/* Title and lock names, for reports written without a "text" field. */
static char *short_text(const struct json *r)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    const char *title = json_str(json_get(r, "title"));
    fprintf(f, "%s\n", title ? title : "(a report without a title)");
    size_t n;
    const struct json *l = items(json_get(r, "locks"), &n);
    if (n)
        fputs("locks:", f);
    for (size_t i = 0; i < n; i++) {
        const char *name = json_str(json_get(l->items[i], "name"));
        fprintf(f, "%s %s", i ? "," : "", name ? name : "?");
    }
    if (n)
        fputc('\n', f);
    fclose(f);
    return out;
}

/* ---- reading logs ------------------------------------------------------------------------- */

static void add_report(struct report_set *s, const struct json *r, unsigned run)
{
    const char *kind = json_str(json_get(r, "kind"));
    if (!kind)
        return;
    char *key = report_key(r, kind);
    if (!key)
        return;
    s->reports++;
    struct problem *p = NULL;
    for (size_t i = 0; i < s->n && !p; i++)
        if (!strcmp(s->v[i].key, key))
            p = &s->v[i];
    if (p) {
        free(key);
    } else {
        if (s->n == s->cap) {
            size_t ncap = s->cap ? s->cap * 2 : 8;
            struct problem *m = realloc(s->v, ncap * sizeof *m);
            if (!m) {
                free(key);
                return;
            }
            s->v = m;
            s->cap = ncap;
        }
        p = &s->v[s->n++];
        const char *text = json_str(json_get(r, "text"));
        const struct json *pid = json_get(r, "pid");
        *p = (struct problem){ .key = key,
                               .kind = strdup(kind),
                               .text = text ? strdup(text) : short_text(r),
                               .first_run = run,
                               .first_pid = pid && pid->type == JSON_NUMBER ? (long)pid->number : 0 };
    }
    p->count++;
    if (p->last_run != run) {
        p->nruns++;
        p->last_run = run;
    }
}

static void add_message(struct report_set *s, const char *line)
{
    for (size_t i = 0; i < s->nmessages; i++)
        if (!strcmp(s->messages[i], line))
            return;
    char **m = realloc(s->messages, (s->nmessages + 1) * sizeof *m);
    if (!m)
        return;
    s->messages = m;
    if ((m[s->nmessages] = strdup(line)))
        s->nmessages++;
}

int report_set_read_log(struct report_set *s, const char *path, unsigned run)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int count = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        if (n && line[0] == '{') {
            struct json *j = json_parse(line, (size_t)n);
            const char *kind = j && j->type == JSON_OBJECT ? json_str(json_get(j, "kind")) : NULL;
            if (kind && !strcmp(kind, "lock_stat")) {
                /* lock_stat=1's table: statistics, not a report (ulockdep report sums them) */
            } else if (j && j->type == JSON_OBJECT && json_get(j, "kind")) {
                add_report(s, j, run);
                count++;
            }
            json_free(j);
        } else if (!strncmp(line, "ulockdep:", 9)) {
            add_message(s, line);
        }
    }
    free(line);
    fclose(f);
    return count;
}

size_t report_set_unique(const struct report_set *s)
{
    return s->n;
}

static int by_first_run(const void *a, const void *b)
{
    const struct problem *x = a, *y = b;
    return x->first_run < y->first_run ? -1 : x->first_run > y->first_run;
}

void report_set_print(struct report_set *s, FILE *out, unsigned nruns)
{
    qsort(s->v, s->n, sizeof *s->v, by_first_run);
    for (size_t i = 0; i < s->n; i++) {
        const struct problem *p = &s->v[i];
        fprintf(out, "\n=== report %zu of %zu: %s, seen %zu time%s in %zu of %u runs (first in run %u, pid %ld) ===\n",
                i + 1, s->n, p->kind, p->count, p->count == 1 ? "" : "s", p->nruns, nruns, p->first_run,
                p->first_pid);
        const char *t = p->text ? p->text : "";
        while (*t == '\n')
            t++;
        fputs(t, out);
        if (*t && t[strlen(t) - 1] != '\n')
            fputc('\n', out);
    }
    if (s->nmessages) {
        fputs("\nmessages from the shim:\n", out);
        for (size_t i = 0; i < s->nmessages; i++)
            fprintf(out, "  %s\n", s->messages[i]);
    }
}

void report_set_free(struct report_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].key);
        free(s->v[i].kind);
        free(s->v[i].text);
    }
    free(s->v);
    for (size_t i = 0; i < s->nmessages; i++)
        free(s->messages[i]);
    free(s->messages);
    free(s);
}
