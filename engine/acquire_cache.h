/* The per-thread acquisition cache: the fast path of lock acquisition and release.
 *
 * Once an acquisition has been checked in full (the lock found or registered, its class's
 * usage and signal-usage bits recorded, the chain validated), doing it again in the same
 * place needs none of that: same chain key, same lock, same mode give the same instance,
 * class and next chain key, and everything recorded about them only ever grows. So each
 * thread keeps a direct-mapped table keyed by (chain key, lock address) and a repeated
 * acquisition is one probe of it plus a push; a release of the top lock is a pop. Nothing
 * shared is written; the only shared words read are read-mostly: the engine's on switch
 * and the retire epoch.
 *
 * What a hit must still respect, and how:
 *   - the instance may be gone (destroyed, re-initialised, freed, module unloaded): every
 *     retirement bumps ul_instance_epoch; when it moved, the entry's instance is checked
 *     again (same address, same serial) before it is trusted;
 *   - signal usage: a hit needs the signals that can arrive now to be among the class's
 *     SIGNAL-ON bits (read from the class: they only ever grow; the thread's mask must be
 *     known), and inside a handler, the handler's signal to be the entry's;
 *   - same-class nesting and recursion: when the thread holds a lock whose class shares
 *     the bloom slot, the full same-class check runs (ul_on_acquire), unless this entry
 *     passed it before with the same held stack (same_ikey == the thread's ikey: the same
 *     locks held the same way, so no relock, and the instance dependencies it found are
 *     known); a class gaining its second live lock bumps the epoch, which clears that
 *     memo, because it changes which held locks are gates;
 *   - trylocks are part of the tag; subclass
 *     acquisitions (lock_nested) and lock_sync are never cached;
 *   - ignored classes: a class that becomes ignored after first use bumps ul_instance_epoch
 *     too, and the entry's class is checked with its instance when the epoch moved.
 * Inline, so that the shim's interposers run it without a call into the engine. */
#ifndef ULOCKDEP_ENGINE_ACQUIRE_CACHE_H
#define ULOCKDEP_ENGINE_ACQUIRE_CACHE_H

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "engine.h"
#include "instance.h"

extern atomic_int enabled; /* problem_queue.c: the engine's on switch */

_Static_assert(sizeof(struct ul_acache_entry) == 64, "one cache line per entry");
_Static_assert(UL_ACACHE_PRIME <= 1u << UL_ACACHE_BITS, "prime fits the table");
_Static_assert((int)UL_HELD_TRY == (int)UL_F_TRY, "held flag copied from the acquire flag");

/* The tag lives in the address's top byte (user addresses are below 2^56). */
/* Whether the chain needed validating is not part of it: a chain key other than a
 * context's initial one is always validated before it is cached, and the initial key
 * (nothing held in this context) has no dependency to validate, whatever the contexts
 * below it hold. */
#define UL_ACACHE_TAG(mode, try) ((uintptr_t)((mode) | (unsigned)(try) << 2) << 56)
#define UL_ACACHE_UNCACHED (UL_F_SYNC | UL_F_SUBCLASS(7))

#define UL_ACACHE_INLINE static inline __attribute__((always_inline))

/* Modulo a prime, like the instance cache: for one chain key, the locks of an array (any
 * stride) land in distinct entries until there are more than UL_ACACHE_PRIME of them,
 * so a thread taking any of 4000 per-object locks finds each in its own entry. The chain
 * key (a hash already) moves the whole array for another chain. */
UL_ACACHE_INLINE uint32_t ul_acache_index(uint64_t key, uintptr_t addr)
{
    return (uint32_t)((addr >> 2) + (key >> 40)) % UL_ACACHE_PRIME; /* 32 bits: a short division */
}

/* sig_depth and sig_mask_known in one load: thread context with a known mask is the
 * common case. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define UL_SIG_STATE_PLAIN 0x0100u /* sig_depth 0, sig_mask_known 1 */
#else
#define UL_SIG_STATE_PLAIN 0x0001u
#endif
UL_ACACHE_INLINE unsigned ul_sig_state(const struct ul_thread *t)
{
    _Static_assert(offsetof(struct ul_thread, sig_mask_known) == offsetof(struct ul_thread, sig_depth) + 1,
                   "sig_depth and sig_mask_known adjacent");
    uint16_t w;
    memcpy(&w, &t->sig_depth, sizeof w);
    return w;
}

/* The validated entry for this acquisition, or NULL (then the full path runs). Does not
 * look at the same-class bloom (the caller does). */
UL_ACACHE_INLINE struct ul_acache_entry *ul_acache_find(struct ul_thread *t, uintptr_t addr, unsigned mode,
                                                     unsigned flags)
{
    if (__builtin_expect((flags & UL_ACACHE_UNCACHED) || t->depth == t->cap, 0))
        return NULL;
    uint64_t key = t->chain_key;
    unsigned try_ = flags & UL_F_TRY;
    struct ul_acache_entry *e = &t->acache[ul_acache_index(key, addr)];
    if (e->key != key || e->addr_tag != (addr | UL_ACACHE_TAG(mode, try_)))
        return NULL;
    if (__builtin_expect(ul_sig_state(t) != UL_SIG_STATE_PLAIN, 0)) {
        if (!t->sig_mask_known)
            return NULL;
        if (t->sig_depth && !try_ && t->sig[t->sig_depth].signo != e->sig_in)
            return NULL; /* in a handler whose signal is not known to the class */
    }
    /* A signal that can arrive now is new for the class (those bits only ever grow). */
    if (~t->sig_blocked & ~__atomic_load_n(&e->cls->sig_on[mode != UL_WRITE], __ATOMIC_RELAXED))
        return NULL;
    uint32_t epoch = atomic_load_explicit(&ul_instance_epoch, memory_order_acquire);
    if (__builtin_expect(e->epoch != epoch, 0)) {
        /* Something was retired since: make sure it was not this instance. */
        if (atomic_load_explicit(&e->inst->addr, memory_order_acquire) != addr ||
            __atomic_load_n(&e->inst->serial, __ATOMIC_RELAXED) != e->serial ||
            atomic_load_explicit(&e->cls->ignored, memory_order_relaxed))
            return NULL;
        e->epoch = epoch;
        e->same_ikey = 0; /* the stack's instances or their classes' gates may differ now */
    }
    return e;
}

