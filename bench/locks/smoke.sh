#!/bin/sh
# bench.locks.smoke: lockbench runs natively and under the shim, exits 0 and prints
# ns_per_pair=<number>. No timing is checked.   usage: smoke.sh LOCKBENCH SHIM
set -u
bench=$1 shim=$2
args="--threads 2 --depth 4 --iters 2000 --warmup 100 --kind mutex"

check() {
    label=$1
    shift
    out=$("$@") || { echo "FAIL ($label): exit status $?"; exit 1; }
    echo "$label: $out"
    printf '%s\n' "$out" | grep -Eq '^ns_per_pair=[0-9]+(\.[0-9]+)?$' ||
        { echo "FAIL ($label): no ns_per_pair=<float> line"; exit 1; }
}

check native "$bench" $args
check ulockdep env LD_PRELOAD="$shim" "$bench" $args
echo "bench.locks.smoke: ok"
