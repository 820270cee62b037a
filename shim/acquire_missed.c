/* The fast path's miss (interpose.h): an acquisition the thread's cache does not have
 * goes through the engine's full path here, out of line, so that the interposers stay
 * leaves. */
#include "interpose.h"

int ul_fast_acquire_missed(void *lock, enum ul_lock_kind kind, unsigned mode, unsigned flags, uintptr_t ip)
{
    struct ul_thread *t = ul_self;
    if (ul_unlikely(!t) || ul_unlikely(ul_busy)) /* a handler interrupted us since the probe */
        return UL_FAST_NO;
    ul_busy = 1;
    __asm__ __volatile__("" ::: "memory");
    int answer = UL_FAST_DONE;
    enum ul_token tok = ul_on_acquire_missed(t, lock, kind, mode, flags, ip);
    if (ul_unlikely(tok == UL_T_REF) ||
        (tok == UL_T_PUSHED && ul_unlikely(t->class_count[t->held[t->depth - 1].cls->id % UL_CLASS_BLOOM] > 1)))
        answer = UL_MISSED_CHECK | (int)tok;
    __asm__ __volatile__("" ::: "memory");
    ul_busy = 0;
    return answer;
}
