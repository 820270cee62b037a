/* The fake embedder shared by the engine unit tests.
 *
 * Single-file helper: the test files #include it for its declarations; CMake compiles it once
 * with UL_FAKE_ENV_IMPL into the `ulockdep_unit_env` library for the definitions.
 *
 * It plays the part of the shim: a capture_stack that returns a stack the test chose (so
 * lock classes keyed by init stack are under the test's control), an is_static that answers
 * from an address range the test chose, and a report callback that records each problem as
 * plain data (the problem itself is only valid during the call).
 *
 * The engine keeps global state for the whole process. Criterion runs every test in its own
 * forked process, so each test starts from a clean engine: call fe_setup() first. */
#ifndef ULOCKDEP_TEST_FAKE_ENV
#define ULOCKDEP_TEST_FAKE_ENV

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "instance.h"
#include "problem.h"

#define FE_MAX_REPORTS 512
#define FE_MAX_CYCLE 128
#define FE_MAX_HELD 16
#define FE_IP 0x4000ul                 /* default acquisition/release site */

struct fe_report {
    enum ul_problem_kind kind;
    int tid;
    uint32_t target_cls, holding_cls;  /* class ids (0: none) */
    uintptr_t target_addr, holding_addr;
    uint8_t target_mode, holding_mode;
    bool target_trylock;
    bool instance_level;
    unsigned ncycle;
    /* circular: every step links to the next (cycle[i].to == cycle[i+1].from, by class and
     * address), cycle[0].from is `holding`, cycle[0].to is `target` and the last step ends
     * at `holding` again. */
    bool cycle_linked;
    uint32_t cycle_cls[FE_MAX_CYCLE];  /* class of cycle[i].from */
    uintptr_t cycle_addr[FE_MAX_CYCLE];/* address of cycle[i].from (0 when not known) */
    uint8_t cycle_dep[FE_MAX_CYCLE];
    uintptr_t mem_lo, mem_hi;
    unsigned nheld;
    uintptr_t held_addr[FE_MAX_HELD];
};

extern struct fe_report fe_reports[FE_MAX_REPORTS];
extern unsigned fe_nreports;     /* every report callback, including those past the array */
extern unsigned fe_oom_calls;    /* out_of_memory callbacks */
extern unsigned fe_stack_calls;  /* capture_stack callbacks */

/* Parses `options` (asserting there is no complaint), installs the fake env, clears the
 * recorders and returns the state of a thread with tid 1 (not main). */
struct ul_thread *fe_setup(const char *options);
/* Another thread's state (the engine state is per ul_thread; no real thread needed). */
struct ul_thread *fe_thread(int tid);

/* The stack the next capture_stack returns. */
void fe_set_stack(const uintptr_t *pcs, unsigned n);
/* A two-frame stack {site, FE_CALLER}: the "init call site" of a class. */
void fe_set_site(uintptr_t site);
/* Addresses in [lo, hi) are reported static; everything else heap. */
void fe_set_static_range(uintptr_t lo, uintptr_t hi);
void fe_set_all_static(bool on);

/* Initialise `lock` at a fresh, unique init site: its own class. */
void fe_init(struct ul_thread *t, void *lock, enum ul_lock_kind kind);
/* Initialise `lock` with the stack {site, FE_CALLER}. */
void fe_init_at(struct ul_thread *t, void *lock, enum ul_lock_kind kind, uintptr_t site);
uintptr_t fe_site_of(const void *lock); /* the site fe_init_at used for it, or 0 */

enum ul_token fe_acq(struct ul_thread *t, void *lock, enum ul_lock_kind kind, unsigned mode, unsigned flags);
bool fe_rel(struct ul_thread *t, void *lock);
void fe_lock(struct ul_thread *t, void *lock);      /* mutex, write, blocking */
void fe_unlock(struct ul_thread *t, void *lock);    /* asserts it was found held */
/* The kernel selftests' LOCK_UNLOCK_2(a, b): lock a, lock b, unlock b, unlock a. */
void fe_lock_unlock_2(struct ul_thread *t, void *a, void *b);

