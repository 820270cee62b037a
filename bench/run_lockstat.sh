#!/usr/bin/env bash
# What the hang watchdog (deadlock_timeout) and lock statistics (lock_stat=1) cost: ns per
# lock+unlock pair of bench/locks/lockbench, natively, under the shim as is, with the
# watchdog on (what `ulockdep run` does by default) and with lock_stat on. Prints a Markdown
# section on stdout, ready to paste: what was measured on what (commit, CPU, compiler, build
# type, load), the table of medians with each cell's spread, and two sentences with the
# ranges; progress goes to stderr. A machine that is not idle is said so in the output.
#
#   BUILD=build bench/run_lockstat.sh [--quick]
#
# Builds nothing: expects $BUILD (default ./build) to hold bench/locks/lockbench and
# shim/libulockdep.so. Each configuration runs every mode alternately, 5 times (3 with
# --quick); the figures are medians. PAIRS=<pairs per thread> scales it (default 5000000).
set -euo pipefail

reps=5
case "${1:-}" in
    --quick) reps=3 ;;
    "") ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

build=${BUILD:-build}
pairs=${PAIRS:-5000000}
bench=$build/bench/locks/lockbench
shim=$build/shim/libulockdep.so
for f in "$bench" "$shim"; do
    [ -e "$f" ] || { echo "run_lockstat.sh: $f missing: build first (cmake --build $build)" >&2; exit 1; }
done
bench=$(realpath "$bench")
shim=$(realpath "$shim")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

modes=(native shim watchdog lockstat)
declare -A mode_opts=(
    [shim]=""
    [watchdog]="deadlock_timeout=10"
    [lockstat]="lock_stat=1"
)

run_one() { # mode args...
    local mode=$1 out rc=0
    shift
    if [ "$mode" = native ]; then
        out=$("$bench" "$@" 2>"$tmp/err") || rc=$?
    else
        # lock_stat prints its table at exit: to a log file, not into the figures
        out=$(ULOCKDEP_OPTIONS="log_path=$tmp/log:${mode_opts[$mode]}" LD_PRELOAD=$shim "$bench" "$@" 2>"$tmp/err") || rc=$?
    fi
    if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ]; then
        echo "run_lockstat: $mode $*: exit $rc: $(head -c 300 "$tmp/err")" >&2
        echo nan
        return
    fi
    out=${out#ns_per_pair=}
    [[ $out =~ ^[0-9]+(\.[0-9]+)?$ ]] || out=nan
    echo "$out"
}

# "min max" of the values
minmax() { printf '%s\n' "$@" | grep -v nan | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {
    if (NR == 0) print "nan nan"; else print lo, hi }'; }

median() {
    printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "nan") printf "%.2f", a / b; else print "nan" }'; }
fmt() { awk -v a="$1" 'BEGIN { if (a == "nan") print "n/a"; else printf "%.1f", a }'; }

# label | lockbench arguments | pairs per thread
configs=(
    "mutex d1 1t|--kind mutex --threads 1 --depth 1|$pairs"
    "mutex d4 1t|--kind mutex --threads 1 --depth 4|$pairs"
    "mutex d1 2t disjoint|--kind mutex --threads 2 --depth 1|$pairs"
    "mutex shared 2t|--kind mutex --threads 2 --shared|$((pairs / 5))"
    "rwlock-read d1 1t|--kind rwlock-read --threads 1 --depth 1|$pairs"
)

declare -A med spread
load_start=$(cut -d' ' -f1 /proc/loadavg)
start=$(date +%s)
for c in "${configs[@]}"; do
    IFS='|' read -r label args cpairs <<<"$c"
    depth=1
    [[ $args =~ --depth\ ([0-9]+) ]] && depth=${BASH_REMATCH[1]}
    iters=$((cpairs / depth))
    echo "run_lockstat: $label ($reps x ${modes[*]}, iters $iters)" >&2
    declare -A vals=()
    for ((r = 0; r < reps; r++)); do
        for m in "${modes[@]}"; do
            # shellcheck disable=SC2086
            vals[$m]+=" $(run_one "$m" $args --iters "$iters")"
        done
    done
    for m in "${modes[@]}"; do
        # shellcheck disable=SC2086
        med[$label/$m]=$(median ${vals[$m]})
        # shellcheck disable=SC2086
        read -r lo hi <<<"$(minmax ${vals[$m]})"
        spread[$label/$m]=$(awk -v lo="$lo" -v hi="$hi" -v m="${med[$label/$m]}" \
            'BEGIN { if (lo == "nan" || m + 0 <= 0) print "nan"; else printf "%.0f", 100 * (hi - lo) / m }')
    done
    unset vals
done
elapsed=$(($(date +%s) - start))

load_end=$(cut -d' ' -f1 /proc/loadavg)
src=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
cache=$build/CMakeCache.txt
btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache" 2>/dev/null)
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$cache" 2>/dev/null)
ccver=$("${cc:-cc}" --version 2>/dev/null | head -1)

echo "## Hang watchdog and lock_stat: cost per lock+unlock pair"
echo
echo "Measured with \`BUILD=$build bench/run_lockstat.sh${1:+ $1}\` on $(date -u '+%Y-%m-%d %H:%M UTC'):" \
     "ulockdep $commit, ${btype:-unknown} build, ${ccver:-unknown compiler}; ${cpu:-unknown CPU}, $(nproc) cores," \
     "Linux $(uname -r); median of $reps alternating runs of each mode, $elapsed s in all; load average" \
     "$load_start at the start, $load_end at the end."
if awk -v a="$load_start" -v b="$load_end" -v n="$(nproc)" 'BEGIN { exit !(a > 0.5 || b > n + 0.5) }'; then
    echo
    echo "**Not an idle machine** (load average $load_start at the start): other work ran during the" \
         "measurement; do not quote these figures."
fi
echo
echo "ns per pair as in bench/locks/lockbench.c (± is the spread of the $reps runs, (max - min) / median)." \
     "shim: the shim with default options (watchdog and lock_stat off); watchdog: deadlock_timeout=10 (the" \
     "\`ulockdep run\` default); lock_stat: lock_stat=1 (watchdog off)."
echo
cell() { echo "$(fmt "${med[$1]}") ±${spread[$1]}%"; }
echo "| config | native | shim | watchdog | lock_stat | watchdog/shim | lock_stat/shim |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
wr=() lr=()
for c in "${configs[@]}"; do
    IFS='|' read -r label _ <<<"$c"
    w=$(ratio "${med[$label/watchdog]}" "${med[$label/shim]}")
    l=$(ratio "${med[$label/lockstat]}" "${med[$label/shim]}")
    wr+=("$w") lr+=("$l")
    echo "| $label | $(cell "$label/native") | $(cell "$label/shim") | $(cell "$label/watchdog")" \
         "| $(cell "$label/lockstat") | ${w}x | ${l}x |"
done
read -r wlo whi <<<"$(minmax "${wr[@]}")"
read -r llo lhi <<<"$(minmax "${lr[@]}")"
echo
echo "Over these ${#configs[@]} configurations, the hang watchdog's lock+unlock pair costs ${wlo}x to ${whi}x" \
     "the shim's without it, and lock_stat=1's ${llo}x to ${lhi}x. Both are off unless asked for" \
     "(\`ulockdep run\` turns the watchdog on); off, each costs one predictable branch per lock call."
