#!/usr/bin/env bash
# ns per lock+unlock pair, natively vs under the ulockdep shim (and vs TSan's deadlock
# detector), measured side by side in one run. Prints a Markdown report on stdout; progress
# goes to stderr.
#
#   BUILD=build bench/run_locks.sh [--quick]
#
# Builds nothing: expects $BUILD (default ./build) to hold bench/locks/lockbench,
# shim/libulockdep.so and, if gcc supports -fsanitize=thread, bench/locks/lockbench_tsan.
# Each configuration runs native, shim (and TSan where listed) alternately, 7 times each
# (3 with --quick); the figures are medians. A pair is one lock + one unlock of one lock;
# see bench/locks/lockbench.c for the exact definition. About a minute on 2 cores
# (PAIRS=<pairs per thread> scales it; the default is 10000000).
set -euo pipefail

reps=7
case "${1:-}" in
    --quick) reps=3 ;;
    "") ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

build=${BUILD:-build}
pairs=${PAIRS:-10000000}
bench=$build/bench/locks/lockbench
tsan_bench=$build/bench/locks/lockbench_tsan
shim=$build/shim/libulockdep.so
for f in "$bench" "$shim"; do
    [ -e "$f" ] || { echo "run_locks.sh: $f missing: build first (cmake --build $build)" >&2; exit 1; }
done
bench=$(realpath "$bench")
shim=$(realpath "$shim")
tsan_opts="detect_deadlocks=1:report_signal_unsafe=0"
have_tsan=0
tsan_note=""
if [ -x "$tsan_bench" ]; then
    tsan_bench=$(realpath "$tsan_bench")
    if TSAN_OPTIONS=$tsan_opts "$tsan_bench" --iters 10 >/dev/null 2>&1; then
        have_tsan=1
    else
        tsan_note="lockbench_tsan was built but does not run here: TSan rows skipped."
    fi
else
    tsan_note="no lockbench_tsan (gcc -fsanitize=thread does not link: libtsan2 missing?): TSan rows skipped."
fi

errlog=$(mktemp)
trap 'rm -f "$errlog" "$errlog".*' EXIT

# One run; prints the ns_per_pair value. Anything on stderr (a ulockdep report, a TSan
# warning) or a non-zero exit is recorded as a problem for the report (run_one runs in a
# command substitution, hence the file).
problems=$errlog.problems
: >"$problems"
run_one() { # mode label args...
    local mode=$1 label=$2 out rc=0
    shift 2
    case $mode in
        native) out=$("$bench" "$@" 2>"$errlog") || rc=$? ;;
        shim) out=$(LD_PRELOAD=$shim "$bench" "$@" 2>"$errlog") || rc=$? ;;
        tsan) out=$(TSAN_OPTIONS=$tsan_opts "$tsan_bench" "$@" 2>"$errlog") || rc=$? ;;
    esac
    if [ "$rc" -ne 0 ] || [ -s "$errlog" ]; then
        echo "$label ($mode, $*): exit $rc; stderr: $(head -c 300 "$errlog" | tr '\n' ' ')" >>"$problems"
    fi
    out=${out#ns_per_pair=}
    [[ $out =~ ^[0-9]+(\.[0-9]+)?$ ]] || out=nan
    echo "$out"
}

median() { # values...
    printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "nan") printf "%.2f", a / b; else print "nan" }'; }
fmt() { awk -v a="$1" 'BEGIN { if (a == "nan") print "n/a"; else printf "%.1f", a }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "nan" && b != "nan" && a + 0 <= b + 0) }'; }

# label | lockbench arguments | pairs per thread | also under TSan
configs=(
    "mutex d1 1t|--kind mutex --threads 1 --depth 1|$pairs|1"
    "mutex d4 1t|--kind mutex --threads 1 --depth 4|$pairs|1"
    "mutex d1 2t disjoint|--kind mutex --threads 2 --depth 1|$pairs|0"
    "mutex d4 2t disjoint|--kind mutex --threads 2 --depth 4|$pairs|0"
    "mutex d16 1t|--kind mutex --threads 1 --depth 16|$pairs|0"
    "mutex shared 2t|--kind mutex --threads 2 --shared|$((pairs / 5))|0"
    "rwlock-read d1 1t|--kind rwlock-read --threads 1 --depth 1|$pairs|0"
    "rwlock-write d1 1t|--kind rwlock-write --threads 1 --depth 1|$pairs|0"
    "spin d1 1t|--kind spin --threads 1 --depth 1|$pairs|0"
)
tsan_pairs=$((pairs / 4)) # TSan is several times slower

