/* One JSON object per report (CONTRACT "JSON format"). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "graph.h"
#include "lockclass.h"
#include "names.h"
#include "render.h"
#include "stackdepot.h"
#include "runtime_frames.h"
#include "symbolize.h"
#include "thread.h"

static const char *mode_name(unsigned mode)
{
    switch (mode) {
    case UL_WRITE: return "write";
    case UL_READ: return "read";
    case UL_RREAD: return "recursive_read";
    }
    return "write";
}

static void frame_fields_json(struct ul_strbuf *b, uintptr_t pc, const struct ul_frame *f)
{
    ul_sb_printf(b, "{\"pc\":\"0x%lx\",\"function\":", (unsigned long)pc);
    ul_sb_json_string(b, f ? f->function : NULL);
    ul_sb_puts(b, ",\"file\":");
    ul_sb_json_string(b, f ? f->file : NULL);
    ul_sb_printf(b, ",\"line\":%d,\"module\":", f ? f->line : 0);
    ul_sb_json_string(b, f ? f->module : NULL);
    ul_sb_printf(b, ",\"offset\":\"0x%lx\",\"build_id\":", f ? (unsigned long)f->module_off : 0ul);
    ul_sb_json_string(b, f ? f->build_id : NULL);
    if (f && f->inlined)
        ul_sb_puts(b, ",\"inlined\":true");
    ul_sb_putc(b, '}');
}

/* The frame of user code at pc ("at" of a lock). */
static void frame_json(struct ul_strbuf *b, uintptr_t pc)
{
    struct ul_frame f;
    bool ok = ul_user_frame(pc, &f);
    frame_fields_json(b, pc, ok ? &f : NULL);
}

#define INLINE_MAX 16

/* Every logical frame: a function inlined at a pc is a frame of its own ("inlined":true),
 * innermost first, as in the text splat. */
static void stack_json(struct ul_strbuf *b, uint32_t id)
{
    const struct ul_stack *s = ul_stack_get(id);
    ul_sb_putc(b, '[');
    bool first = true;
    for (uint32_t i = 0; s && i < s->n; i++) {
        struct ul_frame f[INLINE_MAX];
        int n = ul_symbolize_frames(s->pcs[i], true, f, INLINE_MAX);
        for (int k = 0; k < (n ? n : 1); k++) {
            if (!first)
                ul_sb_putc(b, ',');
            first = false;
            frame_fields_json(b, s->pcs[i], n ? &f[k] : NULL);
        }
    }
    ul_sb_putc(b, ']');
}

static void lock_json(struct ul_strbuf *b, const struct ul_lockref *r)
{
    char nb[600];
    ul_sb_puts(b, "{\"name\":");
    ul_sb_json_string(b, ul_lock_display_name(r, nb, sizeof nb));
    ul_sb_puts(b, ",\"class\":");
    ul_sb_json_string(b, ul_class_display_name((struct ul_class *)r->cls));
    if (r->addr)
        ul_sb_printf(b, ",\"addr\":\"0x%lx\"", (unsigned long)r->addr);
    else
        ul_sb_puts(b, ",\"addr\":null");
    ul_sb_printf(b, ",\"mode\":\"%s\"", mode_name(r->mode));
    if (r->trylock)
        ul_sb_puts(b, ",\"trylock\":true");
    if (r->cls)
        ul_sb_printf(b, ",\"kind\":\"%s\"", ul_kind_name(r->cls->kind));
    if (r->ip) {
        ul_sb_puts(b, ",\"at\":");
        frame_json(b, r->ip);
    }
    ul_sb_putc(b, '}');
}

/* deadlock: what every blocked thread waits for (a condvar wait: the mutex it released) and
 * holds, each lock once. */
static unsigned deadlock_locks(const struct ul_problem *p, const struct ul_lockref **list, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < p->nthreads; i++) {
        const struct ul_blocked_thread *t = &p->threads[i];
        for (unsigned k = 0; k <= t->nheld; k++) {
            const struct ul_lockref *r = k ? &t->held[k - 1] : &t->lock;
            if (!r->addr && !r->cls)
                continue;
            bool dup = false;
            for (unsigned j = 0; j < n && !dup; j++)
                dup = list[j]->addr == r->addr && list[j]->cls == r->cls;
            if (!dup && n < max)
                list[n++] = r;
        }
    }
    return n;
}

