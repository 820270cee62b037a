/* Reading glibc's lock words (x86-64 ABI layouts of pthread_mutex_t, pthread_rwlock_t and
 * pthread_spinlock_t; stable since glibc 2.25). Only used to decide how to treat an unlock
 * of a lock that is not on the thread's held stack, and to learn a mutex's type when no
 * pthread_mutex_init was seen (PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP and friends). */
#include "interpose.h"

enum { RW_WRLOCKED = 2, RW_READER_SHIFT = 3 };

/* Linux thread ids are at most PID_MAX_LIMIT (2^22). */
#define TID_MAX (1 << 22)
/* glibc's __kind bits: type (3), robust (16), PI (32), PP (64), process-shared (128), elision
 * (256, 512). */
#define KIND_BITS 0x3f3

enum ul_unlock_hint ul_mutex_unlock_hint(const pthread_mutex_t *m, int tid)
{
    int word = __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED);
    int owner = __atomic_load_n(&m->__data.__owner, __ATOMIC_RELAXED);
    int kind = __atomic_load_n(&m->__data.__kind, __ATOMIC_RELAXED);
    if (word == 0)
        return UL_UNLOCK_NOT_LOCKED;
    /* A locked normal, error-checking, recursive or adaptive mutex records its owner's tid;
     * a word that is set with no plausible owner is not a locked mutex at all (memory that
     * was never one: Helgrind's tc09 unlocks an int array filled with 0xff). Robust, PI and
     * PP mutexes keep other things in these words (a dead owner, a priority ceiling). */
    if (kind & ~KIND_BITS)
        return UL_UNLOCK_NOT_LOCKED; /* no mutex has these kind bits */
    if (!(kind & UL_MUTEX_KIND_MAY_FAIL) && (owner <= 0 || owner > TID_MAX))
        return UL_UNLOCK_NOT_LOCKED;
    if (owner > 0 && owner != tid)
        return UL_UNLOCK_OTHER_OWNER;
    return UL_UNLOCK_UNKNOWN;
}

enum ul_unlock_hint ul_rwlock_unlock_hint(const pthread_rwlock_t *l, int tid)
{
    unsigned readers = __atomic_load_n(&l->__data.__readers, __ATOMIC_RELAXED);
    int writer = __atomic_load_n(&l->__data.__cur_writer, __ATOMIC_RELAXED);
    if (readers & RW_WRLOCKED)
        return writer > 0 && writer != tid ? UL_UNLOCK_OTHER_OWNER : UL_UNLOCK_UNKNOWN;
    if ((readers >> RW_READER_SHIFT) == 0)
        return UL_UNLOCK_NOT_LOCKED;
    return UL_UNLOCK_UNKNOWN;
}

/* glibc's x86 spinlocks count down from 1 (free) to 0 (taken); elsewhere free is 0. */
#if defined(__x86_64__) || defined(__i386__)
#define SPIN_FREE 1
#else
#define SPIN_FREE 0
#endif

enum ul_unlock_hint ul_spin_unlock_hint(const pthread_spinlock_t *l)
{
    return __atomic_load_n(l, __ATOMIC_RELAXED) == SPIN_FREE ? UL_UNLOCK_NOT_LOCKED : UL_UNLOCK_UNKNOWN;
}

/* The interposers use the inline versions (interpose.h). */
unsigned ul_mutex_flags(const pthread_mutex_t *m)
{
    return ul_mutex_flags_inline(m);
}

unsigned ul_rwlock_read_mode(const pthread_rwlock_t *l)
{
    return ul_rwlock_read_mode_inline(l);
}
