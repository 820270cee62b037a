/* Where a thread's SRCU readers remember the stack of their srcu_read_lock call site
 * (srcu_events.c captures it; the shim's read-side fast path only looks it up).
 * Each slot packs a hash of the call site (high half) and the stack id (low half), stored
 * with one store: a handler reading on this thread never sees half an entry. */
#ifndef ULOCKDEP_ENGINE_SRCU_READ_SITE_H
#define ULOCKDEP_ENGINE_SRCU_READ_SITE_H

#include <stdbool.h>
#include <stdint.h>

#include "keyset.h"
#include "thread.h"

static inline __attribute__((always_inline)) uint64_t ul_srcu_site_hash(uintptr_t ip)
{
    return ul_mix64(ip) >> 32;
}

static inline __attribute__((always_inline)) uint64_t *ul_srcu_site_slot(struct ul_thread *t, uint64_t h)
{
    return &t->srcu_sites[(h ^ h >> 16) % UL_SRCU_SITES];
}

/* Whether this thread knows the stack of call site ip (its id, 0 when the capture gave
 * none, in *id); if not, it must be captured. */
static inline __attribute__((always_inline)) bool ul_srcu_site_known(struct ul_thread *t, uintptr_t ip, uint32_t *id)
{
    uint64_t h = ul_srcu_site_hash(ip);
    uint64_t v = __atomic_load_n(ul_srcu_site_slot(t, h), __ATOMIC_RELAXED);
    *id = (uint32_t)v;
    return v >> 32 == h && v != 0;
}

#endif
