/* Suppressions in the command-line tools (supp_cli.h). */
#include "supp_cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void complain(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "%s\n", line);
}

bool cli_supp_load(struct cli_supp *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "ulockdep: cannot read suppressions file %s: %s\n", path, strerror(errno));
        return false;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                fprintf(stderr, "ulockdep: suppressions file %s: out of memory\n", path);
                return false;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    bool err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        fprintf(stderr, "ulockdep: cannot read suppressions file %s: read error\n", path);
        return false;
    }
    int bad = ul_supp_parse(&s->set, buf ? buf : "", len, path, complain, NULL);
    free(buf);
    if (bad < 0) {
        fprintf(stderr, "ulockdep: suppressions file %s: out of memory\n", path);
        return false;
    }
    return true;
}

void cli_supp_free(struct cli_supp *s)
{
    ul_supp_free(&s->set);
}

static void consider(struct cli_supp_match *m, enum ul_supp_type type, const char *str)
{
    if (!str || !*str)
        return;
    int r = ul_supp_match(&m->s->set, type, str);
    if (r >= 0 && (m->best < 0 || r < m->best))
        m->best = r;
}

static const char *base(const char *path)
{
    const char *b = path ? strrchr(path, '/') : NULL;
    return b ? b + 1 : path;
}

void cli_supp_frame(struct cli_supp_match *m, const char *function, const char *file, const char *module)
{
    consider(m, UL_SUPP_DEADLOCK, function);
    consider(m, UL_SUPP_DEADLOCK, file);
    if (base(file) != file)
        consider(m, UL_SUPP_DEADLOCK, base(file));
    consider(m, UL_SUPP_DEADLOCK, module);
    if (base(module) != module)
        consider(m, UL_SUPP_DEADLOCK, base(module));
}

void cli_supp_lock(struct cli_supp_match *m, const char *name)
{
    consider(m, UL_SUPP_DEADLOCK, name);
    consider(m, UL_SUPP_LOCK, name);
}

bool cli_supp_hide(struct cli_supp *s, struct cli_supp_match *m)
{
    if (m->best < 0)
        return false;
    s->set.rules[m->best].hits++;
    s->hidden++;
    return true;
}

void cli_supp_print_used(const struct cli_supp *s, FILE *out, const char *who)
{
    size_t need = ul_supp_format_used(&s->set, NULL, 0);
    if (!need)
        return;
    char *buf = malloc(need + 1);
    if (!buf)
        return;
    ul_supp_format_used(&s->set, buf, need + 1);
    fprintf(out, "%s: suppressions used:\n%s", who, buf);
    free(buf);
}
