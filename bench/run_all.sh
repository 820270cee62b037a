#!/usr/bin/env bash
# Every benchmark of issue 6 in one run, every figure next to its target: writes
# bench/RESULTS.md (or --out FILE) and prints it.
#
#   bench/run_all.sh [--quick] [--out FILE] [--skip locks,scale,srcu,real]
#
# After a build (cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build
# -j2; BUILD=dir for another build directory). Runs, in order:
#   a. bench/run_locks.sh   micro matrix: native / forward-only / ulockdep / TSan / Helgrind, callgrind
#   b, c. bench/run_scale.sh first-time costs (firstcost) and scale (scale, TSan contrast)
#   d. bench/srcu/srcu_bench natively and under the shim (SRCU read side, grace periods)
#   e. scripts/real-programs.sh --full --reps 5 (--quick): memcached, RocksDB, sysbench, stress-ng,
#      pigz, xz, zstd, MariaDB (server under the shim, sysbench oltp_read_write) natively and under the shim
# Full: about 22 minutes on 2 cores; --quick: about 8 (fewer repetitions and
# smaller sizes: a check that everything runs, not a measurement). Run it on an otherwise
# idle machine: each part prints how busy the machine was. Exit status 0 when every part
# ran (missed targets are in the table, not in the status).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
quick=0 out=$ROOT/bench/RESULTS.md skip=","
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 ;;
        --out) out=${2:?}; shift ;;
        --skip) skip=",${2:?},"; shift ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "usage: $0 [--quick] [--out FILE] [--skip locks,scale,srcu,real]" >&2; exit 2 ;;
    esac
    shift
done
export BUILD=${BUILD:-$ROOT/build}
[ -e "$BUILD/shim/libulockdep.so" ] || { echo "run_all.sh: no $BUILD/shim/libulockdep.so: build first" >&2; exit 1; }
cd "$ROOT" || exit 1
q=()
[ $quick = 0 ] || q=(--quick)
work=$(mktemp -d "${TMPDIR:-/tmp}/run_all.XXXXXX")
trap 'rm -rf "$work"' EXIT
targets=$work/targets
: >"$targets"
status=0
start=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
part() { [[ $skip != *",$1,"* ]]; }
log() { echo "run_all: $* ($(($(date +%s) - start)) s)" >&2; }

if part locks; then
    log "a. micro matrix"
    bench/run_locks.sh "${q[@]}" --targets "$targets" >"$work/locks.md" || { status=1; echo "run_locks.sh failed" >>"$work/locks.md"; }
fi
if part scale; then
    log "b, c. first-time costs and scale"
    bench/run_scale.sh "${q[@]}" --targets "$targets" >"$work/scale.md" || { status=1; echo "run_scale.sh failed" >>"$work/scale.md"; }
fi

