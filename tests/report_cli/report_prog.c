/* A program with lock bugs on demand, to produce the JSON logs `ulockdep report` reads.
 * Usage: report_prog MODE...   (modes run in order)
 *   abba        lock_a -> lock_b in take_a_then_b(), lock_b -> lock_a in take_b_then_a():
 *               a circular report (no real deadlock: one thread)
 *   ab, ba      only one of the two orders: clean alone, a cycle across runs (graph_dir)
 *   recursive   relocks lock_c (error-checking: glibc refuses, the bug is reported)
 *   exit_held   a thread returns holding lock_d: held_at_exit
 *   bad_unlock  unlocks lock_e, which nobody holds: bad_unlock
 *   fork        forks a child that runs abba too (its own process and log), waits for it
 *   heap_abba   abba between two heap locks made by new_lock(): classes named by site
 *   note:TEXT   does nothing (an argument, spaces and all, for the reports' argv)
 *   deadlock    two threads really deadlock on lock_a/lock_b (run with deadlock_timeout=1:
 *               the watchdog reports and ends the process)
 * Built with -g -O0 like a user's test program; no ulockdep headers. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP */
#endif
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_c = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
static pthread_mutex_t lock_d = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_e = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;

#define CHECK(call)                                                                        \
    do {                                                                                   \
        int rc_ = (call);                                                                  \
        if (rc_) {                                                                         \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(rc_));  \
            exit(99);                                                                      \
        }                                                                                  \
    } while (0)

static void __attribute__((noinline)) take_a_then_b(void)
{
    CHECK(pthread_mutex_lock(&lock_a)); /* LINE:a_then_b_1 */
    CHECK(pthread_mutex_lock(&lock_b)); /* LINE:a_then_b_2 */
    CHECK(pthread_mutex_unlock(&lock_b));
    CHECK(pthread_mutex_unlock(&lock_a));
}

static void __attribute__((noinline)) take_b_then_a(void)
{
    CHECK(pthread_mutex_lock(&lock_b)); /* LINE:b_then_a_1 */
    CHECK(pthread_mutex_lock(&lock_a)); /* LINE:b_then_a_2 */
    CHECK(pthread_mutex_unlock(&lock_a));
    CHECK(pthread_mutex_unlock(&lock_b));
}

static void abba(void)
{
    take_a_then_b();
    take_b_then_a();
}

static void __attribute__((noinline)) relock_c(void)
{
    CHECK(pthread_mutex_lock(&lock_c));
    if (pthread_mutex_lock(&lock_c) != EDEADLK) /* LINE:relock */
        exit(98);
    CHECK(pthread_mutex_unlock(&lock_c));
}

static void *forgets_lock_d(void *arg)
{
    CHECK(pthread_mutex_lock(&lock_d)); /* LINE:lock_d */
    return arg;
}

static void exit_held(void)
{
    pthread_t t;
    CHECK(pthread_create(&t, NULL, forgets_lock_d, NULL));
    CHECK(pthread_join(t, NULL));
}

static void __attribute__((noinline)) unlock_e_unheld(void)
{
    if (pthread_mutex_unlock(&lock_e) != EPERM) /* LINE:unlock_e */
        exit(97);
}

static void fork_abba(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        exit(96);
    if (pid == 0) {
        abba();
        _exit(0); /* the child's status is not the point; the parent's is */
    }
    int status;
    waitpid(pid, &status, 0);
}

static pthread_barrier_t both_hold_one;

static void *__attribute__((noinline)) hold_a_want_b(void *arg)
{
    CHECK(pthread_mutex_lock(&lock_a));
    pthread_barrier_wait(&both_hold_one);
    CHECK(pthread_mutex_lock(&lock_b)); /* LINE:dl_want_b */
    return arg;
}

static void *__attribute__((noinline)) hold_b_want_a(void *arg)
{
    CHECK(pthread_mutex_lock(&lock_b));
    pthread_barrier_wait(&both_hold_one);
    CHECK(pthread_mutex_lock(&lock_a)); /* LINE:dl_want_a */
    return arg;
}

static void deadlock(void)
{
    pthread_t t1, t2;
    CHECK(pthread_barrier_init(&both_hold_one, NULL, 2));
    CHECK(pthread_create(&t1, NULL, hold_a_want_b, NULL));
    CHECK(pthread_create(&t2, NULL, hold_b_want_a, NULL));
    CHECK(pthread_join(t1, NULL)); /* never returns: the watchdog ends the process */
    CHECK(pthread_join(t2, NULL));
}

static pthread_mutex_t *__attribute__((noinline)) new_lock(void)
{
    pthread_mutex_t *m = malloc(sizeof *m);
    if (!m)
        exit(95);
    CHECK(pthread_mutex_init(m, NULL)); /* LINE:new_lock_init */
    return m;
}

static void heap_abba(void)
{
    pthread_mutex_t *x = new_lock();
    pthread_mutex_t *y = new_lock();
    CHECK(pthread_mutex_lock(x));
    CHECK(pthread_mutex_lock(y));
    CHECK(pthread_mutex_unlock(y));
    CHECK(pthread_mutex_unlock(x));
    CHECK(pthread_mutex_lock(y));
    CHECK(pthread_mutex_lock(x));
    CHECK(pthread_mutex_unlock(x));
    CHECK(pthread_mutex_unlock(y));
    CHECK(pthread_mutex_destroy(x));
    CHECK(pthread_mutex_destroy(y));
    free(x);
    free(y);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *m = argv[i];
        if (!strcmp(m, "abba"))
            abba();
        else if (!strcmp(m, "ab"))
            take_a_then_b();
        else if (!strcmp(m, "ba"))
            take_b_then_a();
        else if (!strcmp(m, "recursive"))
            relock_c();
        else if (!strcmp(m, "exit_held"))
            exit_held();
        else if (!strcmp(m, "bad_unlock"))
            unlock_e_unheld();
        else if (!strcmp(m, "fork"))
            fork_abba();
        else if (!strcmp(m, "heap_abba"))
            heap_abba();
        else if (!strcmp(m, "deadlock"))
            deadlock();
        else if (!strncmp(m, "note:", 5))
            ; /* an argument that only shows in the reports' command line */
        else {
            fprintf(stderr, "report_prog: unknown mode %s\n", m);
            return 2;
        }
    }
    return 0;
}
