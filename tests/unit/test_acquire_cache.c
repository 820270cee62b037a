/* The per-thread acquisition cache (engine/acquire_cache.h): a repeated acquisition is
 * served from the cache, and every check the full path makes still holds when it is.
 * Each test first repeats a sequence so that it is cached (asserted), then changes one
 * thing the cache must notice; most have a control twin showing the outcome depends on it. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "test_fake_env.c"

#include "acquire_cache.h"

static struct ul_thread *t;
static int A, B, C;

static bool cached(struct ul_thread *th, void *lock, unsigned mode, unsigned flags)
{
    return ul_acache_find(th, (uintptr_t)lock, mode, flags) != NULL;
}

static uint64_t sigbit(int signo)
{
    return 1ull << (signo - 1);
}

Test(acquire_cache, a_repeated_acquisition_is_a_hit)
{
    t = fe_setup("");
    fe_init(t, &A, UL_KIND_MUTEX);
    fe_init(t, &B, UL_KIND_MUTEX);
    cr_assert_not(cached(t, &A, UL_WRITE, 0));
    fe_lock_unlock_2(t, &A, &B);
    cr_assert(cached(t, &A, UL_WRITE, 0));
    fe_lock(t, &A);
    struct ul_instance *inst = t->held[0].inst;
    cr_assert(cached(t, &B, UL_WRITE, 0), "A -> B is cached under A's chain key");
    cr_assert_not(cached(t, &B, UL_READ, 0), "another mode is another entry");
    cr_assert_not(cached(t, &B, UL_WRITE, UL_F_TRY), "a trylock is another entry");
    fe_lock(t, &B);
    cr_assert_eq(t->depth, 2);
    cr_assert_eq(t->held[1].cls->id, fe_cls(&B));
    fe_unlock(t, &B);
    fe_unlock(t, &A);
    cr_assert_eq(inst, ul_instance_find((uintptr_t)&A));
    cr_assert_eq(t->chain_key, UL_CHAIN_INITIAL);
    cr_assert_eq(fe_nreports, 0);
}

Test(acquire_cache, subclass_and_sync_are_never_cached)
{
    t = fe_setup("");
    fe_init(t, &A, UL_KIND_MUTEX);
    for (int i = 0; i < 2; i++) {
        fe_acq(t, &A, UL_KIND_MUTEX, UL_WRITE, UL_F_SUBCLASS(1));
        cr_assert_neq(t->held[0].cls->id, fe_cls(&A), "the subclass");
        fe_unlock(t, &A);
        cr_assert_not(cached(t, &A, UL_WRITE, UL_F_SUBCLASS(1)));
        cr_assert_not(cached(t, &A, UL_WRITE, 0), "the subclass acquisition filled nothing");
        cr_assert_eq(fe_acq(t, &A, UL_KIND_MUTEX, UL_WRITE, UL_F_SYNC), UL_T_NONE);
        cr_assert_not(cached(t, &A, UL_WRITE, UL_F_SYNC));
    }
    fe_lock(t, &A);
    cr_assert_eq(t->held[0].cls->id, fe_cls(&A), "plain acquisition: the class itself");
    fe_unlock(t, &A);
}

/* ---- retired instances ---------------------------------------------------------------- */

/* class_by=instance: after X is destroyed and re-initialised it is a new lock, so Y -> X is
 * no inversion of the cached X -> Y. The retirement happens on another thread: the cache of
 * this one must notice it through the retire epoch. */
static void cached_then_retired(bool retire)
{
    t = fe_setup("class_by=instance");
    struct ul_thread *other = fe_thread(2);
    ul_on_init(t, &A, UL_KIND_MUTEX);
    ul_on_init(t, &B, UL_KIND_MUTEX);
    fe_lock_unlock_2(t, &A, &B);
    fe_lock_unlock_2(t, &A, &B);
    cr_assert(cached(t, &A, UL_WRITE, 0));
    if (retire) {
        ul_on_destroy(other, &A, sizeof A);
        ul_on_init(other, &A, UL_KIND_MUTEX);
        cr_assert_not(cached(t, &A, UL_WRITE, 0), "the cached instance was retired");
    }
    fe_lock_unlock_2(t, &B, &A);
}

Test(acquire_cache, control_cached_order_inverted_is_a_cycle)
{
    cached_then_retired(false);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
}

