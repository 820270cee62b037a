/* ulockdep merge [--db FILE] [--format=text|json] [--quiet] DIR|FILE...
 * Folds the graph files the shim wrote (graph_dir=DIR) into one SQLite database and reports
 * every cycle of the union graph that no single run reported. Exit status: 1 if it reported
 * a cycle, 0 if not, 2 on a usage error or when the database cannot be used. */
#include "cli.h"

#include <getopt.h>
#include "supp_cli.h"
#include "merge.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct paths {
    char **v;
    size_t n, cap;
};

static struct paths *walk_paths; /* nftw has no user argument */

static bool paths_add(struct paths *p, const char *path)
{
    if (p->n == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 64;
        char **m = realloc(p->v, ncap * sizeof *m);
        if (!m)
            return false;
        p->v = m;
        p->cap = ncap;
    }
    return (p->v[p->n] = strdup(path)) && ++p->n;
}

static bool is_graph_file_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base), s = strlen(GRAPH_FILE_SUFFIX);
    return base[0] != '.' && n > s && !strcmp(base + n - s, GRAPH_FILE_SUFFIX);
}

static int walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    if (type == FTW_F && S_ISREG(st->st_mode) && is_graph_file_name(path) && !paths_add(walk_paths, path))
        return -1;
    if (type == FTW_DNR)
        fprintf(stderr, "ulockdep: warning: cannot read directory %s\n", path);
    return 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Directories are searched recursively (the graph dirs of many machines copied side by
 * side); files are taken as they are. Sorted, so merges are reproducible. */
static bool collect(const struct merge_opts *o, struct paths *out)
{
    for (size_t i = 0; i < o->ninputs; i++) {
        struct stat st;
        if (stat(o->inputs[i], &st) != 0) {
            fprintf(stderr, "ulockdep: %s: %s\n", o->inputs[i], strerror(errno));
            return false;
        }
        if (S_ISDIR(st.st_mode)) {
            walk_paths = out;
            if (nftw(o->inputs[i], walk_one, 32, FTW_PHYS) != 0) {
                fprintf(stderr, "ulockdep: %s: cannot list the directory\n", o->inputs[i]);
                return false;
            }
        } else if (!paths_add(out, o->inputs[i])) {
            return false;
        }
    }
    qsort(out->v, out->n, sizeof *out->v, str_cmp);
    return true;
}

/* A cross-run cycle is matched like a report: its locks' names and every frame of the stack
 * each dependency was recorded with. */
static bool cycle_suppressed(struct cli_supp *supp, const struct union_graph *ug, const struct xcycle *c)
{
    struct cli_supp_match m = { supp, -1 };
    for (size_t i = 0; i < c->n; i++) {
        const struct xcycle_step *st = &c->steps[i];
        cli_supp_lock(&m, ug->classes[st->from].name);
        cli_supp_lock(&m, ug->classes[st->to].name);
        struct graph_frame f;
        for (const char *p = st->shown.frames; p && graph_next_frame(&p, &f);)
            cli_supp_frame(&m, f.function, f.file, f.module);
    }
    return cli_supp_hide(supp, &m);
}

struct fold_counts {
    size_t added, before, skipped;
};

/* Folds one file into the database, unless it was merged before. False on a database error. */
static bool fold_file(struct merge_db *db, const char *path, struct fold_counts *n)
{
    struct stat st;
    long long mtime = 0;
    if (stat(path, &st) == 0) {
        mtime = (long long)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        if (merge_db_has_file(db, path, (long long)st.st_size, mtime)) {
            n->before++; /* same path, size and time as a file merged before: not read again */
            return true;
        }
    }
    struct graph_file g = { 0 };
    char err[512];
    long line;
    bool ok = true;
    if (!graph_file_read(path, &g, err, sizeof err, &line)) {
        if (line)
            fprintf(stderr, "ulockdep: warning: %s:%ld: %s; file skipped\n", path, line, err);
        else
            fprintf(stderr, "ulockdep: warning: %s: %s; file skipped\n", path, err);
        n->skipped++;
    } else {
        int rc = merge_db_add(db, path, mtime, &g);
        ok = rc >= 0;
        if (rc > 0)
            n->added++;
        else if (rc == 0)
            n->before++;
    }
    graph_file_free(&g);
    return ok;
}

/* Folds every input file into the database; NULL on an error (already said). */
static struct merge_db *fold_inputs(const struct merge_opts *o)
{
    struct paths files = { 0 };
    bool ok = collect(o, &files);
    struct merge_db *db = ok ? merge_db_open(o->db) : NULL;
    struct fold_counts n = { 0 };
    for (size_t i = 0; db && ok && i < files.n; i++)
        ok = fold_file(db, files.v[i], &n);
    for (size_t i = 0; i < files.n; i++)
        free(files.v[i]);
    free(files.v);
    if (o->skipped)
        *o->skipped = n.skipped;
    if (!ok) {
        merge_db_close(db);
        return NULL;
    }
    if (db && !o->quiet) {
        struct merge_counts c;
        merge_db_counts(db, &c);
        fprintf(stderr,
                "ulockdep merge: %zu new graph file%s, %zu merged before, %zu skipped; %s holds %lld run%s, "
                "%lld lock classes, %lld dependencies\n",
                n.added, n.added == 1 ? "" : "s", n.before, n.skipped, o->db, c.runs, c.runs == 1 ? "" : "s",
                c.classes, c.edges);
    }
    return db;
}

