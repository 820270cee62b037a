/* wait_set.h: the hang watchdog's judgement of which waiting threads can never wake up, on
 * sets of waits built by hand (the watchdog builds them from the threads' wait records). */
#include <criterion/criterion.h>

#include "wait_set.h"

/* Locks and condition variables are only addresses here. */
static char lock_x, lock_y, lock_z, cond_c;

struct fixture {
    struct ul_waiter w[8];
    struct ul_held_copy held[32];
    struct ul_wait_set set;
    bool outside;      /* someone_outside's answer */
    unsigned asked;    /* how often it was asked */
};

static bool ask_outside(const struct ul_wait_set *set, void *arg)
{
    (void)set;
    struct fixture *f = arg;
    f->asked++;
    return f->outside;
}

static void init(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    f->set.cur = f->w;
    f->set.held = f->held;
    f->set.someone_outside = ask_outside;
    f->set.arg = f;
}

/* A thread (tids in increasing order) waiting for `obj` of `kind` for long enough, holding
 * the locks listed (NULL-terminated). A lock wait also has the acquisition it waits in on
 * its held stack, last, as the shim pushes it before the real call. */
static struct ul_waiter *waiter(struct fixture *f, int tid, uint8_t kind, const void *obj, uint8_t mode, ...)
{
    struct ul_waiter *v = &f->w[f->set.ncur++];
    *v = (struct ul_waiter){ .tid = tid, .w = { .obj = obj, .seq = (uint32_t)tid, .kind = kind },
                             .handle = 0x1000u + (unsigned)tid, .cand = true, .mode = mode,
                             .held_lo = f->set.nheld };
    va_list ap;
    va_start(ap, mode);
    for (const void *l; (l = va_arg(ap, const void *));)
        f->held[f->set.nheld++] = (struct ul_held_copy){ .ref = { .addr = (uintptr_t)l } };
    va_end(ap);
    if (kind == UL_WAIT_LOCK)
        f->held[f->set.nheld++] = (struct ul_held_copy){ .ref = { .addr = (uintptr_t)obj }, .pending = true };
    v->nheld = f->set.nheld - v->held_lo;
    return v;
}

static bool judge(struct fixture *f)
{
    cr_assert(ul_wait_set_owners(&f->set));
    return ul_wait_set_stuck(&f->set);
}

static void teardown_owners(struct fixture *f)
{
    free(f->set.owners);
}

Test(wait_set, two_threads_waiting_for_each_others_lock_are_stuck_in_a_cycle)
{
    struct fixture f;
    init(&f);
    waiter(&f, 10, UL_WAIT_LOCK, &lock_x, UL_WRITE, &lock_y, NULL);
    waiter(&f, 20, UL_WAIT_LOCK, &lock_y, UL_WRITE, &lock_x, NULL);
    cr_assert(judge(&f));
    cr_assert(f.w[0].in && f.w[1].in);
    cr_assert(ul_wait_set_member(&f.set, 10) && ul_wait_set_member(&f.set, 20));
    cr_assert_not(ul_wait_set_member(&f.set, 30));
    int order[8];
    unsigned n = 0;
    cr_assert_eq(ul_wait_set_order(&f.set, order, &n), 2, "the waits close a cycle of two");
    cr_assert_eq(n, 2);
    cr_assert_eq(f.w[order[0]].next, order[1], "the first waits for the second");
    cr_assert_eq(f.w[order[1]].next, order[0], "and the second for the first");
    cr_assert_eq(f.asked, 0, "no condition variable: the process is not asked");
    teardown_owners(&f);
}

Test(wait_set, a_lock_held_by_a_thread_that_runs_is_no_deadlock)
{
    struct fixture f;
    init(&f);
    /* lock_z is held by a thread that is not waiting (not in the set): it may release it. */
    waiter(&f, 10, UL_WAIT_LOCK, &lock_z, UL_WRITE, &lock_y, NULL);
    waiter(&f, 20, UL_WAIT_LOCK, &lock_y, UL_WRITE, NULL);
    cr_assert_not(judge(&f));
    cr_assert_not(f.w[0].in || f.w[1].in, "once 10 can wake, so can 20 behind it");
    teardown_owners(&f);
}

