/* ulockdep stress -n N [-j J] [--timeout S] [--keep DIR] [--option=value ...] -- PROGRAM [ARGS...]
 * Runs PROGRAM N times, J at a time, under the shim (as `ulockdep run` does), with every run
 * writing JSON reports and its lock graph into one working directory; then prints each
 * distinct report once with how often it was seen, and the cycles that only the runs
 * together have (ulockdep merge). The one command a CI stress job needs.
 *
 * Working directory (a temporary one, or --keep DIR which is kept):
 *   graph/            graph_dir of every run
 *   graph.db          the merged graph
 *   logs/run-I.PID    JSON reports of run I (and of the processes it forked)
 *   out/run-I.txt     what run I printed (stdout and stderr)
 *
 * Exit status: 1 if a report or a cross-run cycle was found; else 3 if a run timed out; else
 * 4 if a run failed (exited non-zero or was killed); else 0. 2 for usage errors. */
#include "cli.h"
#include "merge.h"
#include "options.h"
#include "logs.h"
#include "supp_cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { STRESS_FOUND = 1, STRESS_TIMEOUT = 3, STRESS_FAILED = 4 };

/* A timed-out run gets SIGTERM, so a program that handles it can exit() (writing its graph
 * file and lock statistics); its process group gets SIGKILL this much later if still there. */
#define TERM_GRACE 2.0

struct run {
    pid_t pid;              /* 0: not started or finished */
    unsigned index;         /* 1-based */
    double started;
    bool killed;            /* timed out: sent SIGTERM (then SIGKILL if it lingers) */
    double term_sent;       /* when SIGTERM was sent */
    int status;             /* wait status */
    int reports;
};

struct stress {
    unsigned n, jobs;
    double timeout;         /* seconds, 0: none */
    const char *keep;
    char *spec;             /* the user's shim options */
    char **argv;            /* PROGRAM and ARGS */
    char dir[4096];
    char *shim;
    bool allow_untraced;    /* --allow-untraced: run a program the shim cannot trace */
    int exitcode;           /* the shim's exit status for "reports were made" */
    int watchdog;           /* deadlock_timeout we add (0: the user set it) */
    char suppressions[512]; /* the runs' suppressions file, "" for none */
    int deadlock_timeout;   /* the runs' deadlock_timeout, whoever set it */
    struct run *slots;
    struct rp_set reports;
    unsigned finished, clean, with_reports, timed_out, failed;
    double t0;              /* when the first run started */
    bool tty;               /* stderr is a terminal: one status line, rewritten */
    unsigned *timeout_list, *failed_list;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void stress_usage(FILE *f)
{
    fputs("Usage: ulockdep stress -n N [-j J] [--timeout S] [--keep DIR] [--allow-untraced] [--option=value ...]\n"
          "                       -- PROGRAM [ARGS...]\n"
          "  Runs PROGRAM N times (J at once, default: the number of CPUs) under the shim, then\n"
          "  prints each distinct report once with a count, and the lock cycles that no single\n"
          "  run saw (the runs' lock graphs merged, as ulockdep merge does).\n"
          "  --timeout S   stop a run after S seconds (SIGTERM, SIGKILL 2 s later) and report it\n"
          "                as timed out (its reports so far are still counted)\n"
          "  --keep DIR    work in DIR (created; must be empty) and keep it: logs, graphs, output\n"
          "  --option=value  shim options, as for ulockdep run. The hang watchdog is on as under\n"
          "                ulockdep run: deadlock_timeout=10, or half of --timeout when that is\n"
          "                shorter than 20 s, unless ULOCKDEP_OPTIONS or a --deadlock_timeout sets it\n"
          "  --allow-untraced  run PROGRAM even if the shim cannot trace it (static, set-user-ID)\n"
          "  Exit status: 1 if anything was found; else 3 if a run timed out; else 4 if a run\n"
          "  failed; else 0 (2: usage error; 5: PROGRAM cannot be traced, nothing was run).\n",
          f);
}

static bool parse_uint(const char *s, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v == 0 || v > 1000000)
        return false;
    *out = (unsigned)v;
    return true;
}

