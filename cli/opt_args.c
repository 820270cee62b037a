/* Command-line options (--key=value) -> ULOCKDEP_OPTIONS text, checked against the engine's
 * option table (options.def) and validated by the engine's own parser. */
#include "cli.h"
#include "options.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT_IS_BOOL_BOOL 1
#define OPT_IS_BOOL_INT 0
#define OPT_IS_BOOL_STRING 0
static const struct {
    const char *name;
    bool is_bool;
} known[] = {
#define ULOCKDEP_OPTION(type, name, def, doc) { #name, OPT_IS_BOOL_##type },
#include "options.def"
#undef ULOCKDEP_OPTION
};

static int lookup(const char *key, size_t len)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].name) == len && !strncmp(known[i].name, key, len))
            return (int)i;
    return -1;
}

/* ---- unknown names: the nearest valid one is suggested ------------------------------- */

static const char *const *command_names; /* the subcommand's own long options (NULL-ended) */

void opt_set_command_names(const char *const *names)
{
    command_names = names;
}

/* Edit distance, '-' and '_' counted as the same character. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t row[64];
    if (la >= 64 || lb >= 64)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            char x = a[i - 1] == '-' ? '_' : a[i - 1], y = b[j - 1] == '-' ? '_' : b[j - 1];
            size_t best = diag + (x != y);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = row[j];
            row[j] = best;
        }
    }
    return row[lb];
}

static void consider(const char *typed, size_t tl, const char *name, const char **best, size_t *bd)
{
    size_t d = distance(typed, tl, name, strlen(name));
    if (d < *bd) {
        *bd = d;
        *best = name;
    }
}

const char *opt_nearest(const char *typed, size_t len)
{
    const char *best = NULL;
    size_t bd = 99;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        consider(typed, len, known[i].name, &best, &bd);
    for (size_t i = 0; command_names && command_names[i]; i++)
        consider(typed, len, command_names[i], &best, &bd);
    return bd <= (len > 6 ? 3 : 2) ? best : NULL;
}

void opt_unknown(const char *cmd, const char *arg, const char *tail)
{
    size_t n = strcspn(arg, "=");
    const char *name = arg + (arg[0] == '-') + (arg[0] == '-' && arg[1] == '-');
    size_t len = n - (size_t)(name - arg);
    const char *near = opt_nearest(name, len);
    if (near)
        fprintf(stderr, "ulockdep%s%s: unknown option '%.*s' (did you mean '--%s'?)%s\n", cmd ? " " : "",
                cmd ? cmd : "", (int)n, arg, near, tail);
    else
        fprintf(stderr, "ulockdep%s%s: unknown option '%.*s' (see ulockdep --help)%s\n", cmd ? " " : "",
                cmd ? cmd : "", (int)n, arg, tail);
}

int opt_check_long_names(const char *cmd, int argc, char **argv, const struct option *longopts)
{
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (!strcmp(a, "--"))
            break;
        if (strncmp(a, "--", 2))
            continue;
        size_t n = strcspn(a + 2, "=");
        for (size_t k = 0; k < n; k++) /* --module_dir is --module-dir */
            if (a[2 + k] == '_')
                a[2 + k] = '-';
        bool found = false;
        for (const struct option *o = longopts; o->name && !found; o++)
            found = strlen(o->name) == n && !strncmp(o->name, a + 2, n);
        if (!found) { /* exact names only (getopt_long would take a prefix) */
            opt_unknown(cmd, a, "");
            return -1;
        }
        /* the value of an option that takes one may be the next argument */
        for (const struct option *o = longopts; o->name; o++)
            if (strlen(o->name) == n && !strncmp(o->name, a + 2, n) && o->has_arg == required_argument && !a[2 + n])
                i++;
    }
    return 0;
}

static int append(char **spec, const char *arg, bool lenient);

int opt_arg_append(char **spec, const char *arg)
{
    return append(spec, arg, false);
}

int opt_arg_append_lenient(char **spec, const char *arg)
{
    return append(spec, arg, true);
}

/* The argument being checked, for the complaints of the lenient check. */
static const char *checking;
static int arg_complaints;

static void complain_arg(const char *line)
{
    /* "ulockdep: ULOCKDEP_OPTIONS: bad value ..." -> "ulockdep: --verbosity=abc: bad value ..." */
    static const char prefix[] = "ulockdep: ULOCKDEP_OPTIONS: ";
    if (!strncmp(line, prefix, sizeof prefix - 1))
        line += sizeof prefix - 1;
    fprintf(stderr, "ulockdep: %s: %s\n", checking, line);
    arg_complaints++;
}

static int append(char **spec, const char *arg, bool lenient)
{
    const char *eq = strchr(arg, '=');
    int namelen = eq ? (int)(eq - arg) : (int)strlen(arg);   /* "--key" as typed */

    /* Key without the dashes; "--log-path" is accepted for log_path. */
    char key[64];
    size_t kl = 0;
    if (!strncmp(arg, "--", 2) && namelen - 2 < (int)sizeof key)
        for (const char *p = arg + 2; p < arg + namelen; p++)
            key[kl++] = *p == '-' ? '_' : *p;
    int i = kl ? lookup(key, kl) : -1;
    if (i < 0) { /* said, with the nearest name: a typo never turns an option off silently */
        opt_unknown(NULL, arg, lenient ? "; ignored" : "");
        return lenient ? 0 : -1;
    }

    const char *val = eq ? eq + 1 : "1";
    if (!eq && !known[i].is_bool) {
        fprintf(stderr, "ulockdep: option '%.*s' needs a value (%.*s=VALUE)%s\n", namelen, arg, namelen, arg,
                lenient ? "; it keeps its default" : "");
        return lenient ? 0 : -1;
    }

    /* The engine splits on ':', whitespace and (before another key=) ','; a value holding
     * any of them, or starting with a quote, is quoted with " or '. */
    const char *quote = "";
    if (strpbrk(val, ": \t\n\v\f\r,") || val[0] == '"' || val[0] == '\'') {
        quote = !strchr(val, '"') ? "\"" : !strchr(val, '\'') ? "'" : NULL;
        if (!quote) {
            fprintf(stderr, "ulockdep: the value of '%.*s' cannot contain both \" and '%s\n", namelen, arg,
                    lenient ? "; it keeps its default" : "");
            return lenient ? 0 : -1;
        }
    }

    if (lenient) {
        /* A value the engine refuses: its one line, and the option is left out (default). */
        char *piece;
        if (asprintf(&piece, "%s=%s%s%s", known[i].name, quote, val, quote) < 0) {
            perror("ulockdep");
            exit(CLI_EXIT_USAGE);
        }
        checking = arg;
        arg_complaints = 0;
        ul_options_parse(piece, complain_arg);
        free(piece);
        if (arg_complaints)
            return 0;
    }

    char *out;
    if (asprintf(&out, "%s%s%s=%s%s%s", *spec ? *spec : "", *spec && **spec ? ":" : "",
                 known[i].name, quote, val, quote) < 0) {
        perror("ulockdep");
        exit(CLI_EXIT_USAGE);
    }
    free(*spec);
    *spec = out;
    return 0;
}

static int complaints;

static void complain(const char *line)
{
    /* The engine says what it falls back to ("; using text"); here the value is refused. */
    const char *cut = strstr(line, "; using ");
    fprintf(stderr, "%.*s\n", cut ? (int)(cut - line) : (int)strlen(line), line);
    complaints++;
}

int opt_spec_check(const char *spec)
{
    complaints = 0;
    ul_options_parse(spec, complain);
    return complaints;
}
