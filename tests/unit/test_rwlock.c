/* Reader/writer semantics through the engine (the kernel selftests' rwlock rows): recursive
 * readers (UL_RREAD, rwlock_t read_lock), non-recursive readers (UL_READ, rwsem down_read)
 * and writers, including the three-lock read-recursion table over all event orders. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>

#include "test_fake_env.c"

#define W UL_WRITE
#define R UL_RREAD
#define N UL_READ

static struct ul_thread *t;
static int X, Y, Z;

static void setup_xyz(void)
{
    t = fe_setup("");
    fe_init(t, &X, UL_KIND_RWLOCK);
    fe_init(t, &Y, UL_KIND_RWLOCK);
    fe_init(t, &Z, UL_KIND_RWLOCK);
}

/* Hold a in mode ma, take b in mode mb, release both. */
static void nest(void *a, unsigned ma, void *b, unsigned mb)
{
    fe_acq(t, a, UL_KIND_RWLOCK, ma, 0);
    fe_acq(t, b, UL_KIND_RWLOCK, mb, 0);
    fe_unlock(t, b);
    fe_unlock(t, a);
    cr_assert_eq(t->depth, 0);
}

/* ---- the three-lock table, every order of its three events ------------------------- */

struct ev {
    int from, to;            /* 1..3 */
    unsigned from_mode, to_mode;
};

struct table_case {
    const char *name;
    struct ev ev[3];
    bool deadlock;
};

static const struct table_case table[] = {
    { "W1R2/W2R3/W3R1", { { 1, 2, W, R }, { 2, 3, W, R }, { 3, 1, W, R } }, true },
    { "W1W2/R2R3/W3R1", { { 1, 2, W, W }, { 2, 3, R, R }, { 3, 1, W, R } }, true },
    { "W1W2/R2R3/R3W1", { { 1, 2, W, W }, { 2, 3, R, R }, { 3, 1, R, W } }, false },
    { "W1R2/R2R3/W3W1", { { 1, 2, W, R }, { 2, 3, R, R }, { 3, 1, W, W } }, false },
};

struct table_param {
    int tcase;
    int order[3];
};

