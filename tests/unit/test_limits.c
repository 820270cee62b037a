/* Limits: very deep held-lock stacks, and running out of memory. */
#include <criterion/criterion.h>

#include "arena.h"
#include "test_fake_env.c"

static struct ul_thread *t;

#define DEEP 2000
static int deep[DEEP];

Test(limits, two_thousand_held_locks)
{
    t = fe_setup("");
    fe_set_all_static(true);   /* one class per address */
    for (int i = 0; i < DEEP; i++)
        cr_assert_eq(fe_acq(t, &deep[i], UL_KIND_MUTEX, UL_WRITE, 0), UL_T_PUSHED, "lock %d", i);
    cr_assert_eq(t->depth, DEEP);
    cr_assert_geq(t->cap, DEEP);
    for (int i = 0; i < DEEP; i++)
        cr_assert_eq(t->held[i].addr, (uintptr_t)&deep[i]);
    cr_assert(ul_is_held(t, &deep[0]));
    cr_assert_eq(fe_stats().edges, DEEP - 1);
    for (int i = DEEP - 1; i >= 0; i--)
        fe_unlock(t, &deep[i]);
    cr_assert_eq(t->depth, 0);
    cr_assert_eq(t->chain_key, UL_CHAIN_INITIAL);
    cr_assert_eq(fe_nreports, 0);

    /* Again, now on the fast path all the way. */
    uint64_t slow = fe_stats().slow_paths;
    for (int i = 0; i < DEEP; i++)
        fe_lock(t, &deep[i]);
    for (int i = DEEP - 1; i >= 0; i--)
        fe_unlock(t, &deep[i]);
    cr_assert_eq(fe_stats().slow_paths, slow);
    cr_assert_eq(fe_nreports, 0);
}

/* Deep stack of one class (2000 instances nested in address order) and a report while
 * thousands are held. */
Test(limits, two_thousand_held_instances_of_one_class)
{
    t = fe_setup("");
    for (int i = 0; i < DEEP; i++)
        fe_init_at(t, &deep[i], UL_KIND_MUTEX, 0x1000);
    for (int i = 0; i < DEEP; i++)
        fe_lock(t, &deep[i]);
    cr_assert_eq(fe_nreports, 0);
    cr_assert_eq(fe_stats().instance_edges, DEEP - 1);
    fe_lock(t, &deep[0]);   /* AA at depth 2000 */
    cr_assert_eq(fe_count(UL_P_RECURSIVE), 1);
    cr_assert_eq(fe_get(UL_P_RECURSIVE, 0)->nheld, DEEP);
    fe_unlock(t, &deep[0]);
    for (int i = DEEP - 1; i >= 0; i--)
        fe_unlock(t, &deep[i]);
    cr_assert_eq(t->depth, 0);
}

Test(limits, thread_state_reused_after_free)
{
    t = fe_setup("");
    fe_set_all_static(true);
    for (int i = 0; i < 500; i++)
        fe_lock(t, &deep[i]);
    ul_thread_free(t);
    struct ul_thread *t2 = fe_thread(7);
    cr_assert_eq(t2->depth, 0);
    cr_assert_eq(t2->tid, 7);
    cr_assert_eq(t2->chain_key, UL_CHAIN_INITIAL);
    fe_lock(t2, &deep[0]);
    fe_unlock(t2, &deep[0]);
    cr_assert_eq(fe_nreports, 0);
}

/* ---- out of memory ------------------------------------------------------------------- */

static int A, B, C;

static void assert_events_ignored(void)
{
    struct ul_engine_stats s = fe_stats();
    unsigned stacks = fe_stack_calls;
    static int late[8];
    for (int i = 0; i < 8; i++)
        ul_on_init(t, &late[i], UL_KIND_MUTEX);
    cr_assert_eq(fe_acq(t, &late[0], UL_KIND_MUTEX, UL_WRITE, 0), UL_T_NONE);
    cr_assert_eq(fe_acq(t, &late[1], UL_KIND_MUTEX, UL_WRITE, 0), UL_T_NONE);
    cr_assert_eq(fe_acq(t, &late[0], UL_KIND_MUTEX, UL_WRITE, 0), UL_T_NONE);
    cr_assert_not(ul_on_release(t, &late[1], UL_KIND_MUTEX, UL_UNLOCK_NOT_LOCKED, 1));
    cr_assert_not(ul_on_release(t, &late[0], UL_KIND_MUTEX, UL_UNLOCK_NOT_LOCKED, 1));
    ul_on_destroy(t, &late[2], sizeof late[2]);
    ul_on_set_name(t, &late[3], "late");
    ul_on_memory_freed(t, (uintptr_t)late, (uintptr_t)(late + 8));
    ul_on_thread_exit(t);
    struct ul_engine_stats s2 = fe_stats();
    cr_assert_eq(s2.classes, s.classes);
    cr_assert_eq(s2.instances, s.instances);
    cr_assert_eq(s2.edges, s.edges);
    cr_assert_eq(s2.slow_paths, s.slow_paths);
    cr_assert_eq(fe_stack_calls, stacks, "a disabled engine does no work");
    cr_assert_eq(fe_nreports, 0);
    cr_assert_eq(fe_oom_calls, 1);
}

