#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "glock.h"
#include "lockclass.h"
#include "names.h"
#include "options.h"
#include "render.h"
#include "stackdepot.h"
#include "suppress.h"
#include "symbolize.h"

static int sink_fd = -1;       /* -1: not opened yet */
static int sink_pid;
static dev_t sink_dev;         /* what sink_fd was opened on, to notice a program that */
static ino_t sink_ino;         /* closed it and got the number back for a file of its own */
static bool log_unusable;      /* log_path's directory is missing or not writable: stderr */
static unsigned seq;
static unsigned logged;        /* reports written to this process's log file */
static struct timespec started; /* CLOCK_MONOTONIC at start-up (a forked child: at the fork) */
static char exe_path[4096];
static char cmdline[4096];
static char argv_raw[4096];     /* /proc/self/cmdline as read: each argument NUL-terminated */
static size_t argv_len;

static struct ul_supp_set supp;
static bool supp_deadlock, supp_lock;

#define SUPP_FILE_MAX (1u << 20)

static void write_all(int fd, const char *s, size_t len)
{
    while (len) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

/* Configuration problems go to stderr, where the user who set them up is looking. */
static void say_stderr(const char *line)
{
    write_all(STDERR_FILENO, line, strlen(line));
    write_all(STDERR_FILENO, "\n", 1);
}

static void read_cmdline(void)
{
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
    close(fd);
    if (n <= 0)
        return;
    memcpy(argv_raw, cmdline, (size_t)n);
    argv_len = (size_t)n;
    for (ssize_t i = 0; i < n; i++)
        if (cmdline[i] == 0)
            cmdline[i] = ' ';
    while (n > 0 && cmdline[n - 1] == ' ')
        n--;
    cmdline[n] = 0;
}

/* ---- the sink: stderr, stdout or <log_path>.<pid> ------------------------------------ */

static bool log_to_file(void)
{
    return ul_opt.log_path[0] && strcmp(ul_opt.log_path, "stderr") && strcmp(ul_opt.log_path, "stdout");
}

/* At start-up: a log_path whose directory is missing or not writable is said once, and
 * reports go to stderr. */
static void check_log_dir(void)
{
    log_unusable = false;
    if (!log_to_file())
        return;
    char dir[ULOCKDEP_OPT_STRMAX];
    snprintf(dir, sizeof dir, "%s", ul_opt.log_path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = 0;
    else
        *slash = 0;
    struct stat st;
    const char *why = NULL;
    if (stat(dir, &st) != 0)
        why = strerror(errno);
    else if (!S_ISDIR(st.st_mode))
        why = "not a directory";
    else if (access(dir, W_OK | X_OK) != 0)
        why = strerror(errno);
    if (!why)
        return;
    log_unusable = true;
    char msg[2 * ULOCKDEP_OPT_STRMAX + 128];
    snprintf(msg, sizeof msg, "ulockdep: log_path %s: directory %s: %s; writing reports to stderr",
             ul_opt.log_path, dir, why);
    say_stderr(msg);
}

static int open_log(int pid)
{
    char path[ULOCKDEP_OPT_STRMAX + 32];
    snprintf(path, sizeof path, "%s.%d", ul_opt.log_path, pid);
    /* No O_TRUNC: a log that exists (a recycled pid) is appended to. O_NOFOLLOW: a symlink
     * planted at the name is not followed. O_NONBLOCK: a FIFO there cannot hang us. */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0644);
    const char *why = NULL;
    struct stat st;
    if (fd < 0)
        why = errno == ELOOP  ? "it is a symbolic link (not followed)"
              : errno == ENXIO ? "not a regular file" /* a FIFO nobody reads */
                               : strerror(errno);
    else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        why = "not a regular file";
    if (why) {
        if (fd >= 0)
            close(fd);
        char msg[ULOCKDEP_OPT_STRMAX + 160];
        snprintf(msg, sizeof msg, "ulockdep: cannot open log file %s: %s; writing reports to stderr", path, why);
        say_stderr(msg);
        return -1;
    }
    fcntl(fd, F_SETFL, O_APPEND);
    fd = ul_fd_out_of_the_way(fd); /* opened mid-run: not the number the program gets next */
    if (fd <= STDERR_FILENO) {
        /* The program closed a standard descriptor: leave that number free for it. */
        int high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        close(fd);
        if (high < 0)
            return -1;
        fd = high;
    }
    sink_dev = st.st_dev;
    sink_ino = st.st_ino;
    return fd;
}

/* Is sink_fd still our log? A program may close every descriptor it did not open. */
static bool sink_still_ours(void)
{
    struct stat st;
    return fstat(sink_fd, &st) == 0 && st.st_dev == sink_dev && st.st_ino == sink_ino;
}

static int sink(void)
{
    int pid = getpid();
    if (sink_fd > STDERR_FILENO && sink_pid == pid && sink_still_ours())
        return sink_fd;
    if ((sink_fd == STDOUT_FILENO || sink_fd == STDERR_FILENO) && sink_pid == pid)
        return sink_fd;
    sink_pid = pid;
    sink_fd = STDERR_FILENO;
    if (!strcmp(ul_opt.log_path, "stdout"))
        sink_fd = STDOUT_FILENO;
    else if (log_to_file() && !log_unusable) {
        int fd = open_log(pid);
        if (fd >= 0)
            sink_fd = fd; /* else said once: this process writes to stderr from now on */
    }
    return sink_fd;
}

/* ---- suppressions --------------------------------------------------------------------- */

static void supp_complain(void *arg, const char *line)
{
    say_stderr(line);
}

/* Reads the whole file (a pipe such as <(...) works too), at most SUPP_FILE_MAX bytes. */
static char *read_file(const char *path, size_t *len, const char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *why = strerror(errno);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            *why = "out of memory";
            break;
        }
        if (n == cap) {
            if (cap > SUPP_FILE_MAX) {
                *why = "larger than 1 MiB";
                break;
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                continue;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *why = strerror(errno);
            break;
        }
        if (r == 0) {
            close(fd);
            *len = n;
            return buf;
        }
        n += (size_t)r;
    }
    close(fd);
    free(buf);
    return NULL;
}

