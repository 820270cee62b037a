/* The hang watchdog (deadlock_timeout=SECONDS): a thread that looks, every 250 ms (timeout/4
 * if shorter, at least every 100 ms; right when a wait reaches the timeout; 100 ms after a
 * first sighting of a stuck set, to confirm it), at what the program's threads are blocked
 * in, and reports a
 * `deadlock` when some of them can never wake up again; then the process exits with
 * `exitcode` (deadlock_exit=1, the default) or keeps waiting.
 *
 * What a thread waits for is recorded by the thread itself (wait.c, cond.c): a lock it
 * found busy, a condition variable, or a thread it joins. Anything else (running, sleeping,
 * reading a pipe) counts as running: such a thread may still release what it holds, so a
 * lock held by a thread that is merely slow is never a deadlock.
 *
 * The rule. Take every thread whose current wait has lasted deadlock_timeout (the same
 * wait, by its sequence number, on every scan; a timed condition-variable wait only if its
 * deadline is far: more than max(60 s, 10 x deadlock_timeout) ahead). Then drop, until
 * nothing changes, every thread that could still be woken:
 *   lock wait     unless a thread still in the set holds that lock (its own earlier
 *                 acquisition counts: a self-deadlock), or, for a reader, a writer still
 *                 in the set waits for the same lock (a writer-preferring rwlock);
 *   condvar wait  if any thread of the process is outside the set (it could signal);
 *   join          unless the joined thread is in the set.
 * The threads left can never run again. If at least one of them waits for a lock, that is
 * a deadlock: a cycle of lock waits through the locks' owners always is one, and threads
 * waiting on condition variables are one only when no thread is left to signal them.
 * Owners come from the threads' held-lock stacks, read racily; a report is made only when
 * two consecutive scans find the same set (same threads, same waits). The rule itself is
 * engine/wait_set.c (unit-tested on hand-built sets); this file samples and reports.
 *
 * The watchdog is started by the first wait for a busy lock, runs with every signal blocked
 * and is never traced (ul_busy). After fork the child starts its own the same way. The
 * stacks in the report are captured by the blocked threads themselves: the watchdog sends
 * each a real-time signal that the program does not use (if there is one, and the thread
 * does not block it); the handler records the stack and returns, and the thread goes back
 * to its wait (glibc's lock, condvar and join waits retry after a signal). Without that,
 * the report shows the call that blocked. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "external_report.h"
#include "glock.h"
#include "instance.h"
#include "names.h"
#include "options.h"
#include "report.h"
#include "stackdepot.h"
#include "wait.h"
#include "wait_set.h"

#define NS_PER_S 1000000000ull

struct scan {
    uint64_t timeout, far;
    uint64_t period;           /* between scans while no wait is near the timeout */
    int self_tid;
    struct ul_wait_set set;    /* this scan's waits (set.cur), judged by engine/wait_set.c */
    struct ul_waiter *prev;    /* the last scan's */
    unsigned nprev, cap_cur, cap_prev, cap_held;
    uint64_t last_sig;
    uint64_t reported[64];
    unsigned nreported;
};

int ul_watchdog_started;

/* ---- reading the threads (graph lock held: the registry and held stacks stay put) ---- */

