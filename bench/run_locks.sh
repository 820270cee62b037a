#!/usr/bin/env bash
# ns per lock+unlock pair of bench/locks/lockbench, natively, under the ulockdep shim, under
# ThreadSanitizer's deadlock detector and under Valgrind Helgrind, side by side in one run;
# also under a preload that only forwards the calls to libc (bench/locks/forward_only.c:
# what interposing alone costs, the floor of any LD_PRELOAD tool).
# Prints a Markdown report on stdout; progress goes to stderr.
#
#   BUILD=build bench/run_locks.sh [--quick] [--targets FILE]
#
# The matrix: mutex, rwlock read, rwlock write x depth 1, 4, 16 (D classes nested) x
# (1 thread; 2 threads with disjoint locks; 2 threads sharing the same locks); spin depth 1;
# one class nested in address order (same-class d2, d4, d16); lock coupling along a list
# of 64 nodes; one of 4096 and one of 1M mutexes of one class at a time, picked at random
# (the sysbench mutex pattern); 16 threads on disjoint locks. Every row runs native,
# forward-only, ulockdep and TSan alternately, 7 times each (3 with --quick; medians), and
# Helgrind 3 times (1) with far fewer iterations. Then instructions per pair from callgrind
# for every 1-thread row. Targets: ulockdep within 1.5x of native in time and in
# instructions on every row but the contended (shared) and 16-thread ones; the 16-thread
# ratio no worse than the 1-thread one (judged on 16 CPUs or more).
# About 8-12 minutes on 2 cores (--quick: about 3).
# --targets FILE appends one line per judged target: `area|what|figure|target|met|missed`.
# Builds nothing: expects $BUILD (default ./build) to hold bench/locks/lockbench,
# shim/libulockdep.so and, if gcc supports -fsanitize=thread, bench/locks/lockbench_tsan.
set -euo pipefail

reps=7 hg_reps=3 pairs=${PAIRS:-2000000} tsan_pairs=400000 hg_pairs=8000 quick=0
targets=/dev/null
while [ $# -gt 0 ]; do
    case $1 in
        --quick) reps=3 hg_reps=1 pairs=${PAIRS:-400000} tsan_pairs=100000 hg_pairs=4000 quick=1 ;;
        --targets) targets=${2:?}; shift ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "usage: $0 [--quick] [--targets FILE]" >&2; exit 2 ;;
    esac
    shift
done

build=${BUILD:-build}
bench=$build/bench/locks/lockbench
tsan_bench=$build/bench/locks/lockbench_tsan
shim=$build/shim/libulockdep.so
forward=$build/bench/locks/liblockbench_forward.so
for f in "$bench" "$shim"; do
    [ -e "$f" ] || { echo "run_locks.sh: $f missing: build first (cmake --build $build)" >&2; exit 1; }
done
bench=$(realpath "$bench")
shim=$(realpath "$shim")
tsan_opts="detect_deadlocks=1:report_signal_unsafe=0"
have_tsan=0 have_hg=0 notes=()
if [ -x "$tsan_bench" ] && TSAN_OPTIONS=$tsan_opts "$tsan_bench" --iters 10 >/dev/null 2>&1; then
    tsan_bench=$(realpath "$tsan_bench")
    have_tsan=1
else
    notes+=("No usable lockbench_tsan (gcc -fsanitize=thread needs libtsan2): TSan columns empty.")
fi
have_fwd=0
if [ -e "$forward" ]; then
    forward=$(realpath "$forward")
    have_fwd=1
else
    notes+=("No bench/locks/liblockbench_forward.so: forward-only column empty.")
fi
if command -v valgrind >/dev/null && valgrind --tool=helgrind -q "$bench" --iters 10 >/dev/null 2>&1; then
    have_hg=1
else
    notes+=("Valgrind Helgrind not available: Helgrind column empty.")
fi

errlog=$(mktemp)
problems=$errlog.problems
: >"$problems"
trap 'rm -f "$errlog" "$errlog".*' EXIT

# One run; prints the ns_per_pair value. Anything on stderr (a report, a warning) or a
# non-zero exit is recorded as a problem of the run.
run_one() { # mode label args...
    local mode=$1 label=$2 out rc=0
    shift 2
    case $mode in
        native) out=$("$bench" "$@" 2>"$errlog") || rc=$? ;;
        shim) out=$(LD_PRELOAD=$shim "$bench" "$@" 2>"$errlog") || rc=$? ;;
        forward) out=$(LD_PRELOAD=$forward "$bench" "$@" 2>"$errlog") || rc=$? ;;
        tsan) out=$(TSAN_OPTIONS=$tsan_opts "$tsan_bench" "$@" 2>"$errlog") || rc=$? ;;
        helgrind) out=$(valgrind --tool=helgrind -q "$bench" "$@" 2>"$errlog") || rc=$? ;;
    esac
    if [ "$rc" -ne 0 ] || [ -s "$errlog" ]; then
        echo "$label ($mode, $*): exit $rc; stderr: $(head -c 300 "$errlog" | tr '\n' ' ')" >>"$problems"
    fi
    out=${out#ns_per_pair=}
    [[ $out =~ ^[0-9]+(\.[0-9]+)?$ ]] || out=nan
    echo "$out"
}

