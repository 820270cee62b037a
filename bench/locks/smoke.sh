#!/bin/sh
# bench.locks.smoke: every lockbench pattern run_locks.sh measures runs natively and under
# the shim, exits 0 and prints ns_per_pair=<number>. No timing is checked.
#   usage: smoke.sh LOCKBENCH SHIM
set -u
bench=$1 shim=$2

check() {
    label=$1
    shift
    out=$(timeout 60 "$@") || { echo "FAIL ($label): exit status $?"; exit 1; }
    echo "$label: $out"
    printf '%s\n' "$out" | grep -Eq '^ns_per_pair=[0-9]+(\.[0-9]+)?$' ||
        { echo "FAIL ($label): no ns_per_pair=<float> line"; exit 1; }
}

for args in "--threads 2 --depth 4 --kind mutex" "--depth 4 --kind rwlock-read" "--depth 4 --kind rwlock-write" \
            "--kind spin" "--same-class --depth 16" "--coupling 64 --threads 2" "--locks 4096" \
            "--threads 16 --same-class --depth 4" "--shared --threads 2 --depth 4"; do
    check "native $args" "$bench" $args --iters 2000 --warmup 100
    check "ulockdep $args" env LD_PRELOAD="$shim" "$bench" $args --iters 2000 --warmup 100
done
echo "bench.locks.smoke: ok"
