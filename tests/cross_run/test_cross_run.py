#!/usr/bin/env python3
"""Cross-run lock graphs end to end: real runs of cross_order under the shim with graph_dir,
then `ulockdep merge` and `ulockdep stress`.

usage: test_cross_run.py --ulockdep PATH --prog PATH CASE
Each CASE is one ctest test (cross_run.CASE)."""
import argparse
import glob
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report_kinds import TITLES  # noqa: E402  (common/report_kinds.def)

TITLE = TITLES["circular"]


class Failure(Exception):
    pass


def check(cond, what, *context):
    if not cond:
        raise Failure(what + ("\n" + "\n".join(str(c) for c in context) if context else ""))


class Env:
    def __init__(self, ulockdep, prog, tmp):
        self.ulockdep = ulockdep
        self.prog = prog
        self.tmp = tmp
        self.graph = os.path.join(tmp, "graph")
        self.db = os.path.join(tmp, "graph.db")
        self.env = {k: v for k, v in os.environ.items() if k not in ("ULOCKDEP_OPTIONS", "LD_PRELOAD")}

    def run(self, *args, graph=None, expect=0):
        """One traced run of cross_order; returns (pid, stdout, stderr)."""
        cmd = [self.ulockdep, "run", "--graph_dir=" + (graph or self.graph), "--", self.prog, *args]
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=60)
        check(p.returncode == expect, f"{' '.join(args)}: exit {p.returncode}, wanted {expect}", p.stdout, p.stderr)
        return p

    def clean_run(self, *args, graph=None):
        before = set(glob.glob(os.path.join(graph or self.graph, "*.ulg")))
        p = self.run(*args, graph=graph)
        check("WARNING" not in p.stderr, f"{' '.join(args)} alone must be clean", p.stderr)
        new = set(glob.glob(os.path.join(graph or self.graph, "*.ulg"))) - before
        check(len(new) == 1, f"{' '.join(args)}: wanted one new graph file, got {sorted(new)}")
        pid = int(re.search(r"-(\d+)-[0-9a-f]{16}\.ulg$", new.pop()).group(1))
        return pid

    def merge(self, *inputs, fmt="text", expect=None, db=None):
        cmd = [self.ulockdep, "merge", "--db", db or self.db]
        if fmt == "json":
            cmd.append("--format=json")
        cmd += list(inputs or [self.graph])
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=300)
        if expect is not None:
            check(p.returncode == expect, f"merge: exit {p.returncode}, wanted {expect}", p.stdout, p.stderr)
        return p

    def stress(self, *args, expect=None):
        cmd = [self.ulockdep, "stress", *args]
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=300)
        if expect is not None:
            check(p.returncode == expect, f"stress: exit {p.returncode}, wanted {expect}", p.stdout, p.stderr)
        return p


def json_reports(out):
    reps = [json.loads(l) for l in out.splitlines() if l.strip()]
    for r in reps:
        check(r["kind"] == "circular" and r["cross_run"] is True, "JSON report kind", r)
    return reps


def db_counts(path):
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("runs", "classes", "edges", "edge_runs", "stacks", "frames")}
    finally:
        con.close()


def one_cross_report(env, pids, locks):
    """Merges and checks there is exactly one cross-run report over `locks` naming `pids`."""
    p = env.merge(expect=1)
    check(p.stdout.count(TITLE) == 1, "wanted exactly one circular report", p.stdout, p.stderr)
    for name in locks:
        check(f"({name})" in p.stdout, f"lock {name} not named", p.stdout)
    for pid in pids:
        check(f"recorded by pid {pid} " in p.stdout, f"run {pid} not named in a -> #N entry", p.stdout)
    check("the existing dependency chain (in reverse order) is:" in p.stdout and "*** DEADLOCK ***" in p.stdout,
          "kernel layout", p.stdout)
    j = env.merge(fmt="json", expect=1)
    reps = json_reports(j.stdout)
    check(len(reps) == 1, "wanted one JSON report", j.stdout)
    r = reps[0]
    check(sorted(l["name"] for l in r["locks"]) == sorted(locks), "JSON locks", r["locks"])
    check(len(r["cycle"]) == len(locks), "JSON cycle length", r["cycle"])
    check(sorted({e["run"]["pid"] for e in r["cycle"]}) == sorted(pids), "JSON runs of the edges", r["cycle"])
    for e in r["cycle"]:
        check(e["stack"] and e["stack"][0]["function"] == "take", "edge stack", e)
        check(e["run"]["command"].startswith(env.prog), "run command", e["run"])
        check(e["run"]["host"], "run host", e["run"])
    check(r["text"].count(TITLE) == 1, "JSON text field", r)
    return p


