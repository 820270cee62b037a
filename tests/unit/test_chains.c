/* The chain cache (a validated chain of held locks takes the fast path next time) and
 * trylock semantics. */
#include <criterion/criterion.h>

#include "test_fake_env.c"

static struct ul_thread *t;
static int A, B, C, D;

static void setup_abcd(void)
{
    t = fe_setup("");
    fe_init(t, &A, UL_KIND_MUTEX);
    fe_init(t, &B, UL_KIND_MUTEX);
    fe_init(t, &C, UL_KIND_MUTEX);
    fe_init(t, &D, UL_KIND_MUTEX);
}

static void lock3(void *a, void *b, void *c)
{
    fe_lock(t, a);
    fe_lock(t, b);
    fe_lock(t, c);
    fe_unlock(t, c);
    fe_unlock(t, b);
    fe_unlock(t, a);
}

Test(chains, validated_chain_takes_the_fast_path, .init = setup_abcd)
{
    struct ul_engine_stats s0 = fe_stats();
    cr_assert_eq(s0.slow_paths, 0);
    cr_assert_eq(s0.edges, 0);
    cr_assert_eq(s0.classes, 4);

    lock3(&A, &B, &C);
    struct ul_engine_stats s1 = fe_stats();
    cr_assert_eq(s1.slow_paths, 2, "chains A-B and A-B-C");
    cr_assert_eq(s1.edges, 2);
    cr_assert_eq(s1.chains, 2);
    unsigned stacks = fe_stack_calls;

    for (int i = 0; i < 1000; i++)
        lock3(&A, &B, &C);
    struct ul_engine_stats s2 = fe_stats();
    cr_assert_eq(s2.slow_paths, s1.slow_paths, "a cached chain takes no slow path");
    cr_assert_eq(s2.edges, s1.edges);
    cr_assert_eq(s2.chains, s1.chains);
    cr_assert_eq(s2.classes, s1.classes);
    cr_assert_eq(fe_stack_calls, stacks, "the fast path captures no stack");

    /* A new order is a new chain: slow path, new edge. */
    fe_lock_unlock_2(t, &A, &C);
    struct ul_engine_stats s3 = fe_stats();
    cr_assert_eq(s3.slow_paths, s2.slow_paths + 1);
    cr_assert_eq(s3.edges, s2.edges + 1);
    cr_assert_eq(s3.chains, s2.chains + 1);
    fe_lock_unlock_2(t, &A, &C);
    cr_assert_eq(fe_stats().slow_paths, s3.slow_paths);
    cr_assert_eq(fe_nreports, 0);
}

Test(chains, chain_of_existing_edges_adds_none, .init = setup_abcd)
{
    fe_lock_unlock_2(t, &A, &B);
    fe_lock_unlock_2(t, &B, &C);
    struct ul_engine_stats s1 = fe_stats();
    /* A-B-C is a new chain (slow path) made of known dependencies (no edge). */
    lock3(&A, &B, &C);
    struct ul_engine_stats s2 = fe_stats();
    cr_assert_eq(s2.slow_paths, s1.slow_paths + 1);
    cr_assert_eq(s2.edges, s1.edges);
}

/* The chain key depends on the whole held stack: C after A-B is not C after B. */
Test(chains, chain_key_is_the_whole_stack, .init = setup_abcd)
{
    lock3(&A, &B, &C);
    struct ul_engine_stats s1 = fe_stats();
    fe_lock_unlock_2(t, &B, &C);
    cr_assert_eq(fe_stats().slow_paths, s1.slow_paths + 1);
    lock3(&D, &B, &C);
    cr_assert_eq(fe_stats().slow_paths, s1.slow_paths + 3);
}

/* The chain is per class: another instance of a class on the same chain is a hit. */
Test(chains, chains_are_per_class)
{
    t = fe_setup("");
    static int a1, a2, b1, b2;
    fe_init_at(t, &a1, UL_KIND_MUTEX, 0xa);
    fe_init_at(t, &a2, UL_KIND_MUTEX, 0xa);
    fe_init_at(t, &b1, UL_KIND_MUTEX, 0xb);
    fe_init_at(t, &b2, UL_KIND_MUTEX, 0xb);
    fe_lock_unlock_2(t, &a1, &b1);
    struct ul_engine_stats s1 = fe_stats();
    fe_lock_unlock_2(t, &a2, &b2);
    fe_lock_unlock_2(t, &a1, &b2);
    cr_assert_eq(fe_stats().slow_paths, s1.slow_paths);
    cr_assert_eq(fe_stats().edges, 1);
}

/* ---- trylock ------------------------------------------------------------------------ */

Test(chains, trylock_adds_no_dependency_into_itself, .init = setup_abcd)
{
    fe_lock(t, &A);
    cr_assert_eq(fe_acq(t, &B, UL_KIND_MUTEX, UL_WRITE, UL_F_TRY), UL_T_PUSHED);
    cr_assert(ul_is_held(t, &B));
    cr_assert_eq(fe_stats().edges, 0, "no A -> B");
    cr_assert_eq(fe_stats().slow_paths, 0);
    fe_unlock(t, &B);
    fe_unlock(t, &A);
    /* So B -> A afterwards is no cycle. */
    fe_lock_unlock_2(t, &B, &A);
    cr_assert_eq(fe_nreports, 0);
}