static bool read_wait(const struct ul_thread *t, struct ul_wait *w)
{
    const void *obj = __atomic_load_n(&t->wait.obj, __ATOMIC_ACQUIRE);
    if (!obj)
        return false;
    w->obj = obj;
    w->seq = __atomic_load_n(&t->wait.seq, __ATOMIC_RELAXED);
    w->kind = __atomic_load_n(&t->wait.kind, __ATOMIC_RELAXED);
    w->ip = __atomic_load_n(&t->wait.ip, __ATOMIC_RELAXED);
    w->mutex = __atomic_load_n(&t->wait.mutex, __ATOMIC_RELAXED);
    w->deadline = __atomic_load_n(&t->wait.deadline, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return __atomic_load_n(&t->wait.obj, __ATOMIC_RELAXED) == obj &&
           __atomic_load_n(&t->wait.seq, __ATOMIC_RELAXED) == w->seq;
}

/* Every thread in a wait; returns how many there are (more than cap_cur: call again). */
static unsigned collect_waiters(struct scan *s)
{
    unsigned n = 0;
    for (const struct ul_thread *t = ul_thread_first(); t; t = t->reg_next) {
        struct ul_wait w;
        if (!read_wait(t, &w))
            continue;
        if (n < s->cap_cur)
            s->set.cur[n] = (struct ul_waiter){ .t = t, .tid = t->tid, .w = w,
                                         .handle = __atomic_load_n(&t->self_handle, __ATOMIC_RELAXED) };
        n++;
    }
    return n;
}

static struct ul_lockref lockref_at(const void *addr, unsigned mode, uintptr_t ip)
{
    struct ul_lockref r = { .addr = (uintptr_t)addr, .mode = (uint8_t)mode, .ip = ip };
    struct ul_instance *inst = ul_instance_find((uintptr_t)addr);
    if (inst) {
        r.cls = atomic_load_explicit(&inst->cls, memory_order_relaxed);
        r.inst_name = inst->name;
    }
    return r;
}

/* The held stacks of the candidates that are still in the same wait. Returns false when
 * s->set.held is too small (s->set.nheld says how much is needed). */
static bool copy_held(struct scan *s)
{
    unsigned total = 0;
    for (unsigned k = 0; k < s->set.ncur; k++) {
        s->set.cur[k].nheld = 0;
        s->set.cur[k].in = false; /* here: "still registered, in the same wait" */
    }
    for (const struct ul_thread *t = ul_thread_first(); t; t = t->reg_next) {
        struct ul_waiter *v = ul_waiter_find(s->set.cur, s->set.ncur, t->tid);
        if (!v || !v->cand || v->t != t)
            continue;
        struct ul_wait w;
        if (!read_wait(t, &w) || w.obj != v->w.obj || w.seq != v->w.seq)
            continue; /* it moved on */
        v->in = true;
        uint32_t depth = __atomic_load_n(&t->depth, __ATOMIC_RELAXED);
        if (depth > t->cap)
            depth = t->cap;
        v->held_lo = total;
        v->nheld = depth;
        if (w.kind == UL_WAIT_COND)
            v->lock = lockref_at(w.mutex, UL_WRITE, 0);
        else if (w.kind == UL_WAIT_LOCK)
            v->lock = lockref_at(w.obj, UL_WRITE, w.ip);
        /* A blocking acquisition is pushed on the held stack before the real call
         * (interpose.h): the last entry for the lock waited for is that acquisition, not a
         * lock the thread holds (unless the lock is not traced: then there is none). */
        uint32_t pending = UINT32_MAX;
        v->mode = UL_WRITE;
        for (uint32_t i = depth; w.kind == UL_WAIT_LOCK && i-- > 0;)
            if (t->held[i].addr == (uintptr_t)w.obj) {
                pending = i;
                break;
            }
        for (uint32_t i = 0; i < depth; i++, total++) {
            if (total >= s->cap_held)
                continue;
            const struct ul_held *h = &t->held[i];
            struct ul_held_copy *c = &s->set.held[total];
            c->ref = (struct ul_lockref){ .cls = h->cls, .addr = h->addr,
                                          .inst_name = h->inst ? h->inst->name : NULL, .mode = h->mode,
                                          .trylock = (h->flags & UL_HELD_TRY) != 0, .ip = h->ip };
            c->pending = i == pending;
            if (c->pending) {
                v->lock.cls = h->cls;
                v->lock.inst_name = c->ref.inst_name;
                v->lock.mode = h->mode;
                v->mode = h->mode;
            }
        }
    }
    for (unsigned k = 0; k < s->set.ncur; k++)
        s->set.cur[k].cand &= s->set.cur[k].in;
    s->set.nheld = total;
    return total <= s->cap_held;
}

/* ---- the analysis (no lock held): engine/wait_set.c, but for this one question ---- */

/* Is there a thread of the process, other than the watchdog, outside the set? */
static bool someone_outside(const struct ul_wait_set *set, void *arg)
{
    const struct scan *s = arg;
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return true; /* cannot tell: assume someone could signal */
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        int tid = atoi(e->d_name);
        if (tid != s->self_tid && !ul_wait_set_member(set, tid))
            found = true;
    }
    closedir(d);
    return found;
}

