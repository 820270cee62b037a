#!/usr/bin/env bash
# Memory per lock, per class and per dependency under the shim (docs/reliability.md).
#   bench/run_memory.sh [BUILD_DIR]     (default: build)
# Runs bench/memory/membound with 10,000 and 100,000 of each (heap locks of one class;
# static locks, a class each; static locks each taken under one outer lock, a dependency
# each) under the shim, and prints the growth per item between the two runs: of the process's
# resident set (the program's own heap share taken out) and of the memory ulockdep has
# mapped (its verbosity=1 exit line). The difference between the two counts cancels the
# fixed costs (hash tables, the first arena chunk).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
prog=$build/bench/memory/membound
shim=$build/shim/libulockdep.so
[ -x "$prog" ] && [ -f "$shim" ] || { echo "build first: $prog, $shim" >&2; exit 2; }
lo=10000 hi=100000
measure() { # mode n -> "rss_kib mapped_kib"
    local out
    out=$(ULOCKDEP_OPTIONS=verbosity=1 LD_PRELOAD=$shim "$prog" "$1" "$2" 2>&1)
    local rss own mapped
    rss=$(sed -n 's/.*rss grew \([0-9]*\) KiB.*/\1/p' <<<"$out")
    own=$(sed -n "s/.*own share: \([0-9]*\) KiB.*/\1/p" <<<"$out")
    mapped=$(sed -n 's/.*stacks, \([0-9]*\) KiB$/\1/p' <<<"$out")
    echo "$((rss - own)) $mapped"
}
printf '%-10s %18s %18s\n' "" "resident B/item" "mapped B/item"
declare -A per
for mode in locks classes edges; do
    read -r r1 m1 < <(measure $mode $lo)
    read -r r2 m2 < <(measure $mode $hi)
    per[$mode.r]=$(( (r2 - r1) * 1024 / (hi - lo) ))
    per[$mode.m]=$(( (m2 - m1) * 1024 / (hi - lo) ))
    printf '%-10s %18d %18d\n' "$mode" "${per[$mode.r]}" "${per[$mode.m]}"
done
echo "per class (a static lock less its instance): ~$(( per[classes.m] - per[locks.m] )) B mapped"
echo "per dependency (edges less classes): ~$(( per[edges.r] - per[classes.r] )) B resident, ~$(( per[edges.m] - per[classes.m] )) B mapped"
