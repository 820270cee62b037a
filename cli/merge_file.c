/* Reads one graph file written by the shim (format: shim/graph_record.c). The whole file is
 * checked before anything is merged, so a file cut short (a disk that filled up, a copy that
 * was interrupted) is skipped whole, with the line where it goes wrong. */
#include "merge.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GRAPH_FORMAT_VERSION 1

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void graph_unescape(const char *s, size_t n, char *out, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < len; i++) {
        int h, l;
        if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && (h = hexval(s[i + 2])) >= 0 &&
            (l = hexval(s[i + 3])) >= 0) {
            out[o++] = (char)(h << 4 | l);
            i += 3;
        } else {
            out[o++] = s[i];
        }
    }
    if (len)
        out[o] = 0;
}

void graph_escape(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\' || *p == '|' || *p == ';')
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

static char *unescape_dup(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    if (out)
        graph_unescape(s, n, out, n + 1);
    return out;
}

bool graph_next_frame(const char **pp, struct graph_frame *f)
{
    const char *p = *pp;
    if (!p || !*p)
        return false;
    const char *end = strchr(p, ';');
    if (!end)
        end = p + strlen(p);
    memset(f, 0, sizeof *f);
    /* key|module|function|func_off|func_size|file|line */
    const char *field[7] = { 0 };
    size_t flen[7] = { 0 };
    int k = 0;
    const char *q = p;
    while (k < 7) {
        const char *bar = memchr(q, '|', (size_t)(end - q));
        const char *fe = bar ? bar : end;
        field[k] = q;
        flen[k] = (size_t)(fe - q);
        k++;
        if (!bar)
            break;
        q = bar + 1;
    }
    char num[32];
    if (field[0])
        graph_unescape(field[0], flen[0], f->key, sizeof f->key);
    if (field[1])
        graph_unescape(field[1], flen[1], f->module, sizeof f->module);
    if (field[2])
        graph_unescape(field[2], flen[2], f->function, sizeof f->function);
    if (field[3]) {
        graph_unescape(field[3], flen[3], num, sizeof num);
        f->func_off = strtoul(num, NULL, 0);
    }
    if (field[4]) {
        graph_unescape(field[4], flen[4], num, sizeof num);
        f->func_size = strtoul(num, NULL, 0);
    }
    if (field[5])
        graph_unescape(field[5], flen[5], f->file, sizeof f->file);
    if (field[6]) {
        graph_unescape(field[6], flen[6], num, sizeof num);
        f->line = atoi(num);
    }
    *pp = *end ? end + 1 : end;
    return true;
}

/* 128-bit content hash: two independent 64-bit hashes (FNV-1a and a multiply-mix). Only to
 * recognise a file merged before, not against an adversary. */
void graph_hash(const char *data, size_t n, char out[33])
{
    uint64_t a = 0xcbf29ce484222325ull, b = 0x9e3779b97f4a7c15ull ^ n;
    for (size_t i = 0; i < n; i++) {
        a = (a ^ (unsigned char)data[i]) * 0x100000001b3ull;
        b = (b ^ (unsigned char)data[i]) * 0xff51afd7ed558ccdull;
        b ^= b >> 29;
    }
    b ^= b >> 33;
    b *= 0xc4ceb9fe1a85ec53ull;
    b ^= b >> 33;
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

static bool fail(char *err, size_t errlen, long *line, long at, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static bool fail(char *err, size_t errlen, long *line, long at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    *line = at;
    return false;
}

static bool parse_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* Splits a line at tabs (in place); returns the number of fields (at most max). */
static int split(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p; p++)
        if (*p == '\t') {
            *p = 0;
            if (n == max)
                return max + 1; /* too many */
            f[n++] = p + 1;
        }
    return n;
}

static bool read_all(const char *path, struct graph_file *g, char *err, size_t errlen, long *line)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return fail(err, errlen, line, 0, "cannot read: %s", strerror(e));
    }
    g->data = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (g->data && got < (size_t)st.st_size) {
        ssize_t n = read(fd, g->data + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (!g->data)
        return fail(err, errlen, line, 0, "out of memory");
    g->data[got] = 0;
    g->size = got;
    if (memchr(g->data, 0, got))
        return fail(err, errlen, line, 0, "not a graph file (binary data)");
    return true;
}

static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

/* Sorted (id, index) pairs for looking ids up. */
struct idx {
    uint32_t id;
    uint32_t at;
};

static int idx_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct idx *)a)->id, y = ((const struct idx *)b)->id;
    return x < y ? -1 : x > y;
}