static void load_suppressions(void)
{
    ul_supp_free(&supp);
    supp_deadlock = supp_lock = false;
    if (!ul_opt.suppressions[0])
        return;
    size_t len = 0;
    const char *why = NULL;
    char *text = read_file(ul_opt.suppressions, &len, &why);
    if (!text) {
        char msg[ULOCKDEP_OPT_STRMAX + 160];
        snprintf(msg, sizeof msg, "ulockdep: cannot read suppressions file %s: %s; running without suppressions",
                 ul_opt.suppressions, why ? why : "?");
        say_stderr(msg);
        return;
    }
    if (ul_supp_parse(&supp, text, len, ul_opt.suppressions, supp_complain, NULL) < 0) {
        char msg[ULOCKDEP_OPT_STRMAX + 160];
        snprintf(msg, sizeof msg, "ulockdep: suppressions file %s: out of memory; running without suppressions",
                 ul_opt.suppressions);
        say_stderr(msg);
    }
    free(text);
    supp_deadlock = ul_supp_has_type(&supp, UL_SUPP_DEADLOCK);
    supp_lock = ul_supp_has_type(&supp, UL_SUPP_LOCK);
}

static const char *basename_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The first deadlock: rule (in file order) that matches any of the strings offered. */
static void supp_consider(int *best, const char *s)
{
    if (!s || !*s)
        return;
    int r = ul_supp_match(&supp, UL_SUPP_DEADLOCK, s);
    if (r >= 0 && (*best < 0 || r < *best))
        *best = r;
}

/* A frame offers its function, its file (full and base name) and its module (the same). */
static void supp_frame(int *best, uintptr_t pc)
{
    struct ul_frame fr[16];
    int n = pc ? ul_symbolize_frames(pc, true, fr, 16) : 0;
    for (int i = 0; i < n; i++) { /* the functions inlined there too */
        const struct ul_frame *f = &fr[i];
        supp_consider(best, f->function);
        if (f->file) {
            supp_consider(best, f->file);
            supp_consider(best, basename_of(f->file));
        }
    }
    if (!n)
        return;
    supp_consider(best, fr[0].module);
    if (fr[0].module_path) {
        supp_consider(best, fr[0].module_path);
        supp_consider(best, basename_of(fr[0].module_path));
    }
}

