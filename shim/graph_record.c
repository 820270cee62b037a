/* graph_dir=DIR: record this process's lock classes and dependencies into DIR, for
 * `ulockdep merge` to find cycles that only the union of many runs has (docs/cross-run.md).
 *
 * Each process writes its own file, once, when it ends: exit() (a destructor), _exit() and
 * _Exit() (interposed in runtime.c), and the hang watchdog's exit after a deadlock report. Not on a
 * fatal signal (SIGTERM, SIGKILL, ...): writing the file takes locks and allocates, which a
 * signal handler cannot do safely. A forked child that learned something after the fork writes its
 * own file too; a process that learned no dependency writes none. The file is written as DIR/.<name>.part (O_CREAT|O_EXCL|O_NOFOLLOW) and
 * renamed to DIR/<host>-<pid>-<random>.ulg when complete, so readers never see half a file
 * and concurrent processes (pids recycled, many machines sharing DIR) never collide.
 *
 * Classes are named so that the same lock has the same identity in every run and on every
 * machine running the same binaries: module build-id + offset of the static lock, or of the
 * class_depth frames of the stack that initialised (or first took) it.
 *
 * Format (text, one record per line, fields separated by tabs; in field text the bytes
 * \t \n \\ | ; and control bytes are written as \xHH):
 *   ulockdep-graph <TAB> 1
 *   h <TAB> key <TAB> value                      pid, host, start, exe, cmd, class_depth, version
 *   c <TAB> id <TAB> kind <TAB> usage <TAB> identity <TAB> name
 *   s <TAB> id <TAB> frame;frame;...             frame: key|module|function|func_off|func_size|file|line
 *   e <TAB> from <TAB> to <TAB> dep <TAB> stack  class ids and a stack id of this file
 *   end <TAB> classes <TAB> stacks <TAB> edges
 * A frame's key is <build-id hex>+0x<offset>, or @<module>+0x<offset> without a build-id. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "glock.h"
#include "graph_export.h"
#include "lockclass.h"
#include "names.h"
#include "options.h"
#include "report.h"
#include "shim.h"
#include "stackdepot.h"
#include "symbolize.h"

#define GRAPH_FORMAT_VERSION 1

static bool recording;
static char dir[PATH_MAX];
static char host[256];
static char cmdline[4096];
static char exe[PATH_MAX];
static long long start_time;
static int my_pid;             /* the process whose graph this is (updated in a forked child) */
static int written_pid;        /* the process that already wrote its file */
static bool forked;            /* a forked child: write only if it learned something */
static uint32_t fork_classes;
static uint64_t fork_edges;

static void say(const char *fmt, const char *a, const char *b)
{
    char line[PATH_MAX + 256];
    snprintf(line, sizeof line, fmt, a, b);
    ul_report_message(line);
}

/* ---- a small buffered writer ---------------------------------------------------------- */

struct out {
    int fd;
    bool failed;
    size_t len;
    char buf[65536];
};

static void out_flush(struct out *o)
{
    size_t off = 0;
    while (off < o->len && !o->failed) {
        ssize_t n = write(o->fd, o->buf + off, o->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            o->failed = true;
        else
            off += (size_t)n;
    }
    o->len = 0;
}

static void out_put(struct out *o, const char *s, size_t n)
{
    while (n) {
        if (o->len == sizeof o->buf)
            out_flush(o);
        size_t k = sizeof o->buf - o->len < n ? sizeof o->buf - o->len : n;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
    }
}

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(struct out *o, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        out_put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Field text: separators and control bytes as \xHH. */
static void out_field(struct out *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '\\' || *p == '|' || *p == ';') {
            char e[4] = { '\\', 'x', hex[*p >> 4], hex[*p & 15] };
            out_put(o, e, 4);
        } else {
            out_put(o, (const char *)p, 1);
        }
    }
}

/* ---- identities ------------------------------------------------------------------------ */

/* "<build-id>+0x<off>" or "@<module>+0x<off>"; false when the address is in no module. */
static bool addr_key(uintptr_t addr, bool return_address, char *buf, size_t len)
{
    struct ul_frame f;
    if (!ul_symbolize_code(addr, return_address, &f) || !f.module)
        return false;
    if (f.build_id && *f.build_id)
        snprintf(buf, len, "%s+0x%lx", f.build_id, (unsigned long)f.module_off);
    else
        snprintf(buf, len, "@%s+0x%lx", f.module, (unsigned long)f.module_off);
    return true;
}

/* The class's identity across runs, or NULL when it has none (class_by=instance, or code
 * outside any module). Classes are visited in id order, so a parent's identity is known. */
