/* lock_stat=1: per lock class, acquisitions, contentions (the lock was busy when tried, see
 * wait.c), total and longest wait, total and longest hold, like the kernel's
 * /proc/lock_stat and mutrace. Printed at exit, most contended classes first.
 *
 * Each thread counts into its own table (an open-addressing hash by class id) and keeps its
 * own stack of acquisition times, so nothing shared is written on a lock or unlock. A table
 * is merged into the process totals when its thread ends (a thread-specific destructor) and
 * read, with the live ones, at exit. Only the owner writes a table; readers take ls_lock,
 * which the owner also takes to grow it, so a reader never sees freed memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "glock.h"
#include "lockstat_order.h"
#include "lockclass.h"
#include "names.h"
#include "options.h"
#include "report.h"
#include "strbuf.h"
#include "wait.h"

struct ls_entry {
    uint32_t id;            /* class id + 1; 0: free slot */
    uint64_t acq, cont, wait_total, wait_max, hold_total, hold_max;
};

struct ls_table {
    struct ls_entry *slots;
    uint32_t mask;          /* slots - 1 (a power of two); no slots yet when slots is NULL */
    uint32_t used;
    uint32_t epoch;         /* changes when the slots move */
};

struct ls_hold {
    uintptr_t addr;
    struct ls_entry *e;     /* its class's counters, valid while the table's epoch is */
    uint32_t id, epoch;
    uint64_t since;         /* ul_stat_clock ticks */
};

struct ls_thread {
    struct ls_thread *next;  /* every record, live or free (ls_lock) */
    bool live;
    struct ls_table tab;
    struct ls_hold *holds;   /* this thread's held locks with their acquisition times */
    uint32_t nholds, hcap;
};

static struct ul_flock ls_lock;
static struct ls_thread *records;
static struct ls_table ended;        /* totals of the threads that ended */
static pthread_key_t ls_key;
static bool key_ok;
static bool dumped;
static UL_TLS struct ls_thread *me;
int ul_stat_tsc;
static uint64_t tick0, ns0;   /* ul_stat_clock and CLOCK_MONOTONIC at start-up */

/* Owner-only counters read racily by the aggregator: relaxed atomic loads and stores, never
 * a read-modify-write instruction. */