Test(limits, out_of_memory_from_the_start)
{
    t = fe_setup("");
    ul_arena_set_fail_after(0);
    ul_on_init(t, &A, UL_KIND_MUTEX);
    cr_assert_eq(fe_oom_calls, 1);
    cr_assert_not(ul_engine_enabled());
    ul_on_init(t, &B, UL_KIND_MUTEX);
    fe_lock(t, &A);
    fe_lock(t, &B);
    cr_assert_eq(fe_oom_calls, 1, "reported once");
    assert_events_ignored();
}

/* Out of memory in the middle of a run, with locks held: new classes are made until the
 * arena's current chunk is used up. */
Test(limits, out_of_memory_while_running)
{
    t = fe_setup("");
    fe_init(t, &A, UL_KIND_MUTEX);
    fe_init(t, &B, UL_KIND_MUTEX);
    fe_init(t, &C, UL_KIND_MUTEX);
    fe_lock_unlock_2(t, &A, &B);
    fe_lock(t, &A);
    fe_lock(t, &B);
    ul_arena_set_fail_after(0);
    static int many[200000];
    int i;
    for (i = 0; i < 200000 && ul_engine_enabled(); i++) {
        fe_init(t, &many[i], UL_KIND_MUTEX);
        fe_lock(t, &many[i]);
        fe_rel(t, &many[i]);
    }
    cr_assert_not(ul_engine_enabled(), "still enabled after %d new classes", i);
    cr_assert_eq(fe_oom_calls, 1);
    cr_assert_eq(fe_nreports, 0);
    /* The held locks are released without complaint (or noticed at all). */
    cr_assert_not(fe_rel(t, &B));
    cr_assert_not(fe_rel(t, &A));
    fe_lock(t, &B);                /* B -> A would be a cycle: the engine is off */
    fe_lock(t, &A);
    cr_assert_not(fe_rel(t, &A));
    cr_assert_not(fe_rel(t, &B));
    assert_events_ignored();
}

/* Out of memory while validating a chain (graph edges, cache inserts). */
Test(limits, out_of_memory_while_adding_dependencies)
{
    t = fe_setup("");
    fe_set_all_static(true);
    static int locks[20000];
    for (int i = 0; i < 20000; i++)
        ul_on_init(t, &locks[i], UL_KIND_MUTEX);
    ul_arena_set_fail_after(0);
    int i;
    for (i = 1; i < 20000 && ul_engine_enabled(); i++) {
        /* one more edge out of locks[0] each time */
        fe_lock(t, &locks[0]);
        fe_lock(t, &locks[i]);
        fe_rel(t, &locks[i]);
        fe_rel(t, &locks[0]);
    }
    cr_assert_not(ul_engine_enabled(), "still enabled after %d edges", i);
    cr_assert_eq(fe_oom_calls, 1);
    assert_events_ignored();
}

Test(limits, engine_disable_and_enable)
{
    t = fe_setup("");
    fe_init(t, &A, UL_KIND_MUTEX);
    ul_engine_disable();
    cr_assert_not(ul_engine_enabled());
    cr_assert_eq(fe_acq(t, &A, UL_KIND_MUTEX, UL_WRITE, 0), UL_T_NONE);
    cr_assert_eq(t->depth, 0);
    cr_assert_eq(fe_oom_calls, 0);
}

/* ---- churn ---------------------------------------------------------------------------- */

/* A program that keeps creating, using and freeing heap objects with a lock inside, each in a
 * page of its own, across 2^18 distinct pages: the engine's memory stays bounded by what is
 * live plus the one-bit-per-page filter, not by the number of objects ever freed. */
Test(limits, heap_lock_churn_memory_stays_bounded)
{
    t = fe_setup("");
    fe_set_all_static(false);
    static char arena[64 * 4096] __attribute__((aligned(4096)));
    size_t before = 0;
    for (unsigned round = 0; round < 4096; round++) {
        for (unsigned k = 0; k < 64; k++) {
            /* a different 4 KiB page each time (addresses beyond the array are never touched) */
            uintptr_t lock = (uintptr_t)arena + (uintptr_t)(round % 4096) * 64 * 4096 + k * 4096;
            ul_on_init(t, (void *)lock, UL_KIND_MUTEX);
            fe_lock(t, (void *)lock);
            fe_unlock(t, (void *)lock);
            ul_on_memory_freed(t, lock, lock + 64);
        }
        if (round == 64)
            before = ul_arena_bytes();
    }
    struct ul_engine_stats s = fe_stats();
    cr_assert_eq(s.instances, 0);
    cr_assert_eq(fe_nreports, 0);
    size_t grown = ul_arena_bytes() - before;
    cr_assert_leq(grown, (size_t)8 << 20, "%zu bytes more after 262144 freed locks in distinct pages", grown);
}