Test(acquire_cache, destroy_and_reinit_elsewhere_invalidates_the_entry)
{
    cached_then_retired(true);
    cr_assert_eq(fe_nreports, 0);
    fe_lock(t, &A);
    cr_assert_eq(t->held[0].inst, ul_instance_find((uintptr_t)&A), "the new instance");
    fe_unlock(t, &A);
}

Test(acquire_cache, an_unrelated_retirement_keeps_the_entry)
{
    t = fe_setup("");
    fe_init(t, &A, UL_KIND_MUTEX);
    fe_init(t, &B, UL_KIND_MUTEX);
    fe_lock(t, &A);
    fe_unlock(t, &A);
    uint32_t epoch = atomic_load(&ul_instance_epoch);
    ul_on_destroy(t, &B, sizeof B);
    cr_assert_neq(atomic_load(&ul_instance_epoch), epoch);
    cr_assert(cached(t, &A, UL_WRITE, 0), "A's instance is still there: revalidated");
    cr_assert(cached(t, &A, UL_WRITE, 0));
}

/* ---- the instance cache (lock address -> instance, behind the acquisition cache) ------- */

static int many[4000];

static struct ul_icache_entry *icache_of(struct ul_thread *th, const void *lock)
{
    for (unsigned k = 0; th->icache && k < 1u << UL_ICACHE_BITS; k++)
        if (th->icache[k].addr == (uintptr_t)lock)
            return &th->icache[k];
    return NULL;
}

Test(acquire_cache, four_thousand_per_object_locks_each_have_their_own_entry)
{
    t = fe_setup("");
    for (int i = 0; i < 4000; i++)
        fe_init(t, &many[i], UL_KIND_MUTEX);
    for (int i = 0; i < 4000; i++) {
        fe_lock(t, &many[i]);
        fe_unlock(t, &many[i]);
    }
    for (int i = 0; i < 4000; i++) {
        cr_assert(cached(t, &many[i], UL_WRITE, 0), "lock %d of a 4000-lock array was evicted", i);
        struct ul_icache_entry *e = icache_of(t, &many[i]);
        cr_assert(e, "every lock of a 4000-lock array has its own instance-cache slot (modulo a prime)");
        cr_assert_eq(e->inst, ul_instance_find((uintptr_t)&many[i]));
    }
}

Test(acquire_cache, the_instance_cache_serves_locks_evicted_from_the_acquisition_cache)
{
    t = fe_setup("");
    for (int i = 0; i < 1024; i++)
        fe_init(t, &many[i], UL_KIND_MUTEX);
    for (int i = 0; i < 1024; i++) {
        fe_lock(t, &many[i]);
        fe_unlock(t, &many[i]);
    }
    memset(t->acache, 0, sizeof *t->acache << UL_ACACHE_BITS); /* every entry evicted */
    cr_assert(!cached(t, &many[0], UL_WRITE, 0));
    /* Served from the instance cache: the same instance, the same checks. */
    fe_lock(t, &many[0]);
    cr_assert_eq(t->held[0].inst, ul_instance_find((uintptr_t)&many[0]));
    cr_assert_eq(icache_of(t, &many[0])->inst, t->held[0].inst);
    fe_lock(t, &many[1]);
    fe_unlock(t, &many[1]);
    fe_unlock(t, &many[0]);
    cr_assert_eq(fe_stats().edges, 1, "the dependency many[0] -> many[1] was recorded");
    cr_assert_eq(fe_nreports, 0);
    cr_assert(cached(t, &many[0], UL_WRITE, 0), "filled again");
}

Test(acquire_cache, the_instance_cache_sees_a_destroy_and_reinit)
{
    t = fe_setup("");
    for (int i = 0; i < 1024; i++) {
        fe_init(t, &many[i], UL_KIND_MUTEX);
        fe_lock(t, &many[i]);
        fe_unlock(t, &many[i]);
    }
    struct ul_instance *old = ul_instance_find((uintptr_t)&many[0]);
    cr_assert_eq(icache_of(t, &many[0])->inst, old);
    uint32_t old_serial = old->serial;
    ul_on_destroy(t, &many[0], sizeof many[0]);
    fe_init(t, &many[0], UL_KIND_MUTEX); /* may reuse the retired record: a new serial */
    struct ul_instance *now = ul_instance_find((uintptr_t)&many[0]);
    cr_assert(now != old || now->serial != old_serial);
    for (int i = 1; i < 1024; i++) { /* evict many[0] from the acquisition cache */
        fe_lock(t, &many[i]);
        fe_unlock(t, &many[i]);
    }
    fe_lock(t, &many[0]);
    cr_assert_eq(t->held[0].inst, now, "the new instance, not the cached one");
    cr_assert_eq(t->held[0].inst->serial, now->serial);
    cr_assert_eq(t->held[0].cls->id, fe_cls(&many[0]));
    fe_unlock(t, &many[0]);
    cr_assert_eq(icache_of(t, &many[0])->serial, now->serial, "refilled");
    cr_assert_eq(fe_nreports, 0);
}

