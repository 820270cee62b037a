/* ulockdep annotation API. Link with -lulockdep-api (pkg-config ulockdep): the calls are
 * no-ops unless the program runs under the ulockdep shim, which implements them. */
#ifndef ULOCKDEP_ULOCKDEP_H
#define ULOCKDEP_ULOCKDEP_H

#ifdef __cplusplus
extern "C" {
#endif

/* Names a lock instance (a pthread mutex, rwlock or spinlock) in every report. */
void ulockdep_set_name(void *lock, const char *name);

#ifdef __cplusplus
}
#endif

#endif