/* Pushes the acquisition described by e (ul_acache_find checked there is room) in signal
 * context ctx, which is t->sig_depth (the fast paths know it is 0: one load less). */
UL_ACACHE_INLINE void ul_acache_push_ctx(struct ul_thread *t, const struct ul_acache_entry *e, uintptr_t addr,
                                      unsigned mode, unsigned flags, uintptr_t ip, uint8_t ctx)
{
    struct ul_held *h = &t->held[t->depth];
    h->addr = addr;
    h->inst = e->inst;
    h->cls = e->cls;
    h->prev_key = t->chain_key;
    h->prev_ikey = t->ikey;
    h->ip = ip;
    h->refs = 0;
    h->mode = (uint8_t)mode;
    h->flags = (uint8_t)(flags & UL_F_TRY);
    h->ctx = ctx;
    h->aux = (uint8_t)(flags >> 16);
    h->slot = e->slot;
    t->depth++;
    t->class_count[e->slot]++;
    t->chain_key = e->next;
    t->ikey = ul_ikey_next(t->ikey, addr, mode, flags & UL_F_TRY, ctx, 0);
}

UL_ACACHE_INLINE void ul_acache_push(struct ul_thread *t, const struct ul_acache_entry *e, uintptr_t addr,
                                  unsigned mode, unsigned flags, uintptr_t ip)
{
    ul_acache_push_ctx(t, e, addr, mode, flags, ip, t->sig_depth);
}

/* No lock of the entry's class is held, or this same stack passed the same-class checks
 * for this acquisition before (nesting in one class, the same way again). */
UL_ACACHE_INLINE bool ul_acache_no_same_class_check(const struct ul_thread *t, const struct ul_acache_entry *e)
{
    return !t->class_count[e->slot] || e->same_ikey == t->ikey;
}

/* ul_on_acquire with its common case inline: a cached acquisition with no lock of a
 * possibly-same class held. */
UL_ACACHE_INLINE enum ul_token ul_acquire(struct ul_thread *t, void *lock, enum ul_lock_kind kind, unsigned mode,
                                       unsigned flags, uintptr_t ip)
{
    if (__builtin_expect(atomic_load_explicit(&enabled, memory_order_relaxed) && !t->deferred, 1)) {
        struct ul_acache_entry *e = ul_acache_find(t, (uintptr_t)lock, mode, flags);
        if (__builtin_expect(e && ul_acache_no_same_class_check(t, e), 1)) {
            ul_acache_push(t, e, (uintptr_t)lock, mode, flags, ip);
            return UL_T_PUSHED;
        }
    }
    return ul_on_acquire(t, lock, kind, mode, flags, ip);
}

/* Lock coupling's release (hand over hand: take the next node, release the one before):
 * the lock under the top of a two-lock stack, in this context, held once. The top moves
 * down and is re-keyed as if taken first, which needs no chain validation at the bottom of
 * the stack (what remove_held does in general). */
UL_ACACHE_INLINE bool ul_release_below_top(struct ul_thread *t, uintptr_t addr)
{
    struct ul_held *g = &t->held[0], *top = &t->held[1];
    if (t->depth != 2 || g->addr != addr || g->ctx != t->sig_depth || top->ctx != g->ctx || g->refs ||
        !atomic_load_explicit(&enabled, memory_order_relaxed))
        return false;
    uint64_t key = g->prev_key, ikey = g->prev_ikey;
    t->class_count[g->slot]--;
    *g = *top;
    g->prev_key = key;
    g->prev_ikey = ikey;
    t->chain_key = ul_chain_next(key, g->cls->id, g->mode);
    t->ikey = ul_ikey_next(ikey, g->addr, g->mode, g->flags & UL_HELD_TRY, g->ctx, g->cls->subclass);
    t->depth = 1;
    return true;
}

/* The common release: the lock is the top of the stack, in this context, held once.
 * Returns false (nothing done) otherwise: then ul_release_below_top, or ul_on_release,
 * does the rest (not from here: the interposers inline this and stay leaves). */
UL_ACACHE_INLINE bool ul_release_top(struct ul_thread *t, uintptr_t addr)
{
    uint32_t d = t->depth;
    if (__builtin_expect(!d, 0))
        return false;
    struct ul_held *h = &t->held[d - 1];
    if (__builtin_expect(h->addr != addr || h->ctx != t->sig_depth || h->refs ||
                             !atomic_load_explicit(&enabled, memory_order_relaxed), 0))
        return false;
    t->chain_key = h->prev_key;
    t->ikey = h->prev_ikey;
    t->class_count[h->slot]--;
    t->depth = d - 1;
    return true;
}

#endif
