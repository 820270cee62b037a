#include "instance.h"

#include <string.h>

#include "arena.h"
#include "keyset.h"

#define BUCKET_BITS 20
#define PAGE_SHIFT 12
#define PAGE_BUCKET_BITS 16
#define INODE_DIR_BITS 14
#define INODE_CHUNK_BITS 12

static _Atomic(struct ul_instance *) *buckets;   /* 1 << BUCKET_BITS, mmap'ed on first use */
static struct ul_instance *free_instances;
static uint32_t next_serial = 1;
static uint64_t live;
_Atomic uint32_t ul_instance_epoch;

/* Page index: page -> heap instances on it. */
struct page_entry {
    uintptr_t page;
    struct ul_instance *list;
    struct page_entry *next;
};
static struct page_entry *page_buckets[1u << PAGE_BUCKET_BITS];
/* Pages that ever held a heap lock (never shrinks: bounded by the pages a program uses, and
 * it never sees removals, which would make its tables pile up), and, hashed, how many of
 * them hold a lock now. free() asks both without a lock; either may say "maybe". */
static struct ul_keyset page_filter;
#define PAGE_COUNT_BITS 16
static _Atomic uint32_t page_live[1u << PAGE_COUNT_BITS];
/* Coarser, for large blocks: pages holding a lock now, counted by their 2 MiB region
 * (hashed; 16 KiB, so it stays in cache): most of a large buffer's regions hold no lock. */
#define REGION_PAGE_BITS 9 /* 2 MiB regions */
#define REGION_COUNT_BITS 12
static _Atomic uint32_t region_live[1u << REGION_COUNT_BITS];

/* The region is hashed, the pages of one region stay side by side: a large block's pages
 * are read in order, not one miss each. */
static inline _Atomic uint32_t *page_counter(uintptr_t page)
{
    size_t region = (size_t)(((page >> REGION_PAGE_BITS) * 0x9e3779b97f4a7c15ull) >>
                             (64 - (PAGE_COUNT_BITS - REGION_PAGE_BITS)));
    return &page_live[region << REGION_PAGE_BITS | (page & ((1u << REGION_PAGE_BITS) - 1))];
}

static inline _Atomic uint32_t *region_counter(uintptr_t page)
{
    return &region_live[ul_mix64(page >> REGION_PAGE_BITS) & ((1u << REGION_COUNT_BITS) - 1)];
}
static _Atomic uint64_t heap_live;

/* Finer than pages: live heap locks counted by the 64-byte granule of their address,
 * hashed (a counting filter: never a false "no"). free() asks it without a lock (a small
 * block directly; a larger one on the pages that hold locks), so a block that merely shares
 * a page with a lock (the usual case in programs that allocate objects holding mutexes)
 * does not take the graph lock. Written under the graph lock; 2 MiB of address space,
 * touched as locks appear. */
#define GRANULE_SHIFT 6
#define GRANULE_BITS 20
#define GRANULE_QUERY_MAX 64 /* granules asked one by one (a 4 KiB block); larger: pages */
/* Pages asked one by one without a lock (16 MiB: a per-query sort buffer freed by a
 * database server is 2 MiB); larger blocks take the locked path, which walks the page index. */
#define PAGE_QUERY_MAX 4096
#define LOCK_PAGES_QUERY_MAX 4 /* pages holding locks whose granules a larger block asks */
static _Atomic uint16_t granule_live[1u << GRANULE_BITS];

/* The page is hashed, the granules of one page stay side by side (128 bytes): a block's
 * granules are one or two cache lines, not one miss each. */
#define PAGE_GRANULE_BITS (PAGE_SHIFT - GRANULE_SHIFT)
static inline size_t granule_of(uintptr_t g)
{
    size_t page = (size_t)(((g >> PAGE_GRANULE_BITS) * 0x9e3779b97f4a7c15ull) >> (64 - (GRANULE_BITS - PAGE_GRANULE_BITS)));
    return page << PAGE_GRANULE_BITS | (g & ((1u << PAGE_GRANULE_BITS) - 1));
}