ParameterizedTestParameters(rwlock, three_lock_read_recursion)
{
    static struct table_param params[4 * 6];
    static const int perms[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
    for (int c = 0; c < 4; c++)
        for (int p = 0; p < 6; p++)
            params[c * 6 + p] = (struct table_param){ c, { perms[p][0], perms[p][1], perms[p][2] } };
    return cr_make_param_array(struct table_param, params, 4 * 6);
}

ParameterizedTest(struct table_param *p, rwlock, three_lock_read_recursion)
{
    setup_xyz();
    int *locks[4] = { NULL, &X, &Y, &Z };
    const struct table_case *c = &table[p->tcase];
    char what[64];
    snprintf(what, sizeof what, "%s, events in order %d%d%d", c->name, p->order[0] + 1, p->order[1] + 1,
             p->order[2] + 1);
    for (int i = 0; i < 3; i++) {
        const struct ev *e = &c->ev[p->order[i]];
        nest(locks[e->from], e->from_mode, locks[e->to], e->to_mode);
        if (i < 2)
            cr_assert_eq(fe_nreports, 0, "%s: report before the third event", what);
    }
    if (c->deadlock) {
        cr_assert_eq(fe_nreports, 1, "%s: %u reports, want 1", what, fe_nreports);
        const struct fe_report *r = fe_get(UL_P_CIRCULAR, 0);
        cr_assert_eq(r->ncycle, 3, "%s", what);
        cr_assert(r->cycle_linked, "%s", what);
        const struct ev *last = &c->ev[p->order[2]];
        cr_assert_eq(r->holding_addr, (uintptr_t)locks[last->from], "%s", what);
        cr_assert_eq(r->target_addr, (uintptr_t)locks[last->to], "%s", what);
        cr_assert_eq(r->holding_mode, last->from_mode, "%s", what);
        cr_assert_eq(r->target_mode, last->to_mode, "%s", what);
    } else {
        cr_assert_eq(fe_nreports, 0, "%s: %u reports, want none", what, fe_nreports);
    }
    cr_assert_eq(fe_stats().edges, 3, "%s", what);
}

/* ---- two-lock ABBA variants --------------------------------------------------------- */

Test(rwlock, read_read_ABBA_recursive_readers, .init = setup_xyz)
{
    nest(&X, R, &Y, R);
    nest(&Y, R, &X, R);
    cr_assert_eq(fe_nreports, 0);
}

Test(rwlock, read_read_ABBA_non_recursive_readers, .init = setup_xyz)
{
    nest(&X, N, &Y, N);
    nest(&Y, N, &X, N);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
    cr_assert_eq(fe_nreports, 1);
    cr_assert_eq(fe_get(UL_P_CIRCULAR, 0)->ncycle, 2);
}

/* "mixed read-lock/lock-read ABBA": SUCCESS for rwlock, FAILURE for rwsem. */
Test(rwlock, mixed_read_lock_lock_read_ABBA_recursive, .init = setup_xyz)
{
    nest(&X, R, &Y, W);
    nest(&Y, W, &X, R);
    cr_assert_eq(fe_nreports, 0);
}

Test(rwlock, mixed_read_lock_lock_read_ABBA_non_recursive, .init = setup_xyz)
{
    nest(&X, N, &Y, W);
    nest(&Y, W, &X, N);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
    cr_assert_eq(fe_nreports, 1);
}

/* "mixed read-lock/lock-write ABBA": FAILURE for both. */
Test(rwlock, mixed_read_lock_lock_write_ABBA_recursive, .init = setup_xyz)
{
    nest(&X, R, &Y, W);
    nest(&Y, W, &X, W);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
    cr_assert_eq(fe_nreports, 1);
    const struct fe_report *r = fe_get(UL_P_CIRCULAR, 0);
    cr_assert_eq(r->target_mode, W);
    cr_assert_eq(r->cycle_dep[0], UL_DEP_EN);   /* Y (write) -> X (write) */
    cr_assert_eq(r->cycle_dep[1], UL_DEP_SN);   /* X (read) -> Y (write) */
}

Test(rwlock, mixed_read_lock_lock_write_ABBA_non_recursive, .init = setup_xyz)
{
    nest(&X, N, &Y, W);
    nest(&Y, W, &X, W);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
    cr_assert_eq(fe_nreports, 1);
}

/* "mixed write-lock/lock-write ABBA". */
Test(rwlock, write_write_ABBA, .init = setup_xyz)
{
    nest(&X, W, &Y, W);
    nest(&Y, W, &X, W);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
    cr_assert_eq(fe_nreports, 1);
}

/* Writer held, recursive reader taken, both ways: W(X) R(Y) / W(Y) R(X) deadlocks (each
 * reader waits for the other's writer). */
Test(rwlock, write_then_recursive_read_ABBA, .init = setup_xyz)
{
    nest(&X, W, &Y, R);
    nest(&Y, W, &X, R);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
}

/* "chain cached mixed R-L/L-W ABBA": read-ness is part of the chain key, so the cached
 * chain Y -> X(R) must not hide Y -> X(W). */
Test(rwlock, chain_cached_mixed_RL_LW_ABBA, .init = setup_xyz)
{
    nest(&X, R, &Y, W);
    nest(&Y, W, &X, R);
    nest(&X, R, &Y, W);
    cr_assert_eq(fe_nreports, 0);
    struct ul_engine_stats before = fe_stats();
    nest(&Y, W, &X, R);
    cr_assert_eq(fe_stats().slow_paths, before.slow_paths, "Y -> X(R) is a cached chain");
    nest(&Y, W, &X, W);   /* should fail */
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
    cr_assert_eq(fe_nreports, 1);
    cr_assert_eq(fe_get(UL_P_CIRCULAR, 0)->target_mode, W);
}

/* The same with non-recursive and recursive reads: READ and RREAD are different chains. */
Test(rwlock, chain_key_tells_read_from_recursive_read, .init = setup_xyz)
{
    nest(&X, R, &Y, W);
    nest(&Y, W, &X, R);
    cr_assert_eq(fe_nreports, 0);
    nest(&Y, W, &X, N);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
}

/* ---- two instances of one class (instance graph) ------------------------------------ */

static int r1, r2;

static void setup_one_class(void)
{
    t = fe_setup("");
    fe_init_at(t, &r1, UL_KIND_RWLOCK, 0xa000);
    fe_init_at(t, &r2, UL_KIND_RWLOCK, 0xa000);
    cr_assert_eq(fe_cls(&r1), fe_cls(&r2));
}

Test(rwlock, same_class_recursive_readers_inverted_is_fine, .init = setup_one_class)
{
    nest(&r1, R, &r2, R);
    nest(&r2, R, &r1, R);
    cr_assert_eq(fe_nreports, 0);
}

Test(rwlock, same_class_read_then_write_inverted_is_an_instance_cycle, .init = setup_one_class)
{
    nest(&r1, R, &r2, W);
    nest(&r2, W, &r1, W);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
    cr_assert(fe_get(UL_P_CIRCULAR, 0)->instance_level);
}

Test(rwlock, same_class_mixed_read_lock_lock_read_is_fine, .init = setup_one_class)
{
    nest(&r1, R, &r2, W);
    nest(&r2, W, &r1, R);
    cr_assert_eq(fe_nreports, 0);
}

/* ---- same lock twice ---------------------------------------------------------------- */

/* "recursive read-lock" AA1: rwlock SUCCESS, rwsem FAILURE. */
Test(rwlock, recursive_read_after_read_is_fine, .init = setup_xyz)
{
    fe_acq(t, &X, UL_KIND_RWLOCK, R, 0);
    fe_acq(t, &X, UL_KIND_RWLOCK, R, 0);
    fe_acq(t, &X, UL_KIND_RWLOCK, R, 0);
    cr_assert_eq(fe_nreports, 0);
    cr_assert_eq(t->depth, 3);
    fe_unlock(t, &X);
    fe_unlock(t, &X);
    fe_unlock(t, &X);
    cr_assert_eq(t->depth, 0);
    cr_assert_not(fe_rel(t, &X));
}

Test(rwlock, non_recursive_read_after_read_is_recursive_locking, .init = setup_xyz)
{
    fe_acq(t, &X, UL_KIND_RWLOCK, N, 0);
    fe_acq(t, &X, UL_KIND_RWLOCK, N, 0);
    cr_assert_eq(fe_count(UL_P_RECURSIVE), 1);
    cr_assert_eq(fe_nreports, 1);
}

/* "mixed read-write-lock" AA2. */
Test(rwlock, write_after_read_is_recursive_locking, .init = setup_xyz)
{
    fe_acq(t, &X, UL_KIND_RWLOCK, R, 0);
    fe_acq(t, &X, UL_KIND_RWLOCK, W, 0);
    cr_assert_eq(fe_count(UL_P_RECURSIVE), 1);
    cr_assert_eq(fe_nreports, 1);
    const struct fe_report *r = fe_get(UL_P_RECURSIVE, 0);
    cr_assert_eq(r->holding_addr, (uintptr_t)&X);
    cr_assert_eq(r->target_addr, (uintptr_t)&X);
    cr_assert_eq(r->holding_mode, R);
    cr_assert_eq(r->target_mode, W);
}

/* "mixed write-read-lock" AA3. */
Test(rwlock, read_after_write_is_recursive_locking, .init = setup_xyz)
{
    fe_acq(t, &X, UL_KIND_RWLOCK, W, 0);
    fe_acq(t, &X, UL_KIND_RWLOCK, R, 0);
    cr_assert_eq(fe_count(UL_P_RECURSIVE), 1);
    cr_assert_eq(fe_nreports, 1);
}