/* ---- stacks: asked from the blocked threads themselves ---- */

static int capture_signo;

static void on_capture_signal(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    if (si->si_code != SI_TKILL || si->si_pid != getpid())
        return;
    int saved_errno = errno;
    int busy = ul_busy;
    ul_busy = 1;
    struct ul_thread *t = ul_self;
    if (t && __atomic_load_n(&t->wait.obj, __ATOMIC_ACQUIRE)) {
        uintptr_t pcs[UL_STACK_MAX];
        unsigned n = ul_capture_stack(pcs, UL_STACK_MAX);
        /* Start at the program's call of the waiting function: the frames above it are
         * the handler's way back into the futex wait. */
        unsigned from = 0;
        for (unsigned i = 0; i < n; i++)
            if (pcs[i] == t->wait.ip) {
                from = i;
                break;
            }
        unsigned m = n - from, max = (unsigned)ul_opt.stack_depth;
        if (m > UL_WAIT_PCS)
            m = UL_WAIT_PCS;
        if (max && m > max)
            m = max;
        memcpy(t->wait_pcs, pcs + from, m * sizeof *pcs);
        t->wait_npcs = m;
        __atomic_store_n(&t->wait_stack_seq, t->wait.seq, __ATOMIC_RELEASE);
    }
    ul_busy = busy;
    errno = saved_errno;
}

/* A real-time signal with our handler, taking one the program leaves at its default. */
static bool capture_signal_ready(void)
{
    struct sigaction cur;
    if (capture_signo) {
        if (REAL(sigaction)(capture_signo, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
            cur.sa_sigaction == on_capture_signal)
            return true;
        capture_signo = 0; /* the program installed its own handler since */
    }
    for (int sig = SIGRTMAX; sig >= SIGRTMAX - 6 && sig > SIGRTMIN; sig--) {
        if (REAL(sigaction)(sig, NULL, &cur) != 0 || cur.sa_handler != SIG_DFL || (cur.sa_flags & SA_SIGINFO))
            continue;
        struct sigaction act = { .sa_sigaction = on_capture_signal, .sa_flags = SA_SIGINFO | SA_RESTART };
        sigfillset(&act.sa_mask);
        if (REAL(sigaction)(sig, &act, NULL) == 0) {
            capture_signo = sig;
            return true;
        }
    }
    return false;
}

/* Does thread tid block signal sig? (Then it would stay pending: do not send it.) */
static bool blocks_signal(int tid, int sig)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return true;
    bool blocked = true;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "SigBlk:", 7)) {
            unsigned long long mask = strtoull(line + 7, NULL, 16);
            blocked = (mask >> (sig - 1)) & 1;
            break;
        }
    fclose(f);
    return blocked;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
        ;
}

/* Fills v->stack for the n members in order[]. */
static void capture_stacks(struct scan *s, const int *order, unsigned n)
{
    bool asked[n];
    uintptr_t pcs[UL_WAIT_PCS];
    memset(asked, 0, sizeof asked);
    if (capture_signal_ready()) {
        for (unsigned i = 0; i < n; i++) {
            struct ul_waiter *v = &s->set.cur[order[i]];
            if (!blocks_signal(v->tid, capture_signo))
                asked[i] = syscall(SYS_tgkill, getpid(), v->tid, capture_signo) == 0;
        }
    }
    for (unsigned tries = 0; tries < 100; tries++) { /* up to about half a second */
        unsigned waiting = 0;
        ul_flock_lock(&ul_glock);
        for (unsigned i = 0; i < n; i++) {
            struct ul_waiter *v = &s->set.cur[order[i]];
            if (!asked[i])
                continue;
            for (const struct ul_thread *t = ul_thread_first(); t; t = t->reg_next) {
                if (t != v->t || t->tid != v->tid)
                    continue;
                if (__atomic_load_n(&t->wait_stack_seq, __ATOMIC_ACQUIRE) == v->w.seq && t->wait.seq == v->w.seq) {
                    unsigned m = t->wait_npcs <= UL_WAIT_PCS ? t->wait_npcs : UL_WAIT_PCS;
                    memcpy(pcs, t->wait_pcs, m * sizeof *pcs);
                    v->stack = ul_stack_save(pcs, m);
                    asked[i] = false;
                }
                break;
            }
            waiting += asked[i];
        }
        ul_flock_unlock(&ul_glock);
        if (!waiting)
            break;
        sleep_ms(5);
    }
    /* No stack from the thread: the call that blocked. */
    ul_flock_lock(&ul_glock);
    for (unsigned i = 0; i < n; i++) {
        struct ul_waiter *v = &s->set.cur[order[i]];
        if (!v->stack && v->w.ip)
            v->stack = ul_stack_save(&v->w.ip, 1);
    }
    ul_flock_unlock(&ul_glock);
}