/* An option with a value: -n N, -nN, --runs=N; -j J, -jJ, --jobs=J; --timeout S, --timeout=S;
 * --keep DIR, --keep=DIR. Its letter with *val set (*i advanced past a separate value), 0 if
 * argv[*i] is none of them, -1 if its value is missing. */
static int valued_option(int argc, char **argv, int *i, const char **val)
{
    static const char *const names[][3] = { { "-n", "--runs", "n" }, { "-j", "--jobs", "j" },
                                            { "--timeout", "--timeout", "t" }, { "--keep", "--keep", "k" } };
    const char *a = argv[*i];
    for (size_t k = 0; k < 4; k++) {
        size_t l0 = strlen(names[k][0]), l1 = strlen(names[k][1]);
        if (!strcmp(a, names[k][0]) || !strcmp(a, names[k][1])) {
            if (*i + 1 >= argc)
                return -1;
            *val = argv[++*i];
        } else if (!strncmp(a, names[k][1], l1) && a[l1] == '=') {
            *val = a + l1 + 1;
        } else if (l0 == 2 && !strncmp(a, names[k][0], 2) && a[2]) {
            *val = a + 2;
        } else {
            continue;
        }
        return names[k][2][0];
    }
    return 0;
}

static bool set_value(struct stress *s, int which, const char *val)
{
    char *end;
    switch (which) {
    case 'n': return parse_uint(val, &s->n);
    case 'j': return parse_uint(val, &s->jobs);
    case 't':
        s->timeout = strtod(val, &end);
        return !*end && end != val && s->timeout >= 0 && !isinf(s->timeout);
    default: s->keep = val; return true;
    }
}

/* Returns the index of PROGRAM in argv, or -1 after printing a usage error. */
static int parse_args(struct stress *s, int argc, char **argv)
{
    static const char *const own[] = { "runs", "jobs", "timeout", "keep", "allow-untraced", "help", NULL };
    opt_set_command_names(own);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        if (!strcmp(a, "--"))
            return i + 1 < argc ? i + 1 : -1;
        if (a[0] != '-' || !a[1])
            return i;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            stress_usage(stdout);
            exit(0);
        }
        if (!strcmp(a, "--allow-untraced") || !strcmp(a, "--allow_untraced")) {
            s->allow_untraced = true;
            continue;
        }
        int which = valued_option(argc, argv, &i, &val);
        if (which < 0)
            break;
        if (which && set_value(s, which, val))
            continue;
        if (which)
            fprintf(stderr, "ulockdep stress: bad value '%s' for %s\n", val, a);
        else if (strncmp(a, "--", 2))
            fprintf(stderr, "ulockdep stress: unknown option '%s'\n", a);
        else if (opt_arg_append(&s->spec, a) == 0)
            continue;
        break;
    }
    stress_usage(stderr);
    return -1;
}

/* ---- the working directory ------------------------------------------------------------------ */

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    remove(path);
    return 0;
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_one, 32, FTW_DEPTH | FTW_PHYS);
}

