#include "lockclass.h"

#include <stdatomic.h>

#include "arena.h"
#include "keyset.h"

#define BUCKET_BITS 16
#define DIR_BITS 14
#define CHUNK_BITS 12

static struct ul_class *buckets[1u << BUCKET_BITS];
static _Atomic(struct ul_class **) dir[1u << DIR_BITS];
static uint32_t next_id = 1;

static struct ul_node *class_node(uint32_t id)
{
    struct ul_class *c = ul_class_get(id);
    return c ? &c->node : NULL;
}

struct ul_graph ul_class_graph = { .node = class_node };

struct ul_class *ul_class_get(uint32_t id)
{
    if (id == 0 || (id >> CHUNK_BITS) >= (1u << DIR_BITS))
        return NULL;
    struct ul_class **chunk = atomic_load_explicit(&dir[id >> CHUNK_BITS], memory_order_acquire);
    return chunk ? __atomic_load_n(&chunk[id & ((1u << CHUNK_BITS) - 1)], __ATOMIC_ACQUIRE) : NULL;
}

struct ul_class *ul_class_intern(uint64_t key, enum ul_class_origin origin, enum ul_lock_kind kind,
                                 uint32_t site_stack, uintptr_t static_addr)
{
    struct ul_class **b = &buckets[ul_mix64(key) & ((1u << BUCKET_BITS) - 1)];
    for (struct ul_class *c = *b; c; c = c->hash_next)
        if (c->key == key)
            return c;
    uint32_t id = next_id;
    if ((id >> CHUNK_BITS) >= (1u << DIR_BITS))
        return NULL; /* 67 million classes */
    struct ul_class **chunk = atomic_load_explicit(&dir[id >> CHUNK_BITS], memory_order_relaxed);
    if (!chunk) {
        chunk = ul_alloc(sizeof(*chunk) << CHUNK_BITS);
        if (!chunk)
            return NULL;
        atomic_store_explicit(&dir[id >> CHUNK_BITS], chunk, memory_order_release);
    }
    struct ul_class *c = ul_alloc(sizeof *c);
    if (!c)
        return NULL;
    c->key = key;
    c->id = id;
    c->origin = (uint8_t)origin;
    c->kind = (uint8_t)kind;
    c->site_stack = site_stack;
    c->static_addr = static_addr;
    c->hash_next = *b;
    *b = c;
    __atomic_store_n(&chunk[id & ((1u << CHUNK_BITS) - 1)], c, __ATOMIC_RELEASE);
    next_id++;
    return c;
}

uint32_t ul_class_count(void)
{
    return next_id - 1;
}
