/* Thread start and exit: a thread that returns from its start routine or calls
 * pthread_exit with locks held is reported (held_at_exit). */
#include "interpose.h"

struct start {
    void *(*fn)(void *);
    void *arg;
};

static void exit_check(void)
{
    struct ul_thread *t = ul_enter();
    if (t) {
        ul_on_thread_exit(t);
        ul_leave();
    }
}

static void *start_thread(void *p)
{
    struct start s = *(struct start *)p;
    free(p);
    void *ret = s.fn(s.arg);
    exit_check();
    return ret;
}

UL_EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    if (!__atomic_load_n(&ul_running, __ATOMIC_RELAXED) || ul_busy)
        return REAL(pthread_create)(th, attr, fn, arg);
    struct start *s = malloc(sizeof *s);
    if (!s)
        return REAL(pthread_create)(th, attr, fn, arg);
    s->fn = fn;
    s->arg = arg;
    int r = REAL(pthread_create)(th, attr, start_thread, s);
    if (r != 0)
        free(s);
    return r;
}

UL_EXPORT void pthread_exit(void *ret)
{
    exit_check();
    REAL(pthread_exit)(ret);
    __builtin_unreachable();
}
