#include "stackdepot.h"

#include <stdatomic.h>
#include <string.h>

#include "arena.h"
#include "keyset.h"

#define BUCKET_BITS 14
#define DIR_BITS 12          /* ids: directory of 4096 chunks of 4096 pointers */
#define CHUNK_BITS 12

static struct ul_stack *buckets[1u << BUCKET_BITS];
static _Atomic(struct ul_stack **) dir[1u << DIR_BITS];
static uint32_t next_id = 1;

static uint64_t hash_pcs(const uintptr_t *pcs, unsigned n)
{
    uint64_t h = n;
    for (unsigned i = 0; i < n; i++)
        h = ul_mix64(h ^ pcs[i]);
    return h;
}

uint32_t ul_stack_save(const uintptr_t *pcs, unsigned n)
{
    if (n == 0)
        return 0;
    if (n > UL_STACK_MAX)
        n = UL_STACK_MAX;
    uint64_t h = hash_pcs(pcs, n);
    struct ul_stack **b = &buckets[h & ((1u << BUCKET_BITS) - 1)];
    for (struct ul_stack *s = *b; s; s = s->hash_next)
        if (s->hash == h && s->n == n && !memcmp(s->pcs, pcs, n * sizeof *pcs))
            return s->id;
    uint32_t id = next_id;
    uint32_t d = id >> CHUNK_BITS;
    if (d >= (1u << DIR_BITS))
        return 0;
    struct ul_stack **chunk = atomic_load_explicit(&dir[d], memory_order_relaxed);
    if (!chunk) {
        chunk = ul_alloc(sizeof(*chunk) << CHUNK_BITS);
        if (!chunk)
            return 0;
        atomic_store_explicit(&dir[d], chunk, memory_order_release);
    }
    struct ul_stack *s = ul_alloc(sizeof *s + n * sizeof *pcs);
    if (!s)
        return 0;
    s->id = id;
    s->n = n;
    s->hash = h;
    memcpy(s->pcs, pcs, n * sizeof *pcs);
    s->hash_next = *b;
    *b = s;
    __atomic_store_n(&chunk[id & ((1u << CHUNK_BITS) - 1)], s, __ATOMIC_RELEASE);
    next_id++;
    return id;
}

const struct ul_stack *ul_stack_get(uint32_t id)
{
    if (id == 0 || (id >> CHUNK_BITS) >= (1u << DIR_BITS))
        return NULL;
    struct ul_stack **chunk = atomic_load_explicit(&dir[id >> CHUNK_BITS], memory_order_acquire);
    if (!chunk)
        return NULL;
    return __atomic_load_n(&chunk[id & ((1u << CHUNK_BITS) - 1)], __ATOMIC_ACQUIRE);
}

uint32_t ul_stack_count(void)
{
    return next_id - 1;
}