# CPU time used on this machine by anything but this script and its children while it
# runs: other work competing for the 2 cores makes the figures unreliable.
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
own_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$$/stat"; }
busy0=$(busy_ticks)
own0=$(own_ticks)
load0=$(cut -d' ' -f1 /proc/loadavg)

declare -A med_native med_shim med_tsan raw
start=$(date +%s)
for c in "${configs[@]}"; do
    IFS='|' read -r label args cpairs with_tsan <<<"$c"
    depth=1
    [[ $args =~ --depth\ ([0-9]+) ]] && depth=${BASH_REMATCH[1]}
    iters=$((cpairs / depth))
    titers=$((tsan_pairs / depth))
    echo "run_locks: $label ($reps x native/ulockdep$([ "$with_tsan$have_tsan" = 11 ] && echo /tsan), iters $iters)" >&2
    nat=() shm=() tsn=()
    for ((r = 0; r < reps; r++)); do
        # shellcheck disable=SC2086
        nat+=("$(run_one native "$label" $args --iters "$iters")")
        # shellcheck disable=SC2086
        shm+=("$(run_one shim "$label" $args --iters "$iters")")
        if [ "$with_tsan$have_tsan" = 11 ]; then
            # shellcheck disable=SC2086
            tsn+=("$(run_one tsan "$label" $args --iters "$titers")")
        fi
    done
    med_native[$label]=$(median "${nat[@]}")
    med_shim[$label]=$(median "${shm[@]}")
    raw[$label]="native ${nat[*]}; ulockdep ${shm[*]}"
    if [ ${#tsn[@]} -gt 0 ]; then
        med_tsan[$label]=$(median "${tsn[@]}")
        raw[$label]+="; tsan ${tsn[*]}"
    fi
done

# Instructions per pair (mutex, 1 thread): callgrind counts only the timed loop
# (lockbench's measured()), so start-up and warm-up are excluded exactly.
ir_rows=()
ir_note=""
perf_out=$(perf stat -e instructions true 2>&1 || true)
if ! grep -Eq '^ *[0-9][0-9,]* +instructions' <<<"$perf_out"; then
    ir_note=" perf stat -e instructions does not count here (no hardware counters exposed);"
fi
if command -v valgrind >/dev/null; then
    echo "run_locks: instructions per pair (callgrind)" >&2
    cg_ir() { # preload depth iters
        local out rc=0
        out=$(mktemp)
        if [ -n "$1" ]; then
            LD_PRELOAD=$1 valgrind --tool=callgrind --toggle-collect=measured --callgrind-out-file="$out" \
                "$bench" --kind mutex --depth "$2" --iters "$3" >/dev/null 2>&1 || rc=$?
        else
            valgrind --tool=callgrind --toggle-collect=measured --callgrind-out-file="$out" \
                "$bench" --kind mutex --depth "$2" --iters "$3" >/dev/null 2>&1 || rc=$?
        fi
        local total
        total=$(awk '/^summary:/ {print $2}' "$out")
        rm -f "$out"
        if [ "$rc" -ne 0 ] || [ -z "$total" ]; then echo nan; return; fi
        awk -v t="$total" -v n="$(($2 * $3))" 'BEGIN { printf "%.1f", t / n }'
    }
    for d in 1 4; do
        it=$((200000 / d))
        n=$(cg_ir "" "$d" "$it")
        s=$(cg_ir "$shim" "$d" "$it")
        ir_rows+=("| mutex d$d 1t (instructions/pair, callgrind) | $n | $s | $(ratio "$s" "$n")x |")
    done
    ir_note+=" instruction counts from valgrind --tool=callgrind --toggle-collect=measured (the timed loop only, 200000 pairs)."
else
    ir_note+=" valgrind not installed: no instruction counts."
fi
elapsed=$(($(date +%s) - start))
other=$(awk -v b="$(($(busy_ticks) - busy0))" -v o="$(($(own_ticks) - own0))" -v t="$(getconf CLK_TCK)" \
    -v e="$elapsed" 'BEGIN { x = (b - o) / t; if (x < 0) x = 0; printf "%.1f", (e > 0 ? 100 * x / e : 0) }')

# ---- the report ----
target_for() { # label ratio
    local label=$1 r=$2 out=""
    case $label in
        "mutex d1 1t"|"mutex d4 1t"|"mutex d1 2t disjoint"|"mutex d4 2t disjoint")
            if le "$r" 1.5; then out="<= 1.5x: met"; else out="<= 1.5x: **missed**"; fi ;;
    esac
    case $label in
        "mutex d1 2t disjoint"|"mutex d4 2t disjoint")
            local one=${label/2t disjoint/1t}
            local r1
            r1=$(ratio "${med_shim[$one]}" "${med_native[$one]}")
            # Medians move by a few per cent from run to run: within 5% counts as met.
            if le "$r" "$r1"; then
                out+="; <= 1t ratio ${r1}x: met"
            elif le "$r" "$(awk -v x="$r1" 'BEGIN { print x * 1.05 }')"; then
                out+="; <= 1t ratio ${r1}x: met (within 5% noise)"
            else
                out+="; <= 1t ratio ${r1}x: **missed**"
            fi ;;
    esac
    echo "${out:--}"
}

