// Locks made by one wrapper (pigz's yarn new_lock(), HawkNL's nlMutexInit()): the classes
// differ by the wrapper's caller, and so do their names, which carry the first caller frame
// that tells them apart: "new_lock@yarn.c:104 <- new_pool@pigz.c:1380" as it were. An
// inversion between a pool's lock and a space's lock names both, in every output.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular "new_lock@${FILE}:${LINE:init} <- new_pool@${FILE}:${LINE:pool}" "new_lock@${FILE}:${LINE:init} <- new_space@${FILE}:${LINE:space}"
// EXPECT-COUNT: circular=1
// EXPECT-LINES: e2e_wrapper_loc/* is trying to acquire lock:
// EXPECT-LINES: * (new_lock@${FILE}:${LINE:init} <- new_pool@${FILE}:${LINE:pool}){+.+.}-{3:3}, at: drop_space+* ${FILE}:${LINE:drop_use} [*]
#include "e2e_util.h"

typedef struct {
    pthread_mutex_t mutex;
    long value;
} lock;

static lock *new_lock(long initial)
{
    lock *l = malloc(sizeof *l);
    if (!l)
        exit(99);
    E2E_CHECK(pthread_mutex_init(&l->mutex, NULL)); /* LINE:init */
    l->value = initial;
    return l;
}

struct pool {
    lock *have;
};
struct space {
    lock *use;
};

static struct pool *new_pool(void)
{
    struct pool *p = malloc(sizeof *p);
    if (!p)
        exit(99);
    p->have = new_lock(0); /* LINE:pool */
    return p;
}

static struct space *new_space(void)
{
    struct space *s = malloc(sizeof *s);
    if (!s)
        exit(99);
    s->use = new_lock(1); /* LINE:space */
    return s;
}

static void get_space(struct pool *p, struct space *s)
{
    E2E_CHECK(pthread_mutex_lock(&p->have->mutex));
    E2E_CHECK(pthread_mutex_lock(&s->use->mutex));
    s->use->value++;
    E2E_CHECK(pthread_mutex_unlock(&s->use->mutex));
    E2E_CHECK(pthread_mutex_unlock(&p->have->mutex));
}

static void drop_space(struct pool *p, struct space *s)
{
    E2E_CHECK(pthread_mutex_lock(&s->use->mutex));
    E2E_CHECK(pthread_mutex_lock(&p->have->mutex)); /* LINE:drop_use */
    p->have->value++;
    E2E_CHECK(pthread_mutex_unlock(&p->have->mutex));
    E2E_CHECK(pthread_mutex_unlock(&s->use->mutex));
}

int main(void)
{
    struct pool *p = new_pool();
    struct space *s = new_space();
    get_space(p, s);
    drop_space(p, s);
    return 0;
}
