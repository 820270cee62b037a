#include "external_report.h"

#include "internal.h"

bool ul_engine_report_external(const struct ul_problem *p)
{
    if (!env.report || !env.report(p))
        return false;
    atomic_fetch_add(&nreports, 1);
    return true;
}
