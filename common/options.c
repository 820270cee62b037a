#include "options.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ul_options ul_opt;
struct ul_derived_options ul_dopt;
static const char *last_set[256];   /* options the last ul_options_parse set (by name) */
static size_t nlast_set;

#define PREFIX "ulockdep: ULOCKDEP_OPTIONS: "
/* A spec full of garbage must not flood stderr: the first ones are shown, then one line. */
#define MAX_SHOWN 20

enum opt_type { T_BOOL, T_INT, T_STRING };

/* The table, with each option's place in struct ul_options. */
static const struct opt_desc {
    const char *name;
    enum opt_type type;
    size_t offset;
} opts[] = {
#define ULOCKDEP_OPTION(type, name, def, doc) { #name, T_##type, offsetof(struct ul_options, name) },
#include "options.def"
#undef ULOCKDEP_OPTION
};
#define NOPTS (sizeof opts / sizeof opts[0])

/* Ranges of INT options (options.def); any other INT option takes 0..INT_MAX. */
static const struct {
    const char *name;
    int lo, hi;
} int_ranges[] = {
#define ULOCKDEP_OPTION(type, name, def, doc)
#define ULOCKDEP_OPTION_RANGE(name, lo, hi) { #name, lo, hi },
#include "options.def"
#undef ULOCKDEP_OPTION_RANGE
#undef ULOCKDEP_OPTION
};

static void set_defaults(void)
{
#define ULOCKDEP_OPT_DEF_BOOL(n, d) ul_opt.n = (d);
#define ULOCKDEP_OPT_DEF_INT(n, d) ul_opt.n = (d);
#define ULOCKDEP_OPT_DEF_STRING(n, d) snprintf(ul_opt.n, sizeof ul_opt.n, "%s", d);
#define ULOCKDEP_OPTION(type, name, def, doc) ULOCKDEP_OPT_DEF_##type(name, def)
#include "options.def"
#undef ULOCKDEP_OPTION
}

struct parser {
    ul_opt_complain_fn complain;
    int problems;
    bool seen[NOPTS];
};

static void complain(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void complain(struct parser *ps, const char *fmt, ...)
{
    ps->problems++;
    if (!ps->complain || ps->problems > MAX_SHOWN + 1)
        return;
    if (ps->problems == MAX_SHOWN + 1) {
        ps->complain(PREFIX "more problems, not shown");
        return;
    }
    char line[ULOCKDEP_OPT_STRMAX + 256];
    int n = snprintf(line, sizeof line, PREFIX);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    ps->complain(line);
}

/* Untrusted text for a message: printable, one line, at most 80 characters shown. */
static const char *shown(char out[96], const char *s, size_t len)
{
    size_t o = 0, i = 0;
    for (; i < len && o < 80; i++)
        out[o++] = (s[i] >= ' ' && s[i] < 127) ? s[i] : '?';
    if (i < len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = 0;
    return out;
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = { "1", "true", "yes", "on" }, *const no[] = { "0", "false", "no", "off" };
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i])) {
            *out = true;
            return true;
        }
        if (!strcasecmp(v, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Decimal only: "010" is ten, not eight. */
static bool parse_int(const char *v, long *out)
{
    if (!*v || !(*v == '-' || *v == '+' || (*v >= '0' && *v <= '9')))
        return false;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end)
        return false;
    *out = x;
    return true;
}

static void int_range(const char *name, int *lo, int *hi)
{
    *lo = 0;
    *hi = INT_MAX;
    for (size_t i = 0; i < sizeof int_ranges / sizeof int_ranges[0]; i++)
        if (!strcmp(int_ranges[i].name, name)) {
            *lo = int_ranges[i].lo;
            *hi = int_ranges[i].hi;
        }
}

/* format: text, json, or both (',' or '+' between), each at most once. */
static bool format_ok(const char *v)
{
    if (!*v)
        return false;
    bool text = false, json = false;
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, ",+");
        if (n == 4 && !strncmp(p, "text", 4) && !text)
            text = true;
        else if (n == 4 && !strncmp(p, "json", 4) && !json)
            json = true;
        else
            return false;
        p += n;
        if (*p && !*++p)
            return false; /* a trailing separator */
    }
    return true;
}