static char *class_identity(const struct ul_export_class *c, char **idents, uint32_t nidents)
{
    char buf[2048], key[256];
    size_t off = 0;
    if (c->parent) {
        const char *p = c->parent < nidents ? idents[c->parent] : NULL;
        if (!p)
            return NULL;
        snprintf(buf, sizeof buf, "%s/%u", p, c->subclass);
        return strdup(buf);
    }
    const char *kind = ul_kind_name(c->kind);
    struct ul_class *cls = ul_class_get(c->id);
    switch (c->origin) {
    case UL_ORIGIN_STATIC:
        if (!addr_key(c->static_addr, false, key, sizeof key))
            return NULL;
        snprintf(buf, sizeof buf, "static:%s", key);
        return strdup(buf);
    case UL_ORIGIN_NAMED:
        if (!cls || !cls->name)
            return NULL;
        snprintf(buf, sizeof buf, "named:%s:%s", kind, cls->name);
        return strdup(buf);
    case UL_ORIGIN_INIT:
    case UL_ORIGIN_FIRST_USE: {
        const struct ul_stack *st = ul_stack_get(c->site_stack);
        if (!st || !st->n)
            return NULL;
        off = (size_t)snprintf(buf, sizeof buf, "%s:%s:", c->origin == UL_ORIGIN_INIT ? "init" : "first", kind);
        for (uint32_t i = 0; i < st->n && i < (uint32_t)ul_opt.class_depth; i++) {
            if (!addr_key(st->pcs[i], true, key, sizeof key))
                return NULL;
            off += (size_t)snprintf(buf + off, off < sizeof buf ? sizeof buf - off : 0, "%s%s", i ? "," : "", key);
        }
        return off < sizeof buf ? strdup(buf) : NULL;
    }
    default:
        return NULL; /* class_by=instance: one class per lock, nothing to match across runs */
    }
}

/* ---- the export ------------------------------------------------------------------------- */

struct snapshot {
    struct ul_export_class *classes;
    struct ul_export_edge *edges;
    uint32_t ccap, nclasses;
    uint64_t ecap, nedges;
    bool overflow;
};

static void on_class(void *arg, const struct ul_export_class *c)
{
    struct snapshot *s = arg;
    if (s->nclasses < s->ccap)
        s->classes[s->nclasses++] = *c;
    else
        s->overflow = true;
}

static void on_edge(void *arg, const struct ul_export_edge *e)
{
    struct snapshot *s = arg;
    if (s->nedges < s->ecap)
        s->edges[s->nedges++] = *e;
    else
        s->overflow = true;
}

/* Copies the class graph (the graph may grow meanwhile: retry with more room). */
static bool take_snapshot(struct snapshot *s)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        uint32_t nc;
        uint64_t ne;
        ul_graph_export_size(&nc, &ne);
        *s = (struct snapshot){ .ccap = nc + 64 + nc / 4, .ecap = ne + 256 + ne / 4 };
        s->classes = malloc(s->ccap * sizeof *s->classes);
        s->edges = malloc(s->ecap * sizeof *s->edges);
        if (!s->classes || !s->edges)
            break;
        struct ul_export_sink sink = { .arg = s, .on_class = on_class, .on_edge = on_edge };
        ul_graph_export(&sink);
        if (!s->overflow)
            return true;
        free(s->classes);
        free(s->edges);
    }
    free(s->classes);
    free(s->edges);
    return false;
}

static void write_frame(struct out *o, uintptr_t pc)
{
    struct ul_frame f;
    char key[256];
    if (!addr_key(pc, true, key, sizeof key))
        snprintf(key, sizeof key, "0x%lx", (unsigned long)pc);
    ul_symbolize_code(pc, true, &f);
    out_field(o, key);
    out_put(o, "|", 1);
    out_field(o, f.module);
    out_put(o, "|", 1);
    out_field(o, f.function);
    out_printf(o, "|0x%lx|0x%lx|", (unsigned long)f.func_off, (unsigned long)f.func_size);
    out_field(o, f.file);
    out_printf(o, "|%d", f.line);
}

static void write_header(struct out *o)
{
    out_printf(o, "ulockdep-graph\t%d\n", GRAPH_FORMAT_VERSION);
    out_printf(o, "h\tpid\t%d\n", my_pid);
    out_printf(o, "h\tppid\t%d\n", (int)getppid());
    out_put(o, "h\thost\t", 7);
    out_field(o, host);
    out_printf(o, "\nh\tstart\t%lld\n", start_time);
    out_put(o, "h\texe\t", 6);
    out_field(o, exe);
    out_put(o, "\nh\tcmd\t", 7);
    out_field(o, cmdline);
    out_printf(o, "\nh\tclass_depth\t%d\n", ul_opt.class_depth);
    out_printf(o, "h\tversion\t%s\n", ULOCKDEP_VERSION);
}