/* Instance-graph nodes. */
static _Atomic(struct ul_inode **) inode_dir[1u << INODE_DIR_BITS];
static uint32_t next_inode = 1;
static struct ul_inode *free_inodes;

static struct ul_node *inode_node(uint32_t id)
{
    struct ul_inode *n = ul_inode_get(id);
    return n ? &n->node : NULL;
}

struct ul_graph ul_instance_graph = { .node = inode_node };

static inline size_t bucket_of(uintptr_t addr)
{
    return ul_mix64(addr) & ((1u << BUCKET_BITS) - 1);
}

struct ul_instance *ul_instance_find(uintptr_t addr)
{
    _Atomic(struct ul_instance *) *b = __atomic_load_n(&buckets, __ATOMIC_ACQUIRE);
    if (!b)
        return NULL;
    for (struct ul_instance *i = atomic_load_explicit(&b[bucket_of(addr)], memory_order_acquire); i;
         i = atomic_load_explicit(&i->next, memory_order_acquire))
        if (atomic_load_explicit(&i->addr, memory_order_relaxed) == addr)
            return i;
    return NULL;
}

static struct page_entry **page_slot(uintptr_t page)
{
    struct page_entry **p = &page_buckets[ul_mix64(page) & ((1u << PAGE_BUCKET_BITS) - 1)];
    while (*p && (*p)->page != page)
        p = &(*p)->next;
    return p;
}

static bool page_add(struct ul_instance *inst, uintptr_t addr)
{
    uintptr_t page = addr >> PAGE_SHIFT;
    struct page_entry **slot = page_slot(page);
    if (!*slot) {
        struct page_entry *e = ul_alloc(sizeof *e);
        if (!e || !ul_keyset_insert(&page_filter, page + 1)) { /* (already there: no-op) */
            ul_free(e, sizeof *e);
            return false;
        }
        e->page = page;
        *slot = e;
        atomic_fetch_add_explicit(page_counter(page), 1, memory_order_relaxed);
        atomic_fetch_add_explicit(region_counter(page), 1, memory_order_relaxed);
    }
    inst->page_next = (*slot)->list;
    (*slot)->list = inst;
    return true;
}

static void page_remove(struct ul_instance *inst, uintptr_t addr)
{
    uintptr_t page = addr >> PAGE_SHIFT;
    struct page_entry **slot = page_slot(page);
    struct page_entry *e = *slot;
    if (!e)
        return;
    for (struct ul_instance **p = &e->list; *p; p = &(*p)->page_next)
        if (*p == inst) {
            *p = inst->page_next;
            break;
        }
    if (!e->list) {
        *slot = e->next;
        atomic_fetch_sub_explicit(page_counter(page), 1, memory_order_relaxed);
        atomic_fetch_sub_explicit(region_counter(page), 1, memory_order_relaxed);
        ul_free(e, sizeof *e);
    }
}

struct ul_instance *ul_instance_insert(uintptr_t addr, struct ul_class *cls, enum ul_lock_kind kind,
                                       uint32_t site_stack, bool heap)
{
    if (!buckets) {
        void *b = ul_pages_alloc(sizeof(*buckets) << BUCKET_BITS);
        if (!b)
            return NULL;
        __atomic_store_n(&buckets, b, __ATOMIC_RELEASE);
    }
    struct ul_instance *inst = free_instances;
    if (inst) {
        free_instances = inst->page_next;
    } else {
        inst = ul_alloc(sizeof *inst);
        if (!inst)
            return NULL;
    }
    /* serial before addr (release): a cached (addr, serial) pair that still matches after
     * a retirement is the same instance (acquire_cache.h revalidates that way). */
    __atomic_store_n(&inst->serial, next_serial++, __ATOMIC_RELAXED);
    atomic_store_explicit(&inst->cls, cls, memory_order_relaxed);
    atomic_store_explicit(&inst->addr, addr, memory_order_release);
    inst->site_stack = site_stack;
    inst->inode = NULL;
    inst->name = NULL;
    inst->kind = (uint8_t)kind;
    inst->heap = heap;
    inst->page_next = NULL;
    if (heap) {
        if (!page_add(inst, addr)) {
            inst->page_next = free_instances;
            free_instances = inst;
            return NULL;
        }
        atomic_fetch_add_explicit(&granule_live[granule_of(addr >> GRANULE_SHIFT)], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&heap_live, 1, memory_order_relaxed);
    }
    _Atomic(struct ul_instance *) *b = &buckets[bucket_of(addr)];
    atomic_store_explicit(&inst->next, atomic_load_explicit(b, memory_order_relaxed), memory_order_relaxed);
    atomic_store_explicit(b, inst, memory_order_release);
    live++;
    cls->instances++;
    if (++cls->live > 1 && !atomic_load_explicit(&cls->multi, memory_order_relaxed)) {
        atomic_store_explicit(&cls->multi, 1, memory_order_relaxed);
        /* Its locks stop being gates: the acquisition caches' same-class verdicts, which
         * depend on which held locks are gates, are cleared on an epoch move. */
        ul_instance_epoch_bump();
    }
    return inst;
}

