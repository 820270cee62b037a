#!/usr/bin/env bash
# Real programs written by others (Debian packages), run natively and under the ulockdep shim
# side by side: memcached (memcaslap load on loopback), RocksDB db_bench, sysbench mutex,
# stress-ng --mutex, pigz, xz -T2, zstd -T2, MariaDB (install, server, 4 SQL clients, sysbench
# oltp_read_write over its Unix socket). Prints one table: the metric native and under the
# shim (medians over the repetitions), their ratio, the target, whether it was met, and the
# reports the shim made.
#
#   scripts/real-programs.sh [--quick|--full] [--reps N] [--shim PATH/libulockdep.so]
#                            [--only NAME[,NAME..]] [--keep] [--canary PROGRAM]
#
#   --quick  (default) one short run of each, native and shim: a correctness check (no report,
#            no ulockdep message, same exit status, identical output, no hang); about 30-60 s
#            on 2 cores. Throughput targets are not judged in this mode.
#   --full   the measurement: --reps (default 3) repetitions of each program, native and shim
#            alternating (the order flips every repetition), medians; about 6-8 minutes on
#            2 cores. Throughput targets are judged.
#   --only   run only these programs: memcached rocksdb sysbench stress-ng pigz xz zstd mariadb.
#   --canary PROGRAM   also run PROGRAM through the same checks, as program "canary": given a
#            program that makes a report, it shows that the checks catch one (the run fails).
#   --keep   keep the work directory (logs, outputs) and print its path.
#
# Every run under the shim uses ULOCKDEP_OPTIONS=log_path=<work>/logs/<name>.r<rep>:
# format=text,json:verbosity=1, so each process writes <log_path>.<pid> with the banner, its
# reports (text splats and JSON lines) and a summary line at exit; "reports" counts the JSON
# lines, and any other "ulockdep:" line (in the logs or on stderr) is a failure too.
# A run without the banner means the shim was not loaded: also a failure.
#
# The script installs nothing (scripts/install-deps.sh does); a program whose tools are
# missing is skipped. Exit status: 0 every program ran correctly (throughput targets missed in
# --full are shown in the table, not in the status), 1 some check failed, 77 every selected
# program was skipped, 2 usage error.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH=$PATH:/usr/sbin  # mariadbd
MODE=quick
REPS=
SHIM=${ULOCKDEP_SHIM:-}
ONLY=
KEEP=0
CANARY=
ALL_PROGRAMS=(memcached rocksdb sysbench stress-ng pigz xz zstd mariadb)

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --quick) MODE=quick ;;
    --full) MODE=full ;;
    --reps) REPS=${2:?}; shift ;;
    --reps=*) REPS=${1#*=} ;;
    --shim) SHIM=${2:?}; shift ;;
    --shim=*) SHIM=${1#*=} ;;
    --only) ONLY=${2:?}; shift ;;
    --only=*) ONLY=${1#*=} ;;
    --canary) CANARY=${2:?}; shift ;;
    --canary=*) CANARY=${1#*=} ;;
    --keep) KEEP=1 ;;
    -h|--help) usage ;;
    *) echo "real-programs.sh: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
[ -n "$SHIM" ] || SHIM=$ROOT/build/shim/libulockdep.so
if [ ! -r "$SHIM" ]; then
  echo "real-programs.sh: no shim at $SHIM (build first, or pass --shim PATH)" >&2
  exit 2
fi
SHIM=$(cd "$(dirname "$SHIM")" && pwd)/$(basename "$SHIM")
[ -n "$REPS" ] || { [ $MODE = full ] && REPS=3 || REPS=1; }
case $REPS in ''|*[!0-9]*|0) echo "real-programs.sh: --reps wants a positive number" >&2; exit 2 ;; esac

if [ -n "$ONLY" ]; then
  IFS=', ' read -r -a PROGRAMS <<<"$ONLY"
  for p in "${PROGRAMS[@]}"; do
    [[ " ${ALL_PROGRAMS[*]} " == *" $p "* ]] || { echo "real-programs.sh: unknown program '$p'" >&2; exit 2; }
  done