static inline void add(uint64_t *p, uint64_t v)
{
    __atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static inline void raise_max(uint64_t *p, uint64_t v)
{
    if (v > __atomic_load_n(p, __ATOMIC_RELAXED))
        __atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline uint32_t slot_of(uint32_t id, uint32_t mask)
{
    return (id * 0x9e3779b1u) & mask;
}

/* Rehashes into twice the room; `locked`: the caller holds ls_lock. */
static bool grow(struct ls_table *tab, bool locked)
{
    uint32_t cap = tab->slots ? (tab->mask + 1) * 2 : 64;
    struct ls_entry *n = ul_pages_alloc(cap * sizeof *n);
    if (!n)
        return false;
    for (uint32_t i = 0; tab->slots && i <= tab->mask; i++) {
        struct ls_entry *e = &tab->slots[i];
        if (!e->id)
            continue;
        uint32_t k = slot_of(e->id, cap - 1);
        while (n[k].id)
            k = (k + 1) & (cap - 1);
        n[k] = *e;
    }
    if (!locked)
        ul_flock_lock(&ls_lock);
    struct ls_entry *old = tab->slots;
    uint32_t old_cap = old ? tab->mask + 1 : 0;
    tab->slots = n;
    tab->mask = cap - 1;
    tab->epoch++;
    if (old)
        ul_pages_free(old, old_cap * sizeof *old);
    if (!locked)
        ul_flock_unlock(&ls_lock);
    return true;
}

static struct ls_entry *entry(struct ls_table *tab, uint32_t id, bool locked)
{
    if (tab->slots) {
        for (uint32_t k = slot_of(id, tab->mask);; k = (k + 1) & tab->mask) {
            struct ls_entry *e = &tab->slots[k];
            if (e->id == id)
                return e;
            if (!e->id)
                break;
        }
    }
    if ((!tab->slots || (tab->used + 1) * 2 > tab->mask + 1) && !grow(tab, locked))
        return NULL;
    uint32_t k = slot_of(id, tab->mask);
    while (tab->slots[k].id)
        k = (k + 1) & tab->mask;
    __atomic_store_n(&tab->slots[k].id, id, __ATOMIC_RELAXED);
    tab->used++;
    return &tab->slots[k];
}

static void merge(struct ls_table *into, const struct ls_table *from)
{
    for (uint32_t i = 0; from->slots && i <= from->mask; i++) {
        const struct ls_entry *s = &from->slots[i];
        uint32_t id = __atomic_load_n(&s->id, __ATOMIC_RELAXED);
        if (!id)
            continue;
        struct ls_entry *d = entry(into, id, true);
        if (!d)
            return;
        d->acq += __atomic_load_n(&s->acq, __ATOMIC_RELAXED);
        d->cont += __atomic_load_n(&s->cont, __ATOMIC_RELAXED);
        d->wait_total += __atomic_load_n(&s->wait_total, __ATOMIC_RELAXED);
        d->hold_total += __atomic_load_n(&s->hold_total, __ATOMIC_RELAXED);
        uint64_t wm = __atomic_load_n(&s->wait_max, __ATOMIC_RELAXED);
        uint64_t hm = __atomic_load_n(&s->hold_max, __ATOMIC_RELAXED);
        if (wm > d->wait_max)
            d->wait_max = wm;
        if (hm > d->hold_max)
            d->hold_max = hm;
    }
}

static void clear(struct ls_table *tab)
{
    if (tab->slots)
        memset(tab->slots, 0, (tab->mask + 1) * sizeof *tab->slots);
    tab->used = 0;
}

/* ---- per-thread records ---- */

static void thread_ended(void *p)
{
    struct ls_thread *r = p;
    int busy = ul_busy;
    ul_busy = 1;
    ul_flock_lock(&ls_lock);
    merge(&ended, &r->tab);
    clear(&r->tab);
    r->nholds = 0;
    r->live = false;
    ul_flock_unlock(&ls_lock);
    if (me == r)
        me = NULL;
    ul_busy = busy;
}

static struct ls_thread *self_record(struct ul_thread *t)
{
    if (ul_likely(me != NULL))
        return me;
    if (t->sig_depth || !key_ok) /* pthread_setspecific is not for signal handlers */
        return NULL;
    ul_flock_lock(&ls_lock);
    struct ls_thread *r = records;
    while (r && r->live)
        r = r->next;
    if (!r && (r = ul_pages_alloc(sizeof *r)) != NULL) {
        r->next = records;
        records = r;
    }
    if (r)
        r->live = true;
    ul_flock_unlock(&ls_lock);
    if (r) {
        me = r;
        pthread_setspecific(ls_key, r);
    }
    return r;
}

static const struct ul_class *class_of(const struct ul_thread *t, void *lock, enum ul_token tok)
{
    uint32_t d = t->depth;
    if (tok == UL_T_PUSHED && d && t->held[d - 1].addr == (uintptr_t)lock)
        return t->held[d - 1].cls;
    if (tok == UL_T_NONE)
        return NULL;  /* not traced (an ignored class, or checking is off) */
    for (uint32_t i = d; i-- > 0;)
        if (t->held[i].addr == (uintptr_t)lock)
            return t->held[i].cls;
    return NULL;
}

static void push_hold(struct ls_thread *r, uintptr_t addr, struct ls_entry *e, uint32_t id, uint64_t now)
{
    if (r->nholds == r->hcap) {
        uint32_t cap = r->hcap ? r->hcap * 2 : 64;
        struct ls_hold *n = ul_pages_alloc(cap * sizeof *n);
        if (!n)
            return;
        if (r->holds) {
            memcpy(n, r->holds, r->nholds * sizeof *n);
            ul_pages_free(r->holds, r->hcap * sizeof *n);
        }
        r->holds = n;
        r->hcap = cap;
    }
    /* Count first, then fill: a signal handler's balanced push/pop in between leaves the
     * slot to us. */
    uint32_t i = r->nholds++;
    __asm__ __volatile__("" ::: "memory");
    r->holds[i] = (struct ls_hold){ addr, e, id, r->tab.epoch, now };
}

void ul_lockstat_acquired(struct ul_thread *t, void *lock, enum ul_token tok, bool contended, uint64_t waited)
{
    const struct ul_class *cls = class_of(t, lock, tok);
    struct ls_thread *r;
    if (!cls || !(r = self_record(t)))
        return;
    struct ls_entry *e = entry(&r->tab, cls->id + 1, false);
    if (!e)
        return;
    add(&e->acq, 1);
    if (contended) {
        add(&e->cont, 1);
        add(&e->wait_total, waited);
        raise_max(&e->wait_max, waited);
    }
    push_hold(r, (uintptr_t)lock, e, cls->id + 1, ul_stat_clock());
}

void ul_lockstat_contended(struct ul_thread *t, void *lock, enum ul_token tok, uint64_t waited)
{
    const struct ul_class *cls = class_of(t, lock, tok);
    struct ls_thread *r;
    if (!cls || !(r = self_record(t)))
        return;
    struct ls_entry *e = entry(&r->tab, cls->id + 1, false);
    if (e) {
        add(&e->cont, 1);
        add(&e->wait_total, waited);
        raise_max(&e->wait_max, waited);
    }
}

void ul_lockstat_released(void *lock)
{
    struct ls_thread *r = me;
    if (!r || !r->nholds)
        return;
    uint32_t i = r->nholds;
    while (i-- > 0 && r->holds[i].addr != (uintptr_t)lock)
        ;
    if (i == UINT32_MAX)
        return;  /* taken before lock_stat counted it, or untraced */
    struct ls_hold h = r->holds[i];
    memmove(&r->holds[i], &r->holds[i + 1], (r->nholds - i - 1) * sizeof *r->holds);
    r->nholds--;
    uint64_t held = ul_stat_clock() - h.since;
    struct ls_entry *e = h.epoch == r->tab.epoch ? h.e : entry(&r->tab, h.id, false);
    if (e) {
        add(&e->hold_total, held);
        raise_max(&e->hold_max, held);
    }
}

/* ---- fork: the child counts from zero, with the locks its thread still holds ---- */

static void before_fork(void)
{
    ul_flock_lock(&ls_lock);
}

static void after_fork_parent(void)
{
    ul_flock_unlock(&ls_lock);
}

static void after_fork_child(void)
{
    ul_flock_reset(&ls_lock);
    for (struct ls_thread *r = records; r; r = r->next) {
        clear(&r->tab);
        if (r != me) {
            r->live = false;
            r->nholds = 0;
        }
    }
    clear(&ended);
}

/* The TSC where the kernel itself trusts it as its clocksource. */
static bool tsc_usable(void)
{
#if defined(__x86_64__) || defined(__i386__)
    char cs[32] = "";
    FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");
    if (f) {
        if (!fgets(cs, sizeof cs, f))
            cs[0] = 0;
        fclose(f);
    }
    return !strcmp(cs, "tsc\n");
#else
    return false;
#endif
}

/* ns per ul_stat_clock tick, measured over the whole run (at least 10 ms of it). */
static double ns_per_tick(void)
{
    if (!ul_stat_tsc)
        return 1.0;
    uint64_t t, ns;
    do {
        t = ul_stat_clock();
        ns = ul_now_ns();
    } while (ns - ns0 < 10000000u);
    return t > tick0 ? (double)(ns - ns0) / (double)(t - tick0) : 1.0;
}

void ul_lockstat_setup(void)
{
    ul_stat_tsc = tsc_usable();
    tick0 = ul_stat_clock();
    ns0 = ul_now_ns();
    key_ok = pthread_key_create(&ls_key, thread_ended) == 0;
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

/* ---- the table at exit ---- */

static int by_contention(const void *a, const void *b)
{
    const struct ls_entry *x = a, *y = b;
    int order = ul_lockstat_order(x->cont, x->wait_total, x->acq, y->cont, y->wait_total, y->acq);
    return order ? order : (x->id < y->id ? -1 : x->id > y->id);
}

static double us(uint64_t ns)
{
    return (double)ns / 1000.0;
}

static double avg_us(uint64_t total, uint64_t n)
{
    return n ? us(total) / (double)n : 0.0;
}

static void text_table(struct ul_strbuf *b, const struct ls_entry *v, unsigned n, unsigned total)
{
    int w = 40;
    for (unsigned i = 0; i < n; i++) {
        int len = (int)strlen(ul_class_display_name(ul_class_get(v[i].id - 1)));
        if (len > w)
            w = len < 100 ? len : 100;
    }
    size_t rule = (size_t)w + 8 * 15;
    ul_sb_printf(b, "\nlock_stat version 0.4 (ulockdep %s, pid %d): %u of %u lock class%s, most contended first; "
                    "times in us\n", ULOCKDEP_VERSION, getpid(), n, total, total == 1 ? "" : "es");
    ul_sb_repeat(b, '-', rule);
    ul_sb_printf(b, "\n%*s %14s %14s %14s %14s %14s %14s %14s %14s\n", w, "class name", "contentions",
                 "waittime-max", "waittime-total", "waittime-avg", "acquisitions", "holdtime-max",
                 "holdtime-total", "holdtime-avg");
    ul_sb_repeat(b, '-', rule);
    ul_sb_putc(b, '\n');
    for (unsigned i = 0; i < n; i++) {
        const struct ls_entry *e = &v[i];
        ul_sb_printf(b, "%*s %14llu %14.2f %14.2f %14.2f %14llu %14.2f %14.2f %14.2f\n", w,
                     ul_class_display_name(ul_class_get(e->id - 1)), (unsigned long long)e->cont,
                     us(e->wait_max), us(e->wait_total), avg_us(e->wait_total, e->cont),
                     (unsigned long long)e->acq, us(e->hold_max), us(e->hold_total),
                     avg_us(e->hold_total, e->acq));
    }
    ul_sb_repeat(b, '-', rule);
}

static void json_line(struct ul_strbuf *b, const struct ls_entry *v, unsigned n, unsigned total)
{
    ul_sb_printf(b, "{\"kind\":\"lock_stat\",\"pid\":%d,\"version\":\"%s\",\"classes_total\":%u,\"classes\":[",
                 getpid(), ULOCKDEP_VERSION, total);
    for (unsigned i = 0; i < n; i++) {
        const struct ls_entry *e = &v[i];
        struct ul_class *cls = ul_class_get(e->id - 1);
        ul_sb_puts(b, i ? ",{\"name\":" : "{\"name\":");
        ul_sb_json_string(b, ul_class_display_name(cls));
        ul_sb_printf(b, ",\"type\":\"%s\",\"acquisitions\":%llu,\"contentions\":%llu,\"wait_total_ns\":%llu,"
                        "\"wait_max_ns\":%llu,\"hold_total_ns\":%llu,\"hold_max_ns\":%llu}",
                     ul_kind_name(cls ? cls->kind : UL_KIND_MUTEX), (unsigned long long)e->acq,
                     (unsigned long long)e->cont, (unsigned long long)e->wait_total,
                     (unsigned long long)e->wait_max, (unsigned long long)e->hold_total,
                     (unsigned long long)e->hold_max);
    }
    ul_sb_puts(b, "]}");
}

void ul_lockstat_dump(void)
{
    if (!ul_lockstat_on || __atomic_exchange_n(&dumped, true, __ATOMIC_ACQ_REL))
        return;
    int busy = ul_busy;
    ul_busy = 1;
    struct ls_table sum = { 0 };
    ul_flock_lock(&ls_lock);
    merge(&sum, &ended);
    for (struct ls_thread *r = records; r; r = r->next)
        if (r->live)
            merge(&sum, &r->tab);
    ul_flock_unlock(&ls_lock);

    struct ls_entry *v = sum.used ? malloc(sum.used * sizeof *v) : NULL;
    unsigned n = 0;
    for (uint32_t i = 0; v && i <= sum.mask; i++)
        if (sum.slots[i].id && ul_class_get(sum.slots[i].id - 1))
            v[n++] = sum.slots[i];
    if (sum.slots)
        ul_pages_free(sum.slots, (sum.mask + 1) * sizeof *sum.slots);
    double scale = ns_per_tick();
    for (unsigned i = 0; i < n; i++) {
        v[i].wait_total = (uint64_t)((double)v[i].wait_total * scale);
        v[i].wait_max = (uint64_t)((double)v[i].wait_max * scale);
        v[i].hold_total = (uint64_t)((double)v[i].hold_total * scale);
        v[i].hold_max = (uint64_t)((double)v[i].hold_max * scale);
    }
    if (n)
        qsort(v, n, sizeof *v, by_contention);
    unsigned shown = ul_opt.lock_stat_top > 0 && (unsigned)ul_opt.lock_stat_top < n ? (unsigned)ul_opt.lock_stat_top : n;

    struct ul_strbuf text = { 0 }, json = { 0 };
    ul_flock_lock(&ul_rlock); /* class names symbolize */
    if (ul_dopt.text)
        text_table(&text, v, shown, n);
    if (ul_dopt.json)
        json_line(&json, v, shown, n);
    ul_flock_unlock(&ul_rlock);
    if (text.s && !text.failed)
        ul_report_message(text.s);
    if (json.s && !json.failed)
        ul_report_message(json.s);
    ul_sb_free(&text);
    ul_sb_free(&json);
    free(v);
    ul_busy = busy;
}

/* Before the shim's exit handling (destructor 101), which may end the process. */
__attribute__((destructor(102))) static void lockstat_at_exit(void)
{
    if (ul_lockstat_on && __atomic_load_n(&ul_running, __ATOMIC_ACQUIRE))
        ul_lockstat_dump();
}
