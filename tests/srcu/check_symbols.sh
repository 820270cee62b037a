#!/usr/bin/env bash
# Checks the exported-symbol contract of the bundled SRCU library, which the
# lock tracer relies on to interpose the API by symbol (LD_PRELOAD):
#   1. every function declared ULOCKDEP_SRCU_API in the header is a real
#      exported function of the library, and the library exports nothing else;
#   2. the library never calls one of those functions through its own PLT/GOT
#      (no dynamic relocation names them, no call goes to <name@plt>): such a
#      call would reach the tracer and be traced a second time, or as the
#      program's own call.
#
#   check_symbols.sh HEADER LIBRARY   (NM, READELF, OBJDUMP may name the tools)
# Prints one line per problem and "symbols: OK" or "symbols: FAIL".
set -u
header=$1
lib=$2
nm=${NM:-nm}
readelf=${READELF:-readelf}
objdump=${OBJDUMP:-objdump}

fail=0
problem() {
    echo "check_symbols: $*"
    fail=1
}

# API names: "ULOCKDEP_SRCU_API <type> [*]name(" in the header.
mapfile -t api < <(grep -E '^ULOCKDEP_SRCU_API' "$header" |
    sed -E 's/\(.*//; s/.*[ *]([A-Za-z_][A-Za-z0-9_]*)$/\1/' | sort -u)
[ "${#api[@]}" -ge 8 ] || problem "found only ${#api[@]} API functions in $header"

# 1. Exported symbols.
mapfile -t exported < <("$nm" -D --defined-only "$lib" | awk '{print $2 " " $3}' | sort -u)
declare -A is_api=()
for f in "${api[@]}"; do
    is_api[$f]=1
    if ! printf '%s\n' "${exported[@]}" | grep -qx "T $f"; then
        problem "$f is declared in the header but not exported as a function"
    fi
done
for e in "${exported[@]}"; do
    name=${e#* }
    [ -n "${is_api[$name]:-}" ] || problem "exports $e, which is not part of the API"
done

# 2. No internal call through the PLT/GOT to an API function.
relocs=$("$readelf" -rW "$lib")
calls=$("$objdump" -d --no-show-raw-insn "$lib")
for f in "${api[@]}"; do
    r=$(printf '%s\n' "$relocs" | awk -v f="$f" '$5 == f || index($5, f "@") == 1 {print $3}' | sort -u)
    for type in $r; do
        problem "$type relocation for $f: the library calls its own exported $f through the PLT/GOT"
    done
    if printf '%s\n' "$calls" | grep -q "<$f@plt>"; then
        problem "a call to <$f@plt>: the library calls its own exported $f through the PLT"
    fi
done

echo "check_symbols: ${#api[@]} API functions: ${api[*]}"
if [ "$fail" = 0 ]; then
    echo "symbols: OK"
else
    echo "symbols: FAIL"
fi
exit "$fail"
