/* The report kinds `ulockdep report` knows, with what SARIF rules and the HTML page say
 * about each: common/report_kinds.def, the one table of them. */
#include "logs.h"

#include <string.h>

static const struct rp_kind kinds[] = {
#define UL_REPORT_KIND(name, kind, rule, title, short_desc, help, level) { kind, rule, title, short_desc, help, level },
#include "report_kinds.def"
#undef UL_REPORT_KIND
};

const struct rp_kind *rp_kind_find(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kinds[i].kind, kind))
            return &kinds[i];
    return NULL;
}

const struct rp_kind *rp_kinds(size_t *n)
{
    *n = sizeof kinds / sizeof kinds[0];
    return kinds;
}
