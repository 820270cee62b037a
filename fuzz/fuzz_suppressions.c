/* libFuzzer target: the suppressions parser and glob matcher (common/suppress.c) on
 * arbitrary bytes. Besides the sanitizers, it checks: complaints are single printable lines
 * naming the file and line and are counted by the return value; every rule is well formed
 * (non-empty trimmed pattern, a real line number); the glob matcher agrees with fnmatch(3)
 * on short bracket-free patterns; the "used" listing measures what it writes. */
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "suppress.h"

#define PREFIX "ulockdep: suppressions fuzz.supp:"

static void complain(void *arg, const char *line)
{
    size_t n = strlen(line);
    if (strncmp(line, PREFIX, strlen(PREFIX)) || n >= UL_SUPP_LINE_MAX)
        abort();
    for (size_t i = 0; i < n; i++)
        if (line[i] < ' ' || line[i] >= 127)
            abort();
    (*(int *)arg)++;
}

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ul_supp_set set;
    int complaints = 0;
    int bad = ul_supp_parse(&set, (const char *)data, size, "fuzz.supp", complain, &complaints);
    if (bad < 0)
        return 0; /* out of memory */
    if (bad != complaints)
        abort();
    size_t nlines = 1;
    for (size_t i = 0; i < size; i++)
        nlines += data[i] == '\n';
    for (unsigned i = 0; i < set.n; i++) {
        const struct ul_supp_rule *r = &set.rules[i];
        size_t len = strlen(r->pattern);
        if (!len || len > UL_SUPP_LINE_MAX || r->type >= UL_SUPP_TYPE_COUNT || !r->line || r->line > nlines ||
            (i && r->line <= set.rules[i - 1].line) || is_space(r->pattern[0]) || is_space(r->pattern[len - 1]) ||
            strchr(r->pattern, '\n'))
            abort();
    }
    /* Patterns against each other and against fixed names. */
    static const char *const names[] = { "", "lock_a", "main", "/usr/lib/libc.so.6", "new_conn@conn.c:42",
                                         "my_struct+0x8", "[", "\\", "*" };
    unsigned m = set.n < 16 ? set.n : 16;
    for (unsigned i = 0; i < m; i++) {
        const char *p = set.rules[i].pattern;
        for (unsigned j = 0; j < m; j++) {
            const char *s = set.rules[j].pattern;
            bool got = ul_glob_match(p, s);
            if (strlen(p) <= 24 && strlen(s) <= 24 && !strchr(p, '[') && got != (fnmatch(p, s, 0) == 0))
                abort();
        }
        for (size_t k = 0; k < sizeof names / sizeof *names; k++)
            (void)ul_glob_match(p, names[k]);
        if (!strcmp(p, "*") && !ul_glob_match(p, set.rules[0].pattern))
            abort();
    }
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        int r = ul_supp_match(&set, UL_SUPP_DEADLOCK, names[k]);
        if (r >= (int)set.n || (r >= 0 && set.rules[r].type != UL_SUPP_DEADLOCK))
            abort();
        if (r >= 0)
            set.rules[r].hits++;
    }
    /* The used listing. */
    size_t need = ul_supp_format_used(&set, NULL, 0);
    char *buf = malloc(need + 1);
    if (buf) {
        if (ul_supp_format_used(&set, buf, need + 1) != need || strlen(buf) != need)
            abort();
        free(buf);
    }
    ul_supp_free(&set);
    return 0;
}