/* A heap lock freed with its memory, then used again from another site: a new first-use
 * class, not the cached one. */
Test(acquire_cache, freed_memory_invalidates_the_entry)
{
    t = fe_setup("");
    static long block[8];
    fe_set_site(0x1000);
    fe_lock(t, &block[2]);
    fe_unlock(t, &block[2]);
    fe_lock(t, &block[2]);
    fe_unlock(t, &block[2]);
    uint32_t old = fe_cls(&block[2]);
    cr_assert(cached(t, &block[2], UL_WRITE, 0));
    ul_on_memory_freed(t, (uintptr_t)block, (uintptr_t)(block + 8));
    cr_assert_not(cached(t, &block[2], UL_WRITE, 0));
    fe_set_site(0x2000);
    fe_lock(t, &block[2]);
    cr_assert_neq(t->held[0].cls->id, old);
    cr_assert_eq(t->held[0].cls->id, fe_cls(&block[2]));
    fe_unlock(t, &block[2]);
}

/* ---- trylocks ------------------------------------------------------------------------- */

/* A trylock of B under A adds no dependency; the same acquisition blocking must add A -> B
 * even though the trylock is cached. */
static void try_then_blocking(bool blocking)
{
    t = fe_setup("");
    fe_init(t, &A, UL_KIND_MUTEX);
    fe_init(t, &B, UL_KIND_MUTEX);
    for (int i = 0; i < 2; i++) {
        fe_lock(t, &A);
        fe_acq(t, &B, UL_KIND_MUTEX, UL_WRITE, UL_F_TRY);
        cr_assert_eq(t->held[1].flags, UL_HELD_TRY);
        fe_unlock(t, &B);
        fe_unlock(t, &A);
    }
    fe_lock(t, &A);
    cr_assert(cached(t, &B, UL_WRITE, UL_F_TRY));
    cr_assert_not(cached(t, &B, UL_WRITE, 0));
    fe_acq(t, &B, UL_KIND_MUTEX, UL_WRITE, blocking ? 0 : UL_F_TRY);
    fe_unlock(t, &B);
    fe_unlock(t, &A);
    fe_lock_unlock_2(t, &B, &A);
}

Test(acquire_cache, control_cached_trylock_adds_no_dependency)
{
    try_then_blocking(false);
    cr_assert_eq(fe_nreports, 0);
}

Test(acquire_cache, blocking_after_cached_trylock_adds_the_dependency)
{
    try_then_blocking(true);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
}

/* ---- signal context ------------------------------------------------------------------- */

/* A is cached in thread context while SIGUSR1 is blocked; then the SIGUSR1 handler takes it
 * (IN-SIGUSR1); then the thread takes it with SIGUSR1 unblocked: SIGUSR1-ON is new for the
 * class even though the acquisition is cached: inconsistent state. */
static void cached_with_mask(bool unblock)
{
    t = fe_setup("");
    fe_init(t, &A, UL_KIND_MUTEX);
    ul_on_signal_mask(t, sigbit(SIGUSR1), true);
    fe_lock(t, &A);
    fe_unlock(t, &A);
    cr_assert(cached(t, &A, UL_WRITE, 0));
    cr_assert(ul_on_signal_enter(t, SIGUSR1, sigbit(SIGUSR1)));
    fe_lock(t, &A);
    fe_unlock(t, &A);
    ul_on_signal_exit(t, false);
    ul_engine_flush_deferred(t);
    cr_assert_eq(fe_nreports, 0);
    ul_on_signal_mask(t, unblock ? 0 : sigbit(SIGUSR1), true);
    fe_lock(t, &A);
    fe_unlock(t, &A);
}

