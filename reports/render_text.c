/* Text splats, laid out like Linux lockdep's (kernel/locking/lockdep.c print_* functions):
 * banner, identity, who is trying to acquire what, the dependency chain in reverse order
 * with a stack per dependency, the unsafe scenario, the held locks, the backtrace. */
#include <stdio.h>
#include <string.h>

#include "circular_layout.h"
#include "graph.h"
#include "lockclass.h"
#include "names.h"
#include "render.h"
#include "stackdepot.h"
#include "runtime_frames.h"
#include "symbolize.h"
#include "thread.h"

#define NAME_MAX_LEN 600

static const struct {
    const char *kind, *title;
} kinds[UL_P_KIND_COUNT] = {
#define UL_REPORT_KIND(name, kind, rule, title, short_desc, help, level) [UL_P_##name] = { kind, title },
#include "report_kinds.def"
#undef UL_REPORT_KIND
};

const char *ul_problem_kind_name(enum ul_problem_kind kind)
{
    return (unsigned)kind < UL_P_KIND_COUNT ? kinds[kind].kind : "unknown";
}

/* The table's title; "<comm>/<tid>" in it stands for the reporting thread. */
const char *ul_problem_title(const struct ul_problem *p, const char *comm, char *buf, size_t len)
{
    if ((unsigned)p->kind >= UL_P_KIND_COUNT)
        return "WARNING: ulockdep problem";
    const char *title = kinds[p->kind].title, *who = strstr(title, "<comm>/<tid>");
    if (!who)
        return title;
    snprintf(buf, len, "%.*s%s/%d%s", (int)(who - title), title, comm, p->tid, who + strlen("<comm>/<tid>"));
    return buf;
}

/* One usage character, as the kernel's: '-' used in a handler, '+' taken where a signal
 * could arrive, '?' both for one same signal (the bug state), '.' neither. */
static char usage_char(uint64_t in, uint64_t on)
{
    if (in & on)
        return '?';
    return in ? '-' : on ? '+' : '.';
}

/* "{+.+.}": the SIGNAL state (the kernel's hard-irq analogue) W then R, shown twice so the
 * braces read like the kernel's HARDIRQ/SOFTIRQ pairs. Maps and SRCU domains print {....}
 * until used. */
static void usage_str(const struct ul_class *c, char out[7])
{
    if (!c) {
        snprintf(out, 7, "{....}");
        return;
    }
    char w = usage_char(c->sig_in[0], c->sig_on[0]), r = usage_char(c->sig_in[1], c->sig_on[1]);
    snprintf(out, 7, "{%c%c%c%c}", w, r, w, r);
}

static const char *usage_name(unsigned bit)
{
    switch (bit) {
    case UL_U_IN_W: return "IN-SIGNAL-W";
    case UL_U_ON_W: return "SIGNAL-ON-W";
    case UL_U_IN_R: return "IN-SIGNAL-R";
    default: return "SIGNAL-ON-R";
    }
}

static const char *signal_name(int signo, char *buf, size_t len)
{
    const char *abbrev = signo > 0 ? sigabbrev_np(signo) : NULL;
    if (abbrev)
        snprintf(buf, len, "SIG%s", abbrev);
    else
        snprintf(buf, len, "signal %d", signo);
    return buf;
}

static const char *wait_type(const struct ul_class *c)
{
    if (!c)
        return "{3:3}";
    switch (c->kind) {
    case UL_KIND_SPIN: return "{2:2}";
    case UL_KIND_SRCU:
    case UL_KIND_MAP: return "{0:0}";
    default: return "{3:3}";
    }
}

static const char *name_of(const struct ul_lockref *r, char *buf)
{
    return ul_lock_display_name(r, buf, NAME_MAX_LEN);
}

static void class_label(struct ul_strbuf *b, const struct ul_lockref *r)
{
    char nb[NAME_MAX_LEN], us[7];
    usage_str(r->cls, us);
    ul_sb_printf(b, "(%s)%s-%s", name_of(r, nb), us, wait_type(r->cls));
}