/* ---- the report ---- */

/* Ends the hung process with exitcode (1 if exitcode=0: a hang is never a success), after
 * what exit() would have written: the lock statistics, the graph_dir file and the list of
 * suppressions used. The program's own atexit handlers and destructors are not run: its
 * threads are deadlocked, and they could wait for the locks those threads hold. */
static void watchdog_exit(void)
{
    ul_lockstat_dump();
    ul_graph_record_flush_from_watchdog();
    ul_report_finish();
    for (;;)
        syscall(SYS_exit_group, ul_forced_exit_status());
}

static void report(struct scan *s, uint64_t now)
{
    unsigned n;
    int order[s->set.ncur ? s->set.ncur : 1];
    unsigned cyc = ul_wait_set_order(&s->set, order, &n);
    capture_stacks(s, order, n);

    unsigned nheld = 0;
    for (unsigned i = 0; i < n; i++)
        nheld += s->set.cur[order[i]].nheld;
    struct ul_blocked_thread *bt = calloc(n, sizeof *bt);
    struct ul_lockref *held = calloc(nheld ? nheld : 1, sizeof *held);
    struct ul_cycle_step *steps = calloc(cyc ? cyc : 1, sizeof *steps);
    if (!bt || !held || !steps) {
        free(bt);
        free(held);
        free(steps);
        ul_shim_out_of_memory("for a deadlock report");
        return;
    }
    unsigned used = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct ul_waiter *v = &s->set.cur[order[i]];
        struct ul_blocked_thread *b = &bt[i];
        b->tid = v->tid;
        ul_thread_comm(v->tid, b->name, sizeof b->name);
        b->wait = v->w.kind;
        b->lock = v->lock;
        if (v->w.kind == UL_WAIT_COND)
            b->cond = (uintptr_t)v->w.obj;
        if (v->w.kind == UL_WAIT_LOCK) {
            /* every member holding the lock */
            for (unsigned k = 0; k < s->set.nowners && b->nblockers < UL_MAX_BLOCKERS; k++)
                if (s->set.owners[k].addr == (uintptr_t)v->w.obj && s->set.cur[s->set.owners[k].who].in)
                    b->blockers[b->nblockers++] = s->set.cur[s->set.owners[k].who].tid;
            if (!b->nblockers && v->next >= 0)
                b->blockers[b->nblockers++] = s->set.cur[v->next].tid;
        } else if (v->w.kind == UL_WAIT_JOIN && v->next >= 0) {
            b->blockers[b->nblockers++] = s->set.cur[v->next].tid;
        }
        b->held = held + used;
        for (unsigned k = 0; k < v->nheld; k++)
            if (!s->set.held[v->held_lo + k].pending)
                held[used + b->nheld++] = s->set.held[v->held_lo + k].ref;
        used += b->nheld;
        b->stack = v->stack;
        uint64_t ms = (now - v->since) / 1000000u;
        b->blocked_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
    }
    /* The cycle as dependencies: member i holds what member i-1 waits for, and waits. */
    for (unsigned i = 0; i < cyc; i++) {
        const struct ul_blocked_thread *b = &bt[i], *p = &bt[(i + cyc - 1) % cyc];
        steps[i].to = b->lock;
        steps[i].stack = b->stack;
        steps[i].from = p->lock;
        for (unsigned k = 0; k < b->nheld; k++)
            if (b->held[k].addr == p->lock.addr)
                steps[i].from = b->held[k];
    }
    struct ul_problem p = { .kind = UL_P_DEADLOCK,
                            .tid = s->self_tid,
                            .target = bt[0].lock,
                            .cycle = cyc ? steps : NULL,
                            .ncycle = cyc,
                            .threads = bt,
                            .nthreads = n,
                            .timeout = (unsigned)(s->timeout / NS_PER_S) };
    if (cyc)
        p.holding = steps[0].from;
    else if (bt[0].nheld)
        p.holding = bt[0].held[0];
    bool reported = ul_engine_report_external(&p);
    free(bt);
    free(held);
    free(steps);
    char rule[ULOCKDEP_OPT_STRMAX + 64];
    if (!reported && ul_report_last_suppression(rule, sizeof rule)) {
        /* The report is hidden, but the threads are still stuck for good: say so in one line
         * and end the process as deadlock_exit asks (a hang is not a success: exitcode). */
        char line[sizeof rule + 256];
        int status = ul_forced_exit_status();
        snprintf(line, sizeof line, "ulockdep: threads deadlocked for %u s; the deadlock report was suppressed by %s; %s",
                 p.timeout, rule, ul_opt.deadlock_exit ? "exiting" : "still waiting (deadlock_exit=0)");
        if (ul_opt.deadlock_exit) {
            size_t l = strlen(line);
            snprintf(line + l, sizeof line - l, " with status %d", status);
        }
        ul_report_message(line);
        reported = true;
    }
    if (reported && ul_opt.deadlock_exit)
        watchdog_exit();
}

