/* engine/graph_export.h: the walk the shim uses to write graph files (graph_dir). Driven
 * through the unit tests' fake embedder (tests/unit/test_fake_env.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "graph.h"
#include "graph_export.h"
#include "lockclass.h"
#include "stackdepot.h"
#include "test_fake_env.c"

#define MAXREC 64

struct recorded {
    struct ul_export_class classes[MAXREC];
    struct ul_export_edge edges[MAXREC];
    unsigned nclasses, nedges;
};

static void on_class(void *arg, const struct ul_export_class *c)
{
    struct recorded *r = arg;
    cr_assert_lt(r->nclasses, MAXREC);
    r->classes[r->nclasses++] = *c;
}

static void on_edge(void *arg, const struct ul_export_edge *e)
{
    struct recorded *r = arg;
    cr_assert_lt(r->nedges, MAXREC);
    r->edges[r->nedges++] = *e;
}

static void export(struct recorded *r)
{
    memset(r, 0, sizeof *r);
    struct ul_export_sink sink = { .arg = r, .on_class = on_class, .on_edge = on_edge };
    ul_graph_export(&sink);
}

static const struct ul_export_edge *edge(const struct recorded *r, uint32_t from, uint32_t to)
{
    for (unsigned i = 0; i < r->nedges; i++)
        if (r->edges[i].from == from && r->edges[i].to == to)
            return &r->edges[i];
    return NULL;
}

Test(graph_export, empty_engine_exports_nothing)
{
    fe_setup("");
    struct recorded r;
    export(&r);
    cr_assert_eq(r.nclasses, 0);
    cr_assert_eq(r.nedges, 0);
    uint32_t nc;
    uint64_t ne;
    ul_graph_export_size(&nc, &ne);
    cr_assert_eq(nc, 0);
    cr_assert_eq(ne, 0);
}

Test(graph_export, classes_in_id_order_and_each_dependency_once)
{
    struct ul_thread *t = fe_setup("");
    static long a, b, c;
    fe_init_at(t, &a, UL_KIND_MUTEX, 0x1000);
    fe_init_at(t, &b, UL_KIND_MUTEX, 0x2000);
    fe_init_at(t, &c, UL_KIND_RWLOCK, 0x3000);
    fe_lock_unlock_2(t, &a, &b);
    fe_lock_unlock_2(t, &a, &b); /* the same dependency again */
    fe_lock(t, &b);
    fe_acq(t, &c, UL_KIND_RWLOCK, UL_RREAD, 0);
    fe_rel(t, &c);
    fe_unlock(t, &b);

    struct recorded r;
    export(&r);
    cr_assert_eq(r.nclasses, 3);
    for (unsigned i = 1; i < r.nclasses; i++)
        cr_assert_lt(r.classes[i - 1].id, r.classes[i].id);
    uint32_t ca = fe_cls(&a), cb = fe_cls(&b), cc = fe_cls(&c);
    cr_assert_eq(r.nedges, 2);
    const struct ul_export_edge *ab = edge(&r, ca, cb), *bc = edge(&r, cb, cc);
    cr_assert_not_null(ab);
    cr_assert_not_null(bc);
    cr_assert_eq(ab->dep, UL_DEP_EN);
    cr_assert_eq(bc->dep, UL_DEP_ER, "b held exclusively, c taken as a recursive reader");
    cr_assert_neq(ab->stack, 0);
    cr_assert_not_null(ul_stack_get(ab->stack));

    /* Each class carries what its cross-run identity is made of. */
    for (unsigned i = 0; i < r.nclasses; i++) {
        const struct ul_export_class *x = &r.classes[i];
        cr_assert_eq(x->origin, UL_ORIGIN_INIT);
        const struct ul_stack *site = ul_stack_get(x->site_stack);
        cr_assert_not_null(site);
        uintptr_t want = x->id == ca ? 0x1000 : x->id == cb ? 0x2000 : 0x3000;
        cr_assert_eq(site->pcs[0], want);
        cr_assert_eq(x->kind, x->id == cc ? UL_KIND_RWLOCK : UL_KIND_MUTEX);
        cr_assert_eq(x->parent, 0);
    }
    uint32_t nc;
    uint64_t ne;
    ul_graph_export_size(&nc, &ne);
    cr_assert_eq(nc, 3);
    cr_assert_eq(ne, 2);
}

Test(graph_export, static_locks_carry_their_address)
{
    struct ul_thread *t = fe_setup("");
    static long s1, s2;
    fe_set_static_range((uintptr_t)&s1, (uintptr_t)&s1 + sizeof s1);
    fe_lock_unlock_2(t, &s1, &s2);
    struct recorded r;
    export(&r);
    cr_assert_eq(r.nclasses, 2);
    for (unsigned i = 0; i < 2; i++) {
        const struct ul_export_class *x = &r.classes[i];
        if (x->id == fe_cls(&s1)) {
            cr_assert_eq(x->origin, UL_ORIGIN_STATIC);
            cr_assert_eq(x->static_addr, (uintptr_t)&s1);
        } else {
            cr_assert_eq(x->origin, UL_ORIGIN_FIRST_USE);
            cr_assert_eq(x->static_addr, 0);
        }
    }
}

Test(graph_export, subclass_names_its_parent)
{
    struct ul_thread *t = fe_setup("");
    static long p, q;
    fe_init(t, &p, UL_KIND_MUTEX);
    fe_init(t, &q, UL_KIND_MUTEX);
    fe_lock(t, &p);
    fe_acq(t, &q, UL_KIND_MUTEX, UL_WRITE, UL_F_SUBCLASS(1));
    fe_rel(t, &q);
    fe_unlock(t, &p);
    struct recorded r;
    export(&r);
    cr_assert_eq(r.nclasses, 3);
    const struct ul_export_class *sub = NULL;
    for (unsigned i = 0; i < r.nclasses; i++)
        if (r.classes[i].subclass)
            sub = &r.classes[i];
    cr_assert_not_null(sub);
    cr_assert_eq(sub->subclass, 1);
    cr_assert_eq(sub->parent, fe_cls(&q));
    cr_assert_not_null(edge(&r, fe_cls(&p), sub->id));
}
