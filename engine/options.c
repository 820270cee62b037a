#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ul_options ul_opt;
struct ul_derived_options ul_dopt;

static void set_defaults(void)
{
#define ULOCKDEP_OPT_DEF_BOOL(n, d) ul_opt.n = (d);
#define ULOCKDEP_OPT_DEF_INT(n, d) ul_opt.n = (d);
#define ULOCKDEP_OPT_DEF_STRING(n, d) snprintf(ul_opt.n, sizeof ul_opt.n, "%s", d);
#define ULOCKDEP_OPTION(type, name, def, doc) ULOCKDEP_OPT_DEF_##type(name, def)
#include "options.def"
#undef ULOCKDEP_OPTION
}

static void complainf(ul_opt_complain_fn complain, int *n, const char *fmt, const char *a,
                      const char *b)
{
    char line[ULOCKDEP_OPT_STRMAX + 128];
    snprintf(line, sizeof line, fmt, a, b);
    (*n)++;
    if (complain)
        complain(line);
}

static bool parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
        !strcasecmp(v, "on")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
        !strcasecmp(v, "off")) {
        *out = false;
        return true;
    }
    return false;
}

static bool parse_int(const char *v, int *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 0);
    if (errno || end == v || *end || x < INT_MIN || x > INT_MAX)
        return false;
    *out = (int)x;
    return true;
}

/* Checks values that are syntactically fine but not meaningful; resets them to defaults. */
static void validate(ul_opt_complain_fn complain, int *n)
{
    char text[ULOCKDEP_OPT_STRMAX];
    snprintf(text, sizeof text, "%s", ul_opt.format);
    ul_dopt.text = ul_dopt.json = false;
    bool bad = false;
    for (char *save = NULL, *tok = strtok_r(text, ",+", &save); tok;
         tok = strtok_r(NULL, ",+", &save)) {
        if (!strcmp(tok, "text"))
            ul_dopt.text = true;
        else if (!strcmp(tok, "json"))
            ul_dopt.json = true;
        else
            bad = true;
    }
    if (bad || (!ul_dopt.text && !ul_dopt.json)) {
        complainf(complain, n, "ulockdep: bad value '%s' for option 'format' (text, json or text,json); using text%s",
                  ul_opt.format, "");
        snprintf(ul_opt.format, sizeof ul_opt.format, "text");
        ul_dopt.text = true;
        ul_dopt.json = false;
    }
    if (!strcmp(ul_opt.class_by, "instance")) {
        ul_dopt.class_by_instance = true;
    } else {
        if (strcmp(ul_opt.class_by, "stack"))
            complainf(complain, n, "ulockdep: bad value '%s' for option 'class_by' (stack or instance); using stack%s",
                      ul_opt.class_by, "");
        snprintf(ul_opt.class_by, sizeof ul_opt.class_by, "stack");
        ul_dopt.class_by_instance = false;
    }
    if (ul_opt.class_depth < 1 || ul_opt.class_depth > 16) {
        complainf(complain, n, "ulockdep: option 'class_depth' must be 1..16; using 2%s%s", "", "");
        ul_opt.class_depth = 2;
    }
    if (ul_opt.stack_depth < 1 || ul_opt.stack_depth > 64) {
        complainf(complain, n, "ulockdep: option 'stack_depth' must be 1..64; using 24%s%s", "", "");
        ul_opt.stack_depth = 24;
    }
    if (ul_opt.exitcode < 0 || ul_opt.exitcode > 255) {
        complainf(complain, n, "ulockdep: option 'exitcode' must be 0..255; using 66%s%s", "", "");
        ul_opt.exitcode = 66;
    }
}