static bool make_workdir(struct stress *s)
{
    if (s->keep) {
        if (mkdir(s->keep, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "ulockdep stress: cannot create %s: %s\n", s->keep, strerror(errno));
            return false;
        }
        DIR *d = opendir(s->keep);
        struct dirent *e;
        bool empty = d != NULL;
        while (d && (e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                empty = false;
        if (d)
            closedir(d);
        if (!empty) {
            fprintf(stderr, "ulockdep stress: --keep %s: %s\n", s->keep,
                    d ? "the directory is not empty (its graphs would be merged with this run's)" : strerror(errno));
            return false;
        }
        if (!realpath(s->keep, s->dir)) {
            fprintf(stderr, "ulockdep stress: %s: %s\n", s->keep, strerror(errno));
            return false;
        }
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(s->dir, sizeof s->dir, "%s/ulockdep-stress.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(s->dir)) {
            fprintf(stderr, "ulockdep stress: cannot create a temporary directory %s: %s\n", s->dir, strerror(errno));
            return false;
        }
    }
    const char *sub[] = { "graph", "logs", "out" };
    for (size_t i = 0; i < 3; i++) {
        char p[4200];
        snprintf(p, sizeof p, "%s/%s", s->dir, sub[i]);
        if (mkdir(p, 0777) != 0) {
            fprintf(stderr, "ulockdep stress: cannot create %s: %s\n", p, strerror(errno));
            return false;
        }
    }
    return true;
}

/* ---- starting and reaping runs ------------------------------------------------------------- */

static void child(struct stress *s, unsigned index, const sigset_t *old_mask)
{
    setpgid(0, 0); /* its own process group: a timeout kills what it started too */
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, old_mask, NULL);
    char path[4300];
    snprintf(path, sizeof path, "%s/out/run-%u.txt", s->dir, index);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out >= 0) {
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
    }
    if (in >= 0)
        dup2(in, STDIN_FILENO);

    /* The hang watchdog's default (only when the user set no deadlock_timeout), the user's
     * environment options, the user's command-line options, then ours. */
    char *spec = NULL, arg[4400];
    const char *env = getenv("ULOCKDEP_OPTIONS");
    if (s->watchdog && asprintf(&spec, "deadlock_timeout=%d", s->watchdog) < 0)
        _exit(CLI_EXIT_USAGE);
    if (env && *env) {
        char *joined;
        if (asprintf(&joined, "%s%s%s", spec ? spec : "", spec ? ":" : "", env) < 0)
            _exit(CLI_EXIT_USAGE);
        free(spec);
        spec = joined;
    }
    if (s->spec) {
        char *joined;
        if (asprintf(&joined, "%s%s%s", spec ? spec : "", spec ? ":" : "", s->spec) < 0)
            _exit(CLI_EXIT_USAGE);
        free(spec);
        spec = joined;
    }
    snprintf(arg, sizeof arg, "--graph_dir=%s/graph", s->dir);
    if (opt_arg_append(&spec, arg) < 0)
        _exit(CLI_EXIT_USAGE);
    snprintf(arg, sizeof arg, "--log_path=%s/logs/run-%u", s->dir, index);
    if (opt_arg_append(&spec, arg) < 0 || opt_arg_append(&spec, "--format=json") < 0)
        _exit(CLI_EXIT_USAGE);
    setenv("ULOCKDEP_OPTIONS", spec, 1);
    const char *pre = getenv("LD_PRELOAD");
    char *preload;
    if (asprintf(&preload, "%s%s%s", s->shim, pre && *pre ? ":" : "", pre && *pre ? pre : "") < 0)
        _exit(CLI_EXIT_USAGE);
    setenv("LD_PRELOAD", preload, 1);
    execvp(s->argv[0], s->argv);
    fprintf(stderr, "ulockdep stress: cannot run '%s': %s\n", s->argv[0], strerror(errno));
    _exit(errno == ENOENT ? CLI_EXIT_NOT_FOUND : CLI_EXIT_CANNOT_EXEC);
}

static bool start(struct stress *s, struct run *r, unsigned index, const sigset_t *old_mask)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "ulockdep stress: fork: %s\n", strerror(errno));
        return false;
    }
    if (pid == 0)
        child(s, index, old_mask);
    setpgid(pid, pid); /* also here: no race with a kill before the child ran */
    *r = (struct run){ .pid = pid, .index = index, .started = now() };
    return true;
}

/* The shim wrote these logs: a line cut short by a killed run is expected, not worth a word. */
static void quiet(const char *msg)
{
    (void)msg;
}

/* Reads the logs of run `index` (the run's processes: logs/run-I.PID); its number of reports. */
static int read_logs(struct stress *s, unsigned index)
{
    static const struct rp_options opt = { .keep_messages = true };
    char dir[4200], prefix[64];
    snprintf(dir, sizeof dir, "%s/logs", s->dir);
    int n = snprintf(prefix, sizeof prefix, "run-%u.", index);
    DIR *d = opendir(dir);
    struct dirent *e;
    unsigned before = s->reports.reports;
    s->reports.source = index;
    rp_warn_hook = quiet;
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, prefix, (size_t)n))
            continue;
        char path[4500];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        rp_load_path(&s->reports, path, &opt);
    }
    rp_warn_hook = NULL;
    if (d)
        closedir(d);
    return (int)(s->reports.reports - before);
}

