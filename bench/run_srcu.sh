#!/usr/bin/env bash
# Costs of the bundled SRCU side by side with liburcu-memb and pthread locks, measured in one
# run (bench/srcu/srcu_bench.c): read-side lock+unlock pairs at 1 and 2 threads (empty loop,
# bundled, liburcu-memb call and inline, pthread_rwlock read, pthread_mutex), grace-period
# latency and the caller's CPU time (normal/expedited, no readers and busy readers), and the
# throughput of 8 concurrent updaters versus one (grace periods per call: the sharing ratio).
# Prints a Markdown report on stdout (progress on stderr).
#
#   BUILD=build bench/run_srcu.sh [--quick]
#
# Builds nothing: expects $BUILD (default ./build) to hold bench/srcu/srcu_bench (built when
# liburcu-dev is installed). Every figure is a median: 7 repetitions of each read-side variant,
# interleaved, and ratios taken per repetition (3 with --quick); latencies are medians of
# hundreds of calls. About 15 s (8 s with --quick), killed after 5 minutes at most. The machine
# should be otherwise idle: the load average is printed before and after the run.
set -euo pipefail

reps=7
case "${1:-}" in
    --quick) reps=3 ;;
    "") ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

build=${BUILD:-build}
bench=$build/bench/srcu/srcu_bench
if [ ! -x "$bench" ]; then
    echo "run_srcu.sh: $bench missing: install liburcu-dev and build first (cmake --build $build)" >&2
    exit 1
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
load_before=$(load)
echo "run_srcu.sh: running $bench --reps $reps (load average $load_before)" >&2

out=$(timeout 300 "$bench" --reps "$reps")

cat <<EOF
Command: \`BUILD=$build bench/run_srcu.sh${1:+ $1}\`, $(date -u '+%Y-%m-%d %H:%M UTC').
Machine: $(nproc) CPUs ($cpu), Linux $(uname -r), $(gcc --version | head -1).
Load average before: $load_before; after: $(load).

$out
EOF
