/* `ulockdep report --gen-suppressions`: a suppressions file (the shim's suppressions=FILE)
 * with one entry per problem shown:
 *     # KIND: TITLE
 *     deadlock:PATTERN
 * PATTERN is the function of the first frame of the reporting stack that is in the program
 * (a glob the shim matches against any frame's function, file or module, or any lock name),
 * or the first lock's name when no such frame is known. */
#include "logs.h"
#include "supp_cli.h"

#include <stdlib.h>
#include <string.h>

/* Glob metacharacters in C++ names ("operator*", "operator[]") would make the pattern mean
 * something else: '?' matches them (and only one character) in any glob dialect. */
static char *glob_literal(const char *s)
{
    char *d = rp_xstrdup(s);
    for (char *p = d; *p; p++)
        if (*p == '*' || *p == '?' || *p == '[' || *p == ']' || *p == '\\')
            *p = '?';
    return d;
}

char *rp_suppression_pattern(json_object *report)
{
    json_object *f = rp_program_frame(report);
    if (f)
        return glob_literal(rp_str(f, "function"));
    json_object *locks = rp_arr(report, "locks");
    const char *name = locks && json_object_array_length(locks)
                           ? rp_str(json_object_array_get_idx(locks, 0), "name")
                           : NULL;
    return glob_literal(name ? name : "*");
}

static void supp_frame_cb(json_object *frame, void *arg)
{
    cli_supp_frame(arg, rp_str(frame, "function"), rp_str(frame, "file"), rp_str(frame, "module"));
}

/* Lock names: every object that is a lock ({"name", "class", "addr", ...}), and the names of a
 * cycle's or chain's steps ("from", "to"). A thread ({"name", "tid"}) is not a lock. */
static void supp_locks(json_object *o, struct cli_supp_match *m)
{
    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            supp_locks(json_object_array_get_idx(o, i), m);
        return;
    }
    if (!json_object_is_type(o, json_type_object) || rp_is_frame(o))
        return;
    if (rp_str(o, "class") || json_object_object_get_ex(o, "addr", NULL)) {
        cli_supp_lock(m, rp_str(o, "name"));
        cli_supp_lock(m, rp_str(o, "class"));
    }
    if (rp_str(o, "from") && rp_str(o, "to")) {
        cli_supp_lock(m, rp_str(o, "from"));
        cli_supp_lock(m, rp_str(o, "to"));
    }
    json_object_object_foreach(o, key, val)
    {
        if (strcmp(key, "runs") && strcmp(key, "text"))
            supp_locks(val, m);
    }
}

bool rp_report_suppressed(json_object *report, struct cli_supp *supp)
{
    struct cli_supp_match m = { supp, -1 };
    rp_for_each_frame(report, supp_frame_cb, &m);
    supp_locks(report, &m);
    return cli_supp_hide(supp, &m);
}

int rp_render_suppressions(FILE *out, const struct rp_set *set, const struct rp_options *opt)
{
    fprintf(out, "# ulockdep suppressions (ulockdep report --gen-suppressions); use with\n"
                 "# ULOCKDEP_OPTIONS=suppressions=FILE\n");
    for (size_t i = 0; i < set->n; i++) {
        json_object *r = set->v[i].obj;
        char *pattern = rp_suppression_pattern(r);
        const char *title = rp_title(r);
        /* one comment line: a title never holds a newline, but be sure */
        fprintf(out, "\n# %s: %.*s\ndeadlock:%s\n", rp_str(r, "kind"), (int)strcspn(title, "\n"), title, pattern);
        free(pattern);
    }
    return 0;
}
