#!/usr/bin/env bash
# Bad input under the shim (issue 7): malformed ULOCKDEP_OPTIONS, a log_path that cannot be
# used, and hostile or surprising things at <log_path>.<pid>. The program always runs; the
# problem is one "ulockdep:" line on stderr; no report is lost (it goes to stderr instead).
# Usage: test_bad_input.sh SHIM log_path_target
set -u
SHIM=$(readlink -f "$1")
PROG=$(readlink -f "$2")
TMP=$(mktemp -d /tmp/ulockdep-badinput-XXXXXX)
trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
OUT=$TMP/out ERR=$TMP/err
TITLE=$(python3 "$(dirname "$0")/../report_kinds.py" circular)
failures=0

check() { # description, shell condition
    if eval "$2"; then
        echo "ok    $1"
    else
        echo "FAIL  $1"
        echo "---- stderr ----"; cat "$ERR"; echo "----------------"
        failures=$((failures + 1))
    fi
}
skip() { echo "skip  $1"; }
# run OPTIONS PROGRAM [ARGS...]: only PROGRAM is traced (not timeout, env or setpriv, which
# would print the same option complaints again). Extra environment: WRAP=(env K=V ...).
WRAP=()
run() {
    local opts=$1
    shift
    timeout 30 "${WRAP[@]}" env ULOCKDEP_OPTIONS="$opts" LD_PRELOAD="$SHIM" "$@" >"$OUT" 2>"$ERR"
    rc=$?
}
count() { grep -c -F -- "$1" "$2"; }
msgs() { grep -c '^ulockdep:' "$ERR"; }

# ---- ULOCKDEP_OPTIONS ----------------------------------------------------------------------
run "exitcode=7:bogus=1:verbosity=x:format=xml:class_depth=-2::" "$PROG" abba
check "bad options: program runs, exitcode=7 still applies" '[ $rc = 7 ]'
check "bad options: one line each, naming the key (4 lines)" \
    '[ "$(msgs)" = 4 ] && grep -q "^ulockdep: ULOCKDEP_OPTIONS: unknown option .bogus." "$ERR" &&
     grep -q "^ulockdep: ULOCKDEP_OPTIONS: bad value .x. for option .verbosity." "$ERR" &&
     grep -q "^ulockdep: ULOCKDEP_OPTIONS: bad value .xml. for option .format." "$ERR" &&
     grep -q "^ulockdep: ULOCKDEP_OPTIONS: bad value .-2. for option .class_depth." "$ERR"'
check "bad format: reports still written, as text" '[ "$(count "$TITLE" "$ERR")" = 1 ]'

long=$(head -c 5000 /dev/zero | tr '\0' x)
run "log_path=$long:exitcode=9" "$PROG" abba
check "overlong value: one line naming the key, the rest applies" \
    '[ $rc = 9 ] && [ "$(msgs)" = 1 ] && grep -q "^ulockdep: ULOCKDEP_OPTIONS: value of option .log_path. too long" "$ERR"'

garbage=$(for i in $(seq 200); do printf 'junk%d ' "$i"; done)
run "$garbage exitcode=5" "$PROG" abba
check "200 bad entries: at most 21 lines, the last one says more were not shown; the rest applies" \
    '[ $rc = 5 ] && [ "$(msgs)" = 21 ] && tail -n +1 "$ERR" | grep -q "more problems, not shown"'

# ---- log_path that cannot be used ----------------------------------------------------------
run "log_path=$TMP/nodir/log" "$PROG" abba
check "log_path in a missing directory: one message, report on stderr, exit 66" \
    '[ $rc = 66 ] && [ "$(msgs)" = 1 ] &&
     grep -qxF "ulockdep: log_path $TMP/nodir/log: directory $TMP/nodir: No such file or directory; writing reports to stderr" "$ERR" &&
     [ "$(count "$TITLE" "$ERR")" = 1 ] && [ ! -e "$TMP/nodir" ]'

