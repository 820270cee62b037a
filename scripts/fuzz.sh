#!/usr/bin/env bash
# Fuzzes ulockdep's input parsers with libFuzzer (see docs/fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Builds every target of fuzz/ (fuzz/fuzz_*.c) with clang -fsanitize=fuzzer,address,undefined
# in a build directory of its own, then for each TARGET (default: all): replays the crash
# reproducers kept in fuzz/regressions/TARGET/, and fuzzes for SECONDS (default 60) starting
# from the seeds in fuzz/corpus/TARGET/ and the corpus grown by earlier runs. Inputs are at
# most 8192 bytes, or the number in fuzz/TARGET.max_len.
# A crash leaves its input in BUILD/artifacts/TARGET/ and makes the script fail; once fixed,
# copy that file into fuzz/regressions/TARGET/ so every later run replays it.
#
# Environment: ULOCKDEP_FUZZ_BUILD  build directory (default: build-fuzz in the source tree)
#              CC                   clang to use (default: clang-14, else clang)
#              FUZZ_NICE=1          run the fuzzers under nice
# Exit status: 0 all clean, 1 a crash or a failed replay, 77 no clang with libFuzzer here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
shift || true
build=${ULOCKDEP_FUZZ_BUILD:-$root/build-fuzz}

cc=${CC:-}
if [ -z "$cc" ]; then
    for c in clang-14 clang; do
        if command -v "$c" >/dev/null; then cc=$c; break; fi
    done
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"$probe/p.c"
if [ -z "$cc" ] || ! "$cc" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>/dev/null; then
    echo "fuzz.sh: no clang with libFuzzer (apt-get install clang-14 libclang-rt-14-dev); skipped"
    exit 77
fi

if [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=()
    for f in "$root"/fuzz/fuzz_*.c; do
        t=$(basename "$f" .c)
        targets+=("$t")
    done
fi

cmake -S "$root" -B "$build" -DULOCKDEP_FUZZ=ON -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j2 --target "${targets[@]}"

nice_cmd=()
[ "${FUZZ_NICE:-0}" = 1 ] && nice_cmd=(nice -n 19)
failed=()
for t in "${targets[@]}"; do
    bin=$build/fuzz/$t
    echo "=== $t: replaying fuzz/regressions/$t"
    mapfile -t regressions < <(find "$root/fuzz/regressions/$t" -type f ! -name '.*' 2>/dev/null | sort)
    if [ ${#regressions[@]} -gt 0 ] && ! "$bin" -runs=1 "${regressions[@]}" >"$build/$t.replay.log" 2>&1; then
        echo "FAIL $t: a regression input fails again (see $build/$t.replay.log)"
        tail -n 30 "$build/$t.replay.log"
        failed+=("$t")
        continue
    fi
    echo "    ${#regressions[@]} input(s) replayed"
    echo "=== $t: fuzzing for ${secs}s"
    corpus=$build/corpus/$t
    artifacts=$build/artifacts/$t/
    mkdir -p "$corpus" "$artifacts" "$root/fuzz/corpus/$t"
    max_len=8192
    [ -f "$root/fuzz/$t.max_len" ] && max_len=$(cat "$root/fuzz/$t.max_len")
    if "${nice_cmd[@]}" "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
           -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" "$root/fuzz/corpus/$t" \
           >"$build/$t.fuzz.log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$build/$t.fuzz.log" | tail -n 2 | sed 's/^/    /'
    else
        echo "FAIL $t: the fuzzer found a problem (log: $build/$t.fuzz.log; input in $artifacts)"
        grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$build/$t.fuzz.log" | head -n 10
        failed+=("$t")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz.sh: ${#targets[@]} target(s) clean"
