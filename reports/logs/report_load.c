/* `ulockdep report`: reading logs. A log holds one JSON object per line (format=json), maybe
 * mixed with text splats and "ulockdep: ..." messages (format=text,json): the lines whose
 * first non-blank character is '{' are the reports, everything else is ignored. A report
 * line that cannot be used is skipped with one warning naming the file and line; so is one
 * whose "version" is of another major version than this ulockdep's (none: accepted). */
#include "logs.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The major number of ULOCKDEP_VERSION ("0.1.0"): reports of another major are skipped. */
#define ULOCKDEP_VERSION_MAJOR ((int)strtol(ULOCKDEP_VERSION, NULL, 10))

/* Why a parsed object is not a usable report, or NULL when it is. */
/* A line written by another major version of ulockdep: its fields may mean other things. */
static const char *version_problem(json_object *o, char *buf, size_t len)
{
    json_object *version;
    if (!json_object_object_get_ex(o, "version", &version))
        return NULL;
    const char *v = json_object_is_type(version, json_type_string) ? json_object_get_string(version) : NULL;
    if (!v)
        return "\"version\" is not a string";
    char *end;
    long major = strtol(v, &end, 10);
    if (end == v || (*end && *end != '.') || major != ULOCKDEP_VERSION_MAJOR) {
        snprintf(buf, len, "written by ulockdep version \"%.40s\"; this is %s and reads major version %d", v,
                 ULOCKDEP_VERSION, ULOCKDEP_VERSION_MAJOR);
        return buf;
    }
    return NULL;
}

static const char *report_problem(json_object *o, char *buf, size_t len)
{
    const char *kind = rp_str(o, "kind");
    if (!kind) {
        return "no \"kind\" string";
    }
    if (!rp_kind_find(kind)) {
        snprintf(buf, len, "unknown report kind \"%.100s\"", kind);
        return buf;
    }
    const char *vp = version_problem(o, buf, len);
    if (vp)
        return vp;
    json_object *pid;
    if (!json_object_object_get_ex(o, "pid", &pid) || !json_object_is_type(pid, json_type_int))
        return "no \"pid\" number";
    if (!rp_arr(o, "locks"))
        return "no \"locks\" array";
    if (!strcmp(kind, "circular")) {
        json_object *cycle = rp_arr(o, "cycle");
        size_t n = cycle ? json_object_array_length(cycle) : 0;
        if (!n)
            return "circular report without a \"cycle\" array";
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(cycle, i);
            if (!rp_str(e, "from") || !rp_str(e, "to"))
                return "circular report with a cycle step without \"from\"/\"to\"";
        }
    }
    return NULL;
}

static void load_line(struct rp_set *set, json_tokener *tok, char *line, size_t len, const char *file,
                      unsigned lineno, const struct rp_options *opt)
{
    json_tokener_reset(tok);
    json_object *o = json_tokener_parse_ex(tok, line, (int)len);
    enum json_tokener_error err = json_tokener_get_error(tok);
    if (!o) {
        if (err == json_tokener_continue)
            rp_warn("%s:%u: skipped: truncated JSON (the line ends inside the object)", file, lineno);
        else
            rp_warn("%s:%u: skipped: not valid JSON (%s)", file, lineno, json_tokener_error_desc(err));
        set->skipped++;
        return;
    }
    size_t end = json_tokener_get_parse_end(tok);
    while (end < len && (line[end] == ' ' || line[end] == '\t'))
        end++;
    char why[160];
    const char *problem = NULL;
    if (!json_object_is_type(o, json_type_object))
        problem = "not a JSON object";
    else if (end < len)
        problem = "text after the JSON object";
    else if (rp_str(o, "kind") && !strcmp(rp_str(o, "kind"), "lock_stat")) {
        problem = version_problem(o, why, sizeof why);
        if (!problem) {
            rp_lockstat_add(set, o); /* lock_stat=1's table: summed, not a report */
            set->ls_lines++;
            json_object_put(o);
            return;
        }
    } else
        problem = report_problem(o, why, sizeof why);
    if (problem) {
        rp_warn("%s:%u: skipped: %s", file, lineno, problem);
        json_object_put(o);
        set->skipped++;
        return;
    }
    if (opt->symbolize)
        rp_symbolize_report(o, opt);
    if (opt->supp && rp_report_suppressed(o, opt->supp)) {
        json_object_put(o);
        set->suppressed++;
        return;
    }
    rp_set_add(set, o, file, lineno);
}

