/* A set of 64-bit keys with lock-free lookups (open addressing, linear probing).
 * Used for the chain-key cache and the dependency-edge cache: the fast path asks "seen?"
 * without any lock; inserts and removals happen under the graph lock. Growing publishes a
 * new table; readers still on the old one may miss a fresh key and simply take the slow
 * path, which looks again under the lock. Old tables are kept (they add up to less than the
 * current one), so a reader can never touch unmapped memory. Key 0 is reserved.
 * Removal leaves tombstones; a table that fills with them is rebuilt at the same size and
 * the old one kept too, so memory grows with the number of removals: the engine's sets only
 * ever grow (the page filter in instance.c never removes), removal is for small sets. */
#ifndef ULOCKDEP_ENGINE_KEYSET_H
#define ULOCKDEP_ENGINE_KEYSET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct ul_keyset_table;

struct ul_keyset {
    _Atomic(struct ul_keyset_table *) table;
    uint64_t count;      /* live keys */
    uint64_t used;       /* live keys + tombstones */
};

bool ul_keyset_contains(struct ul_keyset *s, uint64_t key);     /* lock-free */
bool ul_keyset_insert(struct ul_keyset *s, uint64_t key);       /* graph lock; false on OOM */
bool ul_keyset_remove(struct ul_keyset *s, uint64_t key);       /* graph lock */

static inline uint64_t ul_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* Non-zero hash of a few words. */
static inline uint64_t ul_hash3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t h = ul_mix64(a + 0x9e3779b97f4a7c15ull);
    h = ul_mix64(h ^ b);
    h = ul_mix64(h ^ c);
    return h ? h : 1;
}

#endif
