#!/usr/bin/env bash
# End-to-end checks of the `ulockdep` front end.
# Usage: test_cli.sh PATH/TO/ulockdep PATH/TO/libulockdep.so
# Prints one line per check and finally "N passed, M failed" (exit 1 if any failed).
# Only checks what holds with the real shim: programs below take no locks, so make no reports.
# Check conditions are single-quoted shell text run by eval:
# shellcheck disable=SC2016,SC2034

if [ $# -ne 2 ]; then
    echo "usage: $0 ULOCKDEP_BINARY SHIM_LIBRARY" >&2
    exit 2
fi
U=$(readlink -f "$1")
SHIM=$(readlink -f "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
OPTIONS_DEF=$HERE/../../common/options.def
CIRCULAR=$(python3 "$HERE/../report_kinds.py" circular)

passed=0
failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }
skip() { echo "SKIP: $1"; }
# check NAME CONDITION: passes when the shell text CONDITION (single-quoted, so it reads $rc,
# $OUT... when evaluated) succeeds. $q is a single quote for use inside conditions.
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
q="'"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
OUT=$TMP/out ERR=$TMP/err

# run ARGS...: runs ulockdep with ARGS, stdout to $OUT, stderr to $ERR, status in $rc.
run() { "$U" "$@" >"$OUT" 2>"$ERR"; rc=$?; }

unset ULOCKDEP_OPTIONS ULOCKDEP_SHIM LD_PRELOAD

if [ ! -x "$U" ]; then
    fail "ulockdep binary '$U' exists"
    echo "$passed passed, $failed failed"
    exit 1
fi
if [ ! -f "$SHIM" ]; then
    fail "shim '$SHIM' exists"
    echo "$passed passed, $failed failed"
    exit 1
fi

# --- help, version, usage -------------------------------------------------------------
run --version
check "--version prints 'ulockdep X.Y.Z'" \
    '[ $rc = 0 ] && grep -qE "^ulockdep [0-9]+\.[0-9]+\.[0-9]+$" "$OUT"'

run --help
names="log_path exitcode"
[ -f "$OPTIONS_DEF" ] && names=$(sed -n 's/^ULOCKDEP_OPTION([A-Z]*, *\([a-z_0-9]*\),.*/\1/p' "$OPTIONS_DEF")
missing=
for n in log_path exitcode $names; do grep -qw -- "$n" "$OUT" || missing="$missing $n"; done
check "--help exits 0 and lists every option (log_path, exitcode, ...)" '[ $rc = 0 ] && [ -z "$missing" ]'
[ -n "$missing" ] && echo "  missing from --help:$missing"
check "--help mentions ULOCKDEP_OPTIONS" 'grep -q ULOCKDEP_OPTIONS "$OUT"'
missing=
for f in --srcroot --gen-suppressions --suppressions --module-dir --no-symbolize --db --quiet --timeout --keep; do
    grep -q -- "$f" "$OUT" || missing="$missing $f"
done
check "--help usage names every flag of report, merge and stress" '[ -z "$missing" ]'
[ -n "$missing" ] && echo "  missing from --help:$missing"

run help
check "'ulockdep help' prints the help" '[ $rc = 0 ] && grep -qw exitcode "$OUT"'

run
check "no arguments: usage on stderr, exit 2" '[ $rc = 2 ] && [ ! -s "$OUT" ] && grep -qi usage "$ERR"'

# --- finding the shim -------------------------------------------------------------------
# With no ULOCKDEP_SHIM the shim is found next to the binary (build tree or install layout).
bindir=$(dirname "$(readlink -f "$U")")
if [ -f "$bindir/../lib/libulockdep.so" ] || [ -f "$bindir/../shim/libulockdep.so" ]; then
    run run cat /proc/self/maps
    check "shim found next to the binary and preloaded (seen in /proc/self/maps)" \
        '[ $rc = 0 ] && grep -q libulockdep.so "$OUT"'
else
    skip "shim next to the binary (no ../lib or ../shim layout around $bindir)"
fi
export ULOCKDEP_SHIM=$SHIM

run run -- cat /proc/self/maps
check "run -- PROGRAM preloads the shim (seen in /proc/self/maps)" \
    '[ $rc = 0 ] && grep -q libulockdep.so "$OUT"'

run -- cat /proc/self/maps
check "ulockdep -- PROGRAM preloads the shim" '[ $rc = 0 ] && grep -q libulockdep.so "$OUT"'

# A relative ULOCKDEP_SHIM is made absolute.
shim_dir=$(cd "$(dirname "$SHIM")" && pwd)
(cd "$shim_dir" && ULOCKDEP_SHIM=./$(basename "$SHIM") "$U" -- sh -c 'echo "$LD_PRELOAD"') >"$OUT" 2>"$ERR"
check "relative ULOCKDEP_SHIM becomes an absolute LD_PRELOAD path" \
    '[ "$(cat "$OUT")" = "$(readlink -f "$SHIM")" ]'

ULOCKDEP_SHIM=$TMP/nonexistent.so run -- true
check "missing shim: exit 2 with a message" '[ $rc = 2 ] && grep -q ULOCKDEP_SHIM "$ERR"'

if command -v gcc >/dev/null; then
    echo 'void ulockdep_test_dummy(void) {}' >"$TMP/dummy.c"
    gcc -shared -fPIC -o "$TMP/dummy.so" "$TMP/dummy.c" 2>/dev/null
fi
if [ -f "$TMP/dummy.so" ]; then
    LD_PRELOAD=$TMP/dummy.so run -- sh -c 'echo "$LD_PRELOAD"'
    check "existing LD_PRELOAD kept after the shim" \
        '[ "$(cat "$OUT")" = "$(readlink -f "$SHIM"):$TMP/dummy.so" ]'
else
    skip "existing LD_PRELOAD kept (no gcc)"
fi

# --- exit status ------------------------------------------------------------------------
run -- sh -c 'exit 7'
check "exit status passes through (ulockdep -- sh -c 'exit 7' gives 7)" '[ $rc = 7 ]'
run run sh -c 'exit 9'
check "run PROGRAM without -- (exit 9 passes through)" '[ $rc = 9 ]'
run -- sh -c 'echo "$0 $1 $2"' a 'b c' --exitcode=1
check "program arguments passed untouched" '[ $rc = 0 ] && [ "$(cat "$OUT")" = "a b c --exitcode=1" ]'

run -- "$TMP/no-such-program"
check "nonexistent program: exit 127, 'cannot run' message" \
    '[ $rc = 127 ] && grep -qF "cannot run $q$TMP/no-such-program$q" "$ERR"'
run -- no-such-program-in-path-$$
check "program not in PATH: exit 127" '[ $rc = 127 ]'
printf 'not executable\n' >"$TMP/noexec"
chmod 644 "$TMP/noexec"
run -- "$TMP/noexec"
check "non-executable program: exit 126" '[ $rc = 126 ]'

# --- options ----------------------------------------------------------------------------
run --foo -- sh -c 'echo ran; exit 3'
check "unknown option: one line naming '--foo', ignored, the program runs (its exit 3; the CONTRACT's rule)" \
    '[ $rc = 3 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -qF "unknown option $q--foo$q" "$ERR" && [ "$(cat "$OUT")" = ran ]'
run run --logpath=x -- sh -c 'echo ran'
check "a misspelt option: one line with the nearest name, ignored, the program runs" \
    '[ $rc = 0 ] && [ "$(cat "$ERR")" = "ulockdep: unknown option ${q}--logpath${q} (did you mean ${q}--log_path${q}?); ignored" ] && [ "$(cat "$OUT")" = ran ]'
run run --log-path="$TMP/hy" --halt-on-error=yes -- sh -c 'echo "$ULOCKDEP_OPTIONS"'
check "hyphen and underscore forms are the same option, yes is a boolean" \
    '[ $rc = 0 ] && [ ! -s "$ERR" ] && grep -qF "log_path=$TMP/hy" "$OUT" && grep -qF "halt_on_error=yes" "$OUT"'
run run --halt_on_error=maybe -- true
check "a bad boolean names every accepted spelling" \
    '[ $rc = 0 ] && grep -qF "want 1/0, yes/no, true/false or on/off" "$ERR"'
run report --form=json "$TMP"
check "report: no abbreviations, the full name suggested (exit 2)" \
    '[ $rc = 2 ] && grep -qF "ulockdep report: unknown option ${q}--form${q} (did you mean ${q}--format${q}?)" "$ERR"'
run merge --form=json --db "$TMP/m.db" "$TMP"
check "merge: the same rule as report" \
    '[ $rc = 2 ] && grep -qF "ulockdep merge: unknown option ${q}--form${q} (did you mean ${q}--format${q}?)" "$ERR"'
run stress -n 1 --run=2 -- true
check "stress: its own names are suggested too" '[ $rc = 2 ] && grep -qF "(did you mean ${q}--runs${q}?)" "$ERR"'
# A bad or missing value: one line naming it, and the program runs with the default (the
# contract's rule for a malformed option).
run run --verbosity=abc -- sh -c 'echo ran; echo "$ULOCKDEP_OPTIONS"; exit 4'
check "bad option value: one line naming it, the program runs (its exit 4) without the option" \
    '[ $rc = 4 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -q "^ulockdep: --verbosity=abc: .*verbosity" "$ERR" &&
     [ "$(cat "$OUT")" = "$(printf "ran\ndeadlock_timeout=10")" ]'
run run --log_path --exitcode=5 -- sh -c 'echo "$ULOCKDEP_OPTIONS"'
check "string option without a value: one line, the program runs with the other options" \
    '[ $rc = 0 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -q "log_path" "$ERR" &&
     [ "$(cat "$OUT")" = "deadlock_timeout=10:exitcode=5" ]'
if printf '%s\n' '#include <pthread.h>' 'static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;' \
       'int main(void) { pthread_mutex_lock(&a); pthread_mutex_lock(&b); pthread_mutex_unlock(&b); pthread_mutex_unlock(&a);' \
       ' pthread_mutex_lock(&b); pthread_mutex_lock(&a); pthread_mutex_unlock(&a); pthread_mutex_unlock(&b); return 0; }' \
       >"$TMP/abba.c" && gcc -pthread -o "$TMP/abba" "$TMP/abba.c" 2>/dev/null; then
    ULOCKDEP_SHIM=$SHIM run run --exitcode=abc -- "$TMP/abba"
    check "a report under --exitcode=abc: one line about it, exit status the default 66" \
        '[ $rc = 66 ] && [ "$(grep -c "^ulockdep:" "$ERR")" = 1 ] && grep -q "^ulockdep: --exitcode=abc: " "$ERR" &&
         grep -qF "$CIRCULAR" "$ERR"'
else
    skip "no gcc: the --exitcode=abc run with a report"
fi

run --exitcode=5 --halt_on_error -- sh -c 'echo "$ULOCKDEP_OPTIONS"'
check "options reach the child in ULOCKDEP_OPTIONS (bool --key means key=1)" \
    '[ $rc = 0 ] && [ "$(cat "$OUT")" = "deadlock_timeout=10:exitcode=5:halt_on_error=1" ]'

ULOCKDEP_OPTIONS=verbosity=0 run run --exitcode=5 -- sh -c 'echo "$ULOCKDEP_OPTIONS"'
check "existing ULOCKDEP_OPTIONS first, ours appended" '[ "$(cat "$OUT")" = "deadlock_timeout=10:verbosity=0:exitcode=5" ]'

run run "--log_path=$TMP/a b:c" --format=text,json -- sh -c 'echo "$ULOCKDEP_OPTIONS"'
check "values with ':', spaces or ',' are quoted" \
    '[ "$(cat "$OUT")" = "deadlock_timeout=10:log_path=\"$TMP/a b:c\":format=\"text,json\"" ]'

run -- sh -c 'echo "${ULOCKDEP_OPTIONS-unset}"'
check "no options given: only the run default (hang watchdog on) in ULOCKDEP_OPTIONS" \
    '[ "$(cat "$OUT")" = deadlock_timeout=10 ]'

run --deadlock_timeout=3 -- sh -c 'echo "$ULOCKDEP_OPTIONS"'
check "--deadlock_timeout=N replaces the run default (no second deadlock_timeout)" \
    '[ $rc = 0 ] && [ "$(cat "$OUT")" = "deadlock_timeout=3" ]'
ULOCKDEP_OPTIONS=deadlock_timeout=0 run -- sh -c 'echo "$ULOCKDEP_OPTIONS"'
check "deadlock_timeout in ULOCKDEP_OPTIONS replaces the run default" \
    '[ $rc = 0 ] && [ "$(cat "$OUT")" = "deadlock_timeout=0" ]'
# The shim itself (a traced sh) must not warn that the option is set more than once.
run --deadlock_timeout=3 -- sh -c true
check "--deadlock_timeout=N: no 'set more than once' warning from the shim" \
    '[ $rc = 0 ] && ! grep -q "more than once" "$ERR" && [ ! -s "$ERR" ]'
ULOCKDEP_OPTIONS=deadlock_timeout=2 run --exitcode=5 -- sh -c true
check "deadlock_timeout from ULOCKDEP_OPTIONS: no warning either" '[ $rc = 0 ] && [ ! -s "$ERR" ]'

# --- untraceable programs -----------------------------------------------------------------
run -- sh -c true
check "dynamic program: no static warning" '[ $rc = 0 ] && ! grep -q "statically linked" "$ERR"'

printf '#!/bin/sh\nexit 4\n' >"$TMP/script.sh"
chmod 755 "$TMP/script.sh"
run -- "$TMP/script.sh"
check "#! script: runs, no static warning" '[ $rc = 4 ] && ! grep -q "statically linked" "$ERR"'

if command -v gcc >/dev/null && [ -f /usr/lib/x86_64-linux-gnu/libc.a ] &&
    printf 'int main(void) { return 3; }\n' >"$TMP/static.c" &&
    gcc -static -o "$TMP/static_prog" "$TMP/static.c" 2>/dev/null; then
    run -- "$TMP/static_prog"
    check "static binary: refused with the reason, not run (exit 5, not the program's 3)" \
        '[ $rc = 5 ] && [ "$(cat "$ERR")" = "ulockdep run: cannot trace ${q}$TMP/static_prog${q}: it is statically linked: LD_PRELOAD has no effect on it; not running it (--allow-untraced runs it untraced)" ]'
    run --allow-untraced -- "$TMP/static_prog"
    check "static binary with --allow-untraced: a warning, then it runs (exit 3)" \
        '[ $rc = 3 ] && grep -qF "warning: $q$TMP/static_prog$q will not be traced: it is statically linked" "$ERR"'
    (PATH=$TMP:$PATH "$U" -- static_prog) >"$OUT" 2>"$ERR"; rc=$?
    check "static binary found through PATH: refused (exit 5)" \
        '[ $rc = 5 ] && grep -qF "${q}static_prog$q: it is statically linked" "$ERR"'
    "$U" stress -n 2 -- "$TMP/static_prog" >"$OUT" 2>"$ERR"; rc=$?
    check "stress of a static binary: refused (exit 5), nothing run" \
        '[ $rc = 5 ] && grep -qF "ulockdep stress: cannot trace" "$ERR"'
else
    skip "static binary warning (no gcc or no static libc)"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
