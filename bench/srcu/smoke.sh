#!/bin/sh
# bench.srcu.smoke: srcu_bench runs with one repetition, exits 0 and prints every
# row bench/run_srcu.sh and the READMEs rely on, each with numbers (no nan/inf).
# No timing is checked.   usage: smoke.sh SRCU_BENCH
set -u
out=$("$1" --reps 1) || { printf '%s\n' "$out"; echo "FAIL: srcu_bench exit status $?"; exit 1; }
printf '%s\n' "$out"

fail=0
need() { # an extended regex that must match a line of the output
    printf '%s\n' "$out" | grep -Eq "$1" || { echo "FAIL: no line matching: $1"; fail=1; }
}
num='[0-9]+(\.[0-9]+)?'
row="( $num \|){2} ${num}x / ${num}x \|$" # 1 thread | 2 threads | ratios
for name in 'empty loop' '\*\*bundled srcu_read_lock/unlock\*\*' \
    'liburcu-memb rcu_read_lock/unlock \(call\)' 'liburcu-memb, inlined \(_LGPL_SOURCE\)' \
    'pthread_rwlock_rdlock/unlock' 'pthread_mutex_lock/unlock'; do
    need "^\| $name \|$row"
done
lat="$num \($num\)"
for call in synchronize_srcu synchronize_srcu_expedited; do
    need "^\| $call \| $lat \| $lat \| $lat \| $num \|$"
done
for sections in 'empty sections' '50 us sections'; do
    need "^\| $sections \| 1 \| $num \| $num \|$"
    need "^\| $sections \| 8 \| $num \| $num \|$"
    need "^- 8 updaters vs 1, reader in $sections: ${num}x the calls/s, ${num}x the grace periods per call$"
done
need "^- expedited vs normal, reader in 50 us sections: ${num}x the median latency"
need '^\| bundled read pair at least 5x cheaper than pthread_rwlock'
if printf '%s\n' "$out" | grep -Eiq '(^|[^a-z])(nan|inf)([^a-z]|$)'; then
    echo "FAIL: nan or inf in the output"
    fail=1
fi
[ $fail = 0 ] && echo "bench.srcu.smoke: ok"
exit $fail
