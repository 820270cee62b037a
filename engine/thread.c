#include "thread.h"

#include <string.h>
#include <sys/mman.h>

#include "arena.h"
#include "glock.h"

#define INITIAL_HELD 64

static struct ul_thread *registry;
static struct ul_thread *free_states;  /* reused by new threads (thread churn stays flat) */

struct ul_thread *ul_thread_first(void)
{
    return registry;
}

struct ul_thread *ul_thread_new(int tid, bool is_main)
{
    ul_flock_lock(&ul_glock);
    struct ul_thread *t = free_states;
    if (t) {
        free_states = t->reg_next;
        struct ul_held *held = t->held;
        uint32_t cap = t->cap;
        struct ul_icache_entry *icache = t->icache;
        struct ul_acache_entry *acache = t->acache;
        memset(t, 0, sizeof *t);
        t->held = held;
        t->cap = cap;
        t->icache = icache;
        t->acache = acache;
    } else {
        /* The held stack starts a page; keep the thread's own fields at a different offset
         * within a page, or every push (a store at held[depth]) and the next load of
         * t->depth alias in the CPU's 4 KiB store-forwarding check and stall. */
        /* +64: the state is cache-line aligned; the arena only guarantees 16 bytes. */
        char *mem = ul_alloc(sizeof *t + 2048 + 64);
        t = mem ? (struct ul_thread *)((((uintptr_t)mem + 63) & ~(uintptr_t)63) + 1536) : NULL;
        if (t) {
            t->held = ul_pages_alloc(INITIAL_HELD * sizeof *t->held);
            t->acache = ul_pages_alloc(sizeof *t->acache << UL_ACACHE_BITS);
            if (!t->held || !t->acache) {
                if (t->held)
                    ul_pages_free(t->held, INITIAL_HELD * sizeof *t->held);
                if (t->acache)
                    ul_pages_free(t->acache, sizeof *t->acache << UL_ACACHE_BITS);
                ul_free(mem, sizeof *t + 2048 + 64);
                t = NULL;
            } else {
                t->cap = INITIAL_HELD;
            }
        }
    }
    if (t) {
        t->tid = tid;
        t->is_main = is_main;
        t->chain_key = UL_CHAIN_INITIAL;
        t->ikey = UL_IKEY_INITIAL;
        t->reg_next = registry;
        if (registry)
            registry->reg_prev = t;
        registry = t;
    }
    ul_flock_unlock(&ul_glock);
    return t;
}

void ul_thread_free(struct ul_thread *t)
{
    ul_flock_lock(&ul_glock);
    if (t->reg_prev)
        t->reg_prev->reg_next = t->reg_next;
    else if (registry == t)
        registry = t->reg_next;
    if (t->reg_next)
        t->reg_next->reg_prev = t->reg_prev;
    /* Shrink a stack that grew huge, keep the usual size for the next thread. */
    if (t->cap > INITIAL_HELD) {
        ul_pages_free(t->held, t->cap * sizeof *t->held);
        t->held = ul_pages_alloc(INITIAL_HELD * sizeof *t->held);
        t->cap = t->held ? INITIAL_HELD : 0;
    }
    t->depth = 0;
    if (t->held) {
        t->reg_next = free_states;
        free_states = t;
    }
    ul_flock_unlock(&ul_glock);
}

/* Under the graph lock, so that another thread reading this stack under the graph lock
 * (the SRCU cleanup check, the hang watchdog) never reads unmapped memory. */
bool ul_thread_grow(struct ul_thread *t)
{
    size_t old = t->cap * sizeof *t->held;
    ul_flock_lock(&ul_glock);
    void *n = mremap(t->held, old, old * 2, MREMAP_MAYMOVE);
    if (n != MAP_FAILED) {
        t->held = n;
        t->cap *= 2;
    }
    ul_flock_unlock(&ul_glock);
    return n != MAP_FAILED;
}

void ul_thread_forget_others(struct ul_thread *self)
{
    registry = self;
    if (self) {
        self->reg_next = self->reg_prev = NULL;
    }
}