static const char *wait_name(unsigned wait)
{
    switch (wait) {
    case UL_WAIT_LOCK: return "lock";
    case UL_WAIT_COND: return "cond";
    case UL_WAIT_JOIN: return "join";
    }
    return "none";
}

/* deadlock: "threads", each with what it waits for, who holds that, what it holds and the
 * stack where it is blocked. */
static void deadlock_json(struct ul_strbuf *b, const struct ul_problem *p)
{
    char nb[600];
    ul_sb_printf(b, ",\"timeout\":%u,\"threads\":[", p->timeout);
    for (unsigned i = 0; i < p->nthreads; i++) {
        const struct ul_blocked_thread *t = &p->threads[i];
        ul_sb_printf(b, "%s{\"tid\":%d,\"name\":", i ? "," : "", t->tid);
        ul_sb_json_string(b, t->name);
        ul_sb_printf(b, ",\"wait\":\"%s\",\"waiting_for\":", wait_name(t->wait));
        if (t->wait == UL_WAIT_LOCK) {
            lock_json(b, &t->lock);
        } else if (t->wait == UL_WAIT_COND) {
            ul_sb_printf(b, "{\"name\":");
            ul_sb_json_string(b, ul_symbolize_data(t->cond, nb, sizeof nb) ? nb : NULL);
            ul_sb_printf(b, ",\"addr\":\"0x%lx\",\"kind\":\"cond\"},\"mutex\":", (unsigned long)t->cond);
            lock_json(b, &t->lock);
        } else {
            ul_sb_printf(b, "{\"thread\":%d}", t->nblockers ? t->blockers[0] : 0);
        }
        ul_sb_puts(b, ",\"blocked_by\":[");
        for (unsigned k = 0; k < t->nblockers; k++)
            ul_sb_printf(b, "%s%d", k ? "," : "", t->blockers[k]);
        ul_sb_puts(b, "],\"holding\":[");
        for (unsigned k = 0; k < t->nheld; k++) {
            if (k)
                ul_sb_putc(b, ',');
            lock_json(b, &t->held[k]);
        }
        ul_sb_printf(b, "],\"blocked_ms\":%u,\"stack\":", t->blocked_ms);
        stack_json(b, t->stack);
        ul_sb_putc(b, '}');
    }
    ul_sb_putc(b, ']');
}

/* The locks a report talks about: its main locks, then every other lock of a cycle. */
static void locks_json(struct ul_strbuf *b, const struct ul_problem *p)
{
    const struct ul_lockref *list[64];
    unsigned n = 0;
    switch (p->kind) {
    case UL_P_CIRCULAR:
        list[n++] = &p->target;
        list[n++] = &p->holding;
        for (unsigned i = 1; i + 1 < p->ncycle && n < 64; i++)
            list[n++] = &p->cycle[i].to;
        break;
    case UL_P_RECURSIVE:
        list[n++] = &p->target;
        list[n++] = &p->holding;
        break;
    case UL_P_BAD_UNLOCK:
    case UL_P_HELD_LOCK_FREED:
        list[n++] = &p->target;
        break;
    case UL_P_INCONSISTENT_STATE:
    case UL_P_SRCU_MISUSE:
    case UL_P_ASSERT_HELD:
        list[n++] = &p->target;
        if (p->holding.cls)
            list[n++] = &p->holding;
        break;
    case UL_P_SIGNAL_UNSAFE_ORDER:
        list[n++] = &p->target;
        list[n++] = &p->holding;
        for (unsigned i = 0; i < p->ncycle && n < 64; i++)
            list[n++] = &p->cycle[i].to;
        break;
    case UL_P_HELD_AT_EXIT:
    case UL_P_HELD_AT_SIGNAL_RETURN:
        for (unsigned i = 0; i < p->nheld && n < 64; i++)
            list[n++] = &p->held[i];
        break;
    case UL_P_DEADLOCK:
        n = deadlock_locks(p, list, 64);
        break;
    case UL_P_KIND_COUNT:
        break;
    }
    ul_sb_puts(b, ",\"locks\":[");
    for (unsigned i = 0; i < n; i++) {
        if (i)
            ul_sb_putc(b, ',');
        lock_json(b, list[i]);
    }
    ul_sb_putc(b, ']');
}

static const char *usage_json_name(unsigned bit)
{
    switch (bit) {
    case UL_U_IN_W: return "IN-SIGNAL-W";
    case UL_U_ON_W: return "SIGNAL-ON-W";
    case UL_U_IN_R: return "IN-SIGNAL-R";
    default: return "SIGNAL-ON-R";
    }
}