Test(acquire_cache, control_same_mask_stays_consistent)
{
    cached_with_mask(false);
    cr_assert_eq(fe_nreports, 0);
}

Test(acquire_cache, a_newly_unblocked_signal_is_seen_on_a_cached_acquisition)
{
    cached_with_mask(true);
    cr_assert_eq(fe_count(UL_P_INCONSISTENT_STATE), 1);
}

/* The other order: cached in thread context with every signal able to arrive, then taken
 * in a handler in the same chain position (chain key and depth): the handler's signal is
 * new for the class. */
Test(acquire_cache, a_cached_acquisition_in_a_handler_marks_the_signal)
{
    t = fe_setup("");
    fe_init(t, &A, UL_KIND_MUTEX);
    fe_lock(t, &A);
    fe_unlock(t, &A);
    cr_assert(ul_on_signal_enter(t, SIGUSR2, sigbit(SIGUSR2)));
    cr_assert_not(cached(t, &A, UL_WRITE, 0), "the handler's signal is not known to the entry");
    fe_lock(t, &A);
    fe_unlock(t, &A);
    cr_assert(cached(t, &A, UL_WRITE, 0), "now it is");
    ul_on_signal_exit(t, false);
    ul_engine_flush_deferred(t);
    cr_assert_eq(fe_count(UL_P_INCONSISTENT_STATE), 1);
}

/* A handler's acquisition of A, cached, while the thread holds B; later the thread holds A
 * itself and the handler takes A again: a cache hit, but the same-class check still finds
 * the held instance: recursive locking (the handler would deadlock on its own thread). */
static void handler_relocks(bool thread_holds_a)
{
    t = fe_setup("");
    fe_init(t, &A, UL_KIND_MUTEX);
    fe_init(t, &B, UL_KIND_MUTEX);
    ul_on_signal_mask(t, sigbit(SIGUSR1), true);
    fe_lock(t, &B);
    for (int i = 0; i < 2; i++) {
        cr_assert(ul_on_signal_enter(t, SIGUSR1, sigbit(SIGUSR1)));
        fe_lock(t, &A);
        fe_unlock(t, &A);
        ul_on_signal_exit(t, false);
    }
    fe_lock(t, thread_holds_a ? (void *)&A : (void *)&C); /* B held too: same depth as before */
    cr_assert(ul_on_signal_enter(t, SIGUSR1, sigbit(SIGUSR1)));
    cr_assert(cached(t, &A, UL_WRITE, 0));
    fe_acq(t, &A, UL_KIND_MUTEX, UL_WRITE, 0);
    ul_on_signal_exit(t, false);
    ul_engine_flush_deferred(t);
}

Test(acquire_cache, control_handler_takes_a_lock_the_thread_does_not_hold)
{
    handler_relocks(false);
    cr_assert_eq(fe_count(UL_P_RECURSIVE), 0);
}

Test(acquire_cache, a_cached_acquisition_still_sees_the_held_instance)
{
    handler_relocks(true);
    cr_assert_eq(fe_count(UL_P_RECURSIVE), 1);
}

/* ---- same-class nesting --------------------------------------------------------------- */

/* Two instances of one class (one init site) nested a1 -> a2 many times, then a2 -> a1:
 * the instance-level order is checked on cached acquisitions too. */
static void same_class_pair(bool invert)
{
    t = fe_setup("");
    static int a1, a2;
    fe_init_at(t, &a1, UL_KIND_MUTEX, 0x7000);
    fe_init_at(t, &a2, UL_KIND_MUTEX, 0x7000);
    cr_assert_eq(fe_cls(&a1), fe_cls(&a2));
    for (int i = 0; i < 3; i++)
        fe_lock_unlock_2(t, &a1, &a2);
    fe_lock(t, &a1);
    cr_assert(cached(t, &a2, UL_WRITE, 0));
    fe_unlock(t, &a1);
    if (invert)
        fe_lock_unlock_2(t, &a2, &a1);
    else
        fe_lock_unlock_2(t, &a1, &a2);
}

Test(acquire_cache, control_consistent_same_class_order)
{
    same_class_pair(false);
    cr_assert_eq(fe_nreports, 0);
}

Test(acquire_cache, same_class_inversion_after_cached_nesting)
{
    same_class_pair(true);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
    cr_assert(fe_get(UL_P_CIRCULAR, 0)->instance_level);
}

