#include "arena.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define CHUNK_SIZE (4u << 20)     /* bump chunks for small objects */
#define MIN_SHIFT 4               /* 16-byte granule */
#define MAX_SMALL_SHIFT 16        /* objects above 64 KiB get their own mapping */

struct free_block {
    struct free_block *next;
};

static struct free_block *free_lists[MAX_SMALL_SHIFT + 1];
static char *bump_cur, *bump_end;
static atomic_size_t mapped_bytes;
static long fail_after = -1;

void *ul_pages_alloc(size_t size)
{
    if (fail_after >= 0) {
        if ((long)size > fail_after)
            return NULL;
        fail_after -= (long)size;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    atomic_fetch_add_explicit(&mapped_bytes, size, memory_order_relaxed);
    return p;
}

void ul_pages_free(void *p, size_t size)
{
    if (!p)
        return;
    munmap(p, size);
    atomic_fetch_sub_explicit(&mapped_bytes, size, memory_order_relaxed);
}

static unsigned size_class(size_t size)
{
    unsigned s = MIN_SHIFT;
    while (((size_t)1 << s) < size)
        s++;
    return s;
}

static size_t round_pages(size_t size)
{
    return (size + 4095) & ~(size_t)4095;
}

void *ul_alloc(size_t size)
{
    if (size == 0)
        size = 1;
    unsigned sc = size_class(size);
    if (sc > MAX_SMALL_SHIFT)
        return ul_pages_alloc(round_pages(size));
    size_t bytes = (size_t)1 << sc;
    struct free_block *b = free_lists[sc];
    if (b) {
        free_lists[sc] = b->next;
        memset(b, 0, bytes);
        return b;
    }
    if ((size_t)(bump_end - bump_cur) < bytes) {
        char *chunk = ul_pages_alloc(CHUNK_SIZE);
        if (!chunk)
            return NULL;
        /* The tail of the old chunk is simply abandoned; at most 64 KiB per 4 MiB. */
        bump_cur = chunk;
        bump_end = chunk + CHUNK_SIZE;
    }
    void *p = bump_cur;
    bump_cur += bytes;
    return p; /* fresh mmap memory is already zero */
}

void ul_free(void *p, size_t size)
{
    if (!p)
        return;
    if (size == 0)
        size = 1;
    unsigned sc = size_class(size);
    if (sc > MAX_SMALL_SHIFT) {
        ul_pages_free(p, round_pages(size));
        return;
    }
    struct free_block *b = p;
    b->next = free_lists[sc];
    free_lists[sc] = b;
}

size_t ul_arena_bytes(void)
{
    return atomic_load_explicit(&mapped_bytes, memory_order_relaxed);
}

void ul_arena_set_fail_after(long n)
{
    fail_after = n;
}