static void signal_json(struct ul_strbuf *b, const char *key, int signo)
{
    const char *abbrev = signo > 0 ? sigabbrev_np(signo) : NULL;
    ul_sb_printf(b, ",\"%s\":", key);
    if (abbrev)
        ul_sb_printf(b, "\"SIG%s\"", abbrev);
    else if (signo > 0)
        ul_sb_printf(b, "%d", signo);
    else
        ul_sb_puts(b, "null");
}

/* Signal context, usage states, SRCU messages and readers: the fields of the signal and
 * SRCU report kinds. */
static void context_json(struct ul_strbuf *b, const struct ul_problem *p)
{
    char nb[600];
    if (p->sig_depth)
        signal_json(b, "in_signal_handler", p->signo);
    switch (p->kind) {
    case UL_P_INCONSISTENT_STATE:
        signal_json(b, "signal", p->usage_signo);
        ul_sb_printf(b, ",\"usage\":{\"registered\":\"%s\",\"new\":\"%s\"},\"registered_stack\":",
                     usage_json_name(p->usage_prev), usage_json_name(p->usage_new));
        stack_json(b, p->usage_stack);
        break;
    case UL_P_SIGNAL_UNSAFE_ORDER:
        signal_json(b, "signal", p->usage_signo);
        ul_sb_puts(b, ",\"safe\":");
        lock_json(b, &p->safe);
        ul_sb_puts(b, ",\"safe_stack\":");
        stack_json(b, p->usage_stack);
        ul_sb_puts(b, ",\"unsafe\":");
        lock_json(b, &p->unsafe);
        ul_sb_puts(b, ",\"unsafe_stack\":");
        stack_json(b, p->usage_stack2);
        ul_sb_puts(b, ",\"chain\":[");
        for (unsigned i = 0; i < p->ncycle; i++) {
            if (i)
                ul_sb_putc(b, ',');
            ul_sb_puts(b, "{\"from\":");
            ul_sb_json_string(b, ul_lock_display_name(&p->cycle[i].from, nb, sizeof nb));
            ul_sb_puts(b, ",\"to\":");
            ul_sb_json_string(b, ul_lock_display_name(&p->cycle[i].to, nb, sizeof nb));
            ul_sb_puts(b, ",\"stack\":");
            stack_json(b, p->cycle[i].stack);
            ul_sb_putc(b, '}');
        }
        ul_sb_putc(b, ']');
        break;
    case UL_P_HELD_AT_SIGNAL_RETURN:
        signal_json(b, "signal", p->signo);
        ul_sb_printf(b, ",\"by_longjmp\":%s", p->by_longjmp ? "true" : "false");
        break;
    case UL_P_DEADLOCK:
        deadlock_json(b, p);
        break;
    case UL_P_SRCU_MISUSE:
    case UL_P_ASSERT_HELD:
        char mb[512];
        ul_sb_puts(b, ",\"message\":");
        ul_sb_json_string(b, ul_problem_message(p, mb, sizeof mb));
        if (p->kind == UL_P_SRCU_MISUSE) {
            ul_sb_puts(b, ",\"readers\":[");
            for (unsigned i = 0; i < p->nreaders; i++) {
                const struct ul_srcu_reader *r = &p->readers[i];
                char comm[32];
                ul_thread_comm(r->tid, comm, sizeof comm);
                ul_sb_printf(b, "%s{\"tid\":%d,\"thread\":", i ? "," : "", r->tid);
                ul_sb_json_string(b, comm);
                signal_json(b, "signal", r->signo);
                ul_sb_puts(b, ",\"lock\":");
                lock_json(b, &r->lock);
                ul_sb_puts(b, ",\"stack\":");
                stack_json(b, r->stack);
                ul_sb_putc(b, '}');
            }
            ul_sb_putc(b, ']');
        }
        break;
    default:
        break;
    }
}

/* ms since the epoch as "2026-12-07T10:50:01.123Z", by arithmetic (days to civil date, as in
 * Howard Hinnant's algorithm): gmtime_r takes libc's time-zone lock. */
static void iso_utc(char *buf, size_t len, long long ms)
{
    long long secs = ms / 1000, days = secs / 86400, rem = secs % 86400;
    long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    snprintf(buf, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", y + (m <= 2), m, d, rem / 3600,
             rem / 60 % 60, rem % 60, ms % 1000);
}