void ul_instance_retire(struct ul_instance *inst)
{
    uintptr_t addr = atomic_load_explicit(&inst->addr, memory_order_relaxed);
    _Atomic(struct ul_instance *) *p = &buckets[bucket_of(addr)];
    for (struct ul_instance *i; (i = atomic_load_explicit(p, memory_order_relaxed)); p = &i->next)
        if (i == inst) {
            atomic_store_explicit(p, atomic_load_explicit(&inst->next, memory_order_relaxed),
                                  memory_order_release);
            break;
        }
    if (inst->heap) {
        page_remove(inst, addr);
        atomic_fetch_sub_explicit(&granule_live[granule_of(addr >> GRANULE_SHIFT)], 1, memory_order_relaxed);
        atomic_fetch_sub_explicit(&heap_live, 1, memory_order_relaxed);
    }
    if (inst->inode) {
        ul_graph_retire_node(&inst->inode->node);
        inst->inode->inst = NULL;
        inst->inode->free_next = free_inodes;
        free_inodes = inst->inode;
        inst->inode = NULL;
    }
    /* A concurrent lock-free reader may still be looking at this record: make it fail the
     * address comparison rather than see half-reset fields. */
    atomic_store_explicit(&inst->addr, 0, memory_order_release);
    atomic_fetch_add_explicit(&ul_instance_epoch, 1, memory_order_release);
    inst->page_next = free_instances;
    free_instances = inst;
    live--;
    struct ul_class *cls = atomic_load_explicit(&inst->cls, memory_order_relaxed);
    if (cls && cls->live)
        cls->live--;
}

struct ul_inode *ul_inode_get(uint32_t id)
{
    if (id == 0 || (id >> INODE_CHUNK_BITS) >= (1u << INODE_DIR_BITS))
        return NULL;
    struct ul_inode **chunk = atomic_load_explicit(&inode_dir[id >> INODE_CHUNK_BITS], memory_order_acquire);
    return chunk ? chunk[id & ((1u << INODE_CHUNK_BITS) - 1)] : NULL;
}

struct ul_inode *ul_instance_node(struct ul_instance *inst)
{
    if (inst->inode)
        return inst->inode;
    struct ul_inode *n = free_inodes;
    if (n) {
        free_inodes = n->free_next; /* keeps its id and (bumped) generation */
    } else {
        uint32_t id = next_inode;
        if ((id >> INODE_CHUNK_BITS) >= (1u << INODE_DIR_BITS))
            return NULL;
        struct ul_inode **chunk = atomic_load_explicit(&inode_dir[id >> INODE_CHUNK_BITS], memory_order_relaxed);
        if (!chunk) {
            chunk = ul_alloc(sizeof(*chunk) << INODE_CHUNK_BITS);
            if (!chunk)
                return NULL;
            atomic_store_explicit(&inode_dir[id >> INODE_CHUNK_BITS], chunk, memory_order_release);
        }
        n = ul_alloc(sizeof *n);
        if (!n)
            return NULL;
        n->id = id;
        chunk[id & ((1u << INODE_CHUNK_BITS) - 1)] = n;
        next_inode++;
    }
    n->inst = inst;
    n->free_next = NULL;
    inst->inode = n;
    return n;
}