# ---- cases ------------------------------------------------------------------------------------

def case_opposite_orders(env):
    a = env.clean_run("ab")
    b = env.clean_run("ba")
    one_cross_report(env, [a, b], ["lock_a", "lock_b"])


def case_merge_twice(env):
    a = env.clean_run("ab")
    b = env.clean_run("ba")
    first = env.merge(expect=1)
    counts = db_counts(env.db)
    check(counts["runs"] == 2 and counts["classes"] == 2 and counts["edges"] == 2, "db counts", counts)
    second = env.merge(expect=1)
    check(db_counts(env.db) == counts, "the second merge added something", counts, db_counts(env.db))
    check(first.stdout == second.stdout, "the second merge reports differently", first.stdout, second.stdout)
    check("0 new graph files, 2 merged before" in second.stderr, "second merge summary", second.stderr)
    # The same files copied elsewhere (another machine's copy) are recognised by content.
    copy = os.path.join(env.tmp, "copy")
    shutil.copytree(env.graph, copy)
    third = env.merge(copy, expect=1)
    check(db_counts(env.db) == counts and "0 new graph files, 2 merged before" in third.stderr, "copies", third.stderr)
    check(f"recorded by pid {a} " in third.stdout and f"recorded by pid {b} " in third.stdout, "pids", third.stdout)


def case_incremental(env):
    env.clean_run("ab")
    p = env.merge(expect=0)
    check("1 new graph file," in p.stderr and TITLE not in p.stdout, "first merge", p.stderr, p.stdout)
    env.clean_run("ba")
    p = env.merge(expect=1)
    check("1 new graph file, 1 merged before" in p.stderr, "second merge takes only the new file", p.stderr)
    check(p.stdout.count(TITLE) == 1, "one report", p.stdout)


def case_truncated_file(env):
    env.clean_run("ab")
    b = env.clean_run("ba")
    victim = [f for f in glob.glob(os.path.join(env.graph, "*.ulg")) if f"-{b}-" in f][0]
    data = open(victim, "rb").read()
    cut = data.index(b"\ne\t") + 5   # in the middle of the dependency record
    open(victim, "wb").write(data[:cut])
    nlines = data[:cut].count(b"\n") + 1
    p = env.merge(expect=2)  # a bad input is an error even beside good ones
    check(f"{victim}:{nlines}:" in p.stderr and "file skipped" in p.stderr, "warning naming file and line", p.stderr)
    check(TITLE not in p.stdout, "a skipped file contributes nothing", p.stdout)
    check(db_counts(env.db)["runs"] == 1, "only the good file is merged", db_counts(env.db))
    # A file with no end record (cut at a line boundary) is skipped too.
    open(victim, "wb").write(data[:data.index(b"\nend\t") + 1])
    p = env.merge(expect=2)
    check(f"{victim}:" in p.stderr and "no end record" in p.stderr, "missing end record", p.stderr)
    # Once the file is whole again, the next merge takes it.
    open(victim, "wb").write(data)
    p = env.merge(expect=1)
    check("1 new graph file, 1 merged before, 0 skipped" in p.stderr, "repaired file merged", p.stderr)
    check(f"recorded by pid {b} " in p.stdout, "report names the repaired run", p.stdout)