/* Values that are well-formed strings but not meaningful for this option. */
static const char *string_problem(const char *name, const char *v)
{
    if (!strcmp(name, "format") && !format_ok(v))
        return "want text, json or text,json";
    if (!strcmp(name, "class_by") && strcmp(v, "stack") && strcmp(v, "instance"))
        return "want stack or instance";
    return NULL;
}

/* The current value of an option, as text, for "; using ..." in messages. */
static void current_value(const struct opt_desc *d, char *buf, size_t len)
{
    const char *field = (const char *)&ul_opt + d->offset;
    switch (d->type) {
    case T_BOOL: snprintf(buf, len, "%d", *(const bool *)field); break;
    case T_INT: snprintf(buf, len, "%d", *(const int *)field); break;
    case T_STRING: {
        char tmp[96];
        snprintf(buf, len, "'%s'", shown(tmp, field, strlen(field)));
        break;
    }
    }
}

/* Sets option `d` from `val` and returns true; a bad value leaves it as it was (its
 * default, unless an earlier entry set it), says so and returns false. */
static bool apply(struct parser *ps, const struct opt_desc *d, const char *val, size_t vl)
{
    char *field = (char *)&ul_opt + d->offset;
    char v[ULOCKDEP_OPT_STRMAX], sv[96], cur[128], why[64];
    current_value(d, cur, sizeof cur);
    if (vl >= sizeof v) {
        complain(ps, "value of option '%s' too long (%zu bytes, at most %d); using %s", d->name, vl,
                 ULOCKDEP_OPT_STRMAX - 1, cur);
        return false;
    }
    if (memchr(val, 0, vl)) {
        complain(ps, "bad value for option '%s' (contains a NUL byte); using %s", d->name, cur);
        return false;
    }
    memcpy(v, val, vl);
    v[vl] = 0;
    why[0] = 0;
    bool b = false;
    long x = 0;
    switch (d->type) {
    case T_BOOL:
        if (!parse_bool(v, &b))
            snprintf(why, sizeof why, "want 1/0, yes/no, true/false or on/off");
        break;
    case T_INT: {
        int lo, hi;
        int_range(d->name, &lo, &hi);
        if (!parse_int(v, &x))
            snprintf(why, sizeof why, "want an integer");
        else if ((x < lo || x > hi) && hi == INT_MAX)
            snprintf(why, sizeof why, "want a number >= %d", lo);
        else if (x < lo || x > hi)
            snprintf(why, sizeof why, "want %d..%d", lo, hi);
        break;
    }
    case T_STRING: {
        const char *sp = string_problem(d->name, v);
        if (sp)
            snprintf(why, sizeof why, "%s", sp);
        break;
    }
    }
    if (why[0]) {
        complain(ps, "bad value '%s' for option '%s' (%s); using %s", shown(sv, v, vl), d->name, why, cur);
        return false;
    }
    switch (d->type) {
    case T_BOOL: *(bool *)field = b; break;
    case T_INT: *(int *)field = (int)x; break;
    case T_STRING: memcpy(field, v, vl + 1); break;
    }
    return true;
}

static const struct opt_desc *lookup(const char *key, size_t kl)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (strlen(opts[i].name) == kl && !memcmp(opts[i].name, key, kl))
            return &opts[i];
    return NULL;
}

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_sep(char c)
{
    return c == ':' || c == ',' || is_space(c);
}

/* In "exitcode=3,verbosity=1" the comma separates pairs; in "format=text,json" it is part of
 * the value. It separates when the text after it is itself a key=value, or nothing. */
static bool comma_starts_pair(const char *q)
{
    while (is_space(*q))
        q++;
    if (!*q || *q == ':' || *q == ',')
        return true; /* "exitcode=5," or "exitcode=5, verbosity=2" */
    for (; *q && *q != ':' && *q != ',' && !is_space(*q); q++)
        if (*q == '=')
            return true;
    return false;
}