elif [ -n "$CANARY" ]; then
  PROGRAMS=()
else
  PROGRAMS=("${ALL_PROGRAMS[@]}")
fi
[ -z "$CANARY" ] || PROGRAMS+=(canary)

# ---- sizes of one run: quick is a short correctness check, full the measurement ----
if [ $MODE = full ]; then
  MC_SECONDS=10           # memcaslap load per run
  DB_NUM=100000           # db_bench keys per thread (4 threads)
  SB_LOCKS=2000000        # sysbench mutex: lock+unlock pairs (shared by the 4 threads)
  SNG_SECONDS=10          # stress-ng --mutex run time
  CORPUS_MIB=32           # compressor input
  MDB_ROWS=2000           # MariaDB workload: rows per client
  MDB_TABLE=10000         # sysbench oltp table size
  MDB_SECONDS=30          # sysbench oltp_read_write run time
  RUN_TIMEOUT=300
else
  MC_SECONDS=3
  DB_NUM=5000
  SB_LOCKS=100000
  SNG_SECONDS=2
  CORPUS_MIB=4
  MDB_ROWS=300
  MDB_TABLE=1000
  MDB_SECONDS=5
  RUN_TIMEOUT=120
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/real-programs.XXXXXX")
LOGDIR=$WORK/logs
mkdir -p "$LOGDIR"
# RocksDB on tmpfs when there is one: the figure should be about locks, not the disk.
DBROOT=$WORK
[ -d /dev/shm ] && [ -w /dev/shm ] && DBROOT=$(mktemp -d /dev/shm/real-programs-db.XXXXXX)
SERVER_PID=
cleanup() {
  [ -z "$SERVER_PID" ] || kill -KILL -- "-$SERVER_PID" 2>/dev/null || kill -KILL "$SERVER_PID" 2>/dev/null
  [ "$DBROOT" = "$WORK" ] || rm -rf "$DBROOT"
  if [ $KEEP = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

have() { command -v "$1" >/dev/null 2>&1; }
now_ns() { date +%s%N; }
secs_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---- per-run state, set by run_program ----
declare -A VALUES      # "row|mode" -> space-separated values, one per repetition
declare -A OUTPUTS     # "prog|what|mode" -> checksum of that output (first repetition)
declare -A PROBLEMS    # prog -> "; "-separated failures
declare -A REPORTS     # prog -> number of reports under the shim (all repetitions)
declare -A KINDS       # prog -> "kind kind .." of those reports
declare -A SKIPPED     # prog -> reason
declare -A TRACED      # prog -> largest "N classes" seen in a summary line
declare -A FIRST_LOG   # prog -> a log file holding a report

problem() { PROBLEMS[$1]+="${PROBLEMS[$1]:+; }$2"; }
record() { VALUES["$1|$2"]+="${VALUES["$1|$2"]:+ }$3"; }

# PRE: the launcher of the current run; native runs have none. timeout(1) and env(1) run
# natively, only the program itself gets the shim.
PRE=()
CUR_PROG=; CUR_MODE=; CUR_REP=
set_mode() {
  CUR_MODE=$1
  if [ "$1" = shim ]; then
    local supp=
    [ "$CUR_PROG" != mariadb ] || supp=":suppressions=$ROOT/suppressions/mariadb.supp:print_suppressions=0"
    PRE=(env "LD_PRELOAD=$SHIM" "ULOCKDEP_OPTIONS=log_path=$LOGDIR/$CUR_PROG.r$CUR_REP:format=text,json:verbosity=1$supp")
  else
    PRE=(env -u LD_PRELOAD -u ULOCKDEP_OPTIONS)
  fi
}

# launch OUT ERR CMD..: run one command of the current program in the current mode, bounded
# by RUN_TIMEOUT; sets ELAPSED (seconds) and returns its exit status (124/137: hung).
ELAPSED=0
launch() {
  local out=$1 err=$2; shift 2
  local t0; t0=$(now_ns)
  timeout -k 5 "$RUN_TIMEOUT" "${PRE[@]}" "$@" >"$out" 2>"$err"
  local st=$?
  ELAPSED=$(secs_since "$t0")
  return $st
}

# check_status WHAT STATUS [EXPECTED]: a hang or an unexpected exit status is a failure.
check_status() {
  local what=$1 st=$2 want=${3:-0}
  if [ "$st" = 124 ] || [ "$st" = 137 ]; then
    problem "$CUR_PROG" "$what hung under $CUR_MODE (killed after ${RUN_TIMEOUT}s)"
    return 1
  elif [ "$st" != "$want" ]; then
    problem "$CUR_PROG" "$what exited $st under $CUR_MODE (expected $want)"
    return 1
  fi
  return 0
}

# Where a command's stderr goes; those of shim runs are scanned for "ulockdep:" lines.
err_file() { echo "$WORK/$CUR_PROG.r$CUR_REP.$CUR_MODE.$1.err"; }

# ---- the programs: each runs once in the current mode and records its metrics ----

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

run_memcached() {
  local port user=() out=$WORK/memcaslap.out err st t
  [ "$(id -u)" = 0 ] && user=(-u root)   # memcached refuses to run as root without -u
  port=$(free_port) || { problem memcached "no free loopback port"; return; }
  local serr; serr=$(err_file server)
  # The server in its own process group (timeout makes one), so a hang can be ended whole.
  timeout -k 5 "$RUN_TIMEOUT" "${PRE[@]}" memcached "${user[@]}" -l 127.0.0.1 -p "$port" -U 0 -t 4 \
    -m 256 -c 4096 >"$WORK/memcached.out" 2>"$serr" &
  SERVER_PID=$!
  for t in $(seq 100); do port_open "$port" && break; sleep 0.1; done
  if ! port_open "$port"; then
    problem memcached "server did not listen on 127.0.0.1:$port under $CUR_MODE"
    kill -KILL -- "-$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
    return
  fi
  # The load generator always runs natively: only the server is under test.
  timeout -k 5 $((MC_SECONDS + 60)) env -u LD_PRELOAD memcaslap -s "127.0.0.1:$port" -T 2 -c 32 \
    -t "${MC_SECONDS}s" -v 0.01 >"$out" 2>"$WORK/memcaslap.err"
  st=$?
  kill -TERM "$SERVER_PID" 2>/dev/null
  for t in $(seq 200); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    problem memcached "server did not exit within 20 s of SIGTERM under $CUR_MODE"
    kill -KILL -- "-$SERVER_PID" 2>/dev/null
  fi
  wait "$SERVER_PID"; local sst=$?
  SERVER_PID=
  check_status "memcached server" "$sst"
  check_status memcaslap "$st" || return
  local tps vfail
  tps=$(awk '/TPS:/ { for (i = 1; i < NF; i++) if ($i == "TPS:") v = $(i + 1) } END { print v }' "$out")
  vfail=$(awk -F': *' '/^verify_failed:/ { print $2 }' "$out")
  [ -n "$tps" ] || { problem memcached "no TPS line from memcaslap under $CUR_MODE"; return; }
  [ "${vfail:-0}" = 0 ] || problem memcached "memcaslap: $vfail values failed verification under $CUR_MODE"
  record memcached "$CUR_MODE" "$tps"
}

run_rocksdb() {
  local db=$DBROOT/db.$CUR_MODE.$CUR_REP out=$WORK/db_bench.out st
  rm -rf "$db"
  launch "$out" "$(err_file run)" db_bench --benchmarks=fillrandom,readrandom --threads=4 \
    --num="$DB_NUM" --value_size=100 --seed=42 --db="$db"
  st=$?
  rm -rf "$db"
  check_status db_bench "$st" || return
  local fill read found
  fill=$(awk '$1 == "fillrandom" { for (i = 1; i < NF; i++) if ($(i + 1) == "ops/sec") print $i }' "$out")
  read=$(awk '$1 == "readrandom" { for (i = 1; i < NF; i++) if ($(i + 1) == "ops/sec") print $i }' "$out")
  found=$(sed -n 's/^readrandom .*(\([0-9]* of [0-9]* found\)).*/\1/p' "$out")
  [ -n "$fill" ] && [ -n "$read" ] || { problem rocksdb "no ops/sec lines from db_bench under $CUR_MODE"; return; }
  record rocksdb.fill "$CUR_MODE" "$fill"
  record rocksdb.read "$CUR_MODE" "$read"
  # The same seed writes and reads the same keys: the found count is the program's output.
  [ -n "${OUTPUTS[rocksdb|found|$CUR_MODE]:-}" ] || OUTPUTS[rocksdb|found|$CUR_MODE]="$found"
}

run_sysbench() {
  local out=$WORK/sysbench.out
  launch "$out" "$(err_file run)" sysbench mutex --threads=4 --mutex-num=4096 --mutex-locks="$SB_LOCKS" \
    --mutex-loops=100 run
  check_status "sysbench mutex" $? || return
  grep -Eq 'total number of events: +4$' "$out" || problem sysbench "sysbench did not finish its 4 events under $CUR_MODE"
  record sysbench "$CUR_MODE" "$ELAPSED"
}

run_stress_ng() {
  local out=$WORK/stress-ng.out err ops
  err=$(err_file run)
  # 2 forked workers (they end with _exit), each with 2 threads that take one mutex while
  # switching themselves between SCHED_FIFO priorities (and set up PI / priority-ceiling
  # attributes), with SIGALRM handlers. A run bounded by time, not by --mutex-ops: the worker
  # notices the op limit only at its next 1 s alarm, which would make the wall time a
  # multiple of that second.
  launch "$out" "$err" stress-ng --mutex 2 --timeout "${SNG_SECONDS}s" --metrics-brief
  check_status "stress-ng --mutex" $? || return
  grep -q 'successful run completed' "$err" "$out" ||
    problem stress-ng "stress-ng did not report a successful run under $CUR_MODE"
  # "stress-ng: metrc: [pid] mutex <bogo ops> <real s> <usr s> <sys s> <ops/s real> <ops/s cpu>"
  ops=$(cat "$out" "$err" | awk '$2 == "metrc:" && $4 == "mutex" && $5 ~ /^[0-9]+$/ { print $9 }' | head -1)
  [ -n "$ops" ] || { problem stress-ng "no mutex metrics line from stress-ng under $CUR_MODE"; return; }
  record stress-ng "$CUR_MODE" "$ops"
}

CORPUS=
make_corpus() {
  [ -n "$CORPUS" ] && return
  CORPUS=$WORK/corpus
  # Deterministic, text-like: words of a fixed vocabulary in a Zipf-like distribution, with
  # 5% random 4 KiB blocks.
  python3 - "$((CORPUS_MIB * 1048576))" >"$CORPUS" <<'EOF'
import random, sys
r = random.Random(20240601)
n = int(sys.argv[1])
words = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(2, 10))) for _ in range(4000)]
weights = [1 / (i + 1) for i in range(len(words))]
out, size = sys.stdout.buffer, 0
while size < n:
    chunk = r.randbytes(4096) if r.random() < 0.05 else (" ".join(r.choices(words, weights, k=2000)) + "\n").encode()
    chunk = chunk[: n - size]
    out.write(chunk)
    size += len(chunk)