touch "$TMP/afile"
run "log_path=$TMP/afile/log" "$PROG" abba
check "log_path under a regular file: one message, report on stderr" \
    '[ $rc = 66 ] && [ "$(msgs)" = 1 ] && grep -qF "directory $TMP/afile: not a directory" "$ERR" &&
     [ "$(count "$TITLE" "$ERR")" = 1 ]'

mkdir "$TMP/ro"
chmod 755 "$TMP" "$TMP/ro"
if [ "$(id -u)" != 0 ]; then
    chmod 555 "$TMP/ro"
    run "log_path=$TMP/ro/log" "$PROG" abba
    chmod 755 "$TMP/ro"
elif command -v setpriv >/dev/null && setpriv --reuid=nobody --regid=nogroup --clear-groups "$PROG" abba 2>/dev/null; then
    # root may write anywhere: run the program as nobody (the directory stays root's).
    WRAP=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    run "log_path=$TMP/ro/log" "$PROG" abba
    WRAP=()
else
    rc=skip
fi
if [ "$rc" = skip ]; then
    skip "log_path in a directory that is not writable (running as root without setpriv)"
else
    check "log_path in a directory that is not writable: one message, report on stderr" \
        '[ $rc = 66 ] && [ "$(msgs)" = 1 ] && grep -qF "directory $TMP/ro: Permission denied; writing reports to stderr" "$ERR" &&
         [ "$(count "$TITLE" "$ERR")" = 1 ] && [ -z "$(ls "$TMP/ro")" ]'
fi

# ---- what may be found at <log_path>.<pid> -------------------------------------------------
mkdir "$TMP/sl"
printf 'victim\n' >"$TMP/victim"
run "log_path=$TMP/sl/log" env LOG_BASE="$TMP/sl/log" VICTIM="$TMP/victim" "$PROG" symlink
check "a symlink at <log_path>.<pid> is not followed: victim untouched, one message, report on stderr" \
    '[ $rc = 66 ] && [ "$(cat "$TMP/victim")" = victim ] && [ -L "$(echo "$TMP"/sl/log.*)" ] &&
     [ "$(msgs)" = 1 ] && grep -q "^ulockdep: cannot open log file $TMP/sl/log\.[0-9]*: it is a symbolic link (not followed); writing reports to stderr$" "$ERR" &&
     [ "$(count "$TITLE" "$ERR")" = 1 ]'

mkdir "$TMP/ex"
run "log_path=$TMP/ex/log" env LOG_BASE="$TMP/ex/log" "$PROG" existing
log=$(echo "$TMP"/ex/log.*)
check "an existing <log_path>.<pid> is appended to, not truncated" \
    '[ $rc = 66 ] && [ "$(head -n 1 "$log")" = "earlier content" ] && [ "$(count "$TITLE" "$log")" = 1 ] &&
     [ "$(msgs)" = 1 ] && grep -qx "ulockdep: 1 report written to $log" "$ERR"'

mkdir "$TMP/ff"
run "log_path=$TMP/ff/log" env LOG_BASE="$TMP/ff/log" "$PROG" fifo
check "a FIFO at <log_path>.<pid>: no hang, one message, report on stderr" \
    '[ $rc = 66 ] && [ "$(msgs)" = 1 ] && grep -qF ": not a regular file; writing reports to stderr" "$ERR" &&
     [ "$(count "$TITLE" "$ERR")" = 1 ]'

mkdir "$TMP/cf"
run "log_path=$TMP/cf/log" env LOG_BASE="$TMP/cf/log" OWN_FILE="$TMP/own" "$PROG" closefd
log=$(echo "$TMP"/cf/log.*)
check "the program closed the log and reused its number: its file is untouched, both reports in the log" \
    '[ $rc = 66 ] && [ "$(cat "$TMP/own")" = mine ] && [ "$(count "$TITLE" "$log")" = 2 ] && [ "$(msgs)" = 1 ] &&
     grep -qx "ulockdep: 2 reports written to $log" "$ERR"'

echo "$failures failure(s)"
[ "$failures" = 0 ]
