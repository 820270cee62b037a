/* `ulockdep report --format=sarif`: SARIF 2.1.0 for GitHub code scanning (upload-sarif).
 *
 * One run, tool "ulockdep" with one rule per report kind (id "ulockdep/<kind>", stable
 * indices). One result per merged problem:
 *  - message: what and where in one line, then the kernel-style text (all frames);
 *  - locations: the first frame of the reporting stack inside the repository (--srcroot),
 *    as a repository-relative URI; frames outside it appear only in the message and stacks;
 *    a problem with no frame there is located at the program (GitHub needs a location);
 *  - relatedLocations: each dependency of a cycle (or signal chain) where it was first seen
 *    (the message links them as [#k A -> B](id)), each thread of a deadlock where it waits,
 *    or else where each lock was taken;
 *  - codeFlows: one thread flow per dependency or blocked thread (its stack, outermost first);
 *  - stacks: every stack of the report (rp_for_each_stack), all frames;
 *  - partialFingerprints: a hash of kind, lock classes and functions, stable across runs;
 *  - occurrenceCount and properties (processes, locks). */
#include "logs.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SRCROOT_ID "%SRCROOT%"

static json_object *str(const char *s)
{
    return json_object_new_string(s ? s : "");
}

static json_object *message(const char *text)
{
    json_object *m = json_object_new_object();
    json_object_object_add(m, "text", str(text));
    return m;
}

/* RFC 3986 path characters pass, the rest is percent-encoded. */
static char *uri_encode(const char *path)
{
    static const char ok[] = "-._~/!$&'()*+,;=:@";
    struct ul_strbuf b = { 0 };
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr(ok, *p))
            ul_sb_putn(&b, (const char *)p, 1);
        else
            ul_sb_printf(&b, "%%%02X", *p);
    }
    return rp_take(&b);
}

/* The file as a URI relative to srcroot (rp_repo_path), or NULL. */
static char *repo_relative(const char *file, const char *srcroot)
{
    char *rel = rp_repo_path(file, srcroot);
    char *uri = rel ? uri_encode(rel) : NULL;
    free(rel);
    return uri;
}

static json_object *physical(json_object *frame, const char *srcroot)
{
    char *rel = repo_relative(rp_str(frame, "file"), srcroot);
    if (!rel)
        return NULL;
    json_object *art = json_object_new_object();
    json_object_object_add(art, "uri", str(rel));
    json_object_object_add(art, "uriBaseId", str(SRCROOT_ID));
    free(rel);
    json_object *phys = json_object_new_object();
    json_object_object_add(phys, "artifactLocation", art);
    long line = rp_int(frame, "line", 0);
    if (line > 0) {
        json_object *region = json_object_new_object();
        json_object_object_add(region, "startLine", json_object_new_int64(line));
        json_object_object_add(phys, "region", region);
    }
    return phys;
}

static json_object *logical(json_object *frame)
{
    const char *fn = rp_str(frame, "function");
    if (!fn || !*fn)
        return NULL;
    json_object *l = json_object_new_object();
    json_object_object_add(l, "fullyQualifiedName", str(fn));
    json_object_object_add(l, "kind", str("function"));
    json_object *arr = json_object_new_array();
    json_object_array_add(arr, l);
    return arr;
}

/* A location for a frame; with only_in_repo, NULL for a frame outside the repository. */
static json_object *frame_location(json_object *frame, const char *srcroot, bool only_in_repo, const char *msg)
{
    json_object *phys = physical(frame, srcroot);
    if (!phys && only_in_repo)
        return NULL;
    json_object *loc = json_object_new_object();
    if (phys)
        json_object_object_add(loc, "physicalLocation", phys);
    json_object *lg = logical(frame);
    if (lg)
        json_object_object_add(loc, "logicalLocations", lg);
    char fb[2048];
    json_object_object_add(loc, "message", message(msg ? msg : rp_frame_label(frame, fb, sizeof fb)));
    return loc;
}

static bool in_repo(json_object *frame, const char *srcroot)
{
    char *rel = repo_relative(rp_str(frame, "file"), srcroot);
    free(rel);
    return rel != NULL;
}

/* The first frame of a stack that is inside the repository. */
static json_object *first_in_repo(json_object *stack, const char *srcroot)
{
    size_t n = stack ? json_object_array_length(stack) : 0;
    for (size_t i = 0; i < n; i++)
        if (in_repo(json_object_array_get_idx(stack, i), srcroot))
            return json_object_array_get_idx(stack, i);
    return NULL;
}