EOF
  CORPUS_SUM=$(sha256sum <"$CORPUS" | cut -d' ' -f1)
}

# compressor NAME COMPRESS-CMD.. -- DECOMPRESS-CMD..: compress the corpus (timed), then
# decompress it again in the same mode; the compressed bytes must equal the native ones and
# the round trip must give the corpus back.
compressor() {
  local name=$1; shift
  local comp=() decomp=()
  while [ "$1" != -- ]; do comp+=("$1"); shift; done
  shift; decomp=("$@")
  make_corpus
  local z=$WORK/$name.$CUR_MODE.z back=$WORK/$name.$CUR_MODE.back
  launch "$z" "$(err_file compress)" "${comp[@]}" <"$CORPUS"
  check_status "${comp[*]}" $? || return
  local t=$ELAPSED sum
  sum=$(sha256sum <"$z" | cut -d' ' -f1)
  launch "$back" "$(err_file decompress)" "${decomp[@]}" <"$z"
  check_status "${decomp[*]}" $? || return
  [ "$(sha256sum <"$back" | cut -d' ' -f1)" = "$CORPUS_SUM" ] ||
    problem "$name" "round trip under $CUR_MODE did not give the input back"
  local prev=${OUTPUTS[$name|compressed|$CUR_MODE]:-}
  [ -z "$prev" ] || [ "$prev" = "$sum" ] || problem "$name" "compressed output differs between repetitions under $CUR_MODE"
  OUTPUTS[$name|compressed|$CUR_MODE]=$sum
  rm -f "$z" "$back"
  record "$name" "$CUR_MODE" "$t"
}
run_pigz() { compressor pigz pigz -p 2 -c -- pigz -d -p 2 -c; }
run_xz() { compressor xz xz -T2 -3 --block-size=512KiB -c -- xz -d -T2 -c; }
run_zstd() { compressor zstd zstd -T2 -B1MiB -q -c -- zstd -d -T2 -q -c; }