/* The entry for `lock` at the thread's current chain key. */
static struct ul_acache_entry *entry_of(struct ul_thread *th, void *lock)
{
    return ul_acache_find(th, (uintptr_t)lock, UL_WRITE, 0);
}

static int s1, s2, s3;

/* Three instances of one class, nested in address order many times. */
static void same_class_three(void)
{
    t = fe_setup("");
    fe_init_at(t, &s1, UL_KIND_MUTEX, 0x7100);
    fe_init_at(t, &s2, UL_KIND_MUTEX, 0x7100);
    fe_init_at(t, &s3, UL_KIND_MUTEX, 0x7100);
    for (int i = 0; i < 3; i++) {
        fe_lock(t, &s1);
        fe_lock(t, &s2);
        fe_lock(t, &s3);
        fe_unlock(t, &s3);
        fe_unlock(t, &s2);
        fe_unlock(t, &s1);
    }
}

/* The same-class verdict is remembered for the held stack that passed it: a repeated
 * nesting in one class skips the walk of the held stack. */
Test(acquire_cache, a_same_class_nesting_is_remembered_for_its_held_stack)
{
    same_class_three();
    cr_assert_eq(t->ikey, UL_IKEY_INITIAL, "balanced lock/unlock leaves the held-stack key as it was");
    fe_lock(t, &s1);
    fe_lock(t, &s2);
    struct ul_acache_entry *e = entry_of(t, &s3);
    cr_assert(e);
    cr_assert_eq(e->same_ikey, t->ikey, "s3 under s1, s2: remembered");
    fe_unlock(t, &s2);
    e = entry_of(t, &s3); /* s3 under s1 alone: another stack, another entry (chain key) */
    cr_assert(!e || e->same_ikey != t->ikey);
    fe_unlock(t, &s1);
    cr_assert_eq(fe_nreports, 0);
}

/* The same chain key (one class held twice) with other instances held: the relock of a
 * held instance is still found, though the entry passed the checks with s1, s2 held. */
Test(acquire_cache, a_relock_behind_a_remembered_stack_is_still_reported)
{
    same_class_three();
    fe_lock(t, &s2);
    fe_lock(t, &s3);
    cr_assert(entry_of(t, &s3) == NULL || entry_of(t, &s3)->same_ikey != t->ikey);
    fe_acq(t, &s3, UL_KIND_MUTEX, UL_WRITE, 0); /* (chain: class twice) -> s3 again */
    cr_assert_eq(fe_count(UL_P_RECURSIVE), 1, "s3 relocked under s2, s3");
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 0);
}

/* The control: the same chain key, s1 and s2 held as when remembered: nothing to report. */
Test(acquire_cache, control_the_remembered_stack_again)
{
    same_class_three();
    fe_lock(t, &s1);
    fe_lock(t, &s2);
    fe_lock(t, &s3);
    cr_assert_eq(fe_nreports, 0);
}

/* A class gaining a second live lock changes which held locks are gates: the epoch moves
 * and the remembered verdicts are dropped. */
Test(acquire_cache, a_class_turning_multi_clears_the_remembered_verdicts)
{
    same_class_three();
    static int g1, g2;
    fe_init_at(t, &g1, UL_KIND_MUTEX, 0x7200);
    fe_lock(t, &s1);
    fe_lock(t, &s2);
    cr_assert_eq(entry_of(t, &s3)->same_ikey, t->ikey);
    uint32_t epoch = atomic_load(&ul_instance_epoch);
    fe_init_at(t, &g2, UL_KIND_MUTEX, 0x7200); /* g's class: two live locks now */
    cr_assert_neq(atomic_load(&ul_instance_epoch), epoch);
    struct ul_acache_entry *e = entry_of(t, &s3);
    cr_assert(e, "the instance is still there: revalidated");
    cr_assert_eq(e->same_ikey, 0, "but the same-class verdict is dropped");
}

/* An out-of-order release re-keys the locks above it: the held-stack key is what pushing
 * the remaining locks in order gives. */
