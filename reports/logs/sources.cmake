# The sources of the log pipeline (reports/logs/logs.h): one list for its library
# (reports/logs/CMakeLists.txt) and for the fuzz target that feeds it (fuzz/CMakeLists.txt,
# which compiles them with the sanitizers). Needs json-c, libdw, libelf and libdl.
set(ULOCKDEP_LOG_SOURCES)
foreach(f report_load report_dedup report_kinds report_util report_symbolize report_text report_json report_sarif
          report_dot report_html report_suppress report_lockstat supp_cli)
  list(APPEND ULOCKDEP_LOG_SOURCES ${CMAKE_CURRENT_LIST_DIR}/${f}.c)
endforeach()