# MariaDB: mariadb-install-db and the server under the shim (Unix socket, no network), a fixed
# SQL workload from 4 clients whose output must match the native run's byte for byte,
# sysbench oltp_read_write for MB_SECONDS, a clean shutdown. Clients always run natively.
# The shim runs use suppressions/mariadb.supp (Aria's log-buffer ring: see that file).
mdb_client() { env -u LD_PRELOAD -u ULOCKDEP_OPTIONS mariadb --no-defaults --socket="$1" -uroot "${@:2}"; }
run_mariadb() {
  local dd=$DBROOT/mdb.$CUR_MODE.$CUR_REP sock t st
  sock=$dd/mysqld.sock
  rm -rf "$dd"; mkdir -p "$dd"
  launch "$WORK/mdb-install.out" "$(err_file install)" mariadb-install-db --no-defaults --user=root \
    --datadir="$dd/data" --auth-root-authentication-method=normal --skip-test-db
  check_status mariadb-install-db $? || { rm -rf "$dd"; return; }
  timeout -k 5 "$RUN_TIMEOUT" "${PRE[@]}" mariadbd --no-defaults --user=root --datadir="$dd/data" \
    --socket="$sock" --skip-networking --pid-file="$dd/mysqld.pid" --log-error="$dd/error.log" \
    --innodb-buffer-pool-size=64M --max-connections=64 >"$WORK/mariadbd.out" 2>"$(err_file server)" &
  SERVER_PID=$!
  for t in $(seq 300); do
    env -u LD_PRELOAD mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if ! env -u LD_PRELOAD mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1; then
    problem mariadb "server did not answer on $sock under $CUR_MODE"
    kill -KILL -- "-$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
    rm -rf "$dd"; return
  fi
  # The fixed workload: 4 clients at once, each on its own table and all on a shared one.
  mdb_client "$sock" -e "CREATE DATABASE w; CREATE TABLE w.shared (k INT PRIMARY KEY, v BIGINT) ENGINE=InnoDB;
    CREATE DATABASE sbtest;" || problem mariadb "workload setup failed under $CUR_MODE"
  local c pids=()
  for c in 1 2 3 4; do
    python3 - "$c" "$MDB_ROWS" >"$WORK/mdb-sql.$c" <<'PY'
import sys
c, n = int(sys.argv[1]), int(sys.argv[2])
print(f"USE w; CREATE TABLE t{c} (id INT PRIMARY KEY, name VARCHAR(32), qty INT, KEY (qty)) ENGINE=InnoDB;")
for i in range(n):
    print(f"INSERT INTO t{c} VALUES ({i}, 'item-{c}-{i}', {(i * 7 + c) % 97});")
    print(f"INSERT INTO shared VALUES ({c * 100000 + i}, {i}) ON DUPLICATE KEY UPDATE v = v + 1;")
print(f"UPDATE t{c} SET qty = qty + 1 WHERE qty % 3 = 0;")
print(f"DELETE FROM t{c} WHERE id % 10 = 9;")
print(f"CREATE TABLE a{c} (id INT PRIMARY KEY, s INT) ENGINE=Aria;")
print(f"INSERT INTO a{c} SELECT id, qty FROM t{c};")
print(f"SELECT COUNT(*), SUM(qty), MIN(name), MAX(name) FROM t{c};")
print(f"SELECT qty, COUNT(*) FROM t{c} GROUP BY qty ORDER BY qty LIMIT 10;")
print(f"SELECT SUM(s) FROM a{c};")
print(f"SELECT COUNT(*), SUM(v) FROM shared WHERE k DIV 100000 = {c};")
PY
    mdb_client "$sock" --batch <"$WORK/mdb-sql.$c" >"$WORK/mdb-out.$c" 2>"$WORK/mdb-err.$c" &
    pids+=($!)
  done
  for c in 1 2 3 4; do
    wait "${pids[$((c - 1))]}" || problem mariadb "workload client $c failed under $CUR_MODE: $(head -c 200 "$WORK/mdb-err.$c")"
  done
  local sum; sum=$(cat "$WORK"/mdb-out.[1-4] | sha256sum | cut -d' ' -f1)
  local prev=${OUTPUTS[mariadb|workload|$CUR_MODE]:-}
  [ -z "$prev" ] || [ "$prev" = "$sum" ] || problem mariadb "workload output differs between repetitions under $CUR_MODE"
  OUTPUTS[mariadb|workload|$CUR_MODE]=$sum
  # sysbench oltp_read_write, a bounded time
  local sb=(env -u LD_PRELOAD sysbench oltp_read_write --db-driver=mysql --mysql-socket="$sock" --mysql-user=root
            --mysql-db=sbtest --tables=2 --table-size="$MDB_TABLE" --threads=4)
  "${sb[@]}" prepare >"$WORK/mdb-sb-prepare.out" 2>&1 || problem mariadb "sysbench prepare failed under $CUR_MODE"
  "${sb[@]}" --time="$MDB_SECONDS" run >"$WORK/mdb-sb.out" 2>&1 || problem mariadb "sysbench run failed under $CUR_MODE"
  local tps
  tps=$(sed -n 's/^ *transactions: *[0-9]* *(\([0-9.]*\) per sec.)/\1/p' "$WORK/mdb-sb.out")
  [ -n "$tps" ] || problem mariadb "no transactions line from sysbench under $CUR_MODE"
  env -u LD_PRELOAD mariadb-admin --no-defaults --socket="$sock" -uroot shutdown >/dev/null 2>&1
  for t in $(seq 600); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    problem mariadb "server did not exit within 60 s of shutdown under $CUR_MODE"
    kill -KILL -- "-$SERVER_PID" 2>/dev/null
  fi
  wait "$SERVER_PID"; st=$?
  SERVER_PID=
  check_status mariadbd "$st"
  rm -rf "$dd"
  [ -z "$tps" ] || record mariadb "$CUR_MODE" "$tps"
}