static void supp_stack(int *best, uint32_t id)
{
    const struct ul_stack *s = id ? ul_stack_get(id) : NULL;
    for (uint32_t i = 0; s && i < s->n; i++)
        supp_frame(best, s->pcs[i]);
}

/* A lock offers the name reports print for it, its class's name and where it was taken. */
static void supp_lock_ref(int *best, const struct ul_lockref *r)
{
    if (!r->cls && !r->inst_name)
        return;
    char buf[600];
    supp_consider(best, ul_lock_display_name(r, buf, sizeof buf));
    if (r->cls)
        supp_consider(best, ul_class_display_name((struct ul_class *)r->cls));
    supp_frame(best, r->ip);
}

/* Everything a report of p prints: its locks (held ones too) and every stack. Report lock
 * held. Returns the index of the rule that suppresses p, or -1. */
static int suppressed_by(const struct ul_problem *p)
{
    int best = -1;
    supp_lock_ref(&best, &p->target);
    supp_lock_ref(&best, &p->holding);
    supp_lock_ref(&best, &p->safe);
    supp_lock_ref(&best, &p->unsafe);
    for (unsigned i = 0; i < p->ncycle; i++) {
        supp_lock_ref(&best, &p->cycle[i].from);
        supp_lock_ref(&best, &p->cycle[i].to);
        supp_stack(&best, p->cycle[i].stack);
    }
    for (unsigned i = 0; i < p->nheld; i++)
        supp_lock_ref(&best, &p->held[i]);
    for (unsigned i = 0; i < p->nreaders && p->readers; i++)
        supp_lock_ref(&best, &p->readers[i].lock);
    supp_stack(&best, p->stack);
    supp_stack(&best, p->usage_stack);
    supp_stack(&best, p->usage_stack2);
    return best;
}

bool ul_report_has_lock_rules(void)
{
    return supp_lock;
}

bool ul_report_ignore_class(const struct ul_class *cls, const char *inst_name)
{
    if (!supp_lock || !cls)
        return false;
    if (atomic_load_explicit(&cls->ignored, memory_order_relaxed))
        return true; /* counted when it was first ignored */
    bool take = !ul_flock_held_by_me(&ul_rlock);
    if (take)
        ul_flock_lock(&ul_rlock);
    int r = ul_supp_match(&supp, UL_SUPP_LOCK, inst_name);
    int rc = ul_supp_match(&supp, UL_SUPP_LOCK, ul_class_display_name((struct ul_class *)cls));
    if (rc >= 0 && (r < 0 || rc < r))
        r = rc;
    if (r >= 0)
        supp.rules[r].hits++;
    if (take)
        ul_flock_unlock(&ul_rlock);
    return r >= 0;
}

/* ---- reports ---------------------------------------------------------------------------- */

void ul_report_setup(void)
{
    clock_gettime(CLOCK_MONOTONIC, &started);
    ssize_t n = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
    exe_path[n > 0 ? n : 0] = 0;
    read_cmdline();
    ul_symbolizer_use_libdw(ul_opt.symbolize);
    ul_symbolizer_prepare();
    check_log_dir();
    load_suppressions();
}

void ul_report_message(const char *line)
{
    ul_flock_lock(&ul_rlock);
    int fd = sink();
    write_all(fd, line, strlen(line));
    write_all(fd, "\n", 1);
    ul_flock_unlock(&ul_rlock);
}

/* The rule that suppressed this thread's last problem (-1: none since the last question). */
static __thread int last_suppressed = -1;

bool ul_report_last_suppression(char *buf, size_t len)
{
    int r = last_suppressed;
    last_suppressed = -1;
    if (r < 0 || (unsigned)r >= supp.n)
        return false;
    snprintf(buf, len, "%s:%s", ul_supp_type_name(supp.rules[r].type), supp.rules[r].pattern);
    return true;
}

/* Rendering without memory (report lock). */
static char reserve_buf[256 * 1024];
static bool out_of_memory;