/* Writes the body; report lock held (naming classes and symbolizing). */
static void write_graph(struct out *o, const struct snapshot *s)
{
    uint32_t maxid = 0;
    for (uint32_t i = 0; i < s->nclasses; i++)
        if (s->classes[i].id > maxid)
            maxid = s->classes[i].id;
    char **idents = calloc((size_t)maxid + 1, sizeof *idents);
    /* Stack ids already written: an open-addressing set (ids are never 0). */
    size_t set_size = 64;
    while (set_size < s->nedges * 2)
        set_size *= 2;
    uint32_t *stack_seen = calloc(set_size, sizeof *stack_seen);
    size_t nstack = 0;
    uint64_t nedges = 0;
    uint32_t nclasses = 0;
    if (!idents || !stack_seen) {
        free(idents);
        free(stack_seen);
        o->failed = true;
        return;
    }
    write_header(o);
    for (uint32_t i = 0; i < s->nclasses; i++) {
        const struct ul_export_class *c = &s->classes[i];
        char *id = class_identity(c, idents, maxid + 1);
        if (!id)
            continue;
        idents[c->id] = id;
        nclasses++;
        out_printf(o, "c\t%u\t%s\t%u\t", c->id, ul_kind_name(c->kind), c->usage);
        out_field(o, id);
        out_put(o, "\t", 1);
        out_field(o, ul_class_display_name(ul_class_get(c->id)));
        out_put(o, "\n", 1);
    }
    for (uint64_t i = 0; i < s->nedges; i++) {
        const struct ul_export_edge *e = &s->edges[i];
        if (e->from > maxid || e->to > maxid || !idents[e->from] || !idents[e->to])
            continue;
        size_t slot = (e->stack * 0x9e3779b1u) & (set_size - 1);
        while (stack_seen[slot] && stack_seen[slot] != e->stack)
            slot = (slot + 1) & (set_size - 1);
        if (e->stack && !stack_seen[slot]) {
            stack_seen[slot] = e->stack;
            nstack++;
            const struct ul_stack *st = ul_stack_get(e->stack);
            out_printf(o, "s\t%u\t", e->stack);
            for (uint32_t f = 0; st && f < st->n; f++) {
                if (f)
                    out_put(o, ";", 1);
                write_frame(o, st->pcs[f]);
            }
            out_put(o, "\n", 1);
        }
        out_printf(o, "e\t%u\t%u\t%u\t%u\n", e->from, e->to, e->dep, e->stack);
        nedges++;
    }
    out_printf(o, "end\t%u\t%zu\t%llu\n", nclasses, nstack, (unsigned long long)nedges);
    for (uint32_t i = 0; i <= maxid; i++)
        free(idents[i]);
    free(idents);
    free(stack_seen);
}

/* False when DIR is too long for the names. */
static bool file_names(char *part, char *final, size_t len)
{
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uintptr_t)&r;
    }
    int a = snprintf(final, len, "%s/%s-%d-%016llx.ulg", dir, host, my_pid, (unsigned long long)r);
    int b = snprintf(part, len, "%s/.%s-%d-%016llx.ulg.part", dir, host, my_pid, (unsigned long long)r);
    return a > 0 && b > 0 && (size_t)a < len && (size_t)b < len;
}