void ul_render_json(struct ul_strbuf *b, const struct ul_problem *p, const struct ul_report_ident *id)
{
    char tb[128], nb[600];
    ul_sb_puts(b, "{\"kind\":");
    ul_sb_json_string(b, ul_problem_kind_name(p->kind));
    ul_sb_printf(b, ",\"pid\":%d,\"tid\":%d,\"thread\":", id->pid, p->tid);
    ul_sb_json_string(b, id->comm);
    ul_sb_puts(b, ",\"title\":");
    ul_sb_json_string(b, ul_problem_title(p, id->comm, tb, sizeof tb));
    /* When: seconds since the process started, and the wall clock (ISO 8601, UTC, ms). */
    char iso[96];
    iso_utc(iso, sizeof iso, id->wall_ms);
    ul_sb_printf(b, ",\"time\":{\"since_start\":%.6f,\"wall\":\"%s\"}", id->since_start, iso);
    ul_sb_printf(b, ",\"seq\":%u,\"exe\":", id->seq);
    ul_sb_json_string(b, id->exe);
    ul_sb_puts(b, ",\"cmdline\":");
    ul_sb_json_string(b, id->cmdline);
    /* The arguments one by one: "cmdline" cannot tell "a b" from "a" "b". */
    ul_sb_puts(b, ",\"argv\":[");
    for (size_t off = 0, k = 0; id->argv && off < id->argv_len; k++) {
        size_t n = strnlen(id->argv + off, id->argv_len - off);
        char arg[4096];
        snprintf(arg, sizeof arg, "%.*s", (int)n, id->argv + off);
        if (k)
            ul_sb_putc(b, ',');
        ul_sb_json_string(b, arg);
        off += n + 1;
    }
    ul_sb_putc(b, ']');
    ul_sb_printf(b, ",\"version\":\"%s\"", ULOCKDEP_VERSION);
    locks_json(b, p);
    if (p->kind == UL_P_CIRCULAR) {
        if (p->reacquire_ip) { /* found re-taking held locks after this out-of-order unlock */
            ul_sb_puts(b, ",\"reacquired_after_unlock_at\":");
            frame_json(b, p->reacquire_ip);
        }
        ul_sb_printf(b, ",\"instance_level\":%s,\"cycle\":[", p->instance_level ? "true" : "false");
        for (unsigned i = 0; i < p->ncycle; i++) {
            const struct ul_cycle_step *s = &p->cycle[i];
            if (i)
                ul_sb_putc(b, ',');
            ul_sb_puts(b, "{\"lock\":");
            ul_sb_json_string(b, ul_lock_display_name(&s->from, nb, sizeof nb));
            ul_sb_puts(b, ",\"from\":");
            ul_sb_json_string(b, ul_lock_display_name(&s->from, nb, sizeof nb));
            ul_sb_puts(b, ",\"to\":");
            ul_sb_json_string(b, ul_lock_display_name(&s->to, nb, sizeof nb));
            ul_sb_puts(b, ",\"stack\":");
            stack_json(b, s->stack);
            ul_sb_putc(b, '}');
        }
        ul_sb_putc(b, ']');
    }
    if (p->kind == UL_P_HELD_LOCK_FREED && p->mem_lo == p->mem_hi)
        ul_sb_puts(b, ",\"overwritten\":true");
    else if (p->kind == UL_P_HELD_LOCK_FREED)
        ul_sb_printf(b, ",\"memory\":{\"start\":\"0x%lx\",\"end\":\"0x%lx\"}", (unsigned long)p->mem_lo,
                     (unsigned long)p->mem_hi);
    context_json(b, p);
    ul_sb_puts(b, ",\"held\":[");
    for (unsigned i = 0; i < p->nheld; i++) {
        if (i)
            ul_sb_putc(b, ',');
        lock_json(b, &p->held[i]);
    }
    ul_sb_puts(b, "],\"stack\":");
    stack_json(b, p->stack);
    /* The exact text splat, so `ulockdep report` can print it from a JSON-only log. */
    struct ul_strbuf text = { 0 };
    ul_render_text(&text, p, id);
    ul_sb_puts(b, ",\"text\":");
    ul_sb_json_string(b, text.s && !text.failed ? text.s : NULL);
    ul_sb_free(&text);
    ul_sb_puts(b, "}\n");
}
