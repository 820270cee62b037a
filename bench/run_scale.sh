#!/usr/bin/env bash
# First-time costs and scale: bench/scale/firstcost and bench/scale/scale, natively, under
# the ulockdep shim and (the inversion only) under TSan. Prints Markdown on stdout.
#
#   BUILD=build bench/run_scale.sh [--quick] [--targets FILE]
#
# firstcost: ns for a new class, a new dependency (with its stack capture) and a cycle
#   search walking N classes, for N = 1k, 10k, 100k (--quick: 1k, 10k), median of 3 runs.
# scale: 1,000,000 lock instances in 100,000 classes with 1,000,000 dependencies, 1,000
#   locks held at once, and an A->B / B->A inversion 100,000 other locks apart (--quick:
#   a tenth of the instances, classes and dependencies, the same gap). Peak RSS (VmHWM)
#   natively, under the shim without dependencies, and with them: the shim's bytes per lock
#   and per dependency. The shim must report the inversion once and nothing else; the same
#   program under TSan (detect_deadlocks=1) shows whether TSan still sees it.
# --targets FILE appends one line per judged target: `area|what|figure|target|met|missed`.
# About 3 minutes on 2 cores (--quick: 1).
set -euo pipefail

quick=0 targets=/dev/null
while [ $# -gt 0 ]; do
    case $1 in
        --quick) quick=1 ;;
        --targets) targets=${2:?}; shift ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "usage: $0 [--quick] [--targets FILE]" >&2; exit 2 ;;
    esac
    shift
done
build=${BUILD:-build}
fc=$build/bench/scale/firstcost sc=$build/bench/scale/scale sct=$build/bench/scale/scale_tsan
shim=$build/shim/libulockdep.so
for f in "$fc" "$sc" "$shim"; do
    [ -e "$f" ] || { echo "run_scale.sh: $f missing: build first (cmake --build $build)" >&2; exit 1; }