Test(chains, trylock_never_closes_a_cycle, .init = setup_abcd)
{
    fe_lock_unlock_2(t, &A, &B);
    fe_lock(t, &B);
    fe_acq(t, &A, UL_KIND_MUTEX, UL_WRITE, UL_F_TRY);
    fe_unlock(t, &A);
    fe_unlock(t, &B);
    cr_assert_eq(fe_nreports, 0);
    /* Longer cycle closed by a trylock. */
    fe_lock_unlock_2(t, &B, &C);
    fe_lock(t, &C);
    fe_acq(t, &A, UL_KIND_MUTEX, UL_WRITE, UL_F_TRY);
    fe_unlock(t, &A);
    fe_unlock(t, &C);
    cr_assert_eq(fe_nreports, 0);
}

/* The trylock'd chain B-A was not cached: the blocking B-A later is still checked. */
Test(chains, trylock_chain_does_not_hide_the_blocking_one, .init = setup_abcd)
{
    fe_lock_unlock_2(t, &A, &B);
    fe_lock(t, &B);
    fe_acq(t, &A, UL_KIND_MUTEX, UL_WRITE, UL_F_TRY);
    fe_unlock(t, &A);
    fe_unlock(t, &B);
    cr_assert_eq(fe_nreports, 0);
    fe_lock_unlock_2(t, &B, &A);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
}

/* A, trylock B, C: C depends on B (the trylock) and on A (the nearest blocking lock under
 * it). Checked by closing each dependency into a cycle, one per test. */
static void a_tryb_c(void)
{
    fe_lock(t, &A);
    fe_acq(t, &B, UL_KIND_MUTEX, UL_WRITE, UL_F_TRY);
    fe_lock(t, &C);
    cr_assert_eq(fe_stats().edges, 2);
    fe_unlock(t, &C);
    fe_unlock(t, &B);
    fe_unlock(t, &A);
    cr_assert_eq(fe_nreports, 0);
}

Test(chains, lock_taken_under_a_trylock_depends_on_it, .init = setup_abcd)
{
    a_tryb_c();
    fe_lock_unlock_2(t, &C, &B);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1, "B -> C -> B");
    cr_assert_eq(fe_get(UL_P_CIRCULAR, 0)->target_addr, (uintptr_t)&B);
}

Test(chains, lock_taken_under_a_trylock_depends_on_the_lock_below, .init = setup_abcd)
{
    a_tryb_c();
    fe_lock_unlock_2(t, &C, &A);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1, "A -> C -> A");
    cr_assert_eq(fe_get(UL_P_CIRCULAR, 0)->target_addr, (uintptr_t)&A);
}

/* Dependencies stop at the first blocking lock: under A-B-C only C gets D. */
Test(chains, only_the_nearest_blocking_lock_gets_the_dependency, .init = setup_abcd)
{
    fe_lock(t, &A);
    fe_lock(t, &B);
    fe_lock(t, &C);
    cr_assert_eq(fe_stats().edges, 2);
    fe_lock(t, &D);
    cr_assert_eq(fe_stats().edges, 3);
    fe_unlock(t, &D);
    fe_unlock(t, &C);
    fe_unlock(t, &B);
    fe_unlock(t, &A);
    /* A -> D is still implied (A -> B -> C -> D): D -> A is a cycle of 4. */
    fe_lock_unlock_2(t, &D, &A);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
    cr_assert_eq(fe_get(UL_P_CIRCULAR, 0)->ncycle, 4);
}

/* Two trylocks stacked on a blocking lock: C depends on all three. */
Test(chains, stacked_trylocks, .init = setup_abcd)
{
    fe_lock(t, &A);
    fe_acq(t, &B, UL_KIND_MUTEX, UL_WRITE, UL_F_TRY);
    fe_acq(t, &D, UL_KIND_MUTEX, UL_WRITE, UL_F_TRY);
    fe_lock(t, &C);
    cr_assert_eq(fe_stats().edges, 3);
    fe_unlock(t, &C);
    fe_unlock(t, &D);
    fe_unlock(t, &B);
    fe_unlock(t, &A);
}

/* A failed trylock: the embedder hands the token back and the lock is not held. */
Test(chains, failed_trylock_is_forgotten, .init = setup_abcd)
{
    fe_lock(t, &A);
    uint64_t key = t->chain_key;
    enum ul_token tok = fe_acq(t, &B, UL_KIND_MUTEX, UL_WRITE, UL_F_TRY);
    cr_assert_eq(tok, UL_T_PUSHED);
    ul_on_acquire_failed(t, &B, tok);
    cr_assert_not(ul_is_held(t, &B));
    cr_assert_eq(t->depth, 1);
    cr_assert_eq(t->chain_key, key, "the chain key is back to A's");
    uint64_t slow = fe_stats().slow_paths;
    fe_lock(t, &C);
    cr_assert_eq(fe_stats().slow_paths, slow + 1, "A-C is new");
    fe_unlock(t, &C);
    fe_lock(t, &C);
    cr_assert_eq(fe_stats().slow_paths, slow + 1, "A-C is cached");
    fe_unlock(t, &C);
    fe_unlock(t, &A);
    cr_assert_eq(t->depth, 0);
    cr_assert_eq(fe_stats().edges, 1, "only A -> C");
    cr_assert_eq(fe_nreports, 0);
}

/* A trylock of a lock this thread already holds is not reported (it fails, EBUSY/EDEADLK). */
Test(chains, trylock_of_a_held_lock, .init = setup_abcd)
{
    fe_lock(t, &A);
    enum ul_token tok = fe_acq(t, &A, UL_KIND_MUTEX, UL_WRITE, UL_F_TRY);
    cr_assert_eq(fe_nreports, 0);
    ul_on_acquire_failed(t, &A, tok);
    cr_assert_eq(t->depth, 1);
    fe_unlock(t, &A);
    cr_assert_eq(t->depth, 0);
}
