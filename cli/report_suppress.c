/* `ulockdep report --gen-suppressions`: a suppressions file (the shim's suppressions=FILE)
 * with one entry per problem shown:
 *     # KIND: TITLE
 *     deadlock:PATTERN
 * PATTERN is the function of the first frame of the reporting stack that is in the program
 * (a glob the shim matches against any frame's function, file or module, or any lock name),
 * or the first lock's name when no such frame is known. */
#include "report.h"

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