/* An unquoted value runs to ':', whitespace or a comma that starts the next pair. */
static const char *unquoted_end(const char *p)
{
    while (*p && *p != ':' && !is_space(*p) && !(*p == ',' && comma_starts_pair(p + 1)))
        p++;
    return p;
}

int ul_options_parse(const char *spec, ul_opt_complain_fn complain_fn)
{
    struct parser ps = { .complain = complain_fn };
    char sk[96], sv[96];
    set_defaults();
    const char *p = spec ? spec : "";
    for (;;) {
        /* Empty entries ("a=1::b=2", leading or trailing separators) are harmless. */
        while (is_sep(*p))
            p++;
        if (!*p)
            break;
        const char *k = p;
        while (*p && *p != '=' && !is_sep(*p))
            p++;
        size_t kl = (size_t)(p - k);
        if (*p != '=') {
            const struct opt_desc *d = lookup(k, kl);
            if (d)
                complain(&ps, "option '%s' has no value (expected %s=VALUE)", d->name, d->name);
            else
                complain(&ps, "'%s' is not key=value", shown(sk, k, kl));
            continue;
        }
        p++;
        const char *v = p, *ve;
        char quote = (*p == '"' || *p == '\'') ? *p : 0;
        bool unterminated = false;
        if (quote) {
            const char *close = strchr(p + 1, quote);
            if (close) {
                v = p + 1;
                ve = close;
                p = close + 1;
            } else {
                /* Not quoted after all: take it as it stands, and refuse it below. */
                unterminated = true;
                ve = p = unquoted_end(p);
            }
        } else {
            ve = p = unquoted_end(p);
        }
        if (kl == 0) {
            complain(&ps, "'=%s' has no key (expected key=value)", shown(sv, v, (size_t)(ve - v)));
            continue;
        }
        const struct opt_desc *d = lookup(k, kl);
        if (!d) {
            complain(&ps, "unknown option '%s' (ignored; help=1 lists them)", shown(sk, k, kl));
            continue;
        }
        if (unterminated) {
            complain(&ps, "option '%s': unterminated %c quote in its value; ignored", d->name, quote);
            continue;
        }
        size_t idx = (size_t)(d - opts);
        if (apply(&ps, d, v, (size_t)(ve - v))) {
            if (ps.seen[idx])
                complain(&ps, "option '%s' set more than once; the last value applies", d->name);
            ps.seen[idx] = true;
        }
    }
    nlast_set = 0;
    for (size_t i = 0; i < NOPTS && nlast_set < sizeof last_set / sizeof last_set[0]; i++)
        if (ps.seen[i])
            last_set[nlast_set++] = opts[i].name;
    ul_dopt.text = strstr(ul_opt.format, "text") != NULL;
    ul_dopt.json = strstr(ul_opt.format, "json") != NULL;
    ul_dopt.class_by_instance = !strcmp(ul_opt.class_by, "instance");
    return ps.problems;
}

bool ul_options_was_set(const char *name)
{
    for (size_t i = 0; i < nlast_set; i++)
        if (!strcmp(last_set[i], name))
            return true;
    return false;
}

size_t ul_options_help(char *buf, size_t len)
{
    size_t off = 0;
#define ULOCKDEP_OPT_HELP(typestr, name, defstr, doc)                                     \
    off += (size_t)snprintf(buf ? buf + (off < len ? off : len) : NULL, buf && off < len ? len - off : 0, \
                            "  %-19s %-7s default %-8s %s\n", #name, typestr, defstr, doc);
#define ULOCKDEP_OPT_HELP_BOOL(name, def, doc) ULOCKDEP_OPT_HELP("bool", name, #def, doc)
#define ULOCKDEP_OPT_HELP_INT(name, def, doc) ULOCKDEP_OPT_HELP("int", name, #def, doc)
#define ULOCKDEP_OPT_HELP_STRING(name, def, doc) \
    ULOCKDEP_OPT_HELP("string", name, (def)[0] ? "\"" def "\"" : "\"\"", doc)
#define ULOCKDEP_OPTION(type, name, def, doc) ULOCKDEP_OPT_HELP_##type(name, def, doc)
#include "options.def"
#undef ULOCKDEP_OPTION
    return off;
}