run_canary() {
  launch "$WORK/canary.out" "$(err_file run)" "$CANARY"
  check_status canary $?
  record canary "$CUR_MODE" "$ELAPSED"
}

# ---- what each program needs, and its table rows ----
tools_of() {
  case $1 in
    memcached) echo "memcached memcaslap python3" ;;
    rocksdb) echo db_bench ;;
    sysbench) echo sysbench ;;
    stress-ng) echo stress-ng ;;
    pigz) echo "pigz python3" ;;
    xz) echo "xz python3" ;;
    zstd) echo "zstd python3" ;;
    mariadb) echo "mariadb-install-db mariadbd mariadb mariadb-admin sysbench python3" ;;
    canary) echo "$CANARY" ;;
  esac
}
# row: key|program|metric|better (higher or lower)|target ratio (empty: none)|owning program
ROWS=(
  "memcached|memcached -t 4 (memcaslap -T 2 -c 32)|ops/s|higher|0.90|memcached"
  "rocksdb.fill|db_bench fillrandom --threads=4|ops/s|higher|0.90|rocksdb"
  "rocksdb.read|db_bench readrandom --threads=4|ops/s|higher|0.90|rocksdb"
  "sysbench|sysbench mutex --threads=4|wall s|lower||sysbench"
  "stress-ng|stress-ng --mutex 2 (forked, SCHED_FIFO)|bogo ops/s|higher||stress-ng"
  "pigz|pigz -p 2 (compress)|wall s|lower||pigz"
  "xz|xz -T2 -3 (compress)|wall s|lower||xz"
  "zstd|zstd -T2 (compress)|wall s|lower||zstd"
  "mariadb|mariadbd + sysbench oltp_read_write --threads=4 (socket)|tps|higher|0.90|mariadb"
  "canary|canary: $(basename "${CANARY:-none}")|wall s|lower||canary"
)