done
shim=$(realpath "$shim")
work=$(mktemp -d "${TMPDIR:-/tmp}/run_scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
target() { echo "$1" >>"$targets"; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { sed -n "s/.*[ ^]$2=\([0-9.]*\).*/\1/p" <<<" $1"; }
us() { awk -v a="$1" 'BEGIN { if (a == "" || a == "nan") print "-"; else if (a >= 100000) printf "%.0f", a / 1000; else printf "%.1f", a / 1000 }'; }
start=$(date +%s)

# ---- first-time costs ----
sizes=1000,10000,100000
[ $quick = 0 ] || sizes=1000,10000
echo "run_scale: firstcost ($sizes, 3 runs under the shim)" >&2
declare -A fcv
for r in 1 2 3; do
    LD_PRELOAD=$shim "$fc" --sizes "$sizes" >"$work/fc.$r" 2>"$work/fc.$r.err" || echo "firstcost run $r: exit $?" >>"$work/problems"
    [ ! -s "$work/fc.$r.err" ] || echo "firstcost run $r: stderr: $(head -c 300 "$work/fc.$r.err")" >>"$work/problems"
done
"$fc" --sizes "$sizes" >"$work/fc.native" 2>&1 || true
echo "### First-time costs (bench/scale/firstcost)"
echo
echo "Under the shim, µs per event, median of 3 runs; each size N adds N new locks (each its own class) to the graph" \
     "built by the sizes before it. **new class**: first lock+unlock of a lock never seen (instance and class" \
     "registration, stack capture). **new dependency**: lock(L[i-1]) then lock(L[i]) for the first time (new chain," \
     "new edge with its stack, a cycle search that finds L[i] has no dependencies). **cycle search over N**: a new" \
     "dependency X -> L[0] whose cycle search walks the whole chain L[0] -> ... -> L[N-1] (no cycle). seen pair: the" \
     "same lock+unlock once known (ns), for contrast; native: a plain pair."
echo
echo "| N classes | new class (µs) | new dependency (µs) | cycle search over N (µs) | per class walked (ns) | seen pair (ns) | native pair (ns) |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
first_nc="" first_ne="" first_fs=""
IFS=, read -r -a ns <<<"$sizes"
for n in "${ns[@]}"; do
    nc=() ne=() fs=() sp=()
    for r in 1 2 3; do
        line=$(grep "^N=$n " "$work/fc.$r" || true)
        nc+=("$(field "$line" new_class_ns)") ne+=("$(field "$line" new_edge_ns)")
        fs+=("$(field "$line" full_search_ns)") sp+=("$(field "$line" seen_pair_ns)")
    done
    nline=$(grep "^N=$n " "$work/fc.native" || true)
    fcv[$n.nc]=$(median "${nc[@]}") fcv[$n.ne]=$(median "${ne[@]}") fcv[$n.fs]=$(median "${fs[@]}")
    sp=$(median "${sp[@]}")
    per=$(awk -v f="${fcv[$n.fs]}" -v e="${fcv[$n.ne]}" -v n="$n" 'BEGIN { if (f == "nan") print "-"; else printf "%.0f", (f - e > 0 ? f - e : 0) / n }')
    echo "| $n | $(us "${fcv[$n.nc]}") | $(us "${fcv[$n.ne]}") | $(us "${fcv[$n.fs]}") | $per | $sp | $(field "$nline" seen_pair_ns) |"
    [ -n "$first_nc" ] || { first_nc=${fcv[$n.nc]} first_ne=${fcv[$n.ne]} first_fs=${fcv[$n.fs]}; }
    last=$n
done
echo
grow() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b + 0 <= 0) print "nan"; else printf "%.1f", a / b }'; }
g_nc=$(grow "${fcv[$last.nc]}" "$first_nc") g_ne=$(grow "${fcv[$last.ne]}" "$first_ne") g_fs=$(grow "${fcv[$last.fs]}" "$first_fs")
flat() { awk -v g="$1" 'BEGIN { exit !(g != "nan" && g <= 3) }' && echo met || echo "**missed**"; }
target "first-time|new class, ${ns[0]} -> $last classes|$(us "$first_nc") -> $(us "${fcv[$last.nc]}") µs (${g_nc}x)|bounded (<= 3x as the graph grows)|$(flat "$g_nc")"
target "first-time|new dependency, ${ns[0]} -> $last classes|$(us "$first_ne") -> $(us "${fcv[$last.ne]}") µs (${g_ne}x)|bounded (<= 3x as the graph grows)|$(flat "$g_ne")"
target "first-time|cycle search walking N classes, ${ns[0]} -> $last|$(us "$first_fs") -> $(us "${fcv[$last.fs]}") µs (${g_fs}x)|bounded (<= 3x as the graph grows)|$(flat "$g_fs")"
echo "Growth from N = ${ns[0]} to N = $last: new class ${g_nc}x, new dependency ${g_ne}x, cycle search over N ${g_fs}x" \
     "(a search that has to walk N classes is linear in N: the curve is bounded only where the search stays local)."
echo

# ---- scale ----
if [ $quick = 0 ]; then
    sargs=(--instances 1000000 --classes 100000 --edges 1000000 --hold 1000 --gap 100000)
else
    sargs=(--instances 100000 --classes 10000 --edges 100000 --hold 100 --gap 100000)