static json_object *stack_json(json_object *frames, const char *what, const char *srcroot)
{
    json_object *st = json_object_new_object();
    json_object_object_add(st, "message", message(what));
    json_object *arr = json_object_new_array();
    size_t n = frames ? json_object_array_length(frames) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *f = json_object_array_get_idx(frames, i);
        json_object *sf = json_object_new_object();
        json_object_object_add(sf, "location", frame_location(f, srcroot, false, NULL));
        const char *mod = rp_str(f, "module");
        if (mod)
            json_object_object_add(sf, "module", str(mod));
        json_object_array_add(arr, sf);
    }
    json_object_object_add(st, "frames", arr);
    return st;
}

/* One thread flow: a dependency's stack inside the repository, outermost call first. */
static json_object *thread_flow(json_object *frames, const char *what, const char *srcroot)
{
    json_object *locs = json_object_new_array();
    size_t n = frames ? json_object_array_length(frames) : 0;
    for (size_t i = n; i-- > 0;) {
        json_object *f = json_object_array_get_idx(frames, i);
        char fb[2048];
        json_object *loc = frame_location(f, srcroot, true, rp_frame_label(f, fb, sizeof fb));
        if (!loc)
            continue;
        json_object *tfl = json_object_new_object();
        json_object_object_add(tfl, "location", loc);
        json_object_array_add(locs, tfl);
    }
    if (!json_object_array_length(locs)) {
        json_object_put(locs);
        return NULL;
    }
    json_object *tf = json_object_new_object();
    json_object_object_add(tf, "message", message(what));
    json_object_object_add(tf, "locations", locs);
    return tf;
}

static json_object *rules_json(void)
{
    size_t n;
    const struct rp_kind *k = rp_kinds(&n);
    json_object *rules = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        char id[64];
        snprintf(id, sizeof id, "ulockdep/%s", k[i].kind);
        json_object *r = json_object_new_object();
        json_object_object_add(r, "id", str(id));
        json_object_object_add(r, "name", str(k[i].rule_name));
        json_object_object_add(r, "shortDescription", message(k[i].short_desc));
        json_object_object_add(r, "fullDescription", message(k[i].full_desc));
        struct ul_strbuf help = { 0 };
        ul_sb_printf(&help, "%s\n\nulockdep prints this report as \"%s\". Its stacks show where each lock "
                         "was taken; `ulockdep report --format=html LOGS` draws the locks involved.",
                  k[i].full_desc, k[i].title);
        json_object *h = json_object_new_object();
        json_object_object_add(h, "text", str(help.s));
        json_object_object_add(h, "markdown", str(help.s));
        free(help.s);
        json_object_object_add(r, "help", h);
        json_object *cfg = json_object_new_object();
        json_object_object_add(cfg, "level", str(k[i].level));
        json_object_object_add(r, "defaultConfiguration", cfg);
        json_object *props = json_object_new_object();
        json_object *tags = json_object_new_array();
        json_object_array_add(tags, str("concurrency"));
        json_object_array_add(tags, str("deadlock"));
        json_object_array_add(tags, str("ulockdep"));
        json_object_object_add(props, "tags", tags);
        json_object_object_add(props, "precision", str(!strcmp(k[i].kind, "deadlock") ? "very-high" : "high"));
        json_object_object_add(props, "problem.severity", str(k[i].level));
        json_object_object_add(r, "properties", props);
        json_object_array_add(rules, r);
    }
    return rules;
}

static int rule_index(const char *kind)
{
    size_t n;
    const struct rp_kind *k = rp_kinds(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(k[i].kind, kind))
            return (int)i;
    return -1;
}

/* Related locations and code flows of a result, with links to them in its message. */
struct parts {
    json_object *related, *flows;
    struct ul_strbuf *msg;
    const char *srcroot;
};

/* A related location for frame if it is in the repository; its id (0: none). */
static int add_related(struct parts *pp, json_object *frame, const char *text)
{
    json_object *loc = frame ? frame_location(frame, pp->srcroot, true, NULL) : NULL;
    if (!loc)
        return 0;
    int id = (int)json_object_array_length(pp->related) + 1;
    json_object_object_add(loc, "message", message(text));
    json_object_object_add(loc, "id", json_object_new_int(id));
    json_object_array_add(pp->related, loc);
    return id;
}