# scan_logs PROG: count reports and stray messages in the logs of PROG's shim runs.
scan_logs() {
  local prog=$1 f banners=0 json
  shopt -s nullglob
  for f in "$LOGDIR/$prog".r*; do
    banners=$((banners + $(grep -c '^ulockdep: .* initialized for pid' "$f")))
    json=$(grep -c '^{"kind":' "$f")
    REPORTS[$prog]=$((${REPORTS[$prog]:-0} + json))
    [ "$json" = 0 ] || [ -n "${FIRST_LOG[$prog]:-}" ] || FIRST_LOG[$prog]=$f
    KINDS[$prog]+=" $(sed -n 's/^{"kind":"\([a-z_]*\)".*/\1/p' "$f" | tr '\n' ' ')"
    local c
    c=$(sed -n 's/^ulockdep: pid [0-9]*: .* \([0-9][0-9]*\) classes.*/\1/p' "$f" | sort -g | tail -1)
    [ -z "$c" ] || [ "$c" -le "${TRACED[$prog]:-0}" ] || TRACED[$prog]=$c
    local stray
    stray=$(grep '^ulockdep:' "$f" | grep -Ev 'initialized for pid|^ulockdep: pid [0-9]+: [0-9]+ reports?;' | head -3)
    [ -z "$stray" ] || problem "$prog" "ulockdep message in $(basename "$f"): ${stray//$'\n'/ | }"
  done
  shopt -u nullglob
  [ "$banners" -gt 0 ] || problem "$prog" "no ulockdep banner in the logs: the shim was not loaded"
  local e stray
  for e in "$WORK/$prog".r*.shim.*.err; do
    [ -e "$e" ] || continue
    stray=$(grep '^ulockdep:' "$e" | head -3)
    [ -z "$stray" ] || problem "$prog" "ulockdep message on stderr of $(basename "$e"): ${stray//$'\n'/ | }"
  done
  [ "${REPORTS[$prog]:-0}" = 0 ] ||
    problem "$prog" "${REPORTS[$prog]} report(s) under the shim"
}