/* In how many runs a problem was seen. */
static size_t runs_of(const struct rp_problem *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nruns; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = p->runs[j].source == p->runs[i].source;
        n += !seen;
    }
    return n;
}

static int by_first_run(const void *a, const void *b)
{
    const struct rp_problem *x = *(const struct rp_problem *const *)a, *y = *(const struct rp_problem *const *)b;
    unsigned rx = x->runs[0].source, ry = y->runs[0].source;
    return rx != ry ? (rx < ry ? -1 : 1) : (x < y ? -1 : x > y);
}

/* Each distinct problem once, in the order of the run that first reported it, with how
 * often and in how many runs it was seen; then the shim's messages. */
static void print_reports(const struct rp_set *set, unsigned nruns)
{
    const struct rp_problem **v = rp_xmalloc((set->n + 1) * sizeof *v);
    for (size_t i = 0; i < set->n; i++)
        v[i] = &set->v[i];
    qsort(v, set->n, sizeof *v, by_first_run);
    for (size_t i = 0; i < set->n; i++) {
        const struct rp_problem *p = v[i];
        printf("\n=== report %zu of %zu: %s, seen %u time%s in %zu of %u runs (first in run %u, pid %ld) ===\n",
               i + 1, set->n, rp_str(p->obj, "kind"), p->count, p->count == 1 ? "" : "s", runs_of(p), nruns,
               p->runs[0].source, rp_int(p->obj, "pid", 0));
        char *text = rp_report_text(p->obj);
        const char *t = text + strspn(text, "\n");
        fputs(t, stdout);
        if (*t && t[strlen(t) - 1] != '\n')
            putchar('\n');
        free(text);
    }
    free(v);
    if (set->nmessages)
        fputs("\nmessages from the shim:\n", stdout);
    for (size_t i = 0; i < set->nmessages; i++)
        printf("  %s\n", set->messages[i]);
}

static void describe(const struct run *r, int exitcode, char *buf, size_t len)
{
    if (r->killed)
        snprintf(buf, len, "TIMED OUT (killed)");
    else if (WIFSIGNALED(r->status))
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(r->status), strsignal(WTERMSIG(r->status)));
    else if (WEXITSTATUS(r->status) == 0)
        snprintf(buf, len, "exit 0");
    else
        snprintf(buf, len, "exit %d%s", WEXITSTATUS(r->status),
                 r->reports && WEXITSTATUS(r->status) == exitcode ? " (reports)" : "");
}

/* "12s", "3m05s": the time left at the pace so far. */
static void eta_text(const struct stress *s, char *buf, size_t len)
{
    double left = s->finished ? (now() - s->t0) / s->finished * (s->n - s->finished) : 0;
    long sec = (long)(left + 0.5);
    if (sec >= 60)
        snprintf(buf, len, "%ldm%02lds", sec / 60, sec % 60);
    else
        snprintf(buf, len, "%lds", sec);
}

/* One line per run (done/total, what it did, its time, the ETA); on a terminal, only the
 * runs with something to say keep a line of their own, and one status line is rewritten in
 * place (done/total, runs with reports, failures and timeouts so far, ETA). */
static void progress(struct stress *s, const struct run *r, const char *what)
{
    char eta[32];
    eta_text(s, eta, sizeof eta);
    bool notable = r->reports || r->killed || strncmp(what, "exit 0", 6);
    if (!s->tty) {
        fprintf(stderr, "[%u/%u] run %u (pid %d): %s, %d report%s, %.2fs; ETA %s\n", s->finished, s->n, r->index,
                (int)r->pid, what, r->reports, r->reports == 1 ? "" : "s", now() - r->started, eta);
        return;
    }
    if (notable)
        fprintf(stderr, "\r\033[K[%u/%u] run %u (pid %d): %s, %d report%s, %.2fs\n", s->finished, s->n, r->index,
                (int)r->pid, what, r->reports, r->reports == 1 ? "" : "s", now() - r->started);
    fprintf(stderr, "\r\033[K[%u/%u] %u with reports, %u failed, %u timed out; ETA %s%s", s->finished, s->n,
            s->with_reports, s->failed, s->timed_out, eta, s->finished == s->n ? "\n" : "");
    fflush(stderr);
}