def case_single_run_cycle(env):
    p = env.run("ab", "ba", expect=66)
    check(p.stderr.count(TITLE) == 1, "the run itself reports its cycle", p.stderr)
    env.clean_run("ab")
    p = env.merge(expect=0)
    check(TITLE not in p.stdout, "a cycle one run saw is not reported again", p.stdout)
    check("0 cross-run cycles" in p.stderr, "summary", p.stderr)


def case_same_order(env):
    env.clean_run("ab")
    env.clean_run("ab")
    env.clean_run("bc")
    p = env.merge(expect=0)
    check(TITLE not in p.stdout, "no cycle", p.stdout)


def case_three_runs(env):
    pids = [env.clean_run("ab"), env.clean_run("bc"), env.clean_run("ca")]
    p = one_cross_report(env, pids, ["lock_a", "lock_b", "lock_c"])
    check("Chain exists of:" in p.stdout and "3 runs" in p.stdout, "three-lock layout", p.stdout)


def case_fork_child(env):
    p = env.run("fork", "ab")
    child = int(re.search(r"child (\d+)", p.stdout).group(1))
    files = glob.glob(os.path.join(env.graph, "*.ulg"))
    check(len(files) == 1 and f"-{child}-" in files[0],
          "the forked child (which left with _exit) writes its own file; the parent learned nothing", files)
    b = env.clean_run("ba")
    one_cross_report(env, [child, b], ["lock_a", "lock_b"])


def case_underscore_exit(env):
    a = env.clean_run("_Exit", "ab")
    b = env.clean_run("ba")
    one_cross_report(env, [a, b], ["lock_a", "lock_b"])


def case_watchdog_exit(env):
    """A run ended by the hang watchdog (deadlock report, then exit) still writes its graph
    file: its lock_a -> lock_b closes a cycle with two other runs."""
    cmd = [env.ulockdep, "run", "--graph_dir=" + env.graph, "--deadlock_timeout=1", "--", env.prog, "deadlock"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env.env, timeout=60)
    check(p.returncode == 66 and TITLES["deadlock"] in p.stderr, "the watchdog ended the run with 66",
          p.returncode, p.stderr)
    files = glob.glob(os.path.join(env.graph, "*.ulg"))
    check(len(files) == 1, "the watchdog's exit wrote the run's graph file", files)
    dl = int(re.search(r"-(\d+)-[0-9a-f]{16}\.ulg$", files[0]).group(1))
    b = env.clean_run("bc")
    c = env.clean_run("ca")
    one_cross_report(env, [dl, b, c], ["lock_a", "lock_b", "lock_c"])


def case_watchdog_latency(env):
    """The deadlock report comes within about deadlock_timeout + 1 s of the hang (the threads
    deadlock a few milliseconds after the start), never before the timeout."""
    import time
    cmd = [env.ulockdep, "run", "--deadlock_timeout=6", "--", env.prog, "deadlock"]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env.env, timeout=60)
    took = time.monotonic() - t0
    check(p.returncode == 66 and TITLES["deadlock"] in p.stderr, "the watchdog ended the run", p.stderr)
    # Only the lower bound is asserted: how soon after the timeout the report comes depends on
    # the machine's load (about 0.4 s on a quiet one; docs/watchdog.md), and timing
    # assertions do not belong in tests.
    check(took >= 6.0, f"reported {took:.2f}s after the start: before deadlock_timeout (6)")


def case_recursive_readers(env):
    # rdlock(rw_r) then lock(lock_m) in one run, lock(lock_m) then rdlock(rw_r) in another:
    # readers of a reader-preferring rwlock are recursive, so this cannot deadlock.
    env.clean_run("rm")
    env.clean_run("mr")
    p = env.merge(expect=0)
    check(TITLE not in p.stdout, "recursive readers make no cycle", p.stdout)
    # The same with the rwlock taken as a writer on one side is a deadlock.
    env.clean_run("wm")
    p = env.merge(expect=1)
    check(p.stdout.count(TITLE) == 1 and "(rw_r)" in p.stdout and "(lock_m)" in p.stdout, "writer cycle", p.stdout)


