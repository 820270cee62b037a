#!/bin/sh
# bench.scale.short / stress.scale.full: runs bench/scale/scale under the shim and checks the
# outcome, never the timing: the program finished (inversion=done), and the shim made exactly
# one report, a circular locking dependency (the planted inversion), and nothing else.
#   usage: check_scale.sh SCALE SHIM [scale options]
set -u
scale=$1 shim=$2
shift 2
dir=$(mktemp -d "${TMPDIR:-/tmp}/check_scale.XXXXXX")
trap 'rm -rf "$dir"' EXIT
ULOCKDEP_OPTIONS="log_path=$dir/log:format=json:verbosity=1" LD_PRELOAD="$shim" "$scale" "$@" >"$dir/out" 2>"$dir/err"
rc=$?
cat "$dir/out"
log=$(ls "$dir"/log.* 2>/dev/null | head -1)
fail() { echo "FAIL: $*"; echo "--- stderr"; head -c 2000 "$dir/err"; [ -n "$log" ] && { echo "--- log"; head -c 4000 "$log"; }; exit 1; }
[ -n "$log" ] || fail "no ulockdep log: the shim was not loaded"
grep -q '^inversion=done$' "$dir/out" || fail "scale did not finish (exit $rc)"
# exit 66: ulockdep's exitcode after a report
[ "$rc" = 66 ] || fail "exit status $rc, expected 66 (one report)"
reports=$(grep -c '^{"kind":' "$log")
circular=$(grep -c '^{"kind":"circular"' "$log")
[ "$reports" = 1 ] && [ "$circular" = 1 ] || fail "$reports reports ($circular circular), expected exactly 1 circular"
grep '^ulockdep: pid' "$log"
echo "check_scale: ok: the inversion was reported once, nothing else"