static bool granules_maybe(uintptr_t g0, uintptr_t g1)
{
    for (uintptr_t g = g0; g <= g1; g++)
        if (atomic_load_explicit(&granule_live[granule_of(g)], memory_order_relaxed))
            return true;
    return false;
}

bool ul_instance_range_maybe(uintptr_t lo, uintptr_t hi)
{
    if (atomic_load_explicit(&heap_live, memory_order_relaxed) == 0 || hi <= lo)
        return false;
    uintptr_t g0 = lo >> GRANULE_SHIFT, g1 = (hi - 1) >> GRANULE_SHIFT;
    if (g1 - g0 < GRANULE_QUERY_MAX)
        return granules_maybe(g0, g1);
    uintptr_t first = lo >> PAGE_SHIFT, last = (hi - 1) >> PAGE_SHIFT;
    if (last - first > PAGE_QUERY_MAX)
        return true; /* large blocks: let the locked path decide */
    /* Page by page; on a page that holds a lock, granule by granule, so that a block that
     * merely shares pages with locks (objects with a mutex all over the heap) is a "no"
     * too. A few such pages at most: past them the locked path is cheaper. */
    unsigned pages_with_locks = 0;
    for (uintptr_t p = first; p <= last; p++) {
        if (!atomic_load_explicit(region_counter(p), memory_order_relaxed)) {
            p |= ((uintptr_t)1 << REGION_PAGE_BITS) - 1; /* no lock in this region: skip it */
            continue;
        }
        if (!atomic_load_explicit(page_counter(p), memory_order_relaxed) || !ul_keyset_contains(&page_filter, p + 1))
            continue;
        if (++pages_with_locks > LOCK_PAGES_QUERY_MAX)
            return true;
        uintptr_t a = p << PAGE_SHIFT > lo ? p << PAGE_SHIFT : lo;
        uintptr_t b = (p + 1) << PAGE_SHIFT < hi ? (p + 1) << PAGE_SHIFT : hi;
        if (granules_maybe(a >> GRANULE_SHIFT, (b - 1) >> GRANULE_SHIFT))
            return true;
    }
    return false;
}

static size_t collect_page(struct page_entry *e, uintptr_t lo, uintptr_t hi, struct ul_instance **out,
                           size_t max, size_t n)
{
    for (struct ul_instance *i = e->list; i; i = i->page_next) {
        uintptr_t a = atomic_load_explicit(&i->addr, memory_order_relaxed);
        if (a >= lo && a < hi) {
            if (n < max)
                out[n] = i;
            n++;
        }
    }
    return n;
}

size_t ul_instance_collect(uintptr_t lo, uintptr_t hi, struct ul_instance **out, size_t max)
{
    size_t n = 0;
    uintptr_t first = lo >> PAGE_SHIFT, last = (hi - 1) >> PAGE_SHIFT;
    if (last - first < (1u << PAGE_BUCKET_BITS)) {
        for (uintptr_t p = first; p <= last; p++) {
            struct page_entry *e = *page_slot(p);
            if (e)
                n = collect_page(e, lo, hi, out, max, n);
        }
        return n;
    }
    for (size_t b = 0; b < (1u << PAGE_BUCKET_BITS); b++)
        for (struct page_entry *e = page_buckets[b]; e; e = e->next)
            if (e->page >= first && e->page <= last)
                n = collect_page(e, lo, hi, out, max, n);
    return n;
}

uint64_t ul_instance_live(void)
{
    return live;
}

size_t ul_instance_collect_static(uintptr_t lo, uintptr_t hi, struct ul_instance **out, size_t max)
{
    size_t n = 0;
    if (!buckets)
        return 0;
    for (size_t b = 0; b < ((size_t)1 << BUCKET_BITS); b++)
        for (struct ul_instance *i = atomic_load_explicit(&buckets[b], memory_order_relaxed); i;
             i = atomic_load_explicit(&i->next, memory_order_relaxed)) {
            uintptr_t a = atomic_load_explicit(&i->addr, memory_order_relaxed);
            if (!i->heap && a >= lo && a < hi) {
                if (n < max)
                    out[n] = i;
                n++;
            }
        }
    return n;
}