def case_heap_locks(env):
    # Locks classed by their init stack (build-id + offset of each class_depth frame): the
    # identities must match across runs for the cycle to be found.
    a = env.clean_run("xy")
    b = env.clean_run("yx")
    p = env.merge(expect=1)
    check(p.stdout.count(TITLE) == 1, "one report", p.stdout)
    names = set(re.findall(r"^-> #\d \((new_lock@cross_order\.c:\d+ <- main@cross_order\.c:\d+)\)", p.stdout, re.M))
    check(len(names) == 2, "both init-stack classes named, each by the caller that tells it apart", p.stdout)
    check(f"recorded by pid {a} " in p.stdout and f"recorded by pid {b} " in p.stdout, "pids", p.stdout)
    con = sqlite3.connect(env.db)
    idents = [r[0] for r in con.execute("SELECT ident FROM classes")]
    con.close()
    check(len(idents) == 2 and all(re.fullmatch(r"init:mutex:[0-9a-f]+\+0x[0-9a-f]+,[0-9a-f]+\+0x[0-9a-f]+", i)
                                   for i in idents), "identities: build-id+offset of two frames", idents)


def case_bad_graph_files(env):
    """Graph files that cannot be used (empty, another format version, binary garbage, an
    unknown record) are skipped with a warning naming the file (and line), the good ones are
    merged; an empty directory merges nothing; a --db that is not an SQLite database is
    refused and left as it was."""
    a = env.clean_run("ab")
    b = env.clean_run("ba")
    good = sorted(glob.glob(os.path.join(env.graph, "*.ulg")))
    text = open(good[0], "rb").read()
    bad = {name: os.path.join(env.graph, name) for name in ("empty.ulg", "v2.ulg", "corrupt.ulg", "junk.ulg")}
    open(bad["empty.ulg"], "wb").close()
    first, rest = text.split(b"\n", 1)
    check(first == b"ulockdep-graph\t1", "format version 1 is what runs write", first)
    open(bad["v2.ulg"], "wb").write(b"ulockdep-graph\t2\n" + rest)
    open(bad["corrupt.ulg"], "wb").write(bytes((i * 151 + 7) % 256 for i in range(3000)))
    open(bad["junk.ulg"], "wb").write(b"ulockdep-graph\t1\nh\tpid\t12\nzzz\n")
    p = env.merge(expect=2)  # the cycle is still printed; the bad files make it an error
    warn = [l for l in p.stderr.splitlines() if l.startswith("ulockdep: warning:")]
    check(len(warn) == 4, "one warning per bad file", p.stderr)
    for name, where, phrase in (("empty.ulg", ":1:", "empty file"), ("v2.ulg", ":1:", "graph format version 2"),
                                ("corrupt.ulg", ":", "not a graph file"), ("junk.ulg", ":3:", "'zzz'")):
        check(any(bad[name] + where in w and phrase in w and w.endswith("file skipped") for w in warn),
              f"{name}: the warning names the file and says {phrase}", p.stderr)
    check("2 new graph files, 0 merged before, 4 skipped" in p.stderr, "summary", p.stderr)
    check(p.stdout.count(TITLE) == 1 and f"recorded by pid {a} " in p.stdout and f"recorded by pid {b} " in p.stdout,
          "the good files still give their cycle", p.stdout)
    check(db_counts(env.db)["runs"] == 2, "only the good files are runs", db_counts(env.db))

    only_bad = os.path.join(env.tmp, "only-bad")
    os.makedirs(only_bad)
    for path in bad.values():
        shutil.copy(path, only_bad)
    p = env.merge(only_bad, db=os.path.join(env.tmp, "only-bad.db"), expect=2)
    check("0 new graph files, 0 merged before, 4 skipped" in p.stderr and TITLE not in p.stdout, "only bad files",
          p.stderr, p.stdout)
    empty_dir = os.path.join(env.tmp, "empty-dir")
    os.makedirs(empty_dir)
    p = env.merge(empty_dir, db=os.path.join(env.tmp, "empty.db"), expect=0)
    check("0 new graph files, 0 merged before, 0 skipped" in p.stderr and not p.stdout, "an empty directory",
          p.stderr, p.stdout)

    not_db = os.path.join(env.tmp, "notes.txt")
    open(not_db, "w").write("this is not a database\n")
    p = env.merge(db=not_db, expect=2)
    check(f"{not_db}: file is not a database" in p.stderr and TITLE not in p.stdout, "a --db that is not a database",
          p.stderr)
    check(open(not_db).read() == "this is not a database\n", "the file given as --db is left as it was")