static bool idx_has(const struct idx *v, size_t n, uint32_t id)
{
    struct idx key = { id, 0 };
    return bsearch(&key, v, n, sizeof *v, idx_cmp) != NULL;
}

/* The reading of one file: its records so far, and what went wrong where. */
struct parse {
    struct graph_file *g;
    size_t ccap, scap, ecap;
    bool ended;
    long lineno;
    char *err;
    size_t errlen;
    long *line;
};

#define PARSE_FAIL(ps, at, ...) fail((ps)->err, (ps)->errlen, (ps)->line, (at), __VA_ARGS__)

static bool header_record(struct parse *ps, char **f)
{
    struct graph_file *g = ps->g;
    if (!strcmp(f[1], "pid"))
        g->pid = atol(f[2]);
    else if (!strcmp(f[1], "ppid"))
        g->ppid = atol(f[2]);
    else if (!strcmp(f[1], "start"))
        g->start = atoll(f[2]);
    else if (!strcmp(f[1], "host") && !g->host)
        g->host = unescape_dup(f[2]);
    else if (!strcmp(f[1], "exe") && !g->exe)
        g->exe = unescape_dup(f[2]);
    else if (!strcmp(f[1], "cmd") && !g->cmd)
        g->cmd = unescape_dup(f[2]);
    return true; /* unknown header keys are for newer writers */
}

/* Ids are written in increasing order, so the lookup tables are sorted as they fill. */
static bool class_record(struct parse *ps, char **f)
{
    struct graph_file *g = ps->g;
    struct graph_class c = { .kind = f[2] };
    uint32_t usage;
    if (!parse_u32(f[1], &c.id) || !parse_u32(f[3], &usage) || !*f[4])
        return PARSE_FAIL(ps, ps->lineno, "bad class record");
    if (g->nclasses && c.id <= g->classes[g->nclasses - 1].id)
        return PARSE_FAIL(ps, ps->lineno, "class ids out of order");
    c.usage = usage;
    c.ident = unescape_dup(f[4]);
    c.name = unescape_dup(f[5]);
    if (!c.ident || !c.name || !grow((void **)&g->classes, &ps->ccap, g->nclasses, sizeof c)) {
        free(c.ident);
        free(c.name);
        return PARSE_FAIL(ps, 0, "out of memory");
    }
    g->classes[g->nclasses++] = c;
    return true;
}

static bool stack_record(struct parse *ps, char **f)
{
    struct graph_file *g = ps->g;
    struct graph_stack st = { .frames = f[2] };
    if (!parse_u32(f[1], &st.id) || !st.id)
        return PARSE_FAIL(ps, ps->lineno, "bad stack record");
    if (!grow((void **)&g->stacks, &ps->scap, g->nstacks, sizeof st))
        return PARSE_FAIL(ps, 0, "out of memory");
    g->stacks[g->nstacks++] = st;
    return true;
}

static bool edge_record(struct parse *ps, char **f)
{
    struct graph_file *g = ps->g;
    struct graph_edge e;
    uint32_t dep;
    if (!parse_u32(f[1], &e.from) || !parse_u32(f[2], &e.to) || !parse_u32(f[3], &dep) ||
        !parse_u32(f[4], &e.stack) || dep == 0 || dep > 15)
        return PARSE_FAIL(ps, ps->lineno, "bad dependency record");
    e.dep = dep;
    if (!grow((void **)&g->edges, &ps->ecap, g->nedges, sizeof e))
        return PARSE_FAIL(ps, 0, "out of memory");
    g->edges[g->nedges++] = e;
    return true;
}

static bool end_record(struct parse *ps, char **f)
{
    struct graph_file *g = ps->g;
    uint32_t nc, ns, ne;
    if (!parse_u32(f[1], &nc) || !parse_u32(f[2], &ns) || !parse_u32(f[3], &ne))
        return PARSE_FAIL(ps, ps->lineno, "bad end record");
    if (nc != g->nclasses || ns != g->nstacks || ne != g->nedges)
        return PARSE_FAIL(ps, ps->lineno,
                          "the end record counts %u classes, %u stacks, %u dependencies; the file has %zu, %zu, %zu", nc,
                          ns, ne, g->nclasses, g->nstacks, g->nedges);
    ps->ended = true;
    return true;
}

