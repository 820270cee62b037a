# Included by ctest itself (TEST_INCLUDE_FILES), not by cmake.
# The long torture runs are defined only when the ctest command line mentions
# "stress" (e.g. `ctest -L stress`) or ULOCKDEP_STRESS=1 is set, so that a plain
# `ctest` stays short. Same program by hand: srcu_torture --seconds 300
file(STRINGS /proc/self/cmdline _srcu_ctest_args)
if("$ENV{ULOCKDEP_STRESS}" OR _srcu_ctest_args MATCHES "stress")
  add_test(srcu_torture_long "${SRCU_TORTURE}" --seconds 120 --readers 3 --fake-writers 3)
  add_test(srcu_torture_long_fallback "${SRCU_TORTURE}" --seconds 60 --readers 3)
  set_tests_properties(srcu_torture_long srcu_torture_long_fallback PROPERTIES
    LABELS "srcu;stress" TIMEOUT 600 FAIL_REGULAR_EXPRESSION "RESULT: FAIL")
  set_tests_properties(srcu_torture_long_fallback PROPERTIES
    ENVIRONMENT ULOCKDEP_SRCU_NO_MEMBARRIER=1)
endif()
