/* Lock classes: which locks share a class (init stack, class_depth, static storage,
 * class_by=instance, first use), and what nesting two instances of one class means. */
#include <criterion/criterion.h>

#include "lockclass.h"
#include "test_fake_env.c"

static struct ul_thread *t;

Test(classes, same_init_stack_same_class)
{
    t = fe_setup("");
    static int a1, a2, a3;
    fe_init_at(t, &a1, UL_KIND_MUTEX, 0x1000);
    fe_init_at(t, &a2, UL_KIND_MUTEX, 0x1000);
    fe_init_at(t, &a3, UL_KIND_MUTEX, 0x1000);
    cr_assert_neq(fe_cls(&a1), 0);
    cr_assert_eq(fe_cls(&a1), fe_cls(&a2));
    cr_assert_eq(fe_cls(&a1), fe_cls(&a3));
    cr_assert_eq(fe_stats().classes, 1);
    cr_assert_eq(fe_stats().instances, 3);
    const struct ul_class *c = ul_class_get(fe_cls(&a1));
    cr_assert_eq(c->origin, UL_ORIGIN_INIT);
    cr_assert_eq(c->kind, UL_KIND_MUTEX);
}

Test(classes, different_init_stacks_different_classes)
{
    t = fe_setup("");
    static int a, b;
    fe_init_at(t, &a, UL_KIND_MUTEX, 0x1000);
    fe_init_at(t, &b, UL_KIND_MUTEX, 0x2000);
    cr_assert_neq(fe_cls(&a), fe_cls(&b));
    /* So an inversion between them is a class-level cycle. */
    fe_lock_unlock_2(t, &a, &b);
    fe_lock_unlock_2(t, &b, &a);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
    cr_assert_not(fe_get(UL_P_CIRCULAR, 0)->instance_level);
}

Test(classes, same_class_consistent_nesting_is_fine)
{
    t = fe_setup("");
    static int acct[5];
    for (int i = 0; i < 5; i++)
        fe_init_at(t, &acct[i], UL_KIND_MUTEX, 0x1000);
    /* Accounts always locked in index order. */
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++)
            fe_lock_unlock_2(t, &acct[i], &acct[j]);
    fe_lock(t, &acct[0]);
    fe_lock(t, &acct[2]);
    fe_lock(t, &acct[4]);
    fe_unlock(t, &acct[4]);
    fe_unlock(t, &acct[2]);
    fe_unlock(t, &acct[0]);
    cr_assert_eq(fe_nreports, 0);
    cr_assert_eq(fe_stats().edges, 0, "no class-level self edge");
    cr_assert_eq(fe_stats().instance_edges, 10);
}

Test(classes, same_class_inverted_nesting_is_an_instance_cycle)
{
    t = fe_setup("");
    static int a1, a2;
    fe_init_at(t, &a1, UL_KIND_MUTEX, 0x1000);
    fe_init_at(t, &a2, UL_KIND_MUTEX, 0x1000);
    fe_lock_unlock_2(t, &a1, &a2);
    cr_assert_eq(fe_nreports, 0);
    fe_lock_unlock_2(t, &a2, &a1);
    cr_assert_eq(fe_nreports, 1);
    const struct fe_report *r = fe_get(UL_P_CIRCULAR, 0);
    cr_assert(r->instance_level);
    cr_assert_eq(r->ncycle, 2);
    cr_assert(r->cycle_linked);
    cr_assert_eq(r->holding_addr, (uintptr_t)&a2);
    cr_assert_eq(r->target_addr, (uintptr_t)&a1);
    cr_assert_eq(r->holding_cls, r->target_cls);
    cr_assert_eq(r->cycle_addr[0], (uintptr_t)&a2);
    cr_assert_eq(r->cycle_addr[1], (uintptr_t)&a1);
    /* Reported once. */
    fe_lock_unlock_2(t, &a2, &a1);
    fe_lock_unlock_2(t, &a1, &a2);
    cr_assert_eq(fe_nreports, 1);
}

/* Dining philosophers: three forks of one class, each taken left then right. */
Test(classes, dining_philosophers)
{
    t = fe_setup("");
    static int fork[3];
    for (int i = 0; i < 3; i++)
        fe_init_at(t, &fork[i], UL_KIND_MUTEX, 0x1000);
    fe_lock_unlock_2(t, &fork[0], &fork[1]);
    fe_lock_unlock_2(t, &fork[1], &fork[2]);
    cr_assert_eq(fe_nreports, 0);
    fe_lock_unlock_2(t, &fork[2], &fork[0]);
    cr_assert_eq(fe_nreports, 1);
    const struct fe_report *r = fe_get(UL_P_CIRCULAR, 0);
    cr_assert(r->instance_level);
    cr_assert_eq(r->ncycle, 3);
    cr_assert(r->cycle_linked);
    cr_assert_eq(r->cycle_addr[0], (uintptr_t)&fork[2]);
    cr_assert_eq(r->cycle_addr[1], (uintptr_t)&fork[0]);
    cr_assert_eq(r->cycle_addr[2], (uintptr_t)&fork[1]);
}

