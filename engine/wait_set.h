/* The hang watchdog's judgement (shim/watchdog.c samples, this decides): of the threads seen
 * in the same traced wait for deadlock_timeout, which can never wake up again, and in which
 * order a report shows them (a cycle of waits first). The rule is written out at the top of
 * shim/watchdog.c. Pure: the one question that needs the process (is a thread outside the
 * set that could signal a condition variable?) is asked through a callback. */
#ifndef ULOCKDEP_ENGINE_WAIT_SET_H
#define ULOCKDEP_ENGINE_WAIT_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph.h"
#include "problem.h"
#include "thread.h"

/* One thread seen in a traced wait. */
struct ul_waiter {
    const struct ul_thread *t;
    int tid;
    struct ul_wait w;
    uintptr_t handle;          /* its pthread_t (joins name threads by it) */
    uint64_t since;            /* when this wait was first seen */
    bool cand;                 /* has waited long enough */
    bool in;                   /* in the set that cannot wake up */
    uint32_t held_lo, nheld;   /* its held locks, in ul_wait_set.held (candidates only) */
    uint8_t mode;              /* LOCK: how it is being taken (enum ul_mode) */
    struct ul_lockref lock;    /* LOCK: the lock waited for; COND: the mutex released */
    int order;                 /* position in the report */
    int next;                  /* the waiter it waits for, when walking to a cycle */
    uint32_t stack;
};

struct ul_held_copy {
    struct ul_lockref ref;
    bool pending;              /* the acquisition being waited for, not a held lock */
};

/* addr -> waiter holding it (non-pending entries of candidates), sorted by addr. */
struct ul_lock_owner {
    uintptr_t addr;
    unsigned who;
};

struct ul_wait_set {
    struct ul_waiter *cur;     /* sorted by tid */
    unsigned ncur;
    struct ul_held_copy *held;
    unsigned nheld;
    struct ul_lock_owner *owners;
    unsigned nowners, cap_owners;
    /* Is there a thread of the process, other than the watchdog, outside the set? */
    bool (*someone_outside)(const struct ul_wait_set *set, void *arg);
    void *arg;
};

/* Grows *p (of *cap elements) to hold want; false when out of memory. */
bool ul_grow_array(void **p, unsigned *cap, unsigned want, size_t elem);
int ul_waiter_by_tid(const void *a, const void *b);   /* qsort order of ul_wait_set.cur */
struct ul_waiter *ul_waiter_find(struct ul_waiter *v, unsigned n, int tid);
/* Is tid a thread of the set that cannot wake up? */
bool ul_wait_set_member(const struct ul_wait_set *s, int tid);
/* Who holds which lock, from the candidates' held stacks; false when out of memory. */
bool ul_wait_set_owners(struct ul_wait_set *s);
/* Shrinks the candidates to the set that cannot wake up; true if it holds a lock wait. */
bool ul_wait_set_stuck(struct ul_wait_set *s);
/* The same threads in the same waits give the same value (two scans must agree). */
uint64_t ul_wait_set_signature(const struct ul_wait_set *s);
/* Orders the set for the report into order[] (*n entries): a cycle of waits first, in its
 * order, then the rest. Returns the cycle's length (0 if the waits do not close a cycle). */
unsigned ul_wait_set_order(struct ul_wait_set *s, int *order, unsigned *n);

#endif
