/* The report kinds `ulockdep report` knows (CONTRACT "Report texts"), with what SARIF rules
 * and the HTML page say about each. Rule ids are "ulockdep/<kind>": never rename a kind. */
#include "report.h"

#include <string.h>

static const struct rp_kind kinds[] = {
    { "circular", "CircularLockingDependency",
      "WARNING: possible circular locking dependency detected",
      "Possible circular locking dependency (lock-order inversion)",
      "Locks were taken in orders that form a cycle. Threads that follow these orders at the same "
      "time deadlock, even though this run did not. Each dependency of the cycle is shown with the "
      "stack where it was first seen; make every path take the locks in one order.",
      "error" },
    { "recursive", "RecursiveLocking", "WARNING: possible recursive locking detected",
      "Possible recursive locking",
      "A thread tried to take a lock it already holds (or a second lock of the same class without "
      "a nesting annotation). A non-recursive lock taken twice deadlocks the thread.",
      "error" },
    { "bad_unlock", "BadUnlockBalance", "WARNING: bad unlock balance detected!",
      "Bad unlock balance",
      "A lock was released that the releasing thread does not hold: it was not locked, or another "
      "thread holds it. This is undefined behaviour for POSIX mutexes.",
      "error" },
    { "held_lock_freed", "HeldLockFreed", "WARNING: held lock freed!", "Held lock freed",
      "Memory containing a lock that a thread still holds was freed, or the lock was destroyed or "
      "re-initialised while held.",
      "error" },
    { "held_at_exit", "LockHeldAtThreadExit", "WARNING: <comm>/<tid> still has locks held!",
      "Locks still held at thread exit",
      "A thread ended while holding locks. Any thread that later waits for them blocks forever.",
      "warning" },
    { "inconsistent_state", "InconsistentLockState", "WARNING: inconsistent lock state",
      "Inconsistent lock state (signal handler)",
      "A lock is taken inside a signal handler and also in thread context where that signal can "
      "arrive while the lock is held: the handler can deadlock on it.",
      "error" },
    { "signal_unsafe_order", "SignalUnsafeLockOrder",
      "WARNING: SIGNAL-safe -> SIGNAL-unsafe lock order detected",
      "SIGNAL-safe to SIGNAL-unsafe lock order",
      "A lock used in a signal handler comes to depend on a lock that is taken where the signal "
      "can arrive: a handler interrupting its holder can deadlock.",
      "error" },
    { "held_at_signal_return", "LockHeldAtSignalReturn",
      "WARNING: lock held when returning from signal handler!",
      "Lock held when returning from a signal handler",
      "A signal handler returned (or left by longjmp) while still holding a lock or an SRCU read "
      "section it took.",
      "warning" },
    { "srcu_misuse", "SuspiciousSrcuUsage", "WARNING: suspicious SRCU usage", "Suspicious SRCU usage",
      "The SRCU API was used in a way that can deadlock or break its guarantees, such as "
      "synchronize_srcu() inside a read section of the same domain, an unbalanced read unlock, "
      "or a call that sleeps in a signal handler (a grace-period wait, a blocking pthread mutex "
      "or rwlock acquisition, a condition variable wait).",
      "error" },
    { "deadlock", "Deadlock", "WARNING: deadlock detected!",
      "Deadlock detected (threads blocked in a cycle)",
      "Threads stayed blocked on each other's locks in a cycle: a real deadlock, reported by the "
      "hang watchdog.",
      "error" },
    { "assert_held", "AssertHeldFailed", "WARNING: ulockdep_assert_held() failed",
      "Lock assertion failed",
      "ulockdep_assert_held() (or its not-held form) found the lock in the wrong state.",
      "warning" },
};

const struct rp_kind *rp_kind_find(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kinds[i].kind, kind))
            return &kinds[i];
    return NULL;
}

const struct rp_kind *rp_kinds(size_t *n)
{
    *n = sizeof kinds / sizeof kinds[0];
    return kinds;
}
