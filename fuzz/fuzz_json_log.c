/* libFuzzer target: the JSON log reader of `ulockdep report` (reports/logs/report_load.c) on
 * arbitrary bytes, then every renderer that does not run Graphviz (text, json, sarif, dot,
 * suppressions) over what it loaded. Besides the sanitizers, it checks: every warning is one
 * printable line, and each skipped report line is named "fuzz.log:LINE: skipped: ..." with
 * a real line number; lines loaded plus lines skipped are the lines that start with '{';
 * every problem has a key, a 32-digit fingerprint and a count, and the counts add up to the
 * reports loaded; each renderer succeeds and the JSON renderer writes one parsable JSON
 * object per problem, which loads again without a warning into as many problems. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs.h"

static unsigned skipped_named, warnings;
static size_t nlines;

static void check_warning(const char *msg)
{
    warnings++;
    for (const char *p = msg; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 127)
            abort(); /* not one printable line */
    if (strncmp(msg, "fuzz.log:", 9) || msg[9] < '0' || msg[9] > '9')
        return; /* about the whole file (e.g. text reports without JSON ones) */
    char *end;
    unsigned long line = strtoul(msg + 9, &end, 10);
    if (end == msg + 9 || line == 0 || line > nlines || strncmp(end, ": skipped: ", 11))
        abort();
    skipped_named++;
}

static size_t render(int (*fn)(FILE *, const struct rp_set *, const struct rp_options *), const struct rp_set *set,
                     const struct rp_options *opt, char **text)
{
    size_t len = 0;
    *text = NULL;
    FILE *mem = open_memstream(text, &len);
    if (!mem)
        abort();
    if (fn(mem, set, opt) != 0)
        abort();
    if (fclose(mem) != 0)
        abort();
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rp_warn_hook = check_warning;
    skipped_named = warnings = 0;
    /* Lines as getline() sees them; the ones starting (after blanks) with '{' are reports. */
    nlines = 0;
    size_t braces = 0;
    for (size_t i = 0; i < size;) {
        size_t j = i;
        while (j < size && data[j] != '\n')
            j++;
        nlines++;
        size_t k = i;
        while (k < j && (data[k] == ' ' || data[k] == '\t'))
            k++;
        braces += k < j && data[k] == '{';
        i = j + 1;
    }
    FILE *f = fmemopen((void *)data, size ? size : 1, "r");
    if (!f)
        abort();
    if (!size)
        fgetc(f); /* fmemopen wants a size of at least 1: consume it as an empty stream */
    struct rp_set set = { 0 };
    struct rp_options opt = { .format = "text", .symbolize = false, .srcroot = "/src" };
    if (size)
        rp_load_stream(&set, f, "fuzz.log", &opt);
    fclose(f);

    if (set.skipped != skipped_named || set.reports + set.skipped + set.ls_lines != braces)
        abort();
    unsigned counted = 0;
    for (size_t i = 0; i < set.n; i++) {
        const struct rp_problem *p = &set.v[i];
        if (!p->key || strlen(p->fingerprint) != 32 || !p->count || !p->nruns || !p->where)
            abort();
        counted += p->count;
    }
    if (counted != set.reports)
        abort();

    char *text;
    render(rp_render_text, &set, &opt, &text);
    free(text);
    render(rp_render_sarif, &set, &opt, &text);
    free(text);
    render(rp_render_dot, &set, &opt, &text);
    free(text);
    render(rp_render_suppressions, &set, &opt, &text);
    free(text);
    size_t len = render(rp_render_json, &set, &opt, &text);
    /* One JSON object per line, one line per problem, plus one for the summed lock_stat table. */
    size_t objects = 0;
    json_tokener *tok = json_tokener_new();
    for (char *line = text, *nl; line && line < text + len; line = nl + 1) {
        nl = memchr(line, '\n', (size_t)(text + len - line));
        if (!nl)
            abort();
        json_tokener_reset(tok);
        json_object *o = json_tokener_parse_ex(tok, line, (int)(nl - line));
        if (!o || !json_object_is_type(o, json_type_object))
            abort();
        json_object_put(o);
        objects++;
    }
    json_tokener_free(tok);
    if (objects != set.n + (set.ls_processes != 0))
        abort();
    /* The JSON output is itself a valid log: every line loads, into as many problems. */
    if (len) {
        struct rp_set again = { 0 };
        unsigned before = skipped_named;
        nlines = objects;
        f = fmemopen(text, len, "r");
        if (!f)
            abort();
        rp_load_stream(&again, f, "fuzz.log", &opt);
        fclose(f);
        if (again.skipped || skipped_named != before || again.n != set.n || again.nls != set.nls ||
            again.ls_processes != set.ls_processes)
            abort();
        rp_set_free(&again);
    }
    free(text);
    rp_set_free(&set);
    return 0;
}