static void add_flow(struct parts *pp, json_object *frames, const char *what)
{
    json_object *tf = thread_flow(frames, what, pp->srcroot);
    if (!tf)
        return;
    json_object *flow = json_object_new_object(), *tfs = json_object_new_array();
    json_object_array_add(tfs, tf);
    json_object_object_add(flow, "message", message(what));
    json_object_object_add(flow, "threadFlows", tfs);
    json_object_array_add(pp->flows, flow);
}

/* "[what](id)" when there is a related location to link, else what. */
static void mention(struct parts *pp, bool first, const char *what, int id)
{
    if (id)
        ul_sb_printf(pp->msg, "%s [%s](%d)", first ? "" : ";", what, id);
    else
        ul_sb_printf(pp->msg, "%s %s", first ? "" : ";", what);
}

/* A cycle's (or a signal chain's) dependencies, each where it was first seen. */
static void edge_parts(struct parts *pp, json_object *edges, const char *label)
{
    size_t n = json_object_array_length(edges);
    ul_sb_printf(pp->msg, " %s:", label);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(edges, i);
        json_object *st = rp_arr(e, "stack");
        char what[1200], m[1400];
        snprintf(what, sizeof what, "#%zu %s -> %s", i, rp_str(e, "from"), rp_str(e, "to"));
        snprintf(m, sizeof m, "%s: %s first taken with %s held here", what, rp_str(e, "to"), rp_str(e, "from"));
        mention(pp, i == 0, what, add_related(pp, first_in_repo(st, pp->srcroot), m));
        add_flow(pp, st, what);
    }
    ul_sb_puts(pp->msg, ".");
}

/* A deadlock's blocked threads, each where it waits. */
static void thread_parts(struct parts *pp, json_object *threads)
{
    size_t n = json_object_array_length(threads);
    ul_sb_puts(pp->msg, " Blocked threads:");
    for (size_t i = 0; i < n; i++) {
        json_object *t = json_object_array_get_idx(threads, i);
        json_object *w = rp_obj(t, "waiting_for");
        char what[1200], wb[1100];
        snprintf(what, sizeof what, "%s/%ld %s", rp_str(t, "name") ? rp_str(t, "name") : "?", rp_int(t, "tid", 0),
                 rp_thread_wait(t, wb, sizeof wb));
        json_object *site = w ? rp_obj(w, "at") : NULL;
        if (!site || !in_repo(site, pp->srcroot))
            site = first_in_repo(rp_arr(t, "stack"), pp->srcroot);
        mention(pp, i == 0, what, add_related(pp, site, what));
        add_flow(pp, rp_arr(t, "stack"), what);
    }
    ul_sb_puts(pp->msg, ".");
}

/* Where each lock was taken. */
static void lock_sites(struct parts *pp, json_object *locks)
{
    size_t n = locks ? json_object_array_length(locks) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *l = json_object_array_get_idx(locks, i);
        char m[1200];
        snprintf(m, sizeof m, "lock %s taken here", rp_str(l, "name") ? rp_str(l, "name") : "?");
        add_related(pp, rp_obj(l, "at"), m);
    }
}

struct stacks {
    json_object *arr;
    const char *srcroot;
};

static void stack_cb(const char *heading, json_object *frames, void *arg)
{
    struct stacks *st = arg;
    json_object_array_add(st->arr, stack_json(frames, heading, st->srcroot));
}

/* The result's location: the first frame in the repository of the reporting stack, else of
 * a cycle's, chain's or blocked thread's stack, else where a lock of the report was taken (a
 * thread that exits holding a lock has only the C library on its stack). */
static json_object *primary_frame(json_object *r, const char *srcroot)
{
    json_object *f = first_in_repo(rp_arr(r, "stack"), srcroot);
    const char *edge_lists[] = { "cycle", "chain", "threads" };
    for (size_t l = 0; !f && l < 3; l++) {
        json_object *arr = rp_arr(r, edge_lists[l]);
        for (size_t i = 0; !f && arr && i < json_object_array_length(arr); i++)
            f = first_in_repo(rp_arr(json_object_array_get_idx(arr, i), "stack"), srcroot);
    }
    const char *lists[] = { "locks", "held" };
    for (size_t l = 0; !f && l < 2; l++) {
        json_object *arr = rp_arr(r, lists[l]);
        for (size_t i = 0; !f && arr && i < json_object_array_length(arr); i++) {
            json_object *at = rp_obj(json_object_array_get_idx(arr, i), "at");
            if (at && in_repo(at, srcroot))
                f = at;
        }
    }
    return f;
}