unsigned fe_count(enum ul_problem_kind kind);
/* The nth (0-based) recorded report of `kind`; asserts it exists. */
const struct fe_report *fe_get(enum ul_problem_kind kind, unsigned nth);
/* Class id of the live instance at `lock` (0 when none). */
uint32_t fe_cls(const void *lock);
struct ul_engine_stats fe_stats(void);

#define FE_CALLER ((uintptr_t)0xca11e500)

#endif /* ULOCKDEP_TEST_FAKE_ENV */

#ifdef UL_FAKE_ENV_IMPL
#undef UL_FAKE_ENV_IMPL

#include <criterion/criterion.h>
#include <string.h>

#include "options.h"

struct fe_report fe_reports[FE_MAX_REPORTS];
unsigned fe_nreports;
unsigned fe_oom_calls;
unsigned fe_stack_calls;

static uintptr_t stack_pcs[64] = { 0xdefa0001, FE_CALLER };
static unsigned stack_n = 2;
static uintptr_t static_lo, static_hi;
static uintptr_t next_site = 0x51700000;

static unsigned fake_capture_stack(uintptr_t *pcs, unsigned max)
{
    fe_stack_calls++;
    unsigned n = stack_n < max ? stack_n : max;
    memcpy(pcs, stack_pcs, n * sizeof *pcs);
    return n;
}

static bool fake_is_static(uintptr_t addr)
{
    return addr >= static_lo && addr < static_hi;
}

static uint32_t cls_id(const struct ul_class *c)
{
    return c ? c->id : 0;
}

static bool same_ref(const struct ul_lockref *a, const struct ul_lockref *b)
{
    return a->cls == b->cls && a->addr == b->addr;
}

static bool fake_report(const struct ul_problem *p)
{
    unsigned i = fe_nreports++;
    if (i >= FE_MAX_REPORTS)
        return true;
    struct fe_report *r = &fe_reports[i];
    memset(r, 0, sizeof *r);
    r->kind = p->kind;
    r->tid = p->tid;
    r->target_cls = cls_id(p->target.cls);
    r->holding_cls = cls_id(p->holding.cls);
    r->target_addr = p->target.addr;
    r->holding_addr = p->holding.addr;
    r->target_mode = p->target.mode;
    r->holding_mode = p->holding.mode;
    r->target_trylock = p->target.trylock;
    r->instance_level = p->instance_level;
    r->ncycle = p->ncycle;
    r->mem_lo = p->mem_lo;
    r->mem_hi = p->mem_hi;
    r->nheld = p->nheld;
    for (unsigned k = 0; k < p->nheld && k < FE_MAX_HELD; k++)
        r->held_addr[k] = p->held[k].addr;
    if (p->kind == UL_P_CIRCULAR && p->ncycle) {
        bool linked = same_ref(&p->cycle[0].from, &p->holding) && same_ref(&p->cycle[0].to, &p->target) &&
                      p->cycle[p->ncycle - 1].to.cls == p->holding.cls;
        for (unsigned k = 0; k < p->ncycle; k++) {
            if (k + 1 < p->ncycle && !same_ref(&p->cycle[k].to, &p->cycle[k + 1].from))
                linked = false;
            if (k < FE_MAX_CYCLE) {
                r->cycle_cls[k] = cls_id(p->cycle[k].from.cls);
                r->cycle_addr[k] = p->cycle[k].from.addr;
                r->cycle_dep[k] = p->cycle[k].dep;
            }
        }
        r->cycle_linked = linked;
    }
    return true;
}

static void fake_out_of_memory(void)
{
    fe_oom_calls++;
}

static void complain_fail(const char *line)
{
    cr_assert_fail("unexpected option complaint: %s", line);
}

struct ul_thread *fe_setup(const char *options)
{
    cr_assert_eq(ul_options_parse(options, complain_fail), 0);
    static const struct ul_env env = {
        .capture_stack = fake_capture_stack,
        .is_static = fake_is_static,
        .report = fake_report,
        .out_of_memory = fake_out_of_memory,
    };
    ul_engine_setup(&env);
    fe_nreports = fe_oom_calls = fe_stack_calls = 0;
    return fe_thread(1);
}