def case_cli_errors(env):
    p = subprocess.run([env.ulockdep, "merge", env.graph], capture_output=True, text=True, env=env.env)
    check(p.returncode == 2 and "--db" in p.stderr, "merge without --db", p.stderr)
    p = env.merge(os.path.join(env.tmp, "does-not-exist"))
    check(p.returncode == 2 and "does-not-exist" in p.stderr, "missing input", p.stderr)
    p = env.stress("--", env.prog, "ab")
    check(p.returncode == 2 and "-n" in p.stderr, "stress without -n", p.stderr)
    p = env.stress("-n", "x", "--", env.prog, "ab")
    check(p.returncode == 2, "stress with a bad -n", p.stderr)


def case_suppress_cross_run(env):
    """--suppressions FILE hides cross-run cycles in merge, stress and report with the shim's
    matcher: deadlock: rules on any frame or lock name, lock: rules on lock names."""
    env.clean_run("ab")
    env.clean_run("ba")

    def supp(name, *lines):
        path = os.path.join(env.tmp, name)
        with open(path, "w") as f:
            f.write("# test\n" + "\n".join(lines) + "\n")
        return path

    miss = supp("miss.supp", "deadlock:no_such_function", "lock:no_such_lock")
    p = env.merge("--suppressions", miss, env.graph, expect=1)
    check(p.stdout.count(TITLE) == 1 and "suppressions used" not in p.stderr, "rules that match nothing hide nothing",
          p.stdout, p.stderr)
    by_fn = supp("fn.supp", "deadlock:no_such_function", "deadlock:take_in_order")
    p = env.merge("--suppressions", by_fn, env.graph, expect=0)
    check(TITLE not in p.stdout and "ulockdep merge: 0 cross-run cycles (others suppressed)" in p.stderr,
          "deadlock:FUNCTION (a frame of a dependency's stack) hides the cycle", p.stdout, p.stderr)
    check("ulockdep merge: suppressions used:\n  1 deadlock:take_in_order\n" in p.stderr, "used rules listed",
          p.stderr)
    by_file = supp("file.supp", "deadlock:cross_order.c")
    env.merge("--suppressions=" + by_file, env.graph, expect=0)
    by_lock = supp("lock.supp", "lock:lock_?")
    p = env.merge("--format=json", "--suppressions", by_lock, env.graph, expect=0)
    check(p.stdout == "" and "  1 lock:lock_?" in p.stderr, "lock:PATTERN on a lock name hides it (JSON too)",
          p.stdout, p.stderr)
    p = env.merge("--suppressions", os.path.join(env.tmp, "none.supp"), env.graph, expect=2)
    check("cannot read suppressions file" in p.stderr, "an unreadable file is an error", p.stderr)

    # report reads merge's JSON lines: the same rules hide them there.
    j = env.merge("--format=json", env.graph, expect=1).stdout
    cross = os.path.join(env.tmp, "cross.json")
    with open(cross, "w") as f:
        f.write(j)
    p = subprocess.run([env.ulockdep, "report", "--suppressions", by_fn, cross], capture_output=True, text=True,
                       env=env.env, timeout=60)
    check(p.returncode == 0 and "ulockdep report: no problems (1 file read; 1 report suppressed)" in p.stdout
          and "ulockdep report: suppressions used:\n  1 deadlock:take_in_order\n" in p.stderr,
          "report --suppressions hides the cross-run cycle", p.returncode, p.stdout, p.stderr)
    p = subprocess.run([env.ulockdep, "report", "--suppressions", miss, cross], capture_output=True, text=True,
                       env=env.env, timeout=60)
    check(p.returncode == 1 and p.stdout.count(TITLE) == 1, "report: non-matching rules keep it", p.stdout)

    # stress: the runs' suppressions also hide the cycle their graphs make together.
    turn = os.path.join(env.tmp, "turn")
    p = env.stress("-n", "2", "--suppressions=" + by_fn, "--", env.prog, "turn", turn, expect=0)
    check("0 distinct reports, 0 cross-run cycles" in p.stdout and "lock cycles across runs" not in p.stdout,
          "stress --suppressions hides the cross-run cycle", p.stdout, p.stderr)