Test(acquire_cache, an_out_of_order_release_rekeys_the_held_stack)
{
    t = fe_setup("");
    fe_init(t, &A, UL_KIND_MUTEX);
    fe_init(t, &B, UL_KIND_MUTEX);
    fe_init(t, &C, UL_KIND_MUTEX);
    fe_lock(t, &A);
    fe_lock(t, &B);
    fe_lock(t, &C);
    fe_unlock(t, &B);
    uint64_t want = ul_ikey_next(ul_ikey_next(UL_IKEY_INITIAL, (uintptr_t)&A, UL_WRITE, 0, 0, 0), (uintptr_t)&C,
                                 UL_WRITE, 0, 0, 0);
    cr_assert_eq(t->ikey, want);
    cr_assert_eq(t->held[1].prev_ikey, t->held[0].prev_ikey == UL_IKEY_INITIAL ?
                 ul_ikey_next(UL_IKEY_INITIAL, (uintptr_t)&A, UL_WRITE, 0, 0, 0) : 0);
    fe_unlock(t, &C);
    fe_unlock(t, &A);
    cr_assert_eq(t->ikey, UL_IKEY_INITIAL);
}

/* A recursive mutex relocked: merged (a reference), not pushed, also when cached. */
Test(acquire_cache, recursive_mutex_relock_is_merged)
{
    t = fe_setup("");
    fe_init(t, &A, UL_KIND_MUTEX);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(fe_acq(t, &A, UL_KIND_MUTEX, UL_WRITE, UL_F_RECURSIVE), UL_T_PUSHED);
        cr_assert_eq(fe_acq(t, &A, UL_KIND_MUTEX, UL_WRITE, UL_F_RECURSIVE), UL_T_REF);
        cr_assert_eq(t->depth, 1);
        cr_assert_eq(t->held[0].refs, 1);
        fe_unlock(t, &A);
        fe_unlock(t, &A);
        cr_assert_eq(t->depth, 0);
    }
    cr_assert_eq(fe_nreports, 0);
}

/* ---- ignored classes ------------------------------------------------------------------ */

static bool ignore_named(const struct ul_class *cls, const char *inst_name)
{
    return inst_name && strcmp(inst_name, "ignore me") == 0;
}

/* ulockdep_set_name() on a lock already in use, with a suppression that ignores it by
 * that name: the class becomes ignored after its acquisitions were cached. */
static void named_after_cached(const char *name)
{
    t = fe_setup("");
    static const struct ul_env env = { .ignore_class = ignore_named }; /* no reports expected */
    ul_engine_setup(&env);
    fe_init(t, &A, UL_KIND_MUTEX);
    fe_lock(t, &A);
    fe_unlock(t, &A);
    cr_assert(cached(t, &A, UL_WRITE, 0));
    ul_on_set_name(t, &A, name);
}

Test(acquire_cache, control_a_named_class_is_still_traced)
{
    named_after_cached("keep me");
    cr_assert_eq(fe_acq(t, &A, UL_KIND_MUTEX, UL_WRITE, 0), UL_T_PUSHED);
    cr_assert_eq(t->depth, 1);
}

Test(acquire_cache, a_class_ignored_after_it_was_cached_is_not_traced)
{
    named_after_cached("ignore me");
    cr_assert_not(cached(t, &A, UL_WRITE, 0));
    cr_assert_eq(fe_acq(t, &A, UL_KIND_MUTEX, UL_WRITE, 0), UL_T_NONE);
    cr_assert_eq(t->depth, 0);
}

/* ---- the inline release ---------------------------------------------------------------- */

Test(acquire_cache, release_top_pops_only_the_top_of_this_context)
{
    t = fe_setup("");
    fe_init(t, &A, UL_KIND_MUTEX);
    fe_init(t, &B, UL_KIND_MUTEX);
    fe_lock(t, &A);
    fe_lock(t, &B);
    cr_assert_not(ul_release_top(t, (uintptr_t)&A), "not the top");
    cr_assert(ul_release_top(t, (uintptr_t)&B));
    cr_assert_eq(t->depth, 1);
    ul_on_signal_mask(t, 0, true);
    cr_assert(ul_on_signal_enter(t, SIGUSR1, 0));
    cr_assert_not(ul_release_top(t, (uintptr_t)&A), "held by the interrupted context");
    ul_on_signal_exit(t, false);
    cr_assert(ul_release_top(t, (uintptr_t)&A));
    cr_assert_eq(t->depth, 0);
    cr_assert_eq(t->chain_key, UL_CHAIN_INITIAL);
    for (unsigned k = 0; k < UL_CLASS_BLOOM; k++)
        cr_assert_eq(t->class_count[k], 0);
}