echo "## Lock+unlock cost: native vs ulockdep"
echo
echo "\`BUILD=$build bench/run_locks.sh${1:+ $1}\` — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores" \
     "($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -r), $(gcc --version | head -1)," \
     "median of $reps alternating runs each, $elapsed s in all."
echo
echo "Other work on the machine during the run: ${other}% of one core on average (load average $load0 at the start)."
if awk -v x="$other" 'BEGIN { exit !(x > 10) }'; then
    echo "**Warning: the machine was busy with other work; these figures are disturbed. Run again when it is idle.**"
fi
echo
echo "ns per pair = one lock + one unlock of one lock, averaged over the threads' timed loops" \
     "(warm-up first, so every chain is already validated). Disjoint: each thread has its own locks;" \
     "shared: both threads use one mutex."
echo
echo "| config | native ns/pair | ulockdep ns/pair | ratio | target |"
echo "| --- | ---: | ---: | ---: | --- |"
for c in "${configs[@]}"; do
    IFS='|' read -r label _ <<<"$c"
    r=$(ratio "${med_shim[$label]}" "${med_native[$label]}")
    echo "| $label | $(fmt "${med_native[$label]}") | $(fmt "${med_shim[$label]}") | ${r}x | $(target_for "$label" "$r") |"
done
for row in "${ir_rows[@]}"; do echo "$row"; done
echo
if [ "$have_tsan" = 1 ]; then
    echo "ThreadSanitizer with its deadlock detector (\`gcc -fsanitize=thread\`, \`TSAN_OPTIONS=$tsan_opts\`):"
    echo
    echo "| config | native ns/pair | ulockdep ns/pair | TSan ns/pair | TSan/native | TSan/ulockdep | target |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
    for c in "${configs[@]}"; do
        IFS='|' read -r label _ <<<"$c"
        [ -n "${med_tsan[$label]:-}" ] || continue
        rt=$(ratio "${med_tsan[$label]}" "${med_shim[$label]}")
        if le 5 "$rt"; then v="ulockdep >= 5x cheaper: met"; else v="ulockdep >= 5x cheaper: **missed**"; fi
        echo "| $label | $(fmt "${med_native[$label]}") | $(fmt "${med_shim[$label]}") | $(fmt "${med_tsan[$label]}")" \
             "| $(ratio "${med_tsan[$label]}" "${med_native[$label]}")x | ${rt}x | $v |"
    done
    echo
else
    echo "$tsan_note"
    echo
fi
echo "Targets: ulockdep <= 1.5x native at depth 1 and 4 on already-seen chains; >= 5x cheaper than" \
     "TSan's deadlock detector; the 2-thread disjoint ratio no worse than the 1-thread one" \
     "(up to 5% worse is counted as run-to-run noise)."
echo
echo "Notes:${ir_note}"
echo
if [ -s "$problems" ]; then
    echo "**Problems seen during the runs** (non-zero exit or output on stderr):"
    echo
    sed 's/^/- /' "$problems"
    echo
fi
echo "<details><summary>raw ns/pair of every run</summary>"
echo
for c in "${configs[@]}"; do
    IFS='|' read -r label _ <<<"$c"
    echo "- $label: ${raw[$label]}"
done
echo
echo "</details>"
