// free() of heap memory that contains a mutex the thread still holds: "held lock freed!".
// The lock is named after its init site.
// EXPECT-EXIT: 66
// EXPECT-REPORT: held_lock_freed new_object@${FILE}:${LINE:init}
// EXPECT-COUNT: held_lock_freed=1
#include "e2e_util.h"

struct object {
    long refcount;
    pthread_mutex_t lock;
};

static struct object *new_object(void)
{
    struct object *o = calloc(1, sizeof *o);
    if (!o)
        exit(99);
    E2E_CHECK(pthread_mutex_init(&o->lock, NULL)); /* LINE:init */
    return o;
}

int main(void)
{
    struct object *o = new_object();
    E2E_CHECK(pthread_mutex_lock(&o->lock));
    o->refcount--;
    free(o); /* the bug: still locked */
    return 0;
}
