#include "keyset.h"

#include "arena.h"

#define TOMBSTONE UINT64_MAX
#define MIN_BITS 10

struct ul_keyset_table {
    uint64_t mask;
    struct ul_keyset_table *older; /* kept alive for readers still probing it */
    _Atomic uint64_t slots[];
};

static size_t table_bytes(uint64_t nslots)
{
    return sizeof(struct ul_keyset_table) + nslots * sizeof(uint64_t);
}

static inline uint64_t slot_of(uint64_t key)
{
    return ul_mix64(key);
}

bool ul_keyset_contains(struct ul_keyset *s, uint64_t key)
{
    struct ul_keyset_table *t = atomic_load_explicit(&s->table, memory_order_acquire);
    if (!t)
        return false;
    for (uint64_t i = slot_of(key) & t->mask;; i = (i + 1) & t->mask) {
        uint64_t k = atomic_load_explicit(&t->slots[i], memory_order_acquire);
        if (k == key)
            return true;
        if (k == 0)
            return false;
    }
}

static void put(struct ul_keyset_table *t, uint64_t key)
{
    uint64_t i = slot_of(key) & t->mask;
    for (;;) {
        uint64_t k = atomic_load_explicit(&t->slots[i], memory_order_relaxed);
        if (k == 0 || k == TOMBSTONE)
            break;
        i = (i + 1) & t->mask;
    }
    atomic_store_explicit(&t->slots[i], key, memory_order_release);
}

static bool grow(struct ul_keyset *s)
{
    struct ul_keyset_table *old = atomic_load_explicit(&s->table, memory_order_relaxed);
    uint64_t nslots = old ? (old->mask + 1) : ((uint64_t)1 << MIN_BITS);
    /* Double when mostly live keys, rebuild at the same size when mostly tombstones. */
    if (old && s->count * 4 >= (old->mask + 1))
        nslots *= 2;
    struct ul_keyset_table *t = ul_pages_alloc(table_bytes(nslots));
    if (!t)
        return false;
    t->mask = nslots - 1;
    t->older = old;
    if (old)
        for (uint64_t i = 0; i <= old->mask; i++) {
            uint64_t k = atomic_load_explicit(&old->slots[i], memory_order_relaxed);
            if (k && k != TOMBSTONE)
                put(t, k);
        }
    s->used = s->count;
    atomic_store_explicit(&s->table, t, memory_order_release);
    return true;
}

bool ul_keyset_insert(struct ul_keyset *s, uint64_t key)
{
    if (ul_keyset_contains(s, key))
        return true;
    struct ul_keyset_table *t = atomic_load_explicit(&s->table, memory_order_relaxed);
    if (!t || (s->used + 1) * 2 > t->mask + 1) {
        if (!grow(s))
            return false;
        t = atomic_load_explicit(&s->table, memory_order_relaxed);
    }
    /* A tombstone reused by put() was already counted in `used`. */
    uint64_t i = slot_of(key) & t->mask;
    bool reuses = false;
    for (;; i = (i + 1) & t->mask) {
        uint64_t k = atomic_load_explicit(&t->slots[i], memory_order_relaxed);
        if (k == 0)
            break;
        if (k == TOMBSTONE) {
            reuses = true;
            break;
        }
    }
    atomic_store_explicit(&t->slots[i], key, memory_order_release);
    s->count++;
    if (!reuses)
        s->used++;
    return true;
}

bool ul_keyset_remove(struct ul_keyset *s, uint64_t key)
{
    struct ul_keyset_table *t = atomic_load_explicit(&s->table, memory_order_relaxed);
    if (!t)
        return false;
    for (uint64_t i = slot_of(key) & t->mask;; i = (i + 1) & t->mask) {
        uint64_t k = atomic_load_explicit(&t->slots[i], memory_order_relaxed);
        if (k == 0)
            return false;
        if (k == key) {
            atomic_store_explicit(&t->slots[i], TOMBSTONE, memory_order_release);
            s->count--;
            return true;
        }
    }
}