# ---- run ----
echo "real-programs: mode $MODE, $REPS repetition(s), shim $SHIM"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); load at start:$(uptime | sed 's/.*load average://')"
START=$(now_ns)
RAN=0
for prog in "${PROGRAMS[@]}"; do
  missing=()
  for tool in $(tools_of "$prog"); do have "$tool" || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then
    SKIPPED[$prog]="missing ${missing[*]}"
    echo "$prog: skipped (missing ${missing[*]}; scripts/install-deps.sh installs them)"
    continue
  fi
  RAN=$((RAN + 1))
  CUR_PROG=$prog
  t0=$(now_ns)
  for rep in $(seq "$REPS"); do
    CUR_REP=$rep
    # Side by side, the order flipped every repetition so drift in the machine's load cancels.
    if [ $((rep % 2)) = 1 ]; then order=(native shim); else order=(shim native); fi
    for mode in "${order[@]}"; do
      set_mode "$mode"
      "run_${prog//-/_}"
    done
  done
  scan_logs "$prog"
  # The program's own output must not change under the shim.
  for key in "${!OUTPUTS[@]}"; do
    [[ $key == "$prog|"*"|native" ]] || continue
    other=${key%|native}\|shim
    [ "${OUTPUTS[$key]}" = "${OUTPUTS[$other]:-}" ] ||
      problem "$prog" "output '${key#*|}' differs: native ${OUTPUTS[$key]:0:16}, shim ${OUTPUTS[$other]:-none}"
  done
  echo "$prog: done in $(secs_since "$t0") s${PROBLEMS[$prog]:+ -- FAILED: ${PROBLEMS[$prog]}}"
