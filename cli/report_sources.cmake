# The sources of `ulockdep report`'s pipeline (JSON logs in, reports out), one list for the
# CLI (cli/CMakeLists.txt) and for the fuzz target that feeds it (fuzz/CMakeLists.txt).
# Needs json-c, libdw, libelf and libdl.
set(ULOCKDEP_REPORT_SOURCES
  ${PROJECT_SOURCE_DIR}/cli/report_load.c ${PROJECT_SOURCE_DIR}/cli/report_dedup.c
  ${PROJECT_SOURCE_DIR}/cli/report_kinds.c ${PROJECT_SOURCE_DIR}/cli/report_util.c
  ${PROJECT_SOURCE_DIR}/cli/report_symbolize.c ${PROJECT_SOURCE_DIR}/cli/report_text.c
  ${PROJECT_SOURCE_DIR}/cli/report_json.c ${PROJECT_SOURCE_DIR}/cli/report_sarif.c
  ${PROJECT_SOURCE_DIR}/cli/report_dot.c ${PROJECT_SOURCE_DIR}/cli/report_suppress.c
  ${PROJECT_SOURCE_DIR}/cli/report_lockstat.c ${PROJECT_SOURCE_DIR}/cli/supp_cli.c
  ${PROJECT_SOURCE_DIR}/reports/demangle.c
  ${PROJECT_SOURCE_DIR}/reports/inline_frames.c ${PROJECT_SOURCE_DIR}/reports/runtime_frames.c)
