#include "suppress.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- glob ----------------------------------------------------------------------------- */

static bool in_class(const char *name, size_t len, unsigned char c)
{
#define CLASS(n, test)                                                                    \
    if (len == sizeof(n) - 1 && !memcmp(name, n, len))                                    \
        return (test);
    CLASS("alpha", (c | 32) >= 'a' && (c | 32) <= 'z')
    CLASS("digit", c >= '0' && c <= '9')
    CLASS("alnum", ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9'))
    CLASS("lower", c >= 'a' && c <= 'z')
    CLASS("upper", c >= 'A' && c <= 'Z')
    CLASS("xdigit", (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'f'))
    CLASS("space", c == ' ' || (c >= '\t' && c <= '\r'))
    CLASS("blank", c == ' ' || c == '\t')
    CLASS("punct", c > ' ' && c < 127 && !((c | 32) >= 'a' && (c | 32) <= 'z') && !(c >= '0' && c <= '9'))
    CLASS("cntrl", c < ' ' || c == 127)
    CLASS("print", c >= ' ' && c < 127)
    CLASS("graph", c > ' ' && c < 127)
#undef CLASS
    return false;
}

/* p points at '['. Returns the pointer past the closing ']' and sets *hit to whether c is in
 * the set, or NULL when the bracket is never closed (the '[' is then an ordinary character,
 * as in fnmatch). */
static const char *bracket(const char *p, unsigned char c, bool *hit)
{
    p++;
    bool negate = *p == '!' || *p == '^';
    if (negate)
        p++;
    bool match = false;
    for (bool first = true;; first = false) {
        if (!*p)
            return NULL;
        if (*p == ']' && !first)
            break;
        if (p[0] == '[' && p[1] == ':') {
            const char *name = p + 2, *q = name;
            while (*q >= 'a' && *q <= 'z')
                q++;
            if (q[0] == ':' && q[1] == ']') {
                match |= in_class(name, (size_t)(q - name), c);
                p = q + 2;
                continue;
            }
        }
        if (*p == '\\' && !*++p)
            return NULL;
        unsigned char lo = (unsigned char)*p++, hi = lo;
        if (p[0] == '-' && p[1] && p[1] != ']') {
            p++;
            if (*p == '\\' && !*++p)
                return NULL;
            hi = (unsigned char)*p++;
        }
        if (lo <= c && c <= hi)
            match = true;
    }
    *hit = match != negate;
    return p + 1;
}

/* Does the single-character token at p match c? *next is set past the token. */
static bool token_matches(const char *p, unsigned char c, const char **next)
{
    switch (*p) {
    case 0:
        return false;
    case '?':
        *next = p + 1;
        return true;
    case '\\':
        if (!p[1])
            return false; /* a trailing backslash matches nothing (glibc) */
        *next = p + 2;
        return (unsigned char)p[1] == c;
    case '[': {
        bool hit;
        const char *end = bracket(p, c, &hit);
        if (end) {
            *next = end;
            return hit;
        }
        break;
    }
    }
    *next = p + 1;
    return (unsigned char)*p == c;
}

/* Backtracking only to the last '*' is enough for globs, so this is O(|pattern| * |s|). */
bool ul_glob_match(const char *pattern, const char *s)
{
    const char *p = pattern, *star_p = NULL, *star_s = NULL;
    for (;;) {
        if (*p == '*') {
            while (*p == '*')
                p++;
            if (!*p)
                return true;
            star_p = p;
            star_s = s;
            continue;
        }
        const char *next;
        if (*s && token_matches(p, (unsigned char)*s, &next)) {
            p = next;
            s++;
            continue;
        }
        if (!*s && !*p)
            return true;
        if (!star_p || !*star_s)
            return false;
        p = star_p;
        s = ++star_s;
    }
}

/* ---- parsing -------------------------------------------------------------------------- */

static const char *const type_names[UL_SUPP_TYPE_COUNT] = { "deadlock", "lock" };

const char *ul_supp_type_name(enum ul_supp_type type)
{
    return (unsigned)type < UL_SUPP_TYPE_COUNT ? type_names[type] : "?";
}

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && is_space(**s))
        (*s)++;
    while (*e > *s && is_space((*e)[-1]))
        (*e)--;
}

/* A short, printable, one-line excerpt of untrusted text for a message. */
static void excerpt(char *out, size_t outlen, const char *s, size_t len)
{
    size_t max = outlen - 4, i = 0, o = 0;
    for (; i < len && o < max; i++)
        out[o++] = (s[i] >= ' ' && s[i] < 127) ? s[i] : '?';
    if (i < len)
        out[o++] = '.', out[o++] = '.', out[o++] = '.';
    out[o] = 0;
}

struct parse_ctx {
    const char *file;
    ul_supp_complain_fn complain;
    void *arg;
    int bad;
};

static void complain(struct parse_ctx *pc, unsigned line, const char *what, const char *s, size_t len)
{
    pc->bad++;
    if (!pc->complain)
        return;
    char ex[72], msg[UL_SUPP_LINE_MAX];
    excerpt(ex, sizeof ex, s, len);
    snprintf(msg, sizeof msg, "ulockdep: suppressions %.300s:%u: %s%s%s%s", pc->file ? pc->file : "?", line,
             what, len ? " '" : "", ex, len ? "'" : "");
    pc->complain(pc->arg, msg);
}

/* A pattern the glob would read otherwise than its writer meant: an unclosed '[' (which
 * would match itself), a '\\' escaping nothing. NULL when it is well formed. */
