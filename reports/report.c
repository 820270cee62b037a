#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "glock.h"
#include "options.h"
#include "render.h"
#include "symbolize.h"

static int sink_fd = -1;       /* -1: not opened yet */
static int sink_pid;
static unsigned seq;
static char exe_path[4096];
static char cmdline[4096];

static void read_cmdline(void)
{
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
    close(fd);
    if (n <= 0)
        return;
    for (ssize_t i = 0; i < n; i++)
        if (cmdline[i] == 0)
            cmdline[i] = ' ';
    while (n > 0 && cmdline[n - 1] == ' ')
        n--;
    cmdline[n] = 0;
}

void ul_report_setup(void)
{
    ssize_t n = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
    exe_path[n > 0 ? n : 0] = 0;
    read_cmdline();
    ul_symbolizer_use_libdw(ul_opt.symbolize);
}

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

/* Opens <log_path>.<pid> without following a symlink and without truncating: a log that
 * exists (another process with a recycled pid) is appended to. Falls back to stderr. */
static int sink(void)
{
    int pid = getpid();
    if (sink_fd >= 0 && sink_pid == pid)
        return sink_fd;
    sink_pid = pid;
    sink_fd = STDERR_FILENO;
    if (ul_opt.log_path[0] && strcmp(ul_opt.log_path, "stderr")) {
        if (!strcmp(ul_opt.log_path, "stdout")) {
            sink_fd = STDOUT_FILENO;
            return sink_fd;
        }
        char path[ULOCKDEP_OPT_STRMAX + 32];
        snprintf(path, sizeof path, "%s.%d", ul_opt.log_path, pid);
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd >= 0) {
            sink_fd = fd;
        } else {
            char msg[ULOCKDEP_OPT_STRMAX + 128];
            int len = snprintf(msg, sizeof msg, "ulockdep: cannot open log file %s: %s; writing to stderr\n",
                               path, strerror(errno));
            write_all(STDERR_FILENO, msg, (size_t)len);
        }
    }
    return sink_fd;
}

void ul_report_message(const char *line)
{
    ul_flock_lock(&ul_rlock);
    int fd = sink();
    write_all(fd, line, strlen(line));
    write_all(fd, "\n", 1);
    ul_flock_unlock(&ul_rlock);
}

bool ul_report_problem(const struct ul_problem *p)
{
    ul_flock_lock(&ul_rlock);
    char comm[17] = "?";
    prctl(PR_GET_NAME, comm, 0, 0, 0);
    struct ul_report_ident id = {
        .pid = getpid(), .seq = ++seq, .exe = exe_path, .comm = comm, .cmdline = cmdline
    };
    struct ul_strbuf b = { 0 };
    if (ul_dopt.text)
        ul_render_text(&b, p, &id);
    if (ul_dopt.json)
        ul_render_json(&b, p, &id);
    if (b.s)
        write_all(sink(), b.s, b.len);
    ul_sb_free(&b);
    ul_flock_unlock(&ul_rlock);
    if (ul_opt.halt_on_error)
        _exit(ul_opt.exitcode ? ul_opt.exitcode : 1);
    return true;
}

void ul_report_after_fork_child(void)
{
    if (sink_fd > STDERR_FILENO)
        close(sink_fd);
    sink_fd = -1;
    seq = 0;
    ul_symbolizer_reset();
}

unsigned ul_report_written(void)
{
    return seq;
}