median() {
    printf '%s\n' "$@" | grep -v '^nan$' | sort -g | awk '{v[NR] = $1} END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "nan" && b != "nan" && b + 0 > 0) printf "%.2f", a / b; else print "nan" }'; }
fmt() { awk -v a="$1" 'BEGIN { if (a == "nan" || a == "") print "-"; else if (a >= 1000) printf "%.0f", a; else printf "%.1f", a }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "nan" && b != "nan" && a + 0 <= b + 0) }'; }
verdict() { if le "$1" "$2"; then echo met; else echo "**missed**"; fi; }

# label|lockbench arguments. D classes nested (static locks), one class nested in address
# order (--same-class), lock coupling, many instances of one class taken one at a time.
configs=()
for kind in mutex rwlock-read rwlock-write; do
    for d in 1 4 16; do
        configs+=("$kind d$d 1t|--kind $kind --depth $d --threads 1")
        configs+=("$kind d$d 2t disjoint|--kind $kind --depth $d --threads 2")
        configs+=("$kind d$d 2t shared|--kind $kind --depth $d --threads 2 --shared")
    done
done
configs+=("spin d1 1t|--kind spin --depth 1 --threads 1")
for d in 2 4 16; do
    configs+=("mutex same-class d$d 1t|--kind mutex --same-class --depth $d --threads 1")
done
configs+=("mutex same-class d4 2t disjoint|--kind mutex --same-class --depth 4 --threads 2")
configs+=("mutex coupling 64 1t|--kind mutex --coupling 64 --threads 1")
configs+=("mutex coupling 64 2t disjoint|--kind mutex --coupling 64 --threads 2")
configs+=("mutex 4096 locks 1t|--kind mutex --locks 4096 --threads 1")
configs+=("mutex 4096 locks 2t disjoint|--kind mutex --locks 4096 --threads 2")
configs+=("mutex 1M locks 1t|--kind mutex --locks 1048576 --threads 1")
configs+=("mutex d1 16t disjoint|--kind mutex --depth 1 --threads 16")
configs+=("mutex same-class d4 16t disjoint|--kind mutex --same-class --depth 4 --threads 16")

busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
own_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$$/stat"; }
busy0=$(busy_ticks) own0=$(own_ticks) load0=$(cut -d' ' -f1 /proc/loadavg)

declare -A nat fwd shm tsn hg raw cg_nat cg_shm
start=$(date +%s)
for c in "${configs[@]}"; do
    IFS='|' read -r label args <<<"$c"
    per_iter=1 # pairs per iteration of lockbench's loop
    [[ $args =~ --depth\ ([0-9]+) ]] && per_iter=${BASH_REMATCH[1]}
    [[ $args =~ --coupling\ ([0-9]+) ]] && per_iter=${BASH_REMATCH[1]}
    div=$per_iter
    [[ $args == *--shared* ]] && div=$((div * 4)) # a contended lock is several times slower
    [[ $args =~ --threads\ 16 ]] && div=$((div * 8)) # 16 threads do the total work of 2
    iters=$((pairs / div)) titers=$((tsan_pairs / div)) hiters=$((hg_pairs / per_iter))
    [[ $args == *--locks* ]] && warm="--warmup $((iters / 10 > 20000 ? iters / 10 : 20000))" || warm=""
    [[ $args == *--locks\ 1048576* ]] && hiters=$((hiters / 4)) # Helgrind registers a million locks first
    echo "run_locks: $label" >&2
    n=() f=() s=() t=() h=()
    for ((r = 0; r < reps; r++)); do
        # shellcheck disable=SC2086
        n+=("$(run_one native "$label" $args --iters "$iters" $warm)")
        # shellcheck disable=SC2086
        [ $have_fwd = 0 ] || f+=("$(run_one forward "$label" $args --iters "$iters" $warm)")
        # shellcheck disable=SC2086
        s+=("$(run_one shim "$label" $args --iters "$iters" $warm)")
        # shellcheck disable=SC2086
        [ $have_tsan = 0 ] || t+=("$(run_one tsan "$label" $args --iters "$titers" $warm)")
    done
    for ((r = 0; r < hg_reps && have_hg; r++)); do
        # shellcheck disable=SC2086
        h+=("$(run_one helgrind "$label" $args --iters "$hiters" --warmup $((hiters / 4 + 1)))")
    done
    nat[$label]=$(median "${n[@]}")
    fwd[$label]=$(median "${f[@]:-nan}")
    shm[$label]=$(median "${s[@]}")
    tsn[$label]=$(median "${t[@]:-nan}")
    hg[$label]=$(median "${h[@]:-nan}")
    raw[$label]="native ${n[*]}; forward-only ${f[*]:-}; ulockdep ${s[*]}; tsan ${t[*]:-}; helgrind ${h[*]:-}"
