/* Stack depot: each distinct call stack is stored once and named by a small id.
 * Stacks are raw return addresses; symbolization happens only when a report is written.
 * Saving takes the graph lock (callers hold it); reading an id is lock-free. */
#ifndef ULOCKDEP_ENGINE_STACKDEPOT_H
#define ULOCKDEP_ENGINE_STACKDEPOT_H

#include <stdint.h>

#define UL_STACK_MAX 64

struct ul_stack {
    uint32_t id;
    uint32_t n;
    uint64_t hash;
    struct ul_stack *hash_next;
    uintptr_t pcs[];
};

/* Returns the id of the stack (0 for an empty stack or when out of memory). */
uint32_t ul_stack_save(const uintptr_t *pcs, unsigned n);
/* NULL for id 0 or an unknown id. */
const struct ul_stack *ul_stack_get(uint32_t id);
uint32_t ul_stack_count(void);

#endif