/* Prints the cycles the suppressions let through; how many. */
static size_t print_cycles(const struct merge_opts *o, FILE *out, const struct union_graph *ug,
                           const struct xcycle *cycles, size_t n)
{
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (o->supp && cycle_suppressed(o->supp, ug, &cycles[i]))
            continue;
        if (!shown && o->heading && o->format == MERGE_TEXT)
            fputs(o->heading, out);
        shown++;
        if (o->format == MERGE_JSON)
            render_cross_json(out, ug, &cycles[i], (unsigned)shown, o->db);
        else
            render_cross_text(out, ug, &cycles[i], (unsigned)shown, o->db);
    }
    if (!o->quiet)
        fprintf(stderr, "ulockdep merge: %zu cross-run cycle%s%s\n", shown, shown == 1 ? "" : "s",
                shown < n ? " (others suppressed)" : "");
    if (o->supp)
        cli_supp_print_used(o->supp, stderr, "ulockdep merge");
    fflush(out);
    return shown;
}

long merge_run(const struct merge_opts *o, FILE *out)
{
    struct merge_db *db = fold_inputs(o);
    if (!db)
        return -1;
    struct union_graph ug;
    struct xcycle *cycles = NULL;
    size_t n = 0;
    long shown = -1;
    if (merge_db_load(db, &ug) && find_cross_run_cycles(db, &ug, &cycles, &n))
        shown = (long)print_cycles(o, out, &ug, cycles, n);
    xcycles_free(cycles, n);
    union_graph_free(&ug);
    merge_db_close(db);
    return shown;
}

static void merge_usage(FILE *f)
{
    fputs("Usage: ulockdep merge --db FILE [--format=text|json] [--quiet] [--suppressions FILE] [DIR|FILE...]\n"
          "  Folds the lock-graph files that runs with graph_dir=DIR wrote (DIR is searched\n"
          "  recursively for *.ulg) into the SQLite database FILE (created if missing; files\n"
          "  merged before are skipped), then reports every lock cycle of all the runs together\n"
          "  that no single run saw, naming the run each dependency came from.\n"
          "  --suppressions FILE hides the cycles its deadlock: or lock: rules match (any lock\n"
          "  name or frame of a dependency's stack), as the shim's suppressions=FILE does.\n"
          "  Exit status: 1 if a cycle was reported, 0 if not, 2 on errors and when an input file is\n"
          "  not a graph file (each one is named).\n",
          f);
}

/* Reads the options into o; 0, 1 after --help, or CLI_EXIT_USAGE (already said). */
static int parse_merge_args(struct merge_opts *o, const char **supp_path, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, 'd' },           { "format", required_argument, NULL, 'f' },
        { "quiet", no_argument, NULL, 'q' },              { "suppressions", required_argument, NULL, 'U' },
        { "help", no_argument, NULL, 'h' },               { NULL, 0, NULL, 0 },
    };
    opterr = 0;
    optind = 1;
    int c = opt_check_long_names("merge", argc, argv, longopts) < 0 ? '?' : 0;
    while (!c && (c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        if (c == 'd')
            o->db = optarg;
        else if (c == 'U')
            *supp_path = optarg;
        else if (c == 'q')
            o->quiet = true;
        else if (c == 'f' && (!strcmp(optarg, "json") || !strcmp(optarg, "text")))
            o->format = !strcmp(optarg, "json") ? MERGE_JSON : MERGE_TEXT;
        else if (c == 'h') {
            merge_usage(stdout);
            return 1;
        } else if (c == 'f') {
            fprintf(stderr, "ulockdep merge: unknown format '%s' (text or json)\n", optarg);
            break;
        } else {
            fprintf(stderr, "ulockdep merge: unknown option, or an option without its value: '%s'\n", argv[optind - 1]);
            break;
        }
        c = 0;
    }
    if (c == -1 && (!o->db || !*o->db)) {
        fprintf(stderr, "ulockdep merge: --db FILE is required\n");
        c = '?';
    }
    if (c != -1) {
        merge_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

int cmd_merge(int argc, char **argv)
{
    struct merge_opts o = { .format = MERGE_TEXT };
    const char *supp_path = NULL;
    int rc = parse_merge_args(&o, &supp_path, argc, argv);
    if (rc)
        return rc == 1 ? 0 : rc;
    struct cli_supp supp = { 0 };
    if (supp_path) {
        if (!cli_supp_load(&supp, supp_path))
            return CLI_EXIT_USAGE;
        o.supp = &supp;
    }
    o.inputs = argv + optind;
    o.ninputs = (size_t)(argc - optind);
    size_t skipped = 0;
    o.skipped = &skipped;
    long n = merge_run(&o, stdout);
    cli_supp_free(&supp);
    /* An input that is not a graph file is an error (exit 2), even beside good ones: a CI job
     * must not go green on a wrong path. */
    return n < 0 || skipped ? CLI_EXIT_USAGE : n > 0 ? 1 : 0;
}
