/* The order of lock_stat tables: most contended first, then most time waited, then most
 * acquisitions. One rule for the shim's table at exit (shim/lockstat.c) and the table
 * `ulockdep report` sums from many logs (reports/logs/report_lockstat.c), so that both list the
 * same classes in the same order. Returns <0, 0 or >0 like a qsort comparator; the callers
 * break ties their own way (class id, name). */
#ifndef ULOCKDEP_REPORTS_LOCKSTAT_ORDER_H
#define ULOCKDEP_REPORTS_LOCKSTAT_ORDER_H

static inline int ul_lockstat_order(unsigned long long cont_a, unsigned long long wait_a, unsigned long long acq_a,
                                    unsigned long long cont_b, unsigned long long wait_b, unsigned long long acq_b)
{
    if (cont_a != cont_b)
        return cont_a < cont_b ? 1 : -1;
    if (wait_a != wait_b)
        return wait_a < wait_b ? 1 : -1;
    if (acq_a != acq_b)
        return acq_a < acq_b ? 1 : -1;
    return 0;
}

#endif