# ---- d. SRCU, natively and under the shim ----
if part srcu; then
    log "d. SRCU"
    sb=$BUILD/bench/srcu/srcu_bench
    reps=7
    [ $quick = 0 ] || reps=3
    {
        echo "### SRCU (bench/srcu/srcu_bench --reps $reps), natively and under the shim"
        echo
        if [ ! -x "$sb" ]; then
            echo "srcu_bench not built (liburcu-dev missing): no SRCU figures."
        else
            timeout 300 "$sb" --reps "$reps" >"$work/srcu.native" 2>&1 || echo "(native run: exit $?)"
            LD_PRELOAD=$BUILD/shim/libulockdep.so timeout 300 "$sb" --reps "$reps" >"$work/srcu.shim" 2>&1 ||
                echo "(run under the shim: exit $?)"
            # | label | a | b | ... : the first two numeric columns of a row
            col() { awk -F'|' -v l="$2" -v c="$3" 'index($2, l) { v = $(c + 2); gsub(/[ *]/, "", v); print v; exit }' "$1"; }
            echo "Read side in ns per srcu_read_lock+srcu_read_unlock pair per thread; grace periods in µs (median, 90th percentile)." \
                 "Under the shim every reader is a recursive read acquisition of the domain's lock class and every" \
                 "synchronize_srcu a lock_sync (checked, never held)."
            echo
            echo "| figure | native | under ulockdep | ratio |"
            echo "| --- | ---: | ---: | ---: |"
            row() { # label, match, column
                local a b
                a=$(col "$work/srcu.native" "$2" "$3") b=$(col "$work/srcu.shim" "$2" "$3")
                echo "| $1 | ${a:--} | ${b:--} | $(awk -v a="${a%% *}" -v b="${b%% *}" 'BEGIN { if (a + 0 > 0 && b != "") printf "%.2fx", b / a; else print "-" }') |"
            }
            row "read pair, 1 thread" "bundled srcu_read_lock/unlock" 1
            row "read pair, 2 threads" "bundled srcu_read_lock/unlock" 2
            row "synchronize_srcu, no readers" "synchronize_srcu " 1
            row "synchronize_srcu, reader in empty sections" "synchronize_srcu " 2
            row "synchronize_srcu, reader in 50 µs sections" "synchronize_srcu " 3
            row "synchronize_srcu_expedited, no readers" "synchronize_srcu_expedited" 1
            row "synchronize_srcu_expedited, reader in 50 µs sections" "synchronize_srcu_expedited" 3
            echo
            echo "srcu_bench's own targets (native run):"
            echo
            sed -n '/^| target |/,/^$/p' "$work/srcu.native"
            sed -n '/^| target |/,/^$/p' "$work/srcu.native" | awk -F' *[|] *' '$2 != "target" && $2 !~ /^-+$/ && $3 ~ /:/ {
                for (c = 3; c <= 4; c++) { split($c, p, ": "); v = (p[1] ~ /MISSED/) ? "**missed**" : "met"
                    print "srcu|" $2 ", " (c == 3 ? "1 thread" : "2 threads") " (native)|" p[2] "|as named|" v } }' >>"$targets"
            if grep -q '^ulockdep:' "$work/srcu.shim"; then
                echo "**ulockdep messages under the shim:** $(grep '^ulockdep:' "$work/srcu.shim" | head -3 | tr '\n' ' ')"
                echo
            fi
        fi
    } >"$work/srcu.md"
fi

# ---- e. real programs ----
if part real; then
    log "e. real programs"
    # Five alternating runs each: with three, one slow run (RocksDB's write path swings by
    # +-15% from run to run here) decided the median.
    mode="--full --reps 5"
    [ $quick = 0 ] || mode=--quick
    scripts/real-programs.sh $mode --shim "$BUILD/shim/libulockdep.so" >"$work/real.out" 2>&1
    rc=$?
    [ $rc = 0 ] || [ $rc = 77 ] || status=1
    {
        echo "### Real programs (scripts/real-programs.sh $mode)"
        echo
        sed -n '/^| program |/,$p' "$work/real.out"
        [ $rc = 0 ] || echo "(real-programs.sh exit status $rc)"
    } >"$work/real.md"
    # Targets from its table: | label | metric | native | shim | ratio | target | met? | reports |
    awk -F' *[|] *' '/^[|] / && $2 != "program" && $2 !~ /^-+$/ {
        met = ($8 ~ /^yes/) ? "met" : ($8 ~ /^skipped/ ? "skipped" : "**missed**")
        fig = ($6 == "-" ? "" : "ratio " $6 ", ") "reports " $9
        print "real|" $2 " (" $3 ")|" fig "|" $7 "|" met }' "$work/real.out" >>"$targets"
fi

# ---- the file ----
{
    echo "# ulockdep benchmark results"
    echo
    echo "\`bench/run_all.sh${q[*]:+ ${q[*]}}\` — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')," \
         "$(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), Linux $(uname -r), $(gcc --version | head -1)," \
         "$(($(date +%s) - start)) s in all. Load average at the start: $load0; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    [ $quick = 0 ] || echo "**--quick: few repetitions and smaller sizes; a check that everything runs, not a measurement.**"
    echo
    echo "## Every target"
    echo
    echo "| area | figure | measured | target | verdict |"
    echo "| --- | --- | --- | --- | --- |"
    awk -F'|' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$targets"
    echo
    m=$(grep -c '|[*][*]missed' "$targets" || true)
    echo "$(grep -c '|met$' "$targets" || true) met, ${m} missed. See bench/README.md for what limits each missed target."
    echo
    for f in locks scale srcu real; do
        [ ! -s "$work/$f.md" ] || { cat "$work/$f.md"; echo; }
    done
} >"$out"
cat "$out"
log "wrote $out"
exit $status