/* Two stacks that share their top frame (the direct caller of *_init) but not the next. */
static const uintptr_t stack1[] = { 0x1111, 0xaaaa, 0x9999 };
static const uintptr_t stack2[] = { 0x1111, 0xbbbb, 0x9999 };

static void init_with(void *lock, const uintptr_t *pcs)
{
    fe_set_stack(pcs, 3);
    ul_on_init(t, lock, UL_KIND_MUTEX);
}

Test(classes, class_depth_1_uses_only_the_top_frame)
{
    t = fe_setup("class_depth=1");
    static int a, b;
    init_with(&a, stack1);
    init_with(&b, stack2);
    cr_assert_eq(fe_cls(&a), fe_cls(&b));
}

Test(classes, class_depth_2_uses_two_frames)
{
    t = fe_setup("class_depth=2");
    static int a, b, c;
    init_with(&a, stack1);
    init_with(&b, stack2);
    cr_assert_neq(fe_cls(&a), fe_cls(&b));
    /* The third frame differs: ignored at depth 2. */
    static const uintptr_t stack3[] = { 0x1111, 0xaaaa, 0x7777 };
    init_with(&c, stack3);
    cr_assert_eq(fe_cls(&a), fe_cls(&c));
}

Test(classes, class_depth_is_the_default_2)
{
    t = fe_setup("");
    static int a, b;
    init_with(&a, stack1);
    init_with(&b, stack2);
    cr_assert_neq(fe_cls(&a), fe_cls(&b));
}

Test(classes, class_depth_3)
{
    t = fe_setup("class_depth=3");
    static int a, c;
    static const uintptr_t stack3[] = { 0x1111, 0xaaaa, 0x7777 };
    init_with(&a, stack1);
    init_with(&c, stack3);
    cr_assert_neq(fe_cls(&a), fe_cls(&c));
}

/* Frames not captured cannot tell classes apart: stack_depth=1 caps what class_depth sees. */
Test(classes, stack_depth_caps_the_frames_captured)
{
    t = fe_setup("stack_depth=1:class_depth=2");
    static int a, b;
    init_with(&a, stack1);
    init_with(&b, stack2);
    cr_assert_eq(fe_cls(&a), fe_cls(&b));
}

/* The kernel's rule: a lock initialised at run time belongs to its init site's class,
 * whatever its storage (MariaDB initialises a static array of mutexes in a loop). */
Test(classes, static_locks_of_one_init_site_are_one_class)
{
    t = fe_setup("");
    static int s1, s2, h1, h2;
    fe_set_static_range((uintptr_t)&s1, (uintptr_t)&s1 + sizeof s1);
    fe_init_at(t, &s1, UL_KIND_MUTEX, 0x1000);
    fe_set_static_range((uintptr_t)&s2, (uintptr_t)&s2 + sizeof s2);
    fe_init_at(t, &s2, UL_KIND_MUTEX, 0x1000);
    fe_set_static_range(0, 0);
    fe_init_at(t, &h1, UL_KIND_MUTEX, 0x1000);
    fe_init_at(t, &h2, UL_KIND_MUTEX, 0x1000);
    cr_assert_eq(fe_cls(&s1), fe_cls(&s2), "same init stack: one class, static or not");
    cr_assert_eq(fe_cls(&s1), fe_cls(&h1));
    cr_assert_eq(fe_cls(&h1), fe_cls(&h2));
    const struct ul_class *c = ul_class_get(fe_cls(&s1));
    cr_assert_eq(c->origin, UL_ORIGIN_INIT);
    cr_assert_eq(c->static_addr, (uintptr_t)&s1, "the first static lock names the class");
    cr_assert_eq(c->instances, 4);
    cr_assert(c->multi);
    static int s3;
    fe_set_static_range((uintptr_t)&s3, (uintptr_t)&s3 + sizeof s3);
    fe_init_at(t, &s3, UL_KIND_MUTEX, 0x2000);
    fe_set_static_range(0, 0);
    cr_assert_neq(fe_cls(&s3), fe_cls(&s1), "another init site, another class");
}

/* A static lock destroyed and initialised again at the same site keeps its class (and its
 * history), as a kernel lock re-initialised by the same mutex_init does. */
Test(classes, static_lock_reinit_at_the_same_site_keeps_its_class)
{
    t = fe_setup("");
    static int s;
    fe_set_all_static(true);
    fe_init_at(t, &s, UL_KIND_MUTEX, 0x1000);
    uint32_t c1 = fe_cls(&s);
    ul_on_destroy(t, &s, sizeof s);
    cr_assert_eq(fe_cls(&s), 0);
    fe_init_at(t, &s, UL_KIND_MUTEX, 0x1000);
    cr_assert_eq(fe_cls(&s), c1);
    cr_assert_eq(ul_class_get(c1)->origin, UL_ORIGIN_INIT);
    cr_assert_not(ul_class_get(c1)->multi, "never two live locks at once");
    fe_init_at(t, &s, UL_KIND_MUTEX, 0x3000);
    cr_assert_neq(fe_cls(&s), c1, "initialised at another site: that site's class");
}