/* The record kinds: tag, number of tab-separated fields, reader. */
static const struct {
    const char *tag;
    int fields;
    bool (*read)(struct parse *ps, char **f);
} records[] = {
    { "h", 3, header_record }, { "c", 6, class_record }, { "s", 3, stack_record },
    { "e", 5, edge_record },   { "end", 4, end_record },
};

static bool first_line(struct parse *ps, char **f, int n)
{
    uint32_t v = 0;
    if (n != 2 || strcmp(f[0], "ulockdep-graph") || !parse_u32(f[1], &v))
        return PARSE_FAIL(ps, 1, "not a ulockdep graph file");
    if (v != GRAPH_FORMAT_VERSION)
        return PARSE_FAIL(ps, 1, "graph format version %u is not supported (this is %d)", v, GRAPH_FORMAT_VERSION);
    return true;
}

static bool record(struct parse *ps, char *cur)
{
    char *f[8];
    int n = split(cur, f, 8);
    if (ps->lineno == 1)
        return first_line(ps, f, n);
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++)
        if (!strcmp(f[0], records[i].tag) && n == records[i].fields)
            return records[i].read(ps, f);
    return PARSE_FAIL(ps, ps->lineno, "unknown or malformed record '%.20s'", f[0]);
}

static bool parse_lines(struct graph_file *g, char *err, size_t errlen, long *line)
{
    struct parse ps = { .g = g, .err = err, .errlen = errlen, .line = line };
    char *p = g->data;
    while (*p) {
        ps.lineno++;
        char *nl = strchr(p, '\n');
        if (!nl)
            return PARSE_FAIL(&ps, ps.lineno, "truncated: the last line is incomplete");
        *nl = 0;
        char *cur = p;
        p = nl + 1;
        if (ps.ended)
            return PARSE_FAIL(&ps, ps.lineno, "data after the end record");
        if (!record(&ps, cur))
            return false;
    }
    if (ps.lineno == 0)
        return PARSE_FAIL(&ps, 1, "empty file");
    if (!ps.ended)
        return PARSE_FAIL(&ps, ps.lineno + 1, "truncated: no end record");
    return true;
}

/* Every dependency must name classes and a stack of the file. */
static bool check_refs(struct graph_file *g, char *err, size_t errlen, long *line)
{
    struct idx *cls = malloc((g->nclasses + 1) * sizeof *cls);
    struct idx *stk = malloc((g->nstacks + 1) * sizeof *stk);
    bool ok = cls && stk;
    for (size_t i = 0; ok && i < g->nclasses; i++)
        cls[i] = (struct idx){ g->classes[i].id, (uint32_t)i };
    for (size_t i = 0; ok && i < g->nstacks; i++)
        stk[i] = (struct idx){ g->stacks[i].id, (uint32_t)i };
    if (ok)
        qsort(stk, g->nstacks, sizeof *stk, idx_cmp);
    for (size_t i = 0; ok && i < g->nedges; i++) {
        const struct graph_edge *e = &g->edges[i];
        if (!idx_has(cls, g->nclasses, e->from) || !idx_has(cls, g->nclasses, e->to) ||
            (e->stack && !idx_has(stk, g->nstacks, e->stack))) {
            snprintf(err, errlen, "dependency %zu refers to a class or stack the file does not have", i + 1);
            *line = 0;
            ok = false;
        }
    }
    if (!cls || !stk)
        snprintf(err, errlen, "out of memory");
    free(cls);
    free(stk);
    return ok;
}

bool graph_file_read(const char *path, struct graph_file *g, char *err, size_t errlen, long *line)
{
    memset(g, 0, sizeof *g);
    *line = 0;
    if (!read_all(path, g, err, errlen, line))
        return false;
    graph_hash(g->data, g->size, g->hash);
    return parse_lines(g, err, errlen, line) && check_refs(g, err, errlen, line);
}

void graph_file_free(struct graph_file *g)
{
    for (size_t i = 0; i < g->nclasses; i++) {
        free(g->classes[i].ident);
        free(g->classes[i].name);
    }
    free(g->classes);
    free(g->stacks);
    free(g->edges);
    free(g->host);
    free(g->exe);
    free(g->cmd);
    free(g->data);
    memset(g, 0, sizeof *g);
}
