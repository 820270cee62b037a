// C++ at -O0 and -O2: cxx_member_inversion's report, suppressed by a rule written the way a
// C++ reader names the code, a glob over the demangled name (deadlock:Ledger::*). The rule
// matches a frame of the user's code at both levels (at -O2 Ledger::audit is an inlined
// frame), never std::mutex::lock; the exit status is the program's own.
// SUPPRESSIONS: deadlock:Ledger::*
// EXPECT-NONE
// EXPECT-MESSAGE: ulockdep: suppressions used:
// EXPECT-MESSAGE: 1 deadlock:Ledger::*
#include "cxx_member_inversion.cpp"