done

# ---- table ----
fmt() { awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else if (v >= 1000) printf "%.0f", v; else printf "%.3g", v }'; }
echo
echo "| program | metric | native | shim | ratio | target | met? | reports |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
FAILED=0
MISSED=()
for row in "${ROWS[@]}"; do
  IFS='|' read -r key label metric better target prog <<<"$row"
  [[ " ${PROGRAMS[*]} " == *" $prog "* ]] || continue
  if [ -n "${SKIPPED[$prog]:-}" ]; then
    echo "| $label | $metric | - | - | - | - | skipped (${SKIPPED[$prog]}) | - |"
    continue
  fi
  # shellcheck disable=SC2086
  n=$(median ${VALUES["$key|native"]:-}); s=$(median ${VALUES["$key|shim"]:-})
  ratio=-
  if [ "$n" != - ] && [ "$s" != - ]; then
    if [ "$better" = higher ]; then ratio=$(awk -v a="$s" -v b="$n" 'BEGIN { printf "%.2f", a / b }')
    else ratio=$(awk -v a="$n" -v b="$s" 'BEGIN { printf "%.2f", a / b }'); fi
  fi
  kinds=$(printf '%s\n' ${KINDS[$prog]:-} | grep . | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')
  reports=${REPORTS[$prog]:-0}${kinds:+ ($kinds)}
  case $prog in
    pigz|xz|zstd) tgt="identical output, no report" ;;
    rocksdb) tgt="same keys found, no report" ;;
    mariadb) tgt="install, same SQL results, clean shutdown, no report" ;;
    *) tgt="no report, no hang" ;;
  esac
  met=yes
  if [ -n "${PROBLEMS[$prog]:-}" ]; then
    met="NO (see below)"; FAILED=1
  elif [ -n "$target" ]; then
    if [ $MODE = full ]; then
      if awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r != "-" && r >= t) }'; then met=yes
      else met="NO (ratio)"; MISSED+=("$label: ratio $ratio < $target"); fi
    else
      met="yes (ratio not judged in --quick)"
    fi
  fi
  [ -z "$target" ] || tgt=">= $target of native, $tgt"
  echo "| $label | $metric | $(fmt "$n") | $(fmt "$s") | $ratio | $tgt | $met | $reports |"
done
echo
echo "ratio: shim speed / native speed (ops/s shim / ops/s native, or wall native / wall shim);"
echo "native and shim: medians over $REPS repetition(s). Traced lock classes (largest process):$(
  for p in "${PROGRAMS[@]}"; do [ -z "${TRACED[$p]:-}" ] || printf ' %s %s;' "$p" "${TRACED[$p]}"; done)"
echo "total $(secs_since "$START") s; load at end:$(uptime | sed 's/.*load average://')"
for prog in "${PROGRAMS[@]}"; do
  [ -z "${PROBLEMS[$prog]:-}" ] || echo "FAILED $prog: ${PROBLEMS[$prog]}"
  if [ -n "${FIRST_LOG[$prog]:-}" ]; then
    # The evidence: the first text report of that program (without the JSON lines).
    echo "---- first report of $prog ($(basename "${FIRST_LOG[$prog]}")) ----"
    grep -v '^{"kind":' "${FIRST_LOG[$prog]}" | head -80
    echo "----"
  fi
done
[ ${#MISSED[@]} = 0 ] || printf 'target missed: %s\n' "${MISSED[@]}"
[ $FAILED = 0 ] || exit 1
[ $RAN -gt 0 ] || exit 77
exit 0