/* ---- one scan ---- */

/* How often the watchdog looks while nothing is close to its timeout: a wait is first seen at
 * most this long after it began, so a deadlock is reported at most this much after
 * deadlock_timeout (plus CONFIRM_NS and the stack capture). A scan takes the graph lock only
 * to copy the waits: four a second cost nothing measurable. */
#define IDLE_PERIOD_NS (250 * 1000000ull)
/* A stuck set seen once is confirmed by a second scan this much later (owners are read racily). */
#define CONFIRM_NS (100 * 1000000ull)

/* Returns how long to sleep before the next scan, in ns: the idle period, or less when a wait
 * reaches deadlock_timeout sooner, or CONFIRM_NS after a first sighting of a stuck set. */
static uint64_t scan_once(struct scan *s)
{
    uint64_t next = s->period;
    if (!ul_engine_enabled())
        return next;
    uint64_t now = ul_now_ns();
    unsigned n = 0;
    for (int tries = 0; tries < 4; tries++) {
        ul_flock_lock(&ul_glock);
        n = collect_waiters(s);
        ul_flock_unlock(&ul_glock);
        if (n <= s->cap_cur || !ul_grow_array((void **)&s->set.cur, &s->cap_cur, n, sizeof *s->set.cur))
            break;
    }
    s->set.ncur = n < s->cap_cur ? n : s->cap_cur;
    if (s->set.ncur)
        qsort(s->set.cur, s->set.ncur, sizeof *s->set.cur, ul_waiter_by_tid);
    bool any_lock = false;
    for (unsigned k = 0; k < s->set.ncur; k++) {
        struct ul_waiter *v = &s->set.cur[k];
        const struct ul_waiter *old = ul_waiter_find(s->prev, s->nprev, v->tid);
        v->since = old && old->t == v->t && old->w.obj == v->w.obj && old->w.seq == v->w.seq ? old->since : now;
        v->cand = now - v->since >= s->timeout &&
                  (v->w.kind != UL_WAIT_COND || v->w.deadline == UINT64_MAX ||
                   (v->w.deadline > now && v->w.deadline - now > s->far));
        any_lock |= v->cand && v->w.kind == UL_WAIT_LOCK;
        /* wake up right when this wait reaches the timeout */
        if (!v->cand && v->since + s->timeout > now && v->since + s->timeout - now < next)
            next = v->since + s->timeout - now;
    }
    if (any_lock) {
        bool copied = false;
        for (int tries = 0; tries < 4 && !copied; tries++) {
            ul_flock_lock(&ul_glock);
            copied = copy_held(s);
            ul_flock_unlock(&ul_glock);
            if (!copied && !ul_grow_array((void **)&s->set.held, &s->cap_held, s->set.nheld, sizeof *s->set.held))
                break;
        }
        if (copied && ul_wait_set_owners(&s->set) && ul_wait_set_stuck(&s->set)) {
            uint64_t sig = ul_wait_set_signature(&s->set);
            bool seen = false;
            for (unsigned i = 0; i < s->nreported; i++)
                seen |= s->reported[i] == sig;
            if (sig == s->last_sig && !seen) {
                if (s->nreported < 64)
                    s->reported[s->nreported++] = sig;
                report(s, now);
            } else if (sig != s->last_sig && !seen && CONFIRM_NS < next) {
                next = CONFIRM_NS; /* confirm soon, not a whole period later */
            }
            s->last_sig = sig;
        } else {
            s->last_sig = 0;
        }
    } else {
        s->last_sig = 0;
    }
    /* this scan's waiters are the next one's history */
    struct ul_waiter *tmp = s->prev;
    unsigned cap = s->cap_prev;
    s->prev = s->set.cur;
    s->cap_prev = s->cap_cur;
    s->nprev = s->set.ncur;
    s->set.cur = tmp;
    s->cap_cur = cap;
    return next < 10000000u ? 10000000u : next;
}