def case_stress_cross_run(env):
    turn = os.path.join(env.tmp, "turn")
    p = env.stress("-n", "4", "-j", "2", "--", env.prog, "turn", turn, expect=1)
    check(re.search(r"^\[4/4\] run \d+ \(pid \d+\): exit 0", p.stderr, re.M), "progress", p.stderr)
    check("0 distinct reports, 1 cross-run cycle" in p.stdout, "summary", p.stdout)
    check("=== lock cycles across runs" in p.stdout and p.stdout.count(TITLE) == 1, "cross-run section", p.stdout)


def case_stress_tty(env):
    """On a terminal, stress rewrites one status line (done/total, runs with reports, failures,
    timeouts, ETA) and keeps a line only for the runs with something to say; elsewhere one
    plain line per run, with the ETA."""
    import pty
    master, slave = pty.openpty()
    p = subprocess.run([env.ulockdep, "stress", "-n", "4", "-j", "2", "--", env.prog, "ab", "ba"],
                       stdout=subprocess.PIPE, stderr=slave, env=env.env, timeout=300)
    os.close(slave)
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    text = err.decode(errors="replace")
    check(p.returncode == 1, "stress on a terminal: exit 1 (reports)", text)
    status = re.findall(r"\r\x1b\[K\[(\d)/4\] (\d) with reports, 0 failed, 0 timed out; ETA \d+s", text)
    check([d for d, _ in status] == ["1", "2", "3", "4"], "one status line per finished run, rewritten in place", text)
    check(text.endswith("[4/4] 4 with reports, 0 failed, 0 timed out; ETA 0s\r\n"), "the last one ends the line",
          repr(text[-200:]))
    kept = re.findall(r"\r\x1b\[K\[\d/4\] run \d \(pid \d+\): exit 66 \(reports\), 1 report, [\d.]+s\r\n", text)
    check(len(kept) == 4, "the runs with reports keep a line each", text)
    p = env.stress("-n", "2", "--", env.prog, "ab", expect=0)
    check(len(re.findall(r"^\[\d/2\] run \d \(pid \d+\): exit 0, 0 reports, [\d.]+s; ETA \d+s$", p.stderr, re.M)) == 2,
          "not a terminal: one plain line per run, with the ETA", p.stderr)


def case_stress_dedup(env):
    p = env.stress("-n", "3", "-j", "2", "--", env.prog, "ab", "ba", expect=1)
    check(p.stdout.count(TITLE) == 1, "one de-duplicated report", p.stdout)
    check("report 1 of 1: circular, seen 3 times in 3 of 3 runs" in p.stdout, "count", p.stdout)
    check("lock cycles across runs" not in p.stdout, "nothing cross-run: each run saw the cycle", p.stdout)
    check("1 distinct report, 0 cross-run cycles" in p.stdout, "summary", p.stdout)


