// ulockdep_lock_nested: a parent and a child node of one class taken parent-then-child with
// subclass 1, as the kernel's mutex_lock_nested(). The nesting itself is then not checked
// between instances (the annotation says it is ordered); a real inversion through the
// subclass is still found and names it "<class>/1".
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular node_init@${FILE}:${LINE:init}/1 stats_lock
// EXPECT-COUNT: circular=1
#include <ulockdep/ulockdep.h>

#include "e2e_util.h"

struct node {
    pthread_mutex_t lock;
};

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

static struct node *node_init(void)
{
    struct node *n = malloc(sizeof *n);
    E2E_CHECK(pthread_mutex_init(&n->lock, NULL)); /* LINE:init */
    return n;
}

static void lock_pair(struct node *parent, struct node *child)
{
    E2E_CHECK(pthread_mutex_lock(&parent->lock));
    E2E_CHECK(ulockdep_lock_nested(&child->lock, 1));
}

static void unlock_pair(struct node *parent, struct node *child)
{
    E2E_CHECK(pthread_mutex_unlock(&child->lock));
    E2E_CHECK(pthread_mutex_unlock(&parent->lock));
}

int main(void)
{
    struct node *a = node_init(), *b = node_init(), *c = node_init();
    lock_pair(a, b);  /* a, then b/1 */
    unlock_pair(a, b);
    lock_pair(b, a);  /* b, then a/1: annotated, not an inversion */
    unlock_pair(b, a);

    lock_pair(a, c);  /* child/1 -> stats_lock */
    E2E_CHECK(pthread_mutex_lock(&stats_lock));
    E2E_CHECK(pthread_mutex_unlock(&stats_lock));
    unlock_pair(a, c);
    E2E_CHECK(pthread_mutex_lock(&stats_lock)); /* stats_lock -> child/1 */
    E2E_CHECK(ulockdep_lock_nested(&c->lock, 1));
    E2E_CHECK(pthread_mutex_unlock(&c->lock));
    E2E_CHECK(pthread_mutex_unlock(&stats_lock));
    return 0;
}
