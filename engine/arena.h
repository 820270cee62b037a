/* The engine's own allocator: mmap'ed chunks with power-of-two size classes.
 * The engine never calls malloc, so it works inside programs whose allocator is busy or
 * interposed, and in a forked child. Callers hold the graph lock (ul_glock); the only
 * exception is ul_pages_alloc/free, which are plain mmap wrappers. On failure the engine is
 * switched off with one message (see ul_engine_oom). */
#ifndef ULOCKDEP_ENGINE_ARENA_H
#define ULOCKDEP_ENGINE_ARENA_H

#include <stddef.h>

void *ul_alloc(size_t size);                 /* zeroed; NULL only when out of memory */
void ul_free(void *p, size_t size);          /* size must match the ul_alloc call */
void *ul_pages_alloc(size_t size);           /* zeroed mmap; NULL on failure */
void ul_pages_free(void *p, size_t size);
size_t ul_arena_bytes(void);                 /* bytes currently mapped by the arena */

/* Test hook: make the next allocations fail once `n` more bytes have been handed out
 * (negative: never). Used to prove out-of-memory degrades gracefully. */
void ul_arena_set_fail_after(long n);

#endif