static void keep_message(struct rp_set *set, const char *line)
{
    for (size_t i = 0; i < set->nmessages; i++)
        if (!strcmp(set->messages[i], line))
            return;
    set->messages = rp_xrealloc(set->messages, (set->nmessages + 1) * sizeof *set->messages);
    set->messages[set->nmessages++] = rp_xstrdup(line);
}

int rp_load_stream(struct rp_set *set, FILE *f, const char *name, const struct rp_options *opt)
{
    json_tokener *tok = json_tokener_new();
    if (!tok) {
        rp_warn("out of memory");
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned lineno = 0, reports = 0;
    unsigned usable_before = set->reports + set->suppressed + set->ls_lines;
    bool text_reports = false, content = false;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        size_t start = strspn(line, " \t");
        content |= line[start] != 0;
        if (line[start] != '{') {
            if (!strncmp(line + start, "WARNING: ", 9))
                text_reports = true;
            else if (opt->keep_messages && !strncmp(line + start, "ulockdep:", 9))
                keep_message(set, line + start);
            continue;
        }
        reports++;
        load_line(set, tok, line + start, len - start, name, lineno, opt);
    }
    if (ferror(f))
        rp_warn("%s: read error: %s", name, strerror(errno));
    /* A file with something in it but no ulockdep JSON: a CI job must not go green on it. (An
     * empty file is a traced process that had nothing to say.) */
    if (content && set->reports + set->suppressed + set->ls_lines == usable_before) {
        set->unusable++;
        if (text_reports && !reports)
            rp_warn("%s: a text log, no JSON reports in it: run with ULOCKDEP_OPTIONS=format=json "
                    "(or format=text,json) to have it read", name);
        else if (!reports)
            rp_warn("%s: not a ulockdep log (no JSON report line in it)", name);
        else
            rp_warn("%s: no usable ulockdep report in it (every JSON line was skipped)", name);
    }
    free(line);
    json_tokener_free(tok);
    set->files++;
    return 0;
}

static int load_file(struct rp_set *set, const char *path, const struct rp_options *opt)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        rp_warn("cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = rp_load_stream(set, f, path, opt);
    fclose(f);
    return rc;
}

/* Our own outputs may sit next to the logs (a CI job writing report.sarif into the log
 * directory): they are not logs. */
static bool is_our_output(const char *name)
{
    static const char *const exts[] = { ".sarif", ".svg", ".html", ".dot", ".png", ".db" };
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t e = strlen(exts[i]);
        if (n > e && !strcmp(name + n - e, exts[i]))
            return true;
    }
    return false;
}

static int load_dir(struct rp_set *set, const char *path, const struct rp_options *opt)
{
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        rp_warn("cannot read directory %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (name[0] != '.' && !is_our_output(name)) {
            size_t len = strlen(path) + strlen(name) + 2;
            char *full = rp_xmalloc(len);
            snprintf(full, len, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", name);
            struct stat st;
            if (!stat(full, &st) && S_ISREG(st.st_mode) && load_file(set, full, opt) < 0)
                rc = -1;
            free(full);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int rp_load_path(struct rp_set *set, const char *path, const struct rp_options *opt)
{
    if (!strcmp(path, "-"))
        return rp_load_stream(set, stdin, "<stdin>", opt);
    struct stat st;
    if (stat(path, &st) < 0) {
        rp_warn("cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    return S_ISDIR(st.st_mode) ? load_dir(set, path, opt) : load_file(set, path, opt);
}