/* The path of a file for a URI: relative to srcroot when inside it, else its base name. */
static char *program_uri(const char *path, const char *srcroot)
{
    if (!path || !*path)
        return NULL;
    char *rel = path[0] == '/' ? repo_relative(path, srcroot) : NULL;
    if (rel)
        return rel;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return *base ? uri_encode(base) : NULL;
}

/* The location of a problem none of whose frames is inside the repository (a lock bug seen
 * only in library code, a run built outside --srcroot): the program that made the report,
 * as a repository-relative path when it was built inside srcroot (build/my_test), else by
 * its base name, with the reporting function (the first frame of the program, else of any
 * module) as a logical location. GitHub lists such an alert under that path without
 * annotating a source line. */
static json_object *program_location(json_object *r, const char *srcroot)
{
    json_object *frame = rp_program_frame(r);
    json_object *locks = rp_arr(r, "locks"), *stack = rp_arr(r, "stack");
    for (size_t i = 0; !frame && locks && i < json_object_array_length(locks); i++) {
        json_object *at = rp_obj(json_object_array_get_idx(locks, i), "at");
        if (rp_str(at, "function"))
            frame = at; /* where a lock was taken: a thread exiting with it has only libc */
    }
    for (size_t i = 0; !frame && stack && i < json_object_array_length(stack); i++)
        if (rp_str(json_object_array_get_idx(stack, i), "function"))
            frame = json_object_array_get_idx(stack, i);
    char *uri = program_uri(rp_str(r, "exe"), srcroot);
    if (!uri && frame)
        uri = program_uri(rp_str(frame, "module"), srcroot);
    if (!uri)
        uri = rp_xstrdup("unknown-program");
    json_object *art = json_object_new_object();
    json_object_object_add(art, "uri", str(uri));
    json_object_object_add(art, "uriBaseId", str(SRCROOT_ID));
    json_object *phys = json_object_new_object();
    json_object_object_add(phys, "artifactLocation", art);
    json_object *loc = json_object_new_object();
    json_object_object_add(loc, "physicalLocation", phys);
    json_object *lg = frame ? logical(frame) : NULL;
    if (lg)
        json_object_object_add(loc, "logicalLocations", lg);
    struct ul_strbuf m = { 0 };
    char fb[2048];
    ul_sb_printf(&m, "in %s (no frame of this problem is in a source file under --srcroot)%s%s", uri,
                 frame ? "; reported at " : "", frame ? rp_frame_label(frame, fb, sizeof fb) : "");
    json_object_object_add(loc, "message", message(m.s));
    free(m.s);
    free(uri);
    return loc;
}

/* The related locations and code flows of a result: a cycle's or a chain's dependencies, a
 * deadlock's threads, or else where the locks were taken; their words go on msg. */
static void related_and_flows(json_object *res, json_object *r, struct ul_strbuf *msg, const char *srcroot)
{
    struct parts pp = { json_object_new_array(), json_object_new_array(), msg, srcroot };
    json_object *cycle = rp_arr(r, "cycle"), *chain = rp_arr(r, "chain"), *threads = rp_arr(r, "threads");
    if (cycle && json_object_array_length(cycle))
        edge_parts(&pp, cycle, "Dependencies");
    else if (chain && json_object_array_length(chain))
        edge_parts(&pp, chain, "Chain");
    else if (threads && json_object_array_length(threads))
        thread_parts(&pp, threads);
    else
        lock_sites(&pp, rp_arr(r, "locks"));
    if (json_object_array_length(pp.related))
        json_object_object_add(res, "relatedLocations", pp.related);
    else
        json_object_put(pp.related);
    if (json_object_array_length(pp.flows))
        json_object_object_add(res, "codeFlows", pp.flows);
    else
        json_object_put(pp.flows);
}