static const char *glob_problem(const char *p, size_t len)
{
    char copy[UL_SUPP_LINE_MAX + 1];
    if (len > UL_SUPP_LINE_MAX)
        return NULL;
    memcpy(copy, p, len);
    copy[len] = 0;
    for (const char *q = copy; *q; q++) {
        bool hit;
        if (*q == '\\') {
            if (!*++q)
                return "pattern ends with a lone '\\' (write '\\\\' for a backslash), in";
        } else if (*q == '[') {
            const char *end = bracket(q, 0, &hit);
            if (!end)
                return "unclosed '[' in the pattern (write '\\[' or '?' for a literal '['), in";
            q = end - 1;
        }
    }
    return NULL;
}

/* One line (without its newline). Returns true and fills *rule when it is a rule. */
static bool parse_line(struct parse_ctx *pc, unsigned no, const char *s, size_t len, char **text,
                       struct ul_supp_rule *rule)
{
    const char *e = s + len;
    if (len > UL_SUPP_LINE_MAX) {
        char what[96];
        snprintf(what, sizeof what, "line too long (%zu bytes, at most %d)", len, UL_SUPP_LINE_MAX);
        complain(pc, no, what, "", 0);
        return false;
    }
    if (memchr(s, 0, len)) {
        complain(pc, no, "line contains a NUL byte", "", 0);
        return false;
    }
    trim(&s, &e);
    if (s == e || *s == '#')
        return false;
    const char *colon = memchr(s, ':', (size_t)(e - s));
    if (!colon) {
        complain(pc, no, "expected TYPE:PATTERN (deadlock:PATTERN or lock:PATTERN), got", s, (size_t)(e - s));
        return false;
    }
    const char *ts = s, *te = colon, *ps = colon + 1, *pe = e;
    trim(&ts, &te);
    trim(&ps, &pe);
    int type = -1;
    for (int i = 0; i < UL_SUPP_TYPE_COUNT; i++)
        if ((size_t)(te - ts) == strlen(type_names[i]) && !memcmp(ts, type_names[i], (size_t)(te - ts)))
            type = i;
    if (type < 0) {
        complain(pc, no, "unknown suppression type (deadlock or lock), in", s, (size_t)(e - s));
        return false;
    }
    if (ps == pe) {
        complain(pc, no, "empty pattern, in", s, (size_t)(e - s));
        return false;
    }
    size_t pl = (size_t)(pe - ps);
    const char *bad = glob_problem(ps, pl);
    if (bad) {
        complain(pc, no, bad, s, (size_t)(e - s));
        return false;
    }
    memcpy(*text, ps, pl);
    (*text)[pl] = 0;
    *rule = (struct ul_supp_rule){ .type = (enum ul_supp_type)type, .pattern = *text, .line = no };
    *text += pl + 1;
    return true;
}

int ul_supp_parse(struct ul_supp_set *set, const char *buf, size_t len, const char *file,
                  ul_supp_complain_fn complain_fn, void *arg)
{
    *set = (struct ul_supp_set){ 0 };
    if (!buf || !len)
        return 0;
    if (len >= SIZE_MAX / 2)
        return -1;
    size_t nlines = 1;
    for (const char *q = buf; (q = memchr(q, '\n', len - (size_t)(q - buf))); q++)
        nlines++;
    set->rules = malloc(nlines * sizeof *set->rules);
    set->text = malloc(len + 1);
    if (!set->rules || !set->text) {
        ul_supp_free(set);
        return -1;
    }
    struct parse_ctx pc = { .file = file, .complain = complain_fn, .arg = arg };
    char *text = set->text;
    const char *s = buf, *end = buf + len;
    if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
        s += 3; /* a UTF-8 byte-order mark */
    for (unsigned no = 1; s < end; no++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        if (parse_line(&pc, no, s, (size_t)(le - s), &text, &set->rules[set->n]))
            set->n++;
        s = nl ? nl + 1 : end;
    }
    return pc.bad;
}

void ul_supp_free(struct ul_supp_set *set)
{
    free(set->rules);
    free(set->text);
    *set = (struct ul_supp_set){ 0 };
}

/* ---- matching ------------------------------------------------------------------------- */

int ul_supp_match(const struct ul_supp_set *set, enum ul_supp_type type, const char *s)
{
    if (!s)
        return -1;
    for (unsigned i = 0; i < set->n; i++)
        if (set->rules[i].type == type && ul_glob_match(set->rules[i].pattern, s))
            return (int)i;
    return -1;
}

bool ul_supp_has_type(const struct ul_supp_set *set, enum ul_supp_type type)
{
    for (unsigned i = 0; i < set->n; i++)
        if (set->rules[i].type == type)
            return true;
    return false;
}

size_t ul_supp_format_used(const struct ul_supp_set *set, char *buf, size_t len)
{
    size_t off = 0;
    if (buf && len)
        buf[0] = 0; /* like snprintf, even when nothing was used */
    for (unsigned i = 0; i < set->n; i++) {
        const struct ul_supp_rule *r = &set->rules[i];
        if (!r->hits)
            continue;
        int n = snprintf(buf ? buf + (off < len ? off : len) : NULL, off < len ? len - off : 0, "  %lu %s:%s\n",
                         r->hits, ul_supp_type_name(r->type), r->pattern);
        if (n > 0)
            off += (size_t)n;
    }
    return off;
}