bool ul_report_out_of_memory(void)
{
    return __atomic_load_n(&out_of_memory, __ATOMIC_RELAXED) || ul_symbolizer_out_of_memory();
}

/* At exit: reports that went to log_path are announced on stderr, once, so that a reader of
 * the console (or of a CI log) knows there is something to read. */
void ul_report_say_logged(void)
{
    if (!logged)
        return;
    char line[ULOCKDEP_OPT_STRMAX + 128];
    int n = snprintf(line, sizeof line, "ulockdep: %u report%s written to %s.%d\n", logged, logged == 1 ? "" : "s",
                     ul_opt.log_path, (int)getpid());
    logged = 0;
    if (n > 0)
        write_all(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

bool ul_report_problem(const struct ul_problem *p)
{
    ul_flock_lock(&ul_rlock);
    if (supp_deadlock) {
        int r = suppressed_by(p);
        if (r >= 0) {
            supp.rules[r].hits++;
            last_suppressed = r;
            ul_flock_unlock(&ul_rlock);
            return false;
        }
    }
    char comm[17] = "?";
    prctl(PR_GET_NAME, comm, 0, 0, 0);
    struct timespec mono, wall;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_REALTIME, &wall);
    struct ul_report_ident id = {
        .pid = getpid(), .seq = ++seq, .exe = exe_path, .comm = comm, .cmdline = cmdline,
        .argv = argv_raw, .argv_len = argv_len,
        .since_start = (double)(mono.tv_sec - started.tv_sec) + (mono.tv_nsec - started.tv_nsec) / 1e9,
        .wall_ms = (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000
    };
    struct ul_strbuf b = { 0 };
    if (ul_dopt.text)
        ul_render_text(&b, p, &id);
    if (ul_dopt.json)
        ul_render_json(&b, p, &id);
    if (b.failed) {
        /* No memory for the text: render it again into the reserve, never a truncated
         * report (a report too large even for that is not written). */
        ul_sb_free(&b);
        ul_sb_init_fixed(&b, reserve_buf, sizeof reserve_buf);
        if (ul_dopt.text)
            ul_render_text(&b, p, &id);
        if (ul_dopt.json)
            ul_render_json(&b, p, &id);
        out_of_memory = true;
    }
    if (b.s && !b.failed) {
        int fd = sink();
        write_all(fd, b.s, b.len);
        logged += fd > STDERR_FILENO;
    }
    if (ul_symbolizer_out_of_memory())
        out_of_memory = true;
    ul_sb_free(&b);
    ul_flock_unlock(&ul_rlock);
    if (ul_opt.halt_on_error) {
        ul_report_say_logged();
        _exit(ul_forced_exit_status());
    }
    return true;
}

void ul_report_finish(void)
{
    ul_report_say_logged();
    if (!ul_opt.print_suppressions || !supp.n)
        return;
    ul_flock_lock(&ul_rlock);
    size_t need = ul_supp_format_used(&supp, NULL, 0);
    if (need) {
        static const char head[] = "ulockdep: suppressions used:\n";
        char *buf = malloc(sizeof head + need);
        if (buf) {
            memcpy(buf, head, sizeof head - 1);
            ul_supp_format_used(&supp, buf + sizeof head - 1, need + 1);
            write_all(sink(), buf, sizeof head - 1 + need);
            free(buf);
        }
    }
    ul_flock_unlock(&ul_rlock);
}

void ul_report_after_fork_child(void)
{
    if (sink_fd > STDERR_FILENO && sink_still_ours())
        close(sink_fd); /* (not if the program took the number over) */
    sink_fd = -1;
    seq = 0;
    logged = 0;
    clock_gettime(CLOCK_MONOTONIC, &started);
    for (unsigned i = 0; i < supp.n; i++)
        supp.rules[i].hits = 0; /* the child says what it suppressed itself */
    ul_symbolizer_reset();
}

void ul_report_module_unloading(uintptr_t addr)
{
    ul_flock_lock(&ul_rlock);
    ul_symbolizer_module_unloading(addr);
    ul_flock_unlock(&ul_rlock);
}

unsigned ul_report_written(void)
{
    return seq;
}