/* The result's "properties": its kind, the processes that reported it, its locks. */
static json_object *properties(const struct rp_problem *p)
{
    json_object *props = json_object_new_object();
    json_object_object_add(props, "kind", str(rp_str(p->obj, "kind")));
    json_object_object_add(props, "processes", rp_runs_json(p));
    json_object *lk = rp_arr(p->obj, "locks");
    json_object_object_add(props, "locks", lk ? json_object_get(lk) : json_object_new_array());
    return props;
}

static json_object *result_json(const struct rp_problem *p, const char *srcroot)
{
    json_object *r = p->obj, *res = json_object_new_object();
    const char *kind = rp_str(r, "kind");
    const struct rp_kind *k = rp_kind_find(kind);
    char id[64];
    snprintf(id, sizeof id, "ulockdep/%s", kind);
    json_object_object_add(res, "ruleId", str(id));
    json_object_object_add(res, "ruleIndex", json_object_new_int(rule_index(kind)));
    json_object_object_add(res, "level", str(k->level));

    struct ul_strbuf msg = { 0 };
    char *locks = rp_lock_summary(r);
    char *seen = rp_seen_line(p);
    ul_sb_printf(&msg, "%s: %s.", k->short_desc, locks);
    free(locks);

    json_object *primary = primary_frame(r, srcroot);
    related_and_flows(res, r, &msg, srcroot);
    struct stacks st = { json_object_new_array(), srcroot };
    rp_for_each_stack(r, stack_cb, &st);
    json_object *stacks = st.arr;
    char *text = rp_report_text(r);
    ul_sb_printf(&msg, " %s\n%s", seen, text);
    free(text);
    free(seen);
    json_object_object_add(res, "message", message(msg.s));
    free(msg.s);

    /* GitHub code scanning rejects the whole upload when a result has no location with a
     * physicalLocation.artifactLocation.uri: every result gets one. */
    json_object *locs = json_object_new_array();
    json_object_array_add(locs, primary ? frame_location(primary, srcroot, true, NULL) : program_location(r, srcroot));
    json_object_object_add(res, "locations", locs);
    json_object *fp = json_object_new_object();
    json_object_object_add(fp, "ulockdepProblem/v1", str(p->fingerprint));
    json_object_object_add(res, "partialFingerprints", fp);
    json_object_object_add(res, "stacks", stacks);
    json_object_object_add(res, "occurrenceCount", json_object_new_int64(p->count));

    json_object_object_add(res, "properties", properties(p));
    return res;
}

int rp_render_sarif(FILE *out, const struct rp_set *set, const struct rp_options *opt)
{
    json_object *driver = json_object_new_object();
    json_object_object_add(driver, "name", str("ulockdep"));
    json_object_object_add(driver, "fullName", str("ulockdep: the Linux kernel's lockdep for userspace"));
    json_object_object_add(driver, "version", str(ULOCKDEP_VERSION));
    json_object_object_add(driver, "semanticVersion", str(ULOCKDEP_VERSION));
    json_object_object_add(driver, "rules", rules_json());
    json_object *tool = json_object_new_object();
    json_object_object_add(tool, "driver", driver);

    json_object *run = json_object_new_object();
    json_object_object_add(run, "tool", tool);
    json_object *base = json_object_new_object(), *root = json_object_new_object();
    char *enc = uri_encode(opt->srcroot);
    char uri[PATH_MAX * 3 + 16];
    snprintf(uri, sizeof uri, "file://%s%s", enc, enc[strlen(enc) - 1] == '/' ? "" : "/");
    free(enc);
    json_object_object_add(root, "uri", str(uri));
    json_object_object_add(base, SRCROOT_ID, root);
    json_object_object_add(run, "originalUriBaseIds", base);
    json_object *results = json_object_new_array();
    for (size_t i = 0; i < set->n; i++)
        json_object_array_add(results, result_json(&set->v[i], opt->srcroot));
    json_object_object_add(run, "results", results);
    json_object_object_add(run, "columnKind", str("utf16CodeUnits"));

    json_object *log = json_object_new_object();
    json_object_object_add(log, "$schema", str("https://json.schemastore.org/sarif-2.1.0.json"));
    json_object_object_add(log, "version", str("2.1.0"));
    json_object *runs = json_object_new_array();
    json_object_array_add(runs, run);
    json_object_object_add(log, "runs", runs);
    fprintf(out, "%s\n",
            json_object_to_json_string_ext(log, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(log);
    return 0;
}