struct ul_thread *fe_thread(int tid)
{
    struct ul_thread *t = ul_thread_new(tid, false);
    cr_assert_not_null(t);
    return t;
}

void fe_set_stack(const uintptr_t *pcs, unsigned n)
{
    cr_assert_leq(n, sizeof stack_pcs / sizeof stack_pcs[0]);
    memcpy(stack_pcs, pcs, n * sizeof *pcs);
    stack_n = n;
}

void fe_set_site(uintptr_t site)
{
    uintptr_t pcs[2] = { site, FE_CALLER };
    fe_set_stack(pcs, 2);
}

void fe_set_static_range(uintptr_t lo, uintptr_t hi)
{
    static_lo = lo;
    static_hi = hi;
}

void fe_set_all_static(bool on)
{
    fe_set_static_range(0, on ? UINTPTR_MAX : 0);
}

/* The init site of each lock initialised through fe_init_at (the latest 64). */
static struct { void *lock; uintptr_t site; } init_sites[64];
static unsigned ninit_sites;

uintptr_t fe_site_of(const void *lock)
{
    for (unsigned i = ninit_sites; i-- > 0 && i + 64 >= ninit_sites;)
        if (init_sites[i % 64].lock == lock)
            return init_sites[i % 64].site;
    return 0;
}

void fe_init_at(struct ul_thread *t, void *lock, enum ul_lock_kind kind, uintptr_t site)
{
    init_sites[ninit_sites % 64].lock = lock;
    init_sites[ninit_sites % 64].site = site;
    ninit_sites++;
    fe_set_site(site);
    ul_on_init(t, lock, kind);
}

void fe_init(struct ul_thread *t, void *lock, enum ul_lock_kind kind)
{
    fe_init_at(t, lock, kind, next_site);
    next_site += 0x10;
}

enum ul_token fe_acq(struct ul_thread *t, void *lock, enum ul_lock_kind kind, unsigned mode, unsigned flags)
{
    return ul_on_acquire(t, lock, kind, mode, flags, FE_IP);
}

bool fe_rel(struct ul_thread *t, void *lock)
{
    return ul_on_release(t, lock, UL_KIND_MUTEX, UL_UNLOCK_UNKNOWN, FE_IP);
}

void fe_lock(struct ul_thread *t, void *lock)
{
    fe_acq(t, lock, UL_KIND_MUTEX, UL_WRITE, 0);
}

void fe_unlock(struct ul_thread *t, void *lock)
{
    cr_assert(fe_rel(t, lock), "lock %p was not held", lock);
}

void fe_lock_unlock_2(struct ul_thread *t, void *a, void *b)
{
    fe_lock(t, a);
    fe_lock(t, b);
    fe_unlock(t, b);
    fe_unlock(t, a);
}

unsigned fe_count(enum ul_problem_kind kind)
{
    unsigned n = 0;
    for (unsigned i = 0; i < fe_nreports && i < FE_MAX_REPORTS; i++)
        n += fe_reports[i].kind == kind;
    return n;
}

const struct fe_report *fe_get(enum ul_problem_kind kind, unsigned nth)
{
    unsigned seen = 0;
    for (unsigned i = 0; i < fe_nreports && i < FE_MAX_REPORTS; i++)
        if (fe_reports[i].kind == kind && seen++ == nth)
            return &fe_reports[i];
    cr_assert_fail("no report #%u of kind %d (%u of that kind)", nth, (int)kind, seen);
    return NULL;
}

uint32_t fe_cls(const void *lock)
{
    struct ul_instance *i = ul_instance_find((uintptr_t)lock);
    return i ? atomic_load(&i->cls)->id : 0;
}

struct ul_engine_stats fe_stats(void)
{
    struct ul_engine_stats s;
    ul_engine_stats(&s);
    return s;
}

#endif /* UL_FAKE_ENV_IMPL */
