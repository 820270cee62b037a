// A storm of pthread_kill at threads that are inside lock calls and inside the shim's slow
// path (each iteration creates new locks: first uses capture stacks, new dependencies), with
// handlers that take locks of their own (a mutex pair in one order for SIGUSR1, a rwlock read
// for SIGUSR2; never taken outside handlers; the SIGUSR1 pair always under in_handler_gate,
// so that its inversion below is one lockdep reports but that can never really deadlock).
// Meanwhile two lock-order inversions happen:
// worker 0 takes lock_a then lock_b, worker 1 later lock_b then lock_a (a report made and
// rendered while signals keep arriving), and a SIGUSR1 handler on a thread that takes no
// lock of its own (so the handler never interrupts ulockdep, which would leave it untraced)
// takes the pair the other way round once (a report found inside a handler, kept until the
// thread is back in thread context). Nothing may hang, and the reports are exactly those two.
// ARGS: 1500
// STRESS-ARGS: 30000
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular lock_a lock_b
// EXPECT-REPORT: circular in_handler_1 in_handler_2
// EXPECT-COUNT: circular=2
// EXPECT-STDOUT: storm over
// TIMEOUT: 240
// STRESS-TIMEOUT: 1500
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include "e2e_util.h"

#define WORKERS 3

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t outer = PTHREAD_MUTEX_INITIALIZER;
/* Two locks of one class (one init site), of which the handlers use the first: a class with
 * a single lock would be a gate lock to ulockdep (docs/gate-locks.md), and the inversion it
 * covers would rightly not be reported; this scenario wants that report made in a handler. */
static pthread_mutex_t gate_pair[2];
#define in_handler_gate gate_pair[0]
static pthread_mutex_t in_handler_1 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t in_handler_2 = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t in_handler_rw = PTHREAD_RWLOCK_INITIALIZER;
static int iterations, a_then_b_done, workers_done;
static int handled[2], sent[2], reversed, stop;
static __thread int is_idle, idle_handled;

static void on_usr1(int sig)
{
    (void)sig;
    pthread_mutex_t *first = &in_handler_1, *second = &in_handler_2;
    if (is_idle && ++idle_handled == 20) {
        reversed = 1;
        first = &in_handler_2;
        second = &in_handler_1;
    }
    pthread_mutex_lock(&in_handler_gate);
    pthread_mutex_lock(first);
    pthread_mutex_lock(second);
    pthread_mutex_unlock(second);
    pthread_mutex_unlock(first);
    pthread_mutex_unlock(&in_handler_gate);
    __atomic_fetch_add(&handled[0], 1, __ATOMIC_RELAXED);
}

static void on_usr2(int sig)
{
    (void)sig;
    pthread_rwlock_rdlock(&in_handler_rw);
    pthread_rwlock_unlock(&in_handler_rw);
    __atomic_fetch_add(&handled[1], 1, __ATOMIC_RELAXED);
}

/* Takes no lock outside its handlers. */
static void *idle(void *arg)
{
    (void)arg;
    is_idle = 1;
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
        sched_yield();
    return NULL;
}

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < iterations; i++) {
        if (id == 0 && i == iterations / 4) {
            E2E_CHECK(pthread_mutex_lock(&lock_a));
            E2E_CHECK(pthread_mutex_lock(&lock_b));
            E2E_CHECK(pthread_mutex_unlock(&lock_b));
            E2E_CHECK(pthread_mutex_unlock(&lock_a));
            __atomic_store_n(&a_then_b_done, 1, __ATOMIC_RELEASE);
        }
        if (id == 1 && i == iterations / 2) {
            while (!__atomic_load_n(&a_then_b_done, __ATOMIC_ACQUIRE))
                sched_yield();
            E2E_CHECK(pthread_mutex_lock(&lock_b));
            E2E_CHECK(pthread_mutex_lock(&lock_a));
            E2E_CHECK(pthread_mutex_unlock(&lock_a));
            E2E_CHECK(pthread_mutex_unlock(&lock_b));
        }
        /* New locks every time: the slow path (first use, a new dependency under outer). */
        pthread_mutex_t *m = malloc(sizeof *m);
        if (!m)
            exit(99);
        E2E_CHECK(pthread_mutex_init(m, NULL));
        E2E_CHECK(pthread_mutex_lock(&outer));
        E2E_CHECK(pthread_mutex_lock(m));
        E2E_CHECK(pthread_mutex_unlock(m));
        E2E_CHECK(pthread_mutex_unlock(&outer));
        E2E_CHECK(pthread_mutex_destroy(m));
        free(m);
    }
    __atomic_fetch_add(&workers_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void init_gates(void)
{
    for (int i = 0; i < 2; i++)
        E2E_CHECK(pthread_mutex_init(&gate_pair[i], NULL));
}

int main(int argc, char **argv)
{
    init_gates();
    iterations = argc > 1 ? atoi(argv[1]) : 1500;
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigemptyset(&sa.sa_mask);
    E2E_CHECK(sigaction(SIGUSR1, &sa, NULL));
    sa.sa_handler = on_usr2;
    E2E_CHECK(sigaction(SIGUSR2, &sa, NULL));
    pthread_t th[WORKERS + 1];
    for (int i = 0; i < WORKERS; i++)
        E2E_CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i));
    E2E_CHECK(pthread_create(&th[WORKERS], NULL, idle, NULL));
    /* Signal every thread until the workers are done (and the idle one has reversed its
     * pair); a worker that is done no longer gets any. */
    for (unsigned n = 0; __atomic_load_n(&workers_done, __ATOMIC_ACQUIRE) < WORKERS ||
                         !__atomic_load_n(&reversed, __ATOMIC_RELAXED); n++) {
        for (int i = 0; i <= WORKERS; i++) {
            int sig = (n + (unsigned)i) % 2 ? SIGUSR2 : SIGUSR1;
            if (pthread_kill(th[i], sig) == 0)
                __atomic_fetch_add(&sent[sig == SIGUSR2], 1, __ATOMIC_RELAXED);
        }
        if (n % 8 == 7)
            sched_yield();
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i <= WORKERS; i++)
        E2E_CHECK(pthread_join(th[i], NULL));
    /* Signals of one kind sent to a thread that already has one pending merge into it, so
     * fewer may run than were sent; but some of each must have run. */
    if (!reversed || !handled[1]) {
        printf("handlers ran %d and %d times\n", handled[0], handled[1]);
        return 1;
    }
    printf("storm over: %d + %d signals sent, handlers ran %d + %d times\n", sent[0], sent[1], handled[0],
           handled[1]);
    return 0; /* ulockdep makes it 66 */
}