def case_stress_clean(env):
    keep = os.path.join(env.tmp, "kept")
    p = env.stress("-n", "3", "--keep", keep, "--", env.prog, "ab", expect=0)
    check("passed" in p.stdout and "3 clean" in p.stdout, "clean summary", p.stdout)
    check(len(glob.glob(os.path.join(keep, "graph", "*.ulg"))) == 3, "kept graphs", os.listdir(keep))
    check(os.path.exists(os.path.join(keep, "graph.db")), "kept database")
    p = env.stress("-n", "1", "--keep", keep, "--", env.prog, "ab")
    check(p.returncode == 2 and "not empty" in p.stderr, "--keep refuses a used directory", p.stderr)


def case_stress_timeout(env):
    p = env.stress("-n", "2", "-j", "2", "--timeout", "1", "--", env.prog, "sleep", "60", expect=3)
    check("TIMED OUT" in p.stderr, "progress names the timeout", p.stderr)
    check("runs that timed out" in p.stdout and "2 runs timed out" in p.stdout, "summary names the timeouts", p.stdout)


def case_stress_deadlock(env):
    """A program that really deadlocks: stress turns the hang watchdog on by default (as
    `ulockdep run` does; half of a short --timeout), so each run ends with a deadlock report
    instead of being killed at --timeout."""
    p = env.stress("-n", "2", "-j", "2", "--timeout", "30", "--", env.prog, "deadlock", expect=1)
    check("deadlock_timeout 10s (default)" in p.stderr, "the banner names the watchdog's default", p.stderr)
    check(len(re.findall(r"^\[\d/2\] run \d \(pid \d+\): exit 66 \(reports\), 2 reports", p.stderr, re.M)) == 2,
          "each run ends with exit 66 and two reports (circular, deadlock), not a timeout", p.stderr)
    check("report 1 of 2: circular, seen 2 times in 2 of 2 runs" in p.stdout
          and "report 2 of 2: deadlock, seen 2 times in 2 of 2 runs" in p.stdout
          and p.stdout.count(TITLES["deadlock"]) == 1, "one deadlock report, seen in both runs", p.stdout)
    check("2 with reports, 0 timed out, 0 failed" in p.stdout, "no run timed out", p.stdout)

    # deadlock_timeout=0 turns it off: the runs hang until --timeout kills them, and what
    # they reported before (lockdep's circular report) still counts.
    p = env.stress("-n", "1", "--timeout", "2", "--deadlock_timeout=0", "--", env.prog, "deadlock", expect=1)
    check("hang watchdog off" in p.stderr and "TIMED OUT" in p.stderr, "watchdog off: the run is killed", p.stderr)
    check("report 1 of 1: circular, seen 1 time in 1 of 1 runs" in p.stdout and "runs that timed out (killed after the --timeout): 1" in p.stdout
          and "deadlock detected" not in p.stdout, "the killed run's circular report is reported", p.stdout)


def case_stress_timeout_term(env):
    """--timeout sends SIGTERM first: a program that handles it exits normally (its graph file
    is written); one that ignores it gets SIGKILL two seconds later."""
    import time
    keep = os.path.join(env.tmp, "kept")
    p = env.stress("-n", "1", "--timeout", "1", "--keep", keep, "--", env.prog, "term", "ab", expect=3)
    check("TIMED OUT" in p.stderr and "1 run timed out" in p.stdout, "the run timed out", p.stderr, p.stdout)
    check(len(glob.glob(os.path.join(keep, "graph", "*.ulg"))) == 1,
          "the run exited on SIGTERM and wrote its graph file", os.listdir(os.path.join(keep, "graph")))
    t0 = time.monotonic()
    p = env.stress("-n", "1", "--timeout", "1", "--", "sh", "-c", "trap '' TERM; sleep 60", expect=3)
    took = time.monotonic() - t0
    # 2 s of grace after SIGTERM, then SIGKILL: well before the 60 s the program would sleep.
    check("TIMED OUT" in p.stderr and 2.5 < took < 50, f"SIGTERM ignored: killed 2 s later (took {took:.1f}s)",
          p.stderr)