static const char *basename_of(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* kernel %pS: func+0x1c/0x40, then our file:line and module+offset; a function inlined
 * there as syzbot's decoded traces show it: "func file:line [inline]". */
static void frame_fields(struct ul_strbuf *b, const struct ul_frame *f)
{
    if (f->signal_frame || (f->inlined && f->function))
        ul_sb_puts(b, f->function); /* no offset: a trampoline, or code inlined here */
    else if (f->function)
        ul_sb_printf(b, "%s+0x%lx/0x%lx", f->function, (unsigned long)f->func_off, (unsigned long)f->func_size);
    else
        ul_sb_printf(b, "0x%lx", (unsigned long)f->pc);
    if (f->file && f->line)
        ul_sb_printf(b, " %s:%d", basename_of(f->file), f->line);
    if (f->inlined)
        ul_sb_puts(b, " [inline]");
    else if (f->module)
        ul_sb_printf(b, " [%s+0x%lx]", f->module, (unsigned long)f->module_off);
}

/* One line for pc, naming the user's code there ("at:" lines). */
static void frame_text(struct ul_strbuf *b, uintptr_t pc)
{
    struct ul_frame f;
    if (!ul_user_frame(pc, &f)) {
        ul_sb_printf(b, "0x%lx", (unsigned long)pc);
        return;
    }
    frame_fields(b, &f);
}

#define INLINE_MAX 16

static void stack_text(struct ul_strbuf *b, uint32_t id, int indent)
{
    const struct ul_stack *s = ul_stack_get(id);
    if (!s || !s->n) {
        ul_sb_repeat(b, ' ', (size_t)indent);
        ul_sb_puts(b, "(no stack recorded)\n");
        return;
    }
    for (uint32_t i = 0; i < s->n; i++) {
        struct ul_frame f[INLINE_MAX];
        int n = ul_symbolize_frames(s->pcs[i], true, f, INLINE_MAX);
        if (n == 0) {
            ul_sb_repeat(b, ' ', (size_t)indent);
            ul_sb_printf(b, "0x%lx\n", (unsigned long)s->pcs[i]);
        }
        for (int k = 0; k < n; k++) {
            ul_sb_repeat(b, ' ', (size_t)indent);
            frame_fields(b, &f[k]);
            ul_sb_putc(b, '\n');
        }
    }
}

static void lock_line(struct ul_strbuf *b, const struct ul_lockref *r)
{
    ul_sb_printf(b, "%016lx ", (unsigned long)r->addr);
    class_label(b, r);
    if (r->ip) {
        ul_sb_puts(b, ", at: ");
        frame_text(b, r->ip);
    }
    ul_sb_putc(b, '\n');
}

static void held_locks(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    if (!p->nheld) {
        ul_sb_printf(b, "no locks held by %s/%d.\n", id->comm, p->tid);
        return;
    }
    ul_sb_printf(b, "%u lock%s held by %s/%d:\n", p->nheld, p->nheld > 1 ? "s" : "", id->comm, p->tid);
    for (unsigned i = 0; i < p->nheld; i++) {
        ul_sb_printf(b, " #%u: ", i);
        lock_line(b, &p->held[i]);
    }
}

static void banner(struct ul_strbuf *b, const char *title, const struct ul_report_ident *id)
{
    size_t w = strlen(title);
    ul_sb_putc(b, '\n');
    ul_sb_repeat(b, '=', w);
    ul_sb_printf(b, "\n%s\n", title);
    ul_sb_printf(b, "ulockdep %s #%u pid %d at %.3fs %s\n", ULOCKDEP_VERSION, id->seq, id->pid, id->since_start,
                 id->exe);
    ul_sb_repeat(b, '-', w);
    ul_sb_putc(b, '\n');
}

static void backtrace_tail(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    ul_sb_puts(b, "\nstack backtrace:\n");
    ul_sb_printf(b, "TID: %d Comm: %s\nCall Trace:\n", p->tid, id->comm);
    stack_text(b, p->stack, 1);
}

/* "lock(", "rlock(" for a reader; "sync(" for a grace-period wait (an SRCU domain is
 * only ever taken as a writer by synchronize_srcu and friends). */
static const char *op_for(unsigned mode)
{
    return mode == UL_WRITE ? "lock" : "rlock";
}

static const char *op_of(const struct ul_lockref *r)
{
    if (r->cls && r->cls->kind == UL_KIND_SRCU && r->mode == UL_WRITE)
        return "sync";
    return op_for(r->mode);
}

/* The kernel's [HC0[0]:SC0[0]:HE1:SE1], for signals: the handler running (and its depth)
 * and whether the signal at issue could arrive. */
static void context_tag(struct ul_strbuf *b, const struct ul_problem *p, bool enabled)
{
    ul_sb_printf(b, "[SIG%d[%u]:SE%d]", p->signo, p->sig_depth, enabled ? 1 : 0);
}

static void circular_lock_line(struct ul_strbuf *b, bool holding, void *arg)
{
    const struct ul_problem *p = arg;
    struct ul_lockref target = p->target;
    if (p->reacquire_ip)
        target.ip = p->reacquire_ip; /* not taken now: re-taken after an out-of-order release */
    lock_line(b, holding ? &p->holding : &target);
}

/* cycle[k] is the dependency into cycle[k].to; #0 is the new one (cycle[0]). */
static void circular_dependency(struct ul_strbuf *b, unsigned k, void *arg)
{
    const struct ul_problem *p = arg;
    const struct ul_cycle_step *s = &p->cycle[k];
    class_label(b, &s->to);
    if (p->instance_level && s->to.addr)
        ul_sb_printf(b, " at %016lx", (unsigned long)s->to.addr);
    ul_sb_puts(b, ":\n");
    stack_text(b, s->stack, 7);
}

static void circular(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    char sn[NAME_MAX_LEN], pn[NAME_MAX_LEN], tn[NAME_MAX_LEN];
    unsigned n = p->ncycle;
    const struct ul_lockref *parent = &p->cycle[n - 1].from;
    /* Modes on CPU1 come from the kind of the dependency parent -> target. */
    uint8_t dep = p->cycle[n - 1].dep;
    struct ul_lockref parent1 = *parent, target1 = p->holding;
    parent1.mode = (dep & (UL_DEP_ER | UL_DEP_EN)) ? UL_WRITE : UL_RREAD;
    target1.mode = p->cycle[n - 1].to.mode;
    const struct ul_circular_text c = {
        .comm = id->comm, .tid = p->tid,
        .trying = p->reacquire_ip ? ", re-taking the locks it held above one it released out of order, "
                                    "is trying to acquire lock:" : NULL,
        .note = p->instance_level ? "(the locks of this cycle are different instances of one class)" : NULL,
        .ndeps = n,
        .source = name_of(&p->target, sn), .parent = name_of(parent, pn), .target = name_of(&p->holding, tn),
        .op_target0 = op_of(&p->holding), .op_parent1 = op_of(&parent1), .op_target1 = op_of(&target1),
        .op_source0 = op_of(&p->target),
        .lock_line = circular_lock_line, .dependency = circular_dependency, .arg = (void *)p,
    };
    ul_render_circular(b, &c);
    held_locks(b, p, id);
}

static void recursive(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    char nb[NAME_MAX_LEN];
    ul_sb_printf(b, "%s/%d is trying to acquire lock:\n", id->comm, p->tid);
    lock_line(b, &p->target);
    ul_sb_puts(b, "\nbut task is already holding lock:\n");
    lock_line(b, &p->holding);
    ul_sb_puts(b, "\nother info that might help us debug this:\n");
    ul_sb_puts(b, " Possible unsafe locking scenario:\n\n");
    ul_sb_puts(b, "       CPU0\n       ----\n");
    ul_sb_printf(b, "  %s(%s);\n", op_for(p->holding.mode), name_of(&p->holding, nb));
    ul_sb_printf(b, "  %s(%s);\n", op_for(p->target.mode), name_of(&p->target, nb));
    ul_sb_puts(b, "\n *** DEADLOCK ***\n\n");
    if (p->holding.addr != p->target.addr)
        ul_sb_puts(b, " May be due to missing lock nesting notation\n\n");
    held_locks(b, p, id);
}

static void bad_unlock(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    char nb[NAME_MAX_LEN];
    ul_sb_printf(b, "%s/%d is trying to release lock (%s) at:\n", id->comm, p->tid, name_of(&p->target, nb));
    if (p->target.ip)
        frame_text(b, p->target.ip);
    ul_sb_puts(b, "\nbut there are no more locks to release!\n");
    ul_sb_puts(b, "\nother info that might help us debug this:\n");
    held_locks(b, p, id);
}

static void held_lock_freed(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    if (p->mem_lo == p->mem_hi)
        ul_sb_printf(b, "%s/%d is taking a lock it still holds, whose memory was overwritten or abandoned "
                        "(the lock word says unlocked)!\n", id->comm, p->tid);
    else
        ul_sb_printf(b, "%s/%d is freeing memory %016lx-%016lx, with a lock still held there!\n", id->comm,
                     p->tid, (unsigned long)p->mem_lo, (unsigned long)(p->mem_hi - 1));
    lock_line(b, &p->target);
    held_locks(b, p, id);
}

static void inconsistent_state(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    char nb[NAME_MAX_LEN], sb[32];
    ul_sb_printf(b, "inconsistent {%s} -> {%s} usage.\n", usage_name(p->usage_prev), usage_name(p->usage_new));
    ul_sb_printf(b, "%s/%d ", id->comm, p->tid);
    context_tag(b, p, p->signal_enabled);
    ul_sb_puts(b, " takes:\n");
    lock_line(b, &p->target);
    ul_sb_printf(b, "{%s} state was registered at:\n", usage_name(p->usage_prev));
    stack_text(b, p->usage_stack, 2);
    ul_sb_printf(b, "the signal is %s\n", signal_name(p->usage_signo, sb, sizeof sb));
    ul_sb_puts(b, "\nother info that might help us debug this:\n");
    ul_sb_puts(b, " Possible unsafe locking scenario:\n\n");
    ul_sb_puts(b, "       CPU0\n       ----\n");
    ul_sb_printf(b, "  %s(%s);\n", op_of(&p->target), name_of(&p->target, nb));
    ul_sb_puts(b, "  <Interrupt>\n");
    ul_sb_printf(b, "    %s(%s);\n", op_of(&p->target), name_of(&p->target, nb));
    ul_sb_puts(b, "\n *** DEADLOCK ***\n\n");
    held_locks(b, p, id);
}

static void signal_unsafe_order(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    char nb[NAME_MAX_LEN], sb[32];
    const char *sig = signal_name(p->usage_signo, sb, sizeof sb);
    if (p->holding.cls) {
        ul_sb_printf(b, "%s/%d ", id->comm, p->tid);
        context_tag(b, p, true);
        ul_sb_puts(b, " is trying to acquire:\n");
        lock_line(b, &p->target);
        ul_sb_puts(b, "\nand this task is already holding:\n");
        lock_line(b, &p->holding);
        ul_sb_puts(b, "which would create a new lock dependency:\n ");
        class_label(b, &p->holding);
        ul_sb_puts(b, " -> ");
        class_label(b, &p->target);
        ul_sb_puts(b, "\n\nbut this new dependency connects a SIGNAL-safe lock:\n ");
    } else {
        ul_sb_printf(b, "%s/%d ", id->comm, p->tid);
        context_tag(b, p, true);
        ul_sb_puts(b, " just changed the state of lock:\n");
        lock_line(b, &p->target);
        ul_sb_puts(b, "\nand now a chain of existing dependencies connects a SIGNAL-safe lock:\n ");
    }
    class_label(b, &p->safe);
    ul_sb_printf(b, "\n\n... which became SIGNAL-safe (%s in the %s handler) at:\n", usage_name(p->usage_prev), sig);
    stack_text(b, p->usage_stack, 2);
    ul_sb_puts(b, "\nto a SIGNAL-unsafe lock:\n ");
    class_label(b, &p->unsafe);
    ul_sb_printf(b, "\n\n... which became SIGNAL-unsafe (%s: taken with %s unblocked) at:\n", usage_name(p->usage_new),
                 sig);
    ul_sb_puts(b, "...\n"); /* on a line of its own, as the kernel's */
    stack_text(b, p->usage_stack2, 2);
    ul_sb_puts(b, "\nother info that might help us debug this:\n\n");
    const struct ul_lockref *middle = p->ncycle > 1 ? &p->cycle[p->ncycle - 1].from : NULL;
    if (middle) {
        ul_sb_printf(b, "Chain exists of:\n  %s", name_of(&p->safe, nb));
        for (unsigned i = 1; i < p->ncycle; i++)
            ul_sb_printf(b, " --> %s", name_of(&p->cycle[i].from, nb));
        ul_sb_printf(b, " --> %s\n\n", name_of(&p->unsafe, nb));
    }
    ul_sb_puts(b, " Possible interrupt unsafe locking scenario:\n\n");
    ul_sb_puts(b, "       CPU0                    CPU1\n");
    ul_sb_puts(b, "       ----                    ----\n");
    ul_sb_printf(b, "  lock(%s);\n", name_of(&p->unsafe, nb));
    ul_sb_printf(b, "                               block(%s);\n", sig);
    ul_sb_printf(b, "                               lock(%s);\n", name_of(&p->safe, nb));
    if (middle)
        ul_sb_printf(b, "                               lock(%s);\n", name_of(middle, nb));
    ul_sb_printf(b, "                               lock(%s);\n", name_of(&p->unsafe, nb));
    ul_sb_printf(b, "  <Interrupt: %s>\n", sig);
    ul_sb_printf(b, "    lock(%s);\n", name_of(&p->safe, nb));
    ul_sb_puts(b, "\n *** DEADLOCK ***\n\n");
    held_locks(b, p, id);
    ul_sb_puts(b, "\nthe dependency chain from the SIGNAL-safe lock to the SIGNAL-unsafe lock:\n");
    for (unsigned i = 0; i < p->ncycle; i++) {
        ul_sb_puts(b, "\n-> ");
        class_label(b, &p->cycle[i].from);
        ul_sb_puts(b, " -> ");
        class_label(b, &p->cycle[i].to);
        ul_sb_puts(b, ":\n");
        stack_text(b, p->cycle[i].stack, 7);
    }
}

static void held_at_signal_return(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    char sb[32];
    ul_sb_printf(b, "%s/%d is %s the %s handler with locks still held!\n", id->comm, p->tid,
                 p->by_longjmp ? "leaving (by longjmp)" : "returning from", signal_name(p->signo, sb, sizeof sb));
    held_locks(b, p, id);
}

static void srcu_misuse(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    char nb[NAME_MAX_LEN], sb[32];
    if (p->target.ip) {
        frame_text(b, p->target.ip);
        ul_sb_putc(b, ' ');
    }
    char mb[512];
    ul_sb_printf(b, "%s\n", ul_problem_message(p, mb, sizeof mb));
    if (p->target.cls && p->target.cls->kind != UL_KIND_SRCU) {
        /* a sleeping lock call in a signal handler: the lock, as lockdep's wait-context splat */
        ul_sb_printf(b, "%s/%d is trying to lock:\n", id->comm, p->tid);
        lock_line(b, &p->target);
    } else {
        ul_sb_printf(b, "SRCU domain: %s\n", name_of(&p->target, nb));
    }
    ul_sb_puts(b, "\nother info that might help us debug this:\n\n");
    if (p->readers || p->nreaders) {
        ul_sb_printf(b, "%u reader%s still in a read-side critical section:\n", p->nreaders, p->nreaders == 1 ? "" : "s");
        for (unsigned i = 0; i < p->nreaders; i++) {
            const struct ul_srcu_reader *r = &p->readers[i];
            char comm[32];
            ul_thread_comm(r->tid, comm, sizeof comm);
            ul_sb_printf(b, " thread %s/%d", comm, r->tid);
            if (r->signo)
                ul_sb_printf(b, " (in the %s handler)", signal_name(r->signo, sb, sizeof sb));
            ul_sb_puts(b, ": ");
            lock_line(b, &r->lock);
            if (r->stack) {
                ul_sb_puts(b, "   srcu_read_lock() called at:\n");
                stack_text(b, r->stack, 4);
            }
        }
        ul_sb_putc(b, '\n');
    }
    held_locks(b, p, id);
}

static void assert_held(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    char mb[512];
    ul_sb_printf(b, "%s/%d: %s:\n", id->comm, p->tid, ul_problem_message(p, mb, sizeof mb));
    lock_line(b, &p->target);
    ul_sb_puts(b, "\nother info that might help us debug this:\n");
    held_locks(b, p, id);
}

/* deadlock (the hang watchdog): the name of one of the report's threads. */
static const char *blocked_thread_name(const struct ul_problem *p, int tid)
{
    for (unsigned i = 0; i < p->nthreads; i++)
        if (p->threads[i].tid == tid)
            return p->threads[i].name;
    return "?";
}

static void blocked_thread(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_blocked_thread *t)
{
    char nb[NAME_MAX_LEN];
    ul_sb_putc(b, '\n');
    switch (t->wait) {
    case UL_WAIT_LOCK:
        ul_sb_printf(b, "Thread %s/%d is blocked acquiring:\n", t->name, t->tid);
        lock_line(b, &t->lock);
        if (t->nblockers)
            ul_sb_puts(b, "held by:");
        for (unsigned k = 0; k < t->nblockers; k++)
            ul_sb_printf(b, " %s/%d", blocked_thread_name(p, t->blockers[k]), t->blockers[k]);
        if (t->nblockers)
            ul_sb_putc(b, '\n');
        break;
    case UL_WAIT_COND:
        ul_sb_printf(b, "Thread %s/%d is waiting on condition variable:\n%016lx", t->name, t->tid,
                     (unsigned long)t->cond);
        if (ul_symbolize_data(t->cond, nb, sizeof nb))
            ul_sb_printf(b, " (%s)", nb);
        ul_sb_puts(b, ", with no thread left to signal it, having released:\n");
        lock_line(b, &t->lock);
        break;
    default:
        ul_sb_printf(b, "Thread %s/%d is waiting for thread %s/%d to exit\n", t->name, t->tid,
                     t->nblockers ? blocked_thread_name(p, t->blockers[0]) : "?", t->nblockers ? t->blockers[0] : 0);
        break;
    }
    if (t->nheld) {
        ul_sb_printf(b, "while holding %u lock%s:\n", t->nheld, t->nheld > 1 ? "s" : "");
        for (unsigned k = 0; k < t->nheld; k++) {
            ul_sb_printf(b, " #%u: ", k);
            lock_line(b, &t->held[k]);
        }
    } else {
        ul_sb_puts(b, "while holding no locks\n");
    }
    ul_sb_puts(b, "stack backtrace:\n");
    stack_text(b, t->stack, 1);
}

/* Like the kernel's hung-task splat, for every thread of the deadlock: what it waits for and
 * who holds that, what it holds, and where it is stuck. */
static void deadlock(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    ul_sb_printf(b, "%u thread%s blocked for more than %u second%s, waiting for each other:\n", p->nthreads,
                 p->nthreads == 1 ? "" : "s", p->timeout, p->timeout == 1 ? "" : "s");
    for (unsigned i = 0; i < p->nthreads; i++)
        blocked_thread(b, p, &p->threads[i]);
    ul_sb_printf(b, "\n *** DEADLOCK ***\n\n(found by the hang watchdog, %s/%d)\n", id->comm, p->tid);
}

void ul_render_text(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    char tb[128];
    banner(b, ul_problem_title(p, id->comm, tb, sizeof tb), id);
    switch (p->kind) {
    case UL_P_CIRCULAR: circular(b, p, id); break;
    case UL_P_RECURSIVE: recursive(b, p, id); break;
    case UL_P_BAD_UNLOCK: bad_unlock(b, p, id); break;
    case UL_P_HELD_LOCK_FREED: held_lock_freed(b, p, id); break;
    case UL_P_HELD_AT_EXIT: held_locks(b, p, id); break;
    case UL_P_INCONSISTENT_STATE: inconsistent_state(b, p, id); break;
    case UL_P_SIGNAL_UNSAFE_ORDER: signal_unsafe_order(b, p, id); break;
    case UL_P_HELD_AT_SIGNAL_RETURN: held_at_signal_return(b, p, id); break;
    case UL_P_SRCU_MISUSE: srcu_misuse(b, p, id); break;
    case UL_P_ASSERT_HELD: assert_held(b, p, id); break;
    case UL_P_DEADLOCK: deadlock(b, p, id); return; /* each thread's stack is in it */
    case UL_P_KIND_COUNT: break;
    }
    backtrace_tail(b, p, id);
}