static void apply(const char *key, const char *val, ul_opt_complain_fn complain, int *n)
{
#define ULOCKDEP_OPT_SET_BOOL(nm)                                                         \
    if (!parse_bool(val, &ul_opt.nm))                                                    \
        complainf(complain, n, "ulockdep: bad value '%s' for option '%s' (want 0 or 1)", \
                  val, #nm);
#define ULOCKDEP_OPT_SET_INT(nm)                                                         \
    if (!parse_int(val, &ul_opt.nm))                                                    \
        complainf(complain, n, "ulockdep: bad value '%s' for option '%s' (want an integer)", \
                  val, #nm);
#define ULOCKDEP_OPT_SET_STRING(nm)                                                      \
    if (strlen(val) >= sizeof ul_opt.nm)                                                \
        complainf(complain, n, "ulockdep: value too long for option '%s'%s", #nm, "");   \
    else                                                                                \
        memcpy(ul_opt.nm, val, strlen(val) + 1);
#define ULOCKDEP_OPTION(type, name, def, doc)                                            \
    if (!strcmp(key, #name)) {                                                           \
        ULOCKDEP_OPT_SET_##type(name) return;                                            \
    }
#include "options.def"
#undef ULOCKDEP_OPTION
    complainf(complain, n, "ulockdep: unknown option '%s' (ignored; help=1 lists them)%s", key, "");
}

/* In "exitcode=3,verbosity=1" the comma separates pairs; in "format=text,json" it is part of
 * the value. It separates when the text after it is itself a key=value. */
static bool comma_starts_pair(const char *q)
{
    while (isspace((unsigned char)*q))
        q++;
    if (!*q || *q == ':' || *q == ',')
        return true; /* "exitcode=5," or "exitcode=5, verbosity=2" */
    for (; *q && *q != ':' && *q != ',' && !isspace((unsigned char)*q); q++)
        if (*q == '=')
            return true;
    return false;
}

int ul_options_parse(const char *spec, ul_opt_complain_fn complain)
{
    int n = 0;
    set_defaults();
    const char *p = spec ? spec : "";
    while (*p) {
        while (*p == ':' || *p == ',' || isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        /* key runs to '='; value runs to the next ':' or whitespace (commas belong to values
         * such as format=text,json). A value may be quoted with " or '. */
        const char *k = p;
        while (*p && *p != '=' && *p != ':' && !isspace((unsigned char)*p))
            p++;
        char key[64], val[ULOCKDEP_OPT_STRMAX + 1];
        size_t kl = (size_t)(p - k);
        if (*p != '=') {
            char bad[96];
            snprintf(bad, sizeof bad, "%.*s", (int)(kl > 80 ? 80 : kl), k);
            complainf(complain, &n, "ulockdep: malformed option '%s' (expected key=value)%s", bad, "");
            continue;
        }
        p++;
        char quote = (*p == '"' || *p == '\'') ? *p++ : 0;
        const char *v = p;
        while (*p && (quote ? *p != quote : (*p != ':' && !isspace((unsigned char)*p)))) {
            if (!quote && *p == ',' && comma_starts_pair(p + 1))
                break;
            p++;
        }
        size_t vl = (size_t)(p - v);
        if (quote && *p == quote)
            p++;
        if (kl == 0 || kl >= sizeof key) {
            complainf(complain, &n, "ulockdep: malformed option key of length %s%s", kl ? "over 63" : "0", "");
            continue;
        }
        memcpy(key, k, kl);
        key[kl] = 0;
        if (vl > ULOCKDEP_OPT_STRMAX) {
            complainf(complain, &n, "ulockdep: value too long for option '%s'%s", key, "");
            continue;
        }
        memcpy(val, v, vl);
        val[vl] = 0;
        apply(key, val, complain, &n);
    }
    validate(complain, &n);
    return n;
}

size_t ul_options_help(char *buf, size_t len)
{
    size_t off = 0;
#define ULOCKDEP_OPT_HELP(typestr, name, defstr, doc)                                     \
    off += (size_t)snprintf(buf + (off < len ? off : len), off < len ? len - off : 0,    \
                            "  %-16s %-7s default %-8s %s\n", #name, typestr, defstr, doc);
#define ULOCKDEP_OPT_HELP_BOOL(name, def, doc) ULOCKDEP_OPT_HELP("bool", name, #def, doc)
#define ULOCKDEP_OPT_HELP_INT(name, def, doc) ULOCKDEP_OPT_HELP("int", name, #def, doc)
#define ULOCKDEP_OPT_HELP_STRING(name, def, doc) \
    ULOCKDEP_OPT_HELP("string", name, (def)[0] ? "\"" def "\"" : "\"\"", doc)
#define ULOCKDEP_OPTION(type, name, def, doc) ULOCKDEP_OPT_HELP_##type(name, def, doc)
#include "options.def"
#undef ULOCKDEP_OPTION
    return off;
}
