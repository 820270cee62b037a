/* Which frames are the C or C++ runtime rather than the program's own code: a lock is named,
 * keyed and pointed at ("at:") by the first frame of user code, never by std::mutex::lock,
 * __gthread_mutex_lock or a libstdc++ header line. Also used so that --gen-suppressions
 * never writes a rule naming such a frame (a rule that would silence every C++ program). */
#ifndef ULOCKDEP_REPORTS_RUNTIME_FRAMES_H
#define ULOCKDEP_REPORTS_RUNTIME_FRAMES_H

#include <stdbool.h>

/* module: basename of the object; function: demangled name; file: the source file of the
 * frame's line (any may be NULL). */
bool ul_runtime_frame(const char *module, const char *function, const char *file);


#include <stdint.h>
struct ul_frame;

/* Is every logical frame at this return address (its inlined functions and the function
 * itself) runtime code? Cached per address, lock-free when cached; otherwise symbolises
 * under the report lock. For the engine's class keys (ul_env.runtime_pc). */
bool ul_pc_is_runtime(uintptr_t pc);

/* The frame a report points at for a return address: the innermost logical frame of user
 * code there, else the innermost one. False when nothing is known (as ul_symbolize_code). */
bool ul_user_frame(uintptr_t pc, struct ul_frame *out);

#endif