static void write_file(void)
{
    struct snapshot s;
    if (!take_snapshot(&s)) {
        say("ulockdep: out of memory writing the lock graph to %s%s", dir, "");
        return;
    }
    struct out *o = malloc(sizeof *o);
    char part[PATH_MAX + 64], final[PATH_MAX + 64];
    int fd = -1;
    for (int attempt = 0; o && attempt < 4 && fd < 0; attempt++) {
        if (!file_names(part, final, sizeof part)) {
            errno = ENAMETOOLONG;
            break;
        }
        fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (!o || fd < 0) {
        say("ulockdep: cannot write the lock graph into %s: %s", dir, strerror(o ? errno : ENOMEM));
    } else {
        o->fd = fd;
        o->failed = false;
        o->len = 0;
        ul_flock_lock(&ul_rlock);
        write_graph(o, &s);
        ul_flock_unlock(&ul_rlock);
        out_flush(o);
        if (close(fd) != 0)
            o->failed = true;
        if (o->failed || renameat2(AT_FDCWD, part, AT_FDCWD, final, RENAME_NOREPLACE) != 0) {
            say("ulockdep: cannot write the lock graph file %s: %s", final, strerror(errno ? errno : EIO));
            unlink(part);
        }
    }
    free(o);
    free(s.classes);
    free(s.edges);
}

/* Writes this process's file, once. Called where the process ends. Not from a signal
 * handler or from inside ulockdep (the locks or malloc may be held by what we interrupted),
 * not in a vfork child (it shares the parent's memory), and not in a forked child that has
 * learned nothing since the fork (its parent's file has it all). A process that learned no
 * dependency at all writes nothing. */
static void flush(void)
{
    if (!recording || written_pid == getpid() || getpid() != my_pid || ul_busy ||
        (ul_self && ul_self->sig_depth) || ul_flock_held_by_me(&ul_glock) || ul_flock_held_by_me(&ul_rlock))
        return;
    uint32_t nc;
    uint64_t ne;
    ul_graph_export_size(&nc, &ne);
    if (ne == 0 || (forked && nc == fork_classes && ne == fork_edges))
        return; /* no dependency (a shell, a compiler), or nothing new since the fork */
    int expected = written_pid;
    if (expected == my_pid || !__atomic_compare_exchange_n(&written_pid, &expected, my_pid, false, __ATOMIC_ACQ_REL,
                                                           __ATOMIC_ACQUIRE))
        return; /* another thread is writing it (two threads ending the process at once) */
    int saved_errno = errno;
    ul_busy = 1;
    write_file();
    ul_busy = 0;
    errno = saved_errno;
}

/* The hang watchdog ends the process: its thread runs with ul_busy set for good (it is never
 * traced), but it holds none of ulockdep's locks and is no signal handler, so writing the file
 * from it is as safe as from exit(). The deadlocked threads are blocked in the real lock calls,
 * outside ulockdep, so they hold none of its locks either. */
void ul_graph_record_flush_from_watchdog(void)
{
    int busy = ul_busy;
    ul_busy = 0;
    flush();
    ul_busy = busy;
}

/* ---- set-up and the ends of a process ---------------------------------------------------- */

static void after_fork_child(void)
{
    if (!recording)
        return;
    if (!ul_engine_enabled()) {
        recording = false; /* forked from inside ulockdep: its tables may be half-updated */
        return;
    }
    my_pid = getpid();
    forked = true;
    ul_graph_export_size(&fork_classes, &fork_edges);
}

static void read_identity(void)
{
    if (gethostname(host, sizeof host) != 0 || !host[0])
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = 0;
    for (char *p = host; *p; p++)   /* it becomes part of a file name */
        if (*p == '/' || (unsigned char)*p <= ' ')
            *p = '_';
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    n = fd >= 0 ? read(fd, cmdline, sizeof cmdline - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        n = 0;
    for (ssize_t i = 0; i < n; i++)
        if (!cmdline[i])
            cmdline[i] = ' ';
    while (n > 0 && cmdline[n - 1] == ' ')
        n--;
    cmdline[n] = 0;
    start_time = (long long)time(NULL);
}

/* After the shim's own start-up (constructor 101), which parsed the options. */
__attribute__((constructor(102))) static void graph_record_start(void)
{
    if (!__atomic_load_n(&ul_running, __ATOMIC_ACQUIRE) || !ul_opt.graph_dir[0])
        return;
    int saved_busy = ul_busy;
    ul_busy = 1;
    /* Create DIR if missing (one level) and keep its absolute path: the program may chdir. */
    if (mkdir(ul_opt.graph_dir, 0777) != 0 && errno != EEXIST) {
        say("ulockdep: cannot create graph_dir %s: %s; the lock graph is not recorded", ul_opt.graph_dir,
            strerror(errno));
    } else if (!realpath(ul_opt.graph_dir, dir)) {
        say("ulockdep: graph_dir %s: %s; the lock graph is not recorded", ul_opt.graph_dir, strerror(errno));
    } else {
        read_identity();
        my_pid = getpid();
        pthread_atfork(NULL, NULL, after_fork_child);
        recording = true;
    }
    ul_busy = saved_busy;
}

/* exit(): after the program's destructors, before the shim's summary (destructor 101). */
__attribute__((destructor(102))) static void graph_record_at_exit(void)
{
    flush();
}

/* _exit() and _Exit() skip the destructors: runtime.c, where process exit lives, calls this. */
void ul_graph_record_before_exit(void)
{
    flush();
}