def case_stress_lock_stat(env):
    """With lock_stat=1 every run's log ends with a lock_stat JSON line: statistics, not a
    report, so a clean program still passes."""
    keep = os.path.join(env.tmp, "kept")
    p = env.stress("-n", "2", "--lock_stat=1", "--keep", keep, "--", env.prog, "ab", expect=0)
    check("passed" in p.stdout and "2 clean" in p.stdout and "0 distinct reports" in p.stdout, "clean", p.stdout)
    stat = [l for f in glob.glob(os.path.join(keep, "logs", "*")) for l in open(f) if '"kind":"lock_stat"' in l]
    check(len(stat) == 2, "each run wrote its lock_stat line", stat)


def case_stress_failed_run(env):
    p = env.stress("-n", "2", "--", env.prog, "q", expect=4)
    check("runs that failed: 1, 2" in p.stdout and "unknown lock" in p.stdout, "failed runs and their output", p.stdout)


def make_graphs(env, dest, *args):
    gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "make_graphs.py")
    subprocess.run([sys.executable, gen, dest, *args], check=True, timeout=600)


def case_interrupted_merge(env):
    """A merge killed part-way leaves a consistent database; the next merge completes it and
    gives what one uninterrupted merge gives."""
    src = os.path.join(env.tmp, "synthetic")
    make_graphs(env, src, "--files", "20", "--classes", "300", "--edges", "1500", "--cycle")
    import signal
    import time
    for delay in (0.1, 0.4):
        db = os.path.join(env.tmp, f"killed-{delay}.db")
        p = subprocess.Popen([env.ulockdep, "merge", "--db", db, src], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env.env)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        if os.path.exists(db):
            con = sqlite3.connect(db)
            check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity after a kill")
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            # Killed before the schema's transaction committed: an empty database, which is consistent.
            if "runs" in tables:
                runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
                orphans = con.execute("SELECT count(*) FROM edge_runs WHERE run NOT IN (SELECT id FROM runs)").fetchone()[0]
            else:
                check(not tables, "a partial schema after a kill", tables)
                runs = orphans = 0
            con.close()
            check(orphans == 0, "dependencies of a run that is not recorded", runs, orphans)
            print(f"killed after {delay}s: {runs} of 20 files were merged")
        again = env.merge(src, db=db, expect=1)
        whole = env.merge(src, db=os.path.join(env.tmp, f"whole-{delay}.db"), expect=1)
        check(db_counts(db) == db_counts(os.path.join(env.tmp, f"whole-{delay}.db")), "counts differ",
              db_counts(db), again.stderr)
        check(again.stdout.replace(db, "DB") == whole.stdout.replace(os.path.join(env.tmp, f"whole-{delay}.db"), "DB"),
              "reports differ", again.stdout, whole.stdout)
        check(again.stdout.count(TITLE) == 1, "the planted cycle", again.stdout)


def case_scale(env):
    """A million recorded dependencies (10 runs of 100000): merged, then merged again
    (nothing new), with the one planted cross-run cycle reported."""
    src = os.path.join(env.tmp, "big")
    make_graphs(env, src, "--files", "10", "--classes", "50000", "--edges", "100000", "--cycle")
    p = env.merge(src, expect=1)
    check(p.stdout.count(TITLE) == 1, "one cycle", p.stdout[:2000])
    c = db_counts(env.db)
    check(c["runs"] == 10 and c["edge_runs"] == 10 * 100000 + 2, "counts", c)  # + the planted cycle
    p = env.merge(src, expect=1)
    check("0 new graph files, 10 merged before" in p.stderr and db_counts(env.db) == c, "second merge", p.stderr)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ulockdep", required=True)
    ap.add_argument("--prog", required=True)
    ap.add_argument("case", choices=sorted(CASES))
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ulockdep-cross-run-")
    try:
        CASES[a.case](Env(os.path.abspath(a.ulockdep), os.path.abspath(a.prog), tmp))
    except Failure as e:
        print(f"FAIL {a.case}: {e}", file=sys.stderr)
        print(f"(files kept in {tmp})", file=sys.stderr)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"ok {a.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