done

# Instructions per pair, 1 thread: callgrind counts only lockbench's measured() (the timed
# loop), so start-up and warm-up are excluded exactly.
cg_rows=()
if command -v valgrind >/dev/null; then
    echo "run_locks: instructions per pair (callgrind)" >&2
    cg_ir() { # preload|none pairs args...
        local pre=$1 n=$2 out rc=0 total
        shift 2
        out=$(mktemp)
        if [ "$pre" = none ]; then
            valgrind --tool=callgrind --toggle-collect=measured --callgrind-out-file="$out" "$bench" "$@" >/dev/null 2>&1 || rc=$?
        else
            LD_PRELOAD=$pre valgrind --tool=callgrind --toggle-collect=measured --callgrind-out-file="$out" \
                "$bench" "$@" >/dev/null 2>&1 || rc=$?
        fi
        total=$(awk '/^summary:/ {print $2}' "$out")
        rm -f "$out"
        if [ "$rc" -ne 0 ] || [ -z "$total" ]; then echo nan; return; fi
        awk -v t="$total" -v n="$n" 'BEGIN { printf "%.1f", t / n }'
    }
    for c in "${configs[@]}"; do
        IFS='|' read -r label args <<<"$c"
        [[ $label == *" 1t" ]] || continue
        per_iter=1
        [[ $args =~ --depth\ ([0-9]+) ]] && per_iter=${BASH_REMATCH[1]}
        [[ $args =~ --coupling\ ([0-9]+) ]] && per_iter=${BASH_REMATCH[1]}
        n=$(((quick ? 40000 : 200000) / per_iter * per_iter))
        # shellcheck disable=SC2086
        a=$(cg_ir none "$n" $args --iters $((n / per_iter)) --warmup 20000)
        # shellcheck disable=SC2086
        b=$(cg_ir "$shim" "$n" $args --iters $((n / per_iter)) --warmup 20000)
        cg_nat[$label]=$a cg_shm[$label]=$b
        cg_rows+=("| $label | $a | $b | $(ratio "$b" "$a")x | $(awk -v a="$a" -v b="$b" 'BEGIN { if (a == "nan" || b == "nan") print "-"; else printf "%.0f", b - a }') |")
    done
fi
elapsed=$(($(date +%s) - start))
other=$(awk -v b="$(($(busy_ticks) - busy0))" -v o="$(($(own_ticks) - own0))" -v t="$(getconf CLK_TCK)" \
    -v e="$elapsed" 'BEGIN { x = (b - o) / t; if (x < 0) x = 0; printf "%.0f", (e > 0 ? 100 * x / e : 0) }')

