/* How a report names a lock (CONTRACT "Lock names"), in this order of preference:
 * the name given with the annotation API; the symbol of a global or static lock
 * ("my_lock", "my_struct+0x8"); otherwise its class, written "function@file:line" of where
 * the class's locks are initialised (or first acquired), with "#N" appended when another
 * class already printed the same name (as the kernel does). Report lock held. */
#ifndef ULOCKDEP_REPORTS_NAMES_H
#define ULOCKDEP_REPORTS_NAMES_H

#include <stddef.h>

#include "problem.h"

struct ul_class;

/* The class's name, computed once and cached. Never NULL. */
const char *ul_class_display_name(struct ul_class *cls);
/* The name of a lock as a report mentions it (buf used when needed). */
const char *ul_lock_display_name(const struct ul_lockref *r, char *buf, size_t len);

/* The name of thread tid of this process ("?" when it is gone). */
void ul_thread_comm(int tid, char *buf, size_t len);

#endif