/* A static lock used without any init (PTHREAD_MUTEX_INITIALIZER). */
Test(classes, static_lock_first_use)
{
    t = fe_setup("");
    static int s1, s2;
    fe_set_all_static(true);
    fe_lock(t, &s1);
    fe_lock(t, &s2);
    fe_unlock(t, &s2);
    fe_unlock(t, &s1);
    cr_assert_neq(fe_cls(&s1), fe_cls(&s2));
    cr_assert_eq(ul_class_get(fe_cls(&s1))->origin, UL_ORIGIN_STATIC);
    cr_assert_eq(fe_stats().edges, 1);
}

Test(classes, class_by_instance_every_lock_its_own_class)
{
    t = fe_setup("class_by=instance");
    static int a1, a2, a3;
    fe_init_at(t, &a1, UL_KIND_MUTEX, 0x1000);
    fe_init_at(t, &a2, UL_KIND_MUTEX, 0x1000);
    fe_lock(t, &a3);   /* first use, no init */
    fe_unlock(t, &a3);
    cr_assert_neq(fe_cls(&a1), fe_cls(&a2));
    cr_assert_neq(fe_cls(&a1), fe_cls(&a3));
    cr_assert_neq(fe_cls(&a2), fe_cls(&a3));
    cr_assert_eq(ul_class_get(fe_cls(&a1))->origin, UL_ORIGIN_INSTANCE);
    /* An inversion between them is a class-level cycle (no instance graph involved). */
    fe_lock_unlock_2(t, &a1, &a2);
    fe_lock_unlock_2(t, &a2, &a1);
    cr_assert_eq(fe_count(UL_P_CIRCULAR), 1);
    cr_assert_not(fe_get(UL_P_CIRCULAR, 0)->instance_level);
}

/* Never initialised by a call: the class is the first acquisition's stack. */
Test(classes, first_use_class_is_the_first_use_stack)
{
    t = fe_setup("");
    static int a, b, c;
    fe_set_site(0x3000);
    fe_lock(t, &a);
    fe_unlock(t, &a);
    fe_set_site(0x3000);
    fe_lock(t, &b);
    fe_unlock(t, &b);
    fe_set_site(0x4000);
    fe_lock(t, &c);
    fe_unlock(t, &c);
    cr_assert_eq(fe_cls(&a), fe_cls(&b));
    cr_assert_neq(fe_cls(&a), fe_cls(&c));
    cr_assert_eq(ul_class_get(fe_cls(&a))->origin, UL_ORIGIN_FIRST_USE);
    /* Later acquisitions from elsewhere do not change it. */
    fe_set_site(0x5000);
    fe_lock(t, &a);
    fe_unlock(t, &a);
    cr_assert_eq(fe_cls(&a), fe_cls(&b));
}

Test(classes, kind_is_part_of_the_class)
{
    t = fe_setup("");
    static int m, rw, sp;
    fe_init_at(t, &m, UL_KIND_MUTEX, 0x1000);
    fe_init_at(t, &rw, UL_KIND_RWLOCK, 0x1000);
    fe_init_at(t, &sp, UL_KIND_SPIN, 0x1000);
    cr_assert_neq(fe_cls(&m), fe_cls(&rw));
    cr_assert_neq(fe_cls(&m), fe_cls(&sp));
    cr_assert_neq(fe_cls(&rw), fe_cls(&sp));
    cr_assert_eq(ul_class_get(fe_cls(&rw))->kind, UL_KIND_RWLOCK);
}

Test(classes, class_ids_are_dense_and_stable)
{
    t = fe_setup("");
    static int locks[100];
    for (int i = 0; i < 100; i++)
        fe_init(t, &locks[i], UL_KIND_MUTEX);
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(fe_cls(&locks[i]), (uint32_t)i + 1);
        cr_assert_eq(ul_class_get((uint32_t)i + 1)->id, (uint32_t)i + 1);
    }
    cr_assert_eq(ul_class_count(), 100);
    cr_assert_null(ul_class_get(0));
    cr_assert_null(ul_class_get(101));
}

Test(classes, usage_bits)
{
    t = fe_setup("");
    static int rw;
    fe_init(t, &rw, UL_KIND_RWLOCK);
    const struct ul_class *c = ul_class_get(fe_cls(&rw));
    cr_assert_eq(c->usage, 0);
    fe_acq(t, &rw, UL_KIND_RWLOCK, UL_RREAD, 0);
    fe_unlock(t, &rw);
    cr_assert_eq(c->usage, UL_USED_READ);
    fe_acq(t, &rw, UL_KIND_RWLOCK, UL_WRITE, 0);
    fe_unlock(t, &rw);
    cr_assert_eq(c->usage, UL_USED_READ | UL_USED_WRITE);
}
