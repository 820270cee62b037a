// gate_lock_class_pair.c without the second gate lock: the only lock of its class gates the
// lock_a/lock_b inversion, so nothing is reported.
// EXPECT-NONE
// EXPECT-STDOUT: gated pair done
#define GATE_STAYS_SINGLE
#include "gate_lock_class_pair.c"
