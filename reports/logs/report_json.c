/* `ulockdep report --format=json`: one JSON object per line per problem -- the first report
 * of the problem with its fields as the shim wrote them (frames symbolised where they were
 * not), plus "count" (reports merged), "runs" (the processes: pid, exe, cmdline, log, count)
 * and "fingerprint" (stable across runs and machines). The output is itself a valid input. */
#include "logs.h"

json_object *rp_runs_json(const struct rp_problem *p)
{
    json_object *runs = json_object_new_array();
    for (size_t i = 0; i < p->nruns; i++) {
        const struct rp_run *r = &p->runs[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "pid", json_object_new_int64(r->pid));
        json_object_object_add(o, "exe", json_object_new_string(r->exe));
        json_object_object_add(o, "cmdline", json_object_new_string(r->cmdline));
        json_object_object_add(o, "log", json_object_new_string(r->log));
        json_object_object_add(o, "count", json_object_new_int64(r->count));
        json_object_array_add(runs, o);
    }
    return runs;
}

void rp_print_json_line(FILE *out, json_object *o)
{
    fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

int rp_render_json(FILE *out, const struct rp_set *set, const struct rp_options *opt)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct rp_problem *p = &set->v[i];
        json_object_object_add(p->obj, "count", json_object_new_int64(p->count));
        json_object_object_add(p->obj, "runs", rp_runs_json(p));
        json_object_object_add(p->obj, "fingerprint", json_object_new_string(p->fingerprint));
        rp_print_json_line(out, p->obj);
    }
    rp_lockstat_json(out, set);
    return 0;
}