Test(wait_set, the_lock_being_acquired_is_not_counted_as_held)
{
    struct fixture f;
    init(&f);
    /* Both wait for lock_x; neither holds it (only their pending acquisitions name it). */
    waiter(&f, 10, UL_WAIT_LOCK, &lock_x, UL_WRITE, NULL);
    waiter(&f, 20, UL_WAIT_LOCK, &lock_x, UL_WRITE, NULL);
    cr_assert_not(judge(&f));
    teardown_owners(&f);
}

Test(wait_set, a_thread_waiting_for_a_lock_it_holds_is_a_self_deadlock)
{
    struct fixture f;
    init(&f);
    waiter(&f, 10, UL_WAIT_LOCK, &lock_x, UL_WRITE, &lock_x, NULL);
    cr_assert(judge(&f));
    int order[8];
    unsigned n = 0;
    cr_assert_eq(ul_wait_set_order(&f.set, order, &n), 1);
    teardown_owners(&f);
}

Test(wait_set, a_condvar_wait_is_stuck_only_when_no_thread_is_left_to_signal)
{
    struct fixture f;
    init(&f);
    /* 10 waits on a condition variable holding lock_x; 20 waits for lock_x. */
    waiter(&f, 10, UL_WAIT_COND, &cond_c, UL_WRITE, &lock_x, NULL);
    waiter(&f, 20, UL_WAIT_LOCK, &lock_x, UL_WRITE, NULL);
    f.outside = true;
    cr_assert_not(judge(&f), "another thread runs: it may signal, so 10 and then 20 may wake");
    cr_assert(f.asked > 0);
    f.outside = false;
    cr_assert(judge(&f), "nobody is left: both are stuck");
    cr_assert(f.w[0].in && f.w[1].in);
    int order[8];
    unsigned n = 0;
    cr_assert_eq(ul_wait_set_order(&f.set, order, &n), 0, "a condvar wait closes no cycle");
    cr_assert_eq(n, 2);
    cr_assert_eq(f.w[order[0]].tid, 20, "the lock wait is shown first, then the condvar wait");
    teardown_owners(&f);
}

Test(wait_set, only_condvar_waits_are_no_lock_deadlock)
{
    struct fixture f;
    init(&f);
    waiter(&f, 10, UL_WAIT_COND, &cond_c, UL_WRITE, NULL);
    waiter(&f, 20, UL_WAIT_COND, &cond_c, UL_WRITE, NULL);
    f.outside = false;
    cr_assert_not(judge(&f), "stuck, but no lock wait among them: not reported as a deadlock");
    teardown_owners(&f);
}

Test(wait_set, a_join_of_a_thread_stuck_behind_the_joiner_is_a_cycle)
{
    struct fixture f;
    init(&f);
    /* 10 joins 20 (by its pthread_t) holding lock_x; 20 waits for lock_x. */
    waiter(&f, 10, UL_WAIT_JOIN, (const void *)(uintptr_t)(0x1000u + 20), UL_WRITE, &lock_x, NULL);
    waiter(&f, 20, UL_WAIT_LOCK, &lock_x, UL_WRITE, NULL);
    cr_assert(judge(&f));
    int order[8];
    unsigned n = 0;
    cr_assert_eq(ul_wait_set_order(&f.set, order, &n), 2);
    teardown_owners(&f);
}

Test(wait_set, a_thread_not_waiting_long_enough_breaks_the_cycle)
{
    struct fixture f;
    init(&f);
    waiter(&f, 10, UL_WAIT_LOCK, &lock_x, UL_WRITE, &lock_y, NULL);
    waiter(&f, 20, UL_WAIT_LOCK, &lock_y, UL_WRITE, &lock_x, NULL)->cand = false;
    cr_assert_not(judge(&f), "20 has not waited deadlock_timeout yet: its locks count as free");
    teardown_owners(&f);
}

Test(wait_set, the_signature_names_the_threads_and_their_waits)
{
    struct fixture f;
    init(&f);
    waiter(&f, 10, UL_WAIT_LOCK, &lock_x, UL_WRITE, &lock_y, NULL);
    waiter(&f, 20, UL_WAIT_LOCK, &lock_y, UL_WRITE, &lock_x, NULL);
    cr_assert(judge(&f));
    uint64_t a = ul_wait_set_signature(&f.set);
    cr_assert_eq(ul_wait_set_signature(&f.set), a, "the same set, the same signature");
    f.w[1].w.seq++;
    cr_assert_neq(ul_wait_set_signature(&f.set), a, "a later wait of the same thread is another set");
    teardown_owners(&f);
}