fi
runscale() { # name preload args...
    local name=$1 pre=$2 rc=0
    shift 2
    local t0; t0=$(date +%s.%N)
    if [ "$pre" = shim ]; then
        ULOCKDEP_OPTIONS="log_path=$work/$name.log:format=json:verbosity=1" LD_PRELOAD=$shim "$sc" "$@" \
            >"$work/$name.out" 2>"$work/$name.err" || rc=$?
        # The one stderr line a reporting process is expected to print: not a problem.
        sed -i '/^ulockdep: [0-9]* reports\{0,1\} written to /d' "$work/$name.err"
    else
        "$sc" "$@" >"$work/$name.out" 2>"$work/$name.err" || rc=$?
    fi
    echo "$rc $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
}
echo "run_scale: scale natively" >&2
read -r rc_n t_n < <(runscale native none "${sargs[@]}" --edges 0 --no-inversion)
echo "run_scale: scale under the shim, no dependencies" >&2
read -r rc_i t_i < <(runscale inst shim "${sargs[@]}" --edges 0 --no-inversion)
echo "run_scale: scale under the shim, full" >&2
read -r rc_f t_f < <(runscale full shim "${sargs[@]}")
hwm() { sed -n 's/^vmhwm_kb=//p' "$work/$1.out"; }
ninst=${sargs[1]} nedges_req=${sargs[5]}
edges=$(sed -n 's/^edges_taken=//p' "$work/full.out")
h_n=$(hwm native) h_i=$(hwm inst) h_f=$(hwm full)
per_lock=$(awk -v a="$h_i" -v b="$h_n" -v n="$ninst" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%.0f", (a - b) * 1024 / n }')
per_edge=$(awk -v a="$h_f" -v b="$h_i" -v n="$edges" 'BEGIN { if (a == "" || b == "" || n + 0 == 0) print "-"; else printf "%.0f", (a - b) * 1024 / n }')
flog=$(ls "$work"/full.log.* 2>/dev/null | head -1 || true)
reports=0 circular=0 summary="-"
if [ -n "$flog" ]; then
    reports=$(grep -c '^{"kind":' "$flog" || true)
    circular=$(grep -c '^{"kind":"circular"' "$flog" || true)
    summary=$(sed -n 's/^ulockdep: pid [0-9]*: //p' "$flog" | tail -1)
fi
ilog=$(ls "$work"/inst.log.* 2>/dev/null | head -1 || true)
ireports=0
[ -z "$ilog" ] || ireports=$(grep -c '^{"kind":' "$ilog" || true)
done_full=$(grep -c '^inversion=done$' "$work/full.out" || true)
ok_scale=met
[ "$rc_f" = 66 ] && [ "$done_full" = 1 ] && [ "$reports" = 1 ] && [ "$circular" = 1 ] && [ "$rc_i" = 0 ] && [ "$ireports" = 0 ] || ok_scale="**missed**"

tsan_line="TSan not built (no scale_tsan)"
tsan_v="-"
if [ -x "$sct" ]; then
    echo "run_scale: the inversion under TSan (gap 100000, and gap 100 as a control)" >&2
    tsan_seen() { TSAN_OPTIONS=detect_deadlocks=1:report_signal_unsafe=0 "$sct" --instances 1000 --classes 1000 --edges 0 --hold 1 --gap "$1" 2>&1 |
                    grep -c 'lock-order-inversion' || true; }
    far=$(tsan_seen 100000) near=$(tsan_seen 100)
    tsan_line="TSan (\`detect_deadlocks=1\`), same program, the inversion 100,000 locks apart: $([ "$far" -gt 0 ] && echo reported || echo "**not reported**"); 100 locks apart (control): $([ "$near" -gt 0 ] && echo reported || echo "not reported")."
    tsan_v=$([ "$far" -gt 0 ] && echo "TSan also reports it" || echo "TSan misses it")
fi
target "scale|${ninst} locks, $edges dependencies, ${sargs[7]} held at once, inversion ${sargs[9]} locks apart|$reports report(s) ($circular circular), exit $rc_f; $tsan_v|the inversion reported exactly once, nothing else, no crash|$ok_scale"
echo "### Scale (bench/scale/scale)"
echo
echo "\`scale ${sargs[*]}\`: $ninst mutexes in ${sargs[3]} classes (\`ulockdep_set_class\`), each locked once;" \
     "$edges dependencies (a DAG: no cycle); ${sargs[7]} locks held at once (twice); then X -> Y, ${sargs[9]} other" \
     "distinct locks, Y -> X. Peak RSS is VmHWM at the end."
echo
echo "| run | exit | wall s | peak RSS (MiB) | reports |"
echo "| --- | ---: | ---: | ---: | --- |"
mib() { awk -v k="$1" 'BEGIN { if (k == "") print "-"; else printf "%.0f", k / 1024 }'; }
echo "| native, locks only | $rc_n | $t_n | $(mib "$h_n") | - |"
echo "| ulockdep, locks only | $rc_i | $t_i | $(mib "$h_i") | $ireports |"
echo "| ulockdep, locks + dependencies + hold + inversion | $rc_f | $t_f | $(mib "$h_f") | $reports ($circular circular) |"
echo
echo "Shim state: **$per_lock bytes per lock** (instance, class share, caches: (ulockdep − native) / $ninst)," \
     "**$per_edge bytes per dependency** (with its chain and stack: (full − locks only) / $edges)." \
     "Shim summary line: ${summary:-none}."
echo
echo "$tsan_line"
echo
if [ -s "$work/problems" ] || [ -s "$work/full.err" ] || [ -s "$work/inst.err" ]; then
    echo "Problems:"
    { cat "$work/problems" 2>/dev/null || true; } | sed 's/^/- /'
    for f in full inst native; do [ ! -s "$work/$f.err" ] || echo "- scale $f stderr: $(head -c 300 "$work/$f.err" | tr '\n' ' ')"; done
    echo
fi
echo "($(($(date +%s) - start)) s)"
