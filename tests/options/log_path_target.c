/* A program for test_bad_input.sh: one or two AB-BA inversions (a report each), after
 * setting up what argv[1] asks for at <LOG_BASE>.<pid>, the name the shim will log to:
 *   abba      nothing (a plain report)
 *   symlink   a symlink to $VICTIM
 *   existing  a file holding "earlier content"
 *   fifo      a FIFO (opening it for writing would block)
 *   closefd   after the first report, close every descriptor above 2 and open $OWN_FILE
 *             (which gets the log's old number), then a second report, then write "mine"
 *             to $OWN_FILE: the shim must notice its log is gone and not write into it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_d = PTHREAD_MUTEX_INITIALIZER;

static void inversion(pthread_mutex_t *x, pthread_mutex_t *y)
{
    pthread_mutex_lock(x);
    pthread_mutex_lock(y);
    pthread_mutex_unlock(y);
    pthread_mutex_unlock(x);
    pthread_mutex_lock(y);
    pthread_mutex_lock(x);
    pthread_mutex_unlock(x);
    pthread_mutex_unlock(y);
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (!v) {
        fprintf(stderr, "log_path_target: %s is not set\n", name);
        exit(99);
    }
    return v;
}

static void fail(const char *what)
{
    fprintf(stderr, "log_path_target: %s: %s\n", what, strerror(errno));
    exit(99);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "abba";
    char log[4096];
    if (strcmp(mode, "abba"))
        snprintf(log, sizeof log, "%s.%d", env("LOG_BASE"), (int)getpid());
    if (!strcmp(mode, "symlink")) {
        if (symlink(env("VICTIM"), log) != 0)
            fail("symlink");
    } else if (!strcmp(mode, "existing")) {
        FILE *f = fopen(log, "w");
        if (!f || fputs("earlier content\n", f) < 0 || fclose(f) != 0)
            fail("existing file");
    } else if (!strcmp(mode, "fifo")) {
        if (mkfifo(log, 0644) != 0)
            fail("mkfifo");
    }
    inversion(&lock_a, &lock_b);
    if (!strcmp(mode, "closefd")) {
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
        int own = open(env("OWN_FILE"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (own < 0)
            fail("open OWN_FILE");
        inversion(&lock_c, &lock_d);
        if (write(own, "mine\n", 5) != 5)
            fail("write OWN_FILE");
        close(own);
    }
    return 0;
}