static void finished(struct stress *s, struct run *r)
{
    r->reports = read_logs(s, r->index);
    bool reports_exit = r->reports && WIFEXITED(r->status) && WEXITSTATUS(r->status) == s->exitcode;
    s->finished++;
    if (r->killed)
        s->timeout_list[s->timed_out++] = r->index;
    else if (!(WIFEXITED(r->status) && (WEXITSTATUS(r->status) == 0 || reports_exit)))
        s->failed_list[s->failed++] = r->index;
    if (r->reports)
        s->with_reports++;
    else if (!r->killed && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0)
        s->clean++;
    char what[128];
    describe(r, s->exitcode, what, sizeof what);
    progress(s, r, what);
    r->pid = 0;
}

static volatile sig_atomic_t interrupted;

static void kill_all(struct stress *s)
{
    for (unsigned i = 0; i < s->jobs; i++)
        if (s->slots[i].pid > 0)
            kill(-s->slots[i].pid, SIGKILL);
    for (unsigned i = 0; i < s->jobs; i++)
        if (s->slots[i].pid > 0)
            waitpid(s->slots[i].pid, NULL, 0);
}

/* Runs everything; false when interrupted (SIGINT/SIGTERM) or a run could not start. */
/* How long to wait for a child or a signal: until the next deadline, at most a second. */
static double next_wait(const struct stress *s)
{
    double wait = 1.0, t = now();
    for (unsigned i = 0; i < s->jobs && s->timeout > 0; i++)
        if (s->slots[i].pid > 0) {
            double left = s->slots[i].killed ? s->slots[i].term_sent + TERM_GRACE - t
                                             : s->slots[i].started + s->timeout - t;
            if (left < wait)
                wait = left < 0.001 ? 0.001 : left;
        }
    return wait;
}

/* Collects the runs that ended, and stops those past their --timeout (SIGTERM, then SIGKILL
 * TERM_GRACE later). Returns how many ended. */
static unsigned reap(struct stress *s)
{
    unsigned ended = 0;
    for (unsigned i = 0; i < s->jobs; i++) {
        struct run *r = &s->slots[i];
        if (r->pid <= 0)
            continue;
        if (waitpid(r->pid, &r->status, WNOHANG) == r->pid) {
            kill(-r->pid, SIGKILL); /* whatever it left behind in its group */
            finished(s, r);
            ended++;
        } else if (s->timeout > 0 && !r->killed && now() - r->started >= s->timeout) {
            r->killed = true;
            r->term_sent = now();
            kill(-r->pid, SIGTERM);
        } else if (r->killed && now() - r->term_sent >= TERM_GRACE) {
            kill(-r->pid, SIGKILL);
        }
    }
    return ended;
}

static bool run_all(struct stress *s)
{
    sigset_t wait_set, old;
    sigemptyset(&wait_set);
    sigaddset(&wait_set, SIGCHLD);
    sigaddset(&wait_set, SIGINT);
    sigaddset(&wait_set, SIGTERM);
    sigaddset(&wait_set, SIGHUP);
    sigprocmask(SIG_BLOCK, &wait_set, &old);
    unsigned next = 1, running = 0;
    bool ok = true;
    s->t0 = now();
    s->tty = isatty(STDERR_FILENO);
    while (s->finished < s->n) {
        for (unsigned i = 0; i < s->jobs && next <= s->n && ok; i++) {
            if (s->slots[i].pid)
                continue;
            if (!(ok = start(s, &s->slots[i], next, &old)))
                break;
            next++;
            running++;
        }
        if (!ok || !running)
            break;
        double wait = next_wait(s);
        struct timespec ts = { (time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9) };
        int sig = sigtimedwait(&wait_set, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
            interrupted = sig;
            ok = false;
            break;
        }
        running -= reap(s);
    }
    if (!ok)
        kill_all(s);
    if (s->tty && s->finished < s->n)
        fputc('\n', stderr); /* end the status line */
    sigprocmask(SIG_SETMASK, &old, NULL);
    return ok;
}

/* ---- the end ------------------------------------------------------------------------------ */