static void *watchdog_main(void *arg)
{
    (void)arg;
    ul_busy = 1; /* never traced */
    prctl(PR_SET_NAME, "ulockdep-watch", 0, 0, 0);
    struct scan s = { 0 };
    uint64_t secs = (uint64_t)ul_opt.deadlock_timeout;
    if (secs > 1000000)
        secs = 1000000;
    s.timeout = secs * NS_PER_S;
    s.far = 10 * s.timeout > 60 * NS_PER_S ? 10 * s.timeout : 60 * NS_PER_S;
    s.self_tid = (int)syscall(SYS_gettid);
    s.set.someone_outside = someone_outside;
    s.set.arg = &s;
    s.period = s.timeout / 4 < IDLE_PERIOD_NS ? s.timeout / 4 : IDLE_PERIOD_NS;
    if (s.period < 100000000u)
        s.period = 100000000u;
    uint64_t next = s.period;
    for (;;) {
        sleep_ms((unsigned)(next / 1000000u));
        next = scan_once(&s);
    }
    return NULL;
}

void ul_watchdog_kick(struct ul_thread *t)
{
    if (ul_likely(__atomic_load_n(&ul_watchdog_started, __ATOMIC_RELAXED)) || t->sig_depth)
        return; /* running, or in a signal handler (no pthread_create there) */
    int expected = 0;
    if (!__atomic_compare_exchange_n(&ul_watchdog_started, &expected, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return;
    int busy = ul_busy;
    ul_busy = 1;
    sigset_t all, old;
    sigfillset(&all);
    REAL(pthread_sigmask)(SIG_SETMASK, &all, &old); /* the watchdog inherits: all blocked */
    pthread_attr_t attr;
    pthread_t th;
    int r = pthread_attr_init(&attr);
    if (r == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        r = REAL(pthread_create)(&th, &attr, watchdog_main, NULL);
        pthread_attr_destroy(&attr);
    }
    REAL(pthread_sigmask)(SIG_SETMASK, &old, NULL);
    if (r != 0) {
        char line[160];
        snprintf(line, sizeof line, "ulockdep: cannot start the hang watchdog thread: %s; deadlock_timeout is off",
                 strerror(r));
        ul_report_message(line);
    }
    ul_busy = busy;
}

/* A forked child has no watchdog: its first wait for a busy lock starts one. */
static void after_fork_child(void)
{
    __atomic_store_n(&ul_watchdog_started, 0, __ATOMIC_RELAXED);
}

void ul_watchdog_setup(void)
{
    pthread_atfork(NULL, NULL, after_fork_child);
}