# ---- targets ----
target() { echo "$1" >>"$targets"; }
declare -A judged
for c in "${configs[@]}"; do
    IFS='|' read -r label _ <<<"$c"
    r=$(ratio "${shm[$label]}" "${nat[$label]}")
    v=""
    if [[ $label == *" 1t" || $label == *"2t disjoint" ]]; then
        v="<= 1.5x: $(verdict "$r" 1.5)"
        target "micro|ulockdep/native, $label|${r}x|<= 1.5x|$(verdict "$r" 1.5)"
    fi
    if [ -n "${cg_shm[$label]:-}" ]; then
        ri=$(ratio "${cg_shm[$label]}" "${cg_nat[$label]}")
        v+="${v:+; }instructions <= 1.5x: $(verdict "$ri" 1.5)"
        target "micro|ulockdep/native instructions per pair, $label|${ri}x (${cg_shm[$label]} vs ${cg_nat[$label]})|<= 1.5x|$(verdict "$ri" 1.5)"
    fi
    if [[ $label == *"16t disjoint" ]]; then
        one=${label/16t disjoint/1t}
        r1=$(ratio "${shm[$one]}" "${nat[$one]}")
        if [ "$(nproc)" -ge 16 ]; then
            lim=$(awk -v x="$r1" 'BEGIN { printf "%.2f", x * 1.05 }')
            v+="${v:+; }<= 1t (${r1}x, +5%): $(verdict "$r" "$lim")"
            target "micro|16t disjoint ratio vs 1t, ${label% 16t disjoint}|${r}x vs ${r1}x|no worse than 1 thread (5% noise)|$(verdict "$r" "$lim")"
        else
            v+="${v:+; }measured on $(nproc) CPUs (1t: ${r1}x); judged on 16 or more"
            target "micro|16t disjoint ratio vs 1t, ${label% 16t disjoint}|${r}x vs ${r1}x on $(nproc) CPUs|no worse than 1 thread, on >= 16 CPUs|not judged here"
        fi
    fi
    if [[ $label == *"2t disjoint" ]]; then
        one=${label/2t disjoint/1t}
        r1=$(ratio "${shm[$one]}" "${nat[$one]}")
        lim=$(awk -v x="$r1" 'BEGIN { printf "%.2f", x * 1.05 }')
        v+="${v:+; }<= 1t (${r1}x, +5%): $(verdict "$r" "$lim")"
        target "micro|2t disjoint ratio vs 1t, ${label% 2t disjoint}|${r}x vs ${r1}x|no worse than 1 thread (5% noise)|$(verdict "$r" "$lim")"
    fi
    rt=$(ratio "${tsn[$label]}" "${shm[$label]}")
    if [ "$rt" != nan ]; then
        v5=$(le 5 "$rt" && echo met || echo "**missed**")
        v+="${v:+; }TSan >= 5x: $v5"
        target "micro|TSan/ulockdep, $label|${rt}x|>= 5x|$v5"
    fi
    judged[$label]=${v:--}
done

# ---- the report ----
echo "### Micro: ns per lock+unlock pair (lockbench)"
echo
qflag=""
[ $quick = 0 ] || qflag=" --quick"
echo "\`BUILD=$build bench/run_locks.sh$qflag\` — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs" \
     "($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -r), $(gcc --version | head -1)." \
     "Medians of $reps alternating runs (Helgrind: $hg_reps, with $hg_pairs pairs per thread); $elapsed s."
echo "Other work on the machine during the run: ${other}% of one CPU on average (load average $load0 at the start)."
if [ "$other" -gt 10 ]; then
    echo "**Warning: the machine was busy with other work during this run: the ns figures are disturbed; ratios less so.**"
fi
echo
echo "One pair = one lock + one unlock of one lock (bench/locks/lockbench.c); warm-up first, so every chain is already" \
     "validated. 2t disjoint: each thread its own locks; 2t shared: both threads take the same locks in the same order." \
     "TSan: \`gcc -fsanitize=thread\`, \`TSAN_OPTIONS=$tsan_opts\`. Helgrind: \`valgrind --tool=helgrind\`." \
     "forward-only: a preload whose interposers only call libc's functions (bench/locks/forward_only.c), the floor of" \
     "any LD_PRELOAD tool; ulockdep's bookkeeping is the difference between its column and that one."
echo
echo "| config | native | forward-only | ulockdep | TSan | Helgrind | forward-only/native | ulockdep/native | TSan/ulockdep | Helgrind/ulockdep | targets |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
for c in "${configs[@]}"; do
    IFS='|' read -r label _ <<<"$c"
    echo "| $label | $(fmt "${nat[$label]}") | $(fmt "${fwd[$label]}") | $(fmt "${shm[$label]}") | $(fmt "${tsn[$label]}") | $(fmt "${hg[$label]}")" \
         "| $(ratio "${fwd[$label]}" "${nat[$label]}")x | $(ratio "${shm[$label]}" "${nat[$label]}")x | $(ratio "${tsn[$label]}" "${shm[$label]}")x" \
         "| $(ratio "${hg[$label]}" "${shm[$label]}" | awk '{ if ($1 == "nan") print "-"; else printf "%.0f", $1 }')x | ${judged[$label]} |"
done
echo
if [ ${#cg_rows[@]} -gt 0 ]; then
    echo "Instructions per pair in the timed loop (\`valgrind --tool=callgrind --toggle-collect=measured\`, $((quick ? 40000 : 200000)) pairs, 1 thread):"
    echo
    echo "| config | native | ulockdep | ratio | added by ulockdep |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${cg_rows[@]}"
    echo
fi
for n in "${notes[@]}"; do echo "$n"; echo; done
if [ -s "$problems" ]; then
    echo "**Problems seen during the runs** (non-zero exit or output on stderr):"
    echo
    sed 's/^/- /' "$problems" | head -40
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