static void show_output_tail(const struct stress *s, unsigned index)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/out/run-%u.txt", s->dir, index);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char *lines[8] = { 0 }, *line = NULL;
    size_t cap = 0, n = 0;
    while (getline(&line, &cap, f) > 0) {
        free(lines[n % 8]);
        lines[n % 8] = strdup(line);
        n++;
    }
    free(line);
    fclose(f);
    printf("  output of run %u (last %zu line%s%s%s):\n", index, n < 8 ? n : 8, (n < 8 ? n : 8) == 1 ? "" : "s",
           s->keep ? ", all in " : "", s->keep ? path : "");
    for (size_t i = n > 8 ? n - 8 : 0; i < n; i++)
        printf("    %s", lines[i % 8] ? lines[i % 8] : "\n");
    for (size_t i = 0; i < 8; i++)
        free(lines[i]);
}

static int cmp_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

/* Run numbers in ascending order, whatever order the runs finished in. */
static void list(const char *what, unsigned *v, unsigned n)
{
    qsort(v, n, sizeof *v, cmp_unsigned);
    printf("%s", what);
    for (unsigned i = 0; i < n && i < 20; i++)
        printf("%s%u", i ? ", " : " ", v[i]);
    if (n > 20)
        printf(", ... (%u in all)", n);
    printf("\n");
}

/* The options the runs will have (ULOCKDEP_OPTIONS, then --option=value): the shim's exit
 * status for reports, their suppressions, and the hang watchdog, on as under `ulockdep run`
 * so a run that deadlocks ends with a deadlock report instead of hanging until --timeout (it
 * fires well before a short --timeout). False on a bad option (already said). */
static bool runs_options(struct stress *s)
{
    char *all = NULL;
    const char *env = getenv("ULOCKDEP_OPTIONS");
    if (asprintf(&all, "%s:%s", env ? env : "", s->spec ? s->spec : "") < 0 || opt_spec_check(all)) {
        free(all);
        return false;
    }
    ul_options_parse(all, NULL);
    free(all);
    s->exitcode = ul_opt.exitcode;
    snprintf(s->suppressions, sizeof s->suppressions, "%s", ul_opt.suppressions);
    if (!ul_options_was_set("deadlock_timeout")) {
        s->watchdog = ULOCKDEP_RUN_DEADLOCK_TIMEOUT;
        if (s->timeout > 0 && s->timeout < 2.0 * s->watchdog)
            s->watchdog = s->timeout >= 2.0 ? (int)(s->timeout / 2) : 1;
    }
    s->deadlock_timeout = s->watchdog ? s->watchdog : ul_opt.deadlock_timeout;
    return true;
}

/* Everything before the first run: the arguments, the runs' options, the shim, the working
 * directory. 0, or the exit status to return. */
static int prepare(struct stress *s, int argc, char **argv)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    s->jobs = cpus > 0 ? (unsigned)cpus : 1;
    int prog = parse_args(s, argc, argv);
    if (prog < 0 || prog >= argc) {
        if (prog >= 0 || argc > 1)
            fprintf(stderr, "ulockdep stress: no program to run\n");
        return CLI_EXIT_USAGE;
    }
    if (!s->n) {
        fprintf(stderr, "ulockdep stress: -n N (how many runs) is required\n");
        stress_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (s->jobs > s->n)
        s->jobs = s->n;
    s->argv = argv + prog;
    if (!runs_options(s) || !(s->shim = find_shim()))
        return CLI_EXIT_USAGE;
    if (refuse_untraceable("stress", s->argv[0], s->shim, s->allow_untraced))
        return CLI_EXIT_UNTRACEABLE;
    if (!make_workdir(s))
        return CLI_EXIT_USAGE;
    s->slots = calloc(s->jobs, sizeof *s->slots);
    s->timeout_list = calloc(s->n, sizeof *s->timeout_list);
    s->failed_list = calloc(s->n, sizeof *s->failed_list);
    if (!s->slots || !s->timeout_list || !s->failed_list) {
        fprintf(stderr, "ulockdep stress: out of memory\n");
        return CLI_EXIT_USAGE;
    }
    return 0;
}

