/* `ulockdep report`: the lock_stat=1 tables of many processes, summed per lock class.
 *
 * Each process traced with lock_stat=1 (and format=json) ends its log with one line
 *   {"kind":"lock_stat","pid":...,"classes":[{"name","type","acquisitions","contentions",
 *    "wait_total_ns","wait_max_ns","hold_total_ns","hold_max_ns"}, ...]}
 * Here the classes of every such line are summed by (name, type): counts and totals add up,
 * maxima are the largest. A line this file writes itself (report --format=json) carries
 * "processes": N and reads back as N processes. Statistics are not problems: they never
 * change the exit status, and the sarif, dot, svg and html formats leave them out. */
#include "logs.h"
#include "lockstat_order.h"

#include <stdlib.h>
#include <string.h>

static unsigned long long num(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
        return 0;
    int64_t x = json_object_get_int64(v);
    return x > 0 ? (unsigned long long)x : 0;
}

void rp_lockstat_add(struct rp_set *set, json_object *obj)
{
    json_object *classes = rp_arr(obj, "classes");
    long procs = rp_int(obj, "processes", 1);
    set->ls_processes += procs > 0 ? (unsigned)procs : 1;
    for (size_t i = 0; classes && i < json_object_array_length(classes); i++) {
        json_object *c = json_object_array_get_idx(classes, i);
        const char *name = rp_str(c, "name"), *type = rp_str(c, "type");
        if (!name)
            continue;
        type = type ? type : "";
        struct rp_lockstat_class *e = NULL;
        for (size_t k = 0; k < set->nls && !e; k++)
            if (!strcmp(set->ls[k].name, name) && !strcmp(set->ls[k].type, type))
                e = &set->ls[k];
        if (!e) {
            if (set->nls == set->capls) {
                set->capls = set->capls ? set->capls * 2 : 16;
                set->ls = rp_xrealloc(set->ls, set->capls * sizeof *set->ls);
            }
            e = &set->ls[set->nls++];
            memset(e, 0, sizeof *e);
            e->name = rp_xstrdup(name);
            e->type = rp_xstrdup(type);
        }
        long cp = rp_int(c, "processes", 1);
        e->processes += cp > 0 ? (unsigned)cp : 1;
        e->acq += num(c, "acquisitions");
        e->cont += num(c, "contentions");
        e->wait_total += num(c, "wait_total_ns");
        e->hold_total += num(c, "hold_total_ns");
        unsigned long long wm = num(c, "wait_max_ns"), hm = num(c, "hold_max_ns");
        if (wm > e->wait_max)
            e->wait_max = wm;
        if (hm > e->hold_max)
            e->hold_max = hm;
    }
}

/* Most contended first, as the shim's table. */
static int by_contention(const void *a, const void *b)
{
    const struct rp_lockstat_class *x = a, *y = b;
    int order = ul_lockstat_order(x->cont, x->wait_total, x->acq, y->cont, y->wait_total, y->acq);
    return order ? order : strcmp(x->name, y->name);
}

static void sort(const struct rp_set *set)
{
    if (set->nls)
        qsort(set->ls, set->nls, sizeof *set->ls, by_contention);
}

static double us(unsigned long long ns)
{
    return (double)ns / 1000.0;
}

void rp_lockstat_text(FILE *out, const struct rp_set *set)
{
    if (!set->ls_processes)
        return;
    sort(set);
    int w = 40;
    for (size_t i = 0; i < set->nls; i++) {
        int len = (int)strlen(set->ls[i].name);
        if (len > w)
            w = len < 100 ? len : 100;
    }
    int rule = w + 10 + 8 * 15;
    fprintf(out, "\nlock_stat of %u process%s (lock_stat=1), summed per lock class, most contended first; "
                 "times in us\n%.*s\n",
            set->ls_processes, set->ls_processes == 1 ? "" : "es", rule,
            "---------------------------------------------------------------------------------------------------"
            "---------------------------------------------------------------------------------------------------"
            "---------------------------------------------------");
    fprintf(out, "%*s %9s %14s %14s %14s %14s %14s %14s %14s %14s\n", w, "class name", "processes", "contentions",
            "waittime-max", "waittime-total", "waittime-avg", "acquisitions", "holdtime-max", "holdtime-total",
            "holdtime-avg");
    for (size_t i = 0; i < set->nls; i++) {
        const struct rp_lockstat_class *e = &set->ls[i];
        fprintf(out, "%*s %9u %14llu %14.2f %14.2f %14.2f %14llu %14.2f %14.2f %14.2f\n", w, e->name, e->processes,
                e->cont, us(e->wait_max), us(e->wait_total), e->cont ? us(e->wait_total) / (double)e->cont : 0.0,
                e->acq, us(e->hold_max), us(e->hold_total), e->acq ? us(e->hold_total) / (double)e->acq : 0.0);
    }
}

void rp_lockstat_json(FILE *out, const struct rp_set *set)
{
    if (!set->ls_processes)
        return;
    sort(set);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string("lock_stat"));
    json_object_object_add(o, "processes", json_object_new_int64(set->ls_processes));
    json_object_object_add(o, "version", json_object_new_string(ULOCKDEP_VERSION));
    json_object_object_add(o, "classes_total", json_object_new_int64((int64_t)set->nls));
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < set->nls; i++) {
        const struct rp_lockstat_class *e = &set->ls[i];
        json_object *c = json_object_new_object();
        json_object_object_add(c, "name", json_object_new_string(e->name));
        json_object_object_add(c, "type", json_object_new_string(e->type));
        json_object_object_add(c, "processes", json_object_new_int64(e->processes));
        json_object_object_add(c, "acquisitions", json_object_new_int64((int64_t)e->acq));
        json_object_object_add(c, "contentions", json_object_new_int64((int64_t)e->cont));
        json_object_object_add(c, "wait_total_ns", json_object_new_int64((int64_t)e->wait_total));
        json_object_object_add(c, "wait_max_ns", json_object_new_int64((int64_t)e->wait_max));
        json_object_object_add(c, "hold_total_ns", json_object_new_int64((int64_t)e->hold_total));
        json_object_object_add(c, "hold_max_ns", json_object_new_int64((int64_t)e->hold_max));
        json_object_array_add(arr, c);
    }
    json_object_object_add(o, "classes", arr);
    rp_print_json_line(out, o);
    json_object_put(o);
}

void rp_lockstat_free(struct rp_set *set)
{
    for (size_t i = 0; i < set->nls; i++) {
        free(set->ls[i].name);
        free(set->ls[i].type);
    }
    free(set->ls);
    set->ls = NULL;
    set->nls = set->capls = 0;
}