static void banner(const struct stress *s)
{
    char limit[128] = "no timeout";
    if (s->timeout > 0)
        snprintf(limit, sizeof limit, "timeout %gs", s->timeout);
    size_t ll = strlen(limit);
    if (s->deadlock_timeout)
        snprintf(limit + ll, sizeof limit - ll, ", deadlock_timeout %ds%s", s->deadlock_timeout,
                 s->watchdog ? " (default)" : "");
    else
        snprintf(limit + ll, sizeof limit - ll, ", hang watchdog off");
    fprintf(stderr, "ulockdep stress: %u runs of %s, %u at a time, %s; working in %s\n", s->n, s->argv[0], s->jobs,
            limit, s->dir);
}

/* The cycles that only the runs together have (ulockdep merge of their graphs): how many,
 * -1 on an error. The runs' suppressions (ULOCKDEP_OPTIONS or --suppressions=FILE) hide the
 * cross-run cycles they match too, as they hid the runs' own reports. */
static long cross_run_cycles(const struct stress *s)
{
    char graph[4200], db[4200];
    snprintf(graph, sizeof graph, "%s/graph", s->dir);
    snprintf(db, sizeof db, "%s/graph.db", s->dir);
    char *inputs[] = { graph };
    struct merge_opts mo = { .db = db, .inputs = inputs, .ninputs = 1, .format = MERGE_TEXT, .quiet = true,
                             .heading = "\n=== lock cycles across runs (no single run saw them) ===\n" };
    struct cli_supp supp = { 0 };
    if (s->suppressions[0] && cli_supp_load(&supp, s->suppressions))
        mo.supp = &supp;
    long cross = merge_run(&mo, stdout);
    fflush(stdout);
    cli_supp_free(&supp);
    return cross;
}

/* After every run finished: what they found, and the exit status. */
static int summary(struct stress *s)
{
    printf("ulockdep stress: %u runs of", s->n);
    for (char **a = s->argv; *a; a++)
        printf(" %s", *a);
    printf(": %u clean, %u with reports, %u timed out, %u failed\n", s->clean, s->with_reports, s->timed_out,
           s->failed);
    size_t unique = s->reports.n;
    print_reports(&s->reports, s->n);
    fflush(stdout);
    long cross = cross_run_cycles(s);
    if (s->timed_out)
        list("\nruns that timed out (killed after the --timeout):", s->timeout_list, s->timed_out);
    if (s->failed) {
        list("\nruns that failed:", s->failed_list, s->failed);
        for (unsigned i = 0; i < s->failed && i < 3; i++)
            show_output_tail(s, s->failed_list[i]);
    }
    int status = 0;
    if (unique || cross > 0)
        status = STRESS_FOUND;
    else if (s->timed_out)
        status = STRESS_TIMEOUT;
    else if (s->failed || cross < 0)
        status = STRESS_FAILED;
    printf("\nulockdep stress: %s: %zu distinct report%s, %ld cross-run cycle%s, %u run%s timed out, %u failed\n",
           status ? "FAILED" : "passed", unique, unique == 1 ? "" : "s", cross > 0 ? cross : 0, cross == 1 ? "" : "s",
           s->timed_out, s->timed_out == 1 ? "" : "s", s->failed);
    if (s->keep)
        printf("ulockdep stress: logs, graphs and output kept in %s\n", s->dir);
    return status;
}

int cmd_stress(int argc, char **argv)
{
    struct stress s = { .n = 0 };
    int status = prepare(&s, argc, argv);
    if (!status) {
        banner(&s);
        /* A closed stdout (| head) must not kill us before the runs are stopped and the
         * working directory is removed. */
        signal(SIGPIPE, SIG_IGN);
        if (run_all(&s)) {
            status = summary(&s);
        } else {
            fprintf(stderr, "ulockdep stress: %s after %u of %u runs; the runs still going were killed\n",
                    interrupted ? strsignal(interrupted) : "stopped", s.finished, s.n);
            status = interrupted ? 128 + interrupted : STRESS_FAILED;
        }
        fflush(stdout);
        if (!s.keep)
            remove_tree(s.dir);
    }
    rp_set_free(&s.reports);
    free(s.slots);
    free(s.timeout_list);
    free(s.failed_list);
    free(s.shim);
    free(s.spec);
    return status;
}
