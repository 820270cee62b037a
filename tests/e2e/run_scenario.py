#!/usr/bin/env python3
"""Run one e2e scenario program under the ulockdep shim and check its reports.

Usage: run_scenario.py --shim PATH/libulockdep.so --prog PATH/program --spec PATH/scenario.c
                       [--stress] [--keep] [--verbose]

The expectations are comment lines in the scenario source (anywhere in the file, usually the
header). Values are whitespace-separated; there are no trailing comments on directive lines.

  // EXPECT-EXIT: 66             exact exit status of the program (required unless EXPECT-NONE
                                 or EXPECT-HANG)
  // EXPECT-NONE                 no reports at all; exit status 0 unless EXPECT-EXIT says otherwise
  // EXPECT-REPORT: KIND NAME..  a report of KIND whose set of locks[*].name equals {NAME..}
                                 (order-insensitive, duplicates collapse). Repeated directives
                                 must be satisfied by distinct reports. NAME may be a glob (*, ?).
  // EXPECT-COUNT: KIND=N ..     exact number of reports of KIND. Kinds with neither a COUNT nor a
                                 REPORT directive must not appear; a kind with REPORT directives
                                 but no COUNT must appear exactly as many times as it has REPORTs.
  // EXPECT-CYCLE: NAME..        some circular report's cycle (cycle[].from, in dependency order)
                                 equals NAME.. up to rotation
  // EXPECT-CYCLE-LEN: N         every circular report's cycle has N steps
  // EXPECT-INSTANCE-LEVEL: B    every circular report has "instance_level": B (true/false)
  // EXPECT-LOCK-ADDRS: N        every report of the expected kinds names N distinct lock addresses
  // EXPECT-REPORTING-PROCESSES: N   exactly N distinct processes wrote reports
  // EXPECT-MAIN-REPORTS: N      the process started by the driver itself made exactly N reports
  // EXPECT-STDOUT: TEXT         the program's stdout contains TEXT
  // EXPECT-TEXT: TEXT           the text reports (all logs together) contain TEXT
  // EXPECT-LINES: TEXT          exact lines: EXPECT-LINES directives on adjacent lines of the
                                 scenario form one block, which must equal consecutive lines of
                                 one process's text reports. TEXT is everything after
                                 "EXPECT-LINES: " (leading spaces count, trailing ones do not);
                                 "*" matches any run of characters, nothing else is special.
                                 Separate two blocks with another line (e.g. a bare "//")
  // TIMEOUT: N                  kill the program (its whole process group) after N seconds;
                                 its exit status is then not checked
  // EXPECT-HANG                 the program must still be running when TIMEOUT expires
  // ENV: KEY=VALUE              extra environment; ULOCKDEP_OPTIONS values are appended to the
                                 driver's own options (format=text,json:log_path=...)
  // ARGS: ARG..                 program arguments
  // STRESS-ARGS: ARG..          with --stress, the arguments instead of ARGS (a stress-size run;
                                 tests/e2e/CMakeLists.txt registers e2e.stress.NAME, label stress)
  // STRESS-TIMEOUT: N           with --stress, TIMEOUT instead of TIMEOUT
  // EXPECT-LOCKSTAT: NAME F..   the lock_stat JSON line (lock_stat=1) lists the class NAME with
                                 each F true: FIELD=N, FIELD>=N or FIELD>N (acquisitions,
                                 contentions, wait_total_ns, wait_max_ns, hold_total_ns,
                                 hold_max_ns); when the log has text, the lock_stat table has
                                 a row for NAME with the same acquisitions and contentions
  // EXPECT-DEADLOCK-THREADS: NAME..  some deadlock report's threads[].name, as a set, equals
                                 NAME.. (globs allowed)
  // VIA-CLI                     run the program as `ulockdep run -- PROGRAM` (the ulockdep
                                 of the shim's build directory: <build>/cli/ulockdep)
  // SUPPRESSIONS: LINE          a line of a suppressions file written for the run (repeat the
                                 directive for more lines; an empty LINE is a blank line); the
                                 driver adds suppressions=<that file> to ULOCKDEP_OPTIONS
  // EXPECT-MESSAGE: TEXT        some line of the logs or of stderr, without its surrounding
                                 whitespace, is exactly TEXT (${SUPP} is the suppressions file's
                                 path). "ulockdep:" lines expected this way are allowed.

In names, ${FILE} is the scenario's file name and ${LINE:tag} the line number of the line of
the scenario that contains the marker "LINE:tag" (e.g. in a comment /* LINE:tag */).

The program runs with LD_PRELOAD=<shim> and ULOCKDEP_OPTIONS=format=text,json:log_path=<tmp>/log,
so every process that reports writes <tmp>/log.<pid> with the text splats and one JSON object per
line. Besides the expectations, every run checks: each JSON line parses and has the CONTRACT
fields; its pid is the log file's; the text part holds the kernel title of each report (as many
times as there are JSON reports of that kind) and, for circular reports, the kernel's phrases;
circular cycles are closed (cycle[i].to == cycle[i+1].from); no "ulockdep:" message lines appear
in the logs or on stderr (other than those an EXPECT-MESSAGE asks for).

Exit status: 0 all checks passed, 1 a check failed, 77 the scenario skipped itself (the program
exited 77 and 77 was not the expected status), 2 usage or spec error.
"""

import argparse
import collections
import fnmatch
import glob
import itertools
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report_kinds import TITLES  # noqa: E402  (common/report_kinds.def)

HELD_AT_EXIT_RE = r"WARNING: .+/\d+ still has locks held!"
CIRCULAR_PHRASES = [
    "is trying to acquire lock:",
    "but task is already holding lock:",
    "the existing dependency chain (in reverse order) is:",
    "-> #0",
    "Possible unsafe locking scenario:",
    "*** DEADLOCK ***",
    "stack backtrace:",
]
COMMON_PHRASES = ["stack backtrace:"]
DEFAULT_TIMEOUT = 30.0
SKIP = 77


class SpecError(Exception):
    pass


class Spec:
    def __init__(self):
        self.exit = None
        self.none = False
        self.reports = []            # [(kind, [names])]
        self.counts = {}             # kind -> n
        self.cycles = []             # [[names]]
        self.cycle_len = None
        self.instance_level = None
        self.lock_addrs = None
        self.processes = None
        self.main_reports = None
        self.stdout = []
        self.text = []
        self.timeout = None
        self.hang = False
        self.env = []                # [(key, value)]
        self.args = []
        self.stress_args = False     # STRESS-ARGS seen
        self.lockstats = []          # [(name, [(field, op, n)])]
        self.deadlock_threads = []   # [[names]]
        self.via_cli = False
        self.suppressions = None     # [lines] of a suppressions file, or None
        self.messages = []           # [text] of expected message lines
        self.line_blocks = []        # [[(source line no, pattern)]] of EXPECT-LINES blocks


def parse_spec(path, stress=False):
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    fname = os.path.basename(path)
    markers = {}
    for no, line in enumerate(lines, 1):
        for m in re.finditer(r"LINE:([A-Za-z0-9_]+)", line):
            if "${LINE:" + m.group(1) + "}" in line:
                continue
            if m.group(1) in markers:
                raise SpecError(f"marker LINE:{m.group(1)} appears twice (lines {markers[m.group(1)]} and {no})")
            markers[m.group(1)] = no

    def subst(s):
        s = s.replace("${FILE}", fname)

        def line_of(m):
            if m.group(1) not in markers:
                raise SpecError(f"no marker LINE:{m.group(1)} in {fname}")
            return str(markers[m.group(1)])
        return re.sub(r"\$\{LINE:([A-Za-z0-9_]+)\}", line_of, s)

    spec = Spec()
    seen = False
    last_lines_no = None
    for no, raw in enumerate(lines, 1):
        m = re.match(r"^\s*// EXPECT-LINES: (.*)$", raw)
        if m:
            seen = True
            pattern = subst(m.group(1).rstrip())
            if last_lines_no == no - 1:
                spec.line_blocks[-1].append((no, pattern))
            else:
                spec.line_blocks.append([(no, pattern)])
            last_lines_no = no
            continue
        if re.match(r"^\s*//\s*EXPECT-LINES\b", raw):
            raise SpecError(f"{fname}:{no}: {raw.strip()}: write it as '// EXPECT-LINES: TEXT'")
        m = re.match(r"^\s*//\s*(EXPECT-[A-Z-]+|STRESS-ARGS|STRESS-TIMEOUT|TIMEOUT|ENV|ARGS|SUPPRESSIONS|VIA-CLI)\b\s*(:?)\s*(.*?)\s*$", raw)
        if not m:
            continue
        key, colon, val = m.group(1), m.group(2), m.group(3)
        words = [subst(w) for w in val.split()]
        seen = True
        try:
            if key == "EXPECT-NONE":
                spec.none = True
            elif key == "VIA-CLI":
                if colon:
                    raise SpecError("VIA-CLI takes no value")
                spec.via_cli = True
            elif key == "EXPECT-HANG":
                spec.hang = True
            elif not colon:
                raise SpecError("missing ':'")
            elif key == "EXPECT-LOCKSTAT":
                if len(words) < 2:
                    raise SpecError("EXPECT-LOCKSTAT needs a class name and at least one FIELD=N")
                conds = []
                for w in words[1:]:
                    m2 = re.fullmatch(r"([a-z_]+)(>=|>|=)(\d+)", w)
                    if not m2:
                        raise SpecError(f"bad condition {w!r} (FIELD=N, FIELD>=N or FIELD>N)")
                    conds.append((m2.group(1), m2.group(2), int(m2.group(3))))
                spec.lockstats.append((words[0], conds))
            elif key == "EXPECT-DEADLOCK-THREADS":
                if not words:
                    raise SpecError("EXPECT-DEADLOCK-THREADS needs thread names")
                spec.deadlock_threads.append(words)
            elif key == "EXPECT-EXIT":
                spec.exit = int(val)
            elif key == "EXPECT-REPORT":
                words = [subst(w) for w in shlex.split(val)]  # a name with spaces is quoted
                if len(words) < 2:
                    raise SpecError("EXPECT-REPORT needs a kind and at least one lock name")
                spec.reports.append((words[0], words[1:]))
            elif key == "EXPECT-COUNT":
                for w in words:
                    k, _, n = w.partition("=")
                    spec.counts[k] = int(n)
            elif key == "EXPECT-CYCLE":
                spec.cycles.append(words)
            elif key == "EXPECT-CYCLE-LEN":
                spec.cycle_len = int(val)
            elif key == "EXPECT-INSTANCE-LEVEL":
                if val not in ("true", "false"):
                    raise SpecError("EXPECT-INSTANCE-LEVEL takes true or false")
                spec.instance_level = val == "true"
            elif key == "EXPECT-LOCK-ADDRS":
                spec.lock_addrs = int(val)
            elif key == "EXPECT-REPORTING-PROCESSES":
                spec.processes = int(val)
            elif key == "EXPECT-MAIN-REPORTS":
                spec.main_reports = int(val)
            elif key == "EXPECT-STDOUT":
                spec.stdout.append(subst(val))
            elif key == "EXPECT-TEXT":
                spec.text.append(subst(val))
            elif key == "TIMEOUT":
                if spec.timeout is None or not stress:
                    spec.timeout = float(val)
            elif key == "STRESS-TIMEOUT":
                if stress:
                    spec.timeout = float(val)
            elif key == "ENV":
                k, eq, v = val.partition("=")
                if not eq or not k:
                    raise SpecError("ENV takes KEY=VALUE")
                spec.env.append((k, subst(v)))
            elif key == "SUPPRESSIONS":
                spec.suppressions = (spec.suppressions or []) + [subst(val)]
            elif key == "EXPECT-MESSAGE":
                if not val:
                    raise SpecError("EXPECT-MESSAGE needs a text")
                spec.messages.append(subst(val))
            elif key == "ARGS":
                if not (stress and spec.stress_args):
                    spec.args = [subst(w) for w in shlex.split(val)]
            elif key == "STRESS-ARGS":
                spec.stress_args = True
                if stress:
                    spec.args = [subst(w) for w in shlex.split(val)]
            else:
                raise SpecError(f"unknown directive {key}")
        except (ValueError, SpecError) as e:
            raise SpecError(f"{fname}:{no}: {raw.strip()}: {e}") from None
    if not seen:
        raise SpecError(f"{fname}: no expectations")
    if spec.none and (spec.reports or any(spec.counts.values())):
        raise SpecError(f"{fname}: EXPECT-NONE together with expected reports")
    if spec.hang and spec.timeout is None:
        raise SpecError(f"{fname}: EXPECT-HANG needs TIMEOUT")
    if spec.exit is None and not spec.none and spec.timeout is None:
        raise SpecError(f"{fname}: EXPECT-EXIT is required")
    if spec.none and spec.exit is None:
        spec.exit = 0
    return spec


class Checker:
    def __init__(self):
        self.failures = []
        self.passes = 0

    def ok(self, cond, what, detail=None):
        if cond:
            self.passes += 1
            print(f"  ok    {what}")
        else:
            self.failures.append(what)
            print(f"  FAIL  {what}")
            if detail:
                for line in str(detail).splitlines():
                    print(f"          {line}")
        return cond


def names_match(patterns, names):
    """Does the set of names equal the set described by the patterns (globs allowed)?"""
    pats = sorted(set(patterns))
    nameset = sorted(set(names))
    if len(pats) != len(nameset):
        return False
    if all(not any(c in p for c in "*?[") for p in pats):
        return pats == nameset
    if len(pats) > 8:  # bipartite search would be slow; fall back to a greedy match
        rest = list(nameset)
        for p in pats:
            hit = next((n for n in rest if fnmatch.fnmatchcase(n, p)), None)
            if hit is None:
                return False
            rest.remove(hit)
        return True
    for perm in itertools.permutations(nameset):
        if all(fnmatch.fnmatchcase(n, p) for n, p in zip(perm, pats)):
            return True
    return False


def is_rotation(a, b):
    if len(a) != len(b):
        return False
    if not a:
        return True
    return any(b[i:] + b[:i] == a for i in range(len(b)))


def line_regex(pattern):
    """An EXPECT-LINES pattern: literal text, "*" any run of characters."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def find_block(block, text):
    """Does some run of consecutive lines of text match the block of patterns?"""
    regs = [line_regex(p) for _, p in block]
    lines = text.splitlines()
    for i in range(len(lines) - len(regs) + 1):
        if all(r.fullmatch(lines[i + k]) for k, r in enumerate(regs)):
            return True
    return False


def lock_names(r):
    return [l.get("name") for l in r.get("locks", [])]


def cycle_names(r):
    return [s.get("from") for s in r.get("cycle", [])]


def describe(r):
    s = f"{r.get('kind')} pid={r.get('pid')} tid={r.get('tid')} locks={sorted(set(lock_names(r)))}"
    if r.get("kind") == "circular":
        s += f" cycle={cycle_names(r)} instance_level={r.get('instance_level')}"
    return s


def schema_problems(r, file_pid):
    probs = []
    for key, typ in (("kind", str), ("pid", int), ("tid", int), ("thread", str), ("title", str),
                     ("locks", list)):
        if not isinstance(r.get(key), typ):
            probs.append(f"field {key!r} missing or not {typ.__name__}")
    if r.get("pid") != file_pid:
        probs.append(f"pid {r.get('pid')} is not the log file's pid {file_pid}")
    for i, l in enumerate(r.get("locks") or []):
        for key in ("name", "class", "addr", "mode"):
            if not isinstance(l, dict) or key not in l:
                probs.append(f"locks[{i}] has no {key!r}")
        if isinstance(l, dict) and not isinstance(l.get("name"), str):
            probs.append(f"locks[{i}].name is not a string")
    if not r.get("locks"):
        probs.append("empty locks array")
    kind = r.get("kind")
    if kind in TITLES and r.get("title") != TITLES[kind]:
        probs.append(f"title {r.get('title')!r} is not {TITLES[kind]!r}")
    if kind == "held_at_exit":
        want = f"WARNING: {r.get('thread')}/{r.get('tid')} still has locks held!"
        if r.get("title") != want:
            probs.append(f"title {r.get('title')!r} is not {want!r}")
    if kind == "circular":
        cyc = r.get("cycle")
        if not isinstance(cyc, list) or len(cyc) < 2:
            probs.append("circular report without a cycle of at least 2 steps")
        else:
            for i, s in enumerate(cyc):
                nxt = cyc[(i + 1) % len(cyc)]
                if s.get("to") != nxt.get("from"):
                    probs.append(f"cycle[{i}].to {s.get('to')!r} != cycle[{(i + 1) % len(cyc)}].from {nxt.get('from')!r}")
                if not isinstance(s.get("stack"), list):
                    probs.append(f"cycle[{i}] has no stack array")
                    continue
                for j, fr in enumerate(s["stack"]):
                    for key in ("function", "file", "line", "module", "offset"):
                        if key not in fr:
                            probs.append(f"cycle[{i}].stack[{j}] has no {key!r}")
                            break
        if not isinstance(r.get("instance_level"), bool):
            probs.append("circular report without a boolean instance_level")
    return probs


def read_logs(tmp):
    """-> {pid: (text, [reports], [bad json lines], [message lines])}"""
    logs = {}
    for path in sorted(glob.glob(os.path.join(tmp, "log.*"))):
        suffix = path.rsplit(".", 1)[1]
        if not suffix.isdigit():
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            content = f.read()
        text, reports, bad, messages = [], [], [], []
        for line in content.splitlines():
            if line.startswith('{"kind":"lock_stat"'):
                continue  # statistics, not a report (read_lockstats)
            if line.startswith('{"kind"'):
                try:
                    reports.append(json.loads(line))
                except json.JSONDecodeError as e:
                    bad.append(f"{e}: {line[:200]}")
            else:
                text.append(line)
                if line.startswith("ulockdep:"):
                    messages.append(line)
        logs[int(suffix)] = ("\n".join(text), reports, bad, messages, content)
    return logs


def read_lockstats(tmp):
    """-> {pid: ([lock_stat JSON objects], [bad lines], log content)}"""
    out = {}
    for path in sorted(glob.glob(os.path.join(tmp, "log.*"))):
        suffix = path.rsplit(".", 1)[1]
        if not suffix.isdigit():
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            content = f.read()
        objs, bad = [], []
        for line in content.splitlines():
            if line.startswith('{"kind":"lock_stat"'):
                try:
                    objs.append(json.loads(line))
                except json.JSONDecodeError as e:
                    bad.append(f"{e}: {line[:200]}")
        out[int(suffix)] = (objs, bad, content)
    return out


def lockstat_table_row(content, name):
    """The numbers of NAME's row of a text lock_stat table, as a dict, or None."""
    cols = ["contentions", "waittime-max", "waittime-total", "waittime-avg", "acquisitions",
            "holdtime-max", "holdtime-total", "holdtime-avg"]
    in_table = False
    for line in content.splitlines():
        if line.startswith("lock_stat version"):
            in_table = True
            continue
        words = line.split()
        if in_table and len(words) == len(cols) + 1 and words[0] == name:
            try:
                return {c: float(w) for c, w in zip(cols, words[1:])}
            except ValueError:
                continue
    return None


def check_lockstats(c, spec, tmp):
    stats = read_lockstats(tmp)
    for lpid, (objs, bad, _) in sorted(stats.items()):
        c.ok(not bad, f"log.{lpid}: every lock_stat line parses", "\n".join(bad))
        # Most contended first (then most time waited, then most acquisitions), as the
        # table's header says; the text table is printed from the same sorted list.
        for o in objs:
            keys = [(e.get("contentions", 0), e.get("wait_total_ns", 0), e.get("acquisitions", 0))
                    for e in o.get("classes", [])]
            c.ok(keys == sorted(keys, reverse=True), f"log.{lpid}: lock_stat classes most contended first",
                 f"(contentions, wait_total_ns, acquisitions) in order listed: {keys}")
    for name, conds in spec.lockstats:
        entries = [(e, content) for (objs, _, content) in stats.values() for o in objs
                   for e in o.get("classes", []) if e.get("name") == name]
        listed = [e.get("name", "?") for (objs, _, _) in stats.values() for o in objs for e in o.get("classes", [])]
        if not c.ok(bool(entries), f"lock_stat lists {name}", f"classes listed: {listed}"):
            continue
        e, content = entries[0]
        for field, op, n in conds:
            v = e.get(field)
            good = isinstance(v, int) and (v == n if op == "=" else v >= n if op == ">=" else v > n)
            c.ok(good, f"lock_stat {name}: {field}{op}{n}", f"{field} is {v!r}")
        if any(line.startswith("lock_stat version") for line in content.splitlines()):
            row = lockstat_table_row(content, name)
            c.ok(row is not None and row["acquisitions"] == e.get("acquisitions") and
                 row["contentions"] == e.get("contentions"),
                 f"lock_stat text table row for {name} matches the JSON", f"row: {row}, json: {e}")


def check_deadlock_threads(c, spec, allrep):
    dl = [r for r in allrep if r.get("kind") == "deadlock"]
    for names in spec.deadlock_threads:
        got = [[t.get("name") for t in r.get("threads", [])] for r in dl]
        c.ok(any(names_match(names, g) for g in got), f"a deadlock report with threads {{{', '.join(names)}}}",
             f"deadlock reports' threads: {got}")
    for r in dl:
        probs = []
        for i, t in enumerate(r.get("threads") or []):
            for key in ("tid", "name", "wait", "waiting_for", "holding", "stack"):
                if key not in t:
                    probs.append(f"threads[{i}] has no {key!r}")
        if not r.get("threads"):
            probs.append("no threads array")
        c.ok(not probs, "deadlock reports have the threads array fields", "\n".join(probs))


def find_cli(shim):
    """<build>/cli/ulockdep for <build>/shim/libulockdep.so, or None."""
    build = os.path.dirname(os.path.dirname(os.path.abspath(shim)))
    cand = os.path.join(build, "cli", "ulockdep")
    return cand if os.access(cand, os.X_OK) else None


def run(args, spec):
    tmp = tempfile.mkdtemp(prefix="ulockdep-e2e-")
    env = dict(os.environ)
    opts = f"format=text,json:log_path={tmp}/log"
    if spec.suppressions is not None:
        supp = os.path.join(tmp, "suppressions")
        with open(supp, "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in spec.suppressions))
        opts += f":suppressions={supp}"
    extra_opts = []
    env.pop("ULOCKDEP_OPTIONS", None)
    for k, v in spec.env:
        if k == "ULOCKDEP_OPTIONS":
            extra_opts.append(v)
        else:
            env[k] = v
    if extra_opts:
        opts += ":" + ":".join(extra_opts)
    env["ULOCKDEP_OPTIONS"] = opts
    cmd = [os.path.abspath(args.prog)] + spec.args
    if spec.via_cli:
        cli = find_cli(args.shim)
        if not cli:
            raise SpecError(f"VIA-CLI: no ulockdep next to {args.shim}")
        env["ULOCKDEP_SHIM"] = os.path.abspath(args.shim)
        cmd = [cli, "run", "--"] + cmd
        print(f"run: ULOCKDEP_OPTIONS={shlex.quote(opts)} ULOCKDEP_SHIM={env['ULOCKDEP_SHIM']} {shlex.join(cmd)}")
    else:
        env["LD_PRELOAD"] = os.path.abspath(args.shim)
        print(f"run: ULOCKDEP_OPTIONS={shlex.quote(opts)} LD_PRELOAD={env['LD_PRELOAD']} {shlex.join(cmd)}")
    out_path, err_path = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
    timeout = spec.timeout if spec.timeout is not None else DEFAULT_TIMEOUT
    start = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                             cwd=tmp, start_new_session=True)
        timed_out = False
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            rc = p.wait()
        # Children the program left behind (forked processes) go with the group.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    elapsed = time.monotonic() - start
    with open(out_path, encoding="utf-8", errors="replace") as f:
        stdout = f.read()
    with open(err_path, encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    return tmp, p.pid, rc, timed_out, elapsed, stdout, stderr


def status_text(rc):
    return f"killed by signal {-rc} ({signal.Signals(-rc).name})" if rc < 0 else f"exit {rc}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shim", required=True)
    ap.add_argument("--prog", required=True)
    ap.add_argument("--spec", required=True)
    ap.add_argument("--stress", action="store_true", help="use STRESS-ARGS and STRESS-TIMEOUT")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--verbose", action="store_true", help="print the logs even on success")
    args = ap.parse_args()
    try:
        spec = parse_spec(args.spec, args.stress)
    except (OSError, SpecError) as e:
        print(f"spec error: {e}")
        return 2
    for f in (args.shim, args.prog):
        if not os.path.exists(f):
            print(f"not found: {f}")
            return 2

    try:
        tmp, pid, rc, timed_out, elapsed, stdout, stderr = run(args, spec)
    except SpecError as e:
        print(f"spec error: {e}")
        return 2
    print(f"finished: {'timed out after %.1fs, killed' % elapsed if timed_out else status_text(rc)}"
          f" ({elapsed:.2f}s)")
    logs = read_logs(tmp)
    c = Checker()
    expected_messages = [m.replace("${SUPP}", os.path.join(tmp, "suppressions")) for m in spec.messages]

    def unexpected(lines):
        return [line for line in lines if line.strip() not in expected_messages]
    try:
        if not timed_out and rc == SKIP and spec.exit != SKIP:
            print("SKIP: the scenario skipped itself:")
            print(stdout + stderr)
            return SKIP

        # ---- how the program ended ----
        if spec.hang:
            c.ok(timed_out, f"program still running after {spec.timeout:g}s (a real deadlock), killed",
                 f"it ended by itself: {status_text(rc)}")
        elif timed_out and spec.timeout is None:
            c.ok(False, "program finished", f"it hung for {DEFAULT_TIMEOUT:g}s and was killed")
        if not timed_out and spec.exit is not None:
            c.ok(rc == spec.exit, f"exit status {spec.exit}", f"expected exit {spec.exit}, got {status_text(rc)}")
        for want in spec.stdout:
            c.ok(want in stdout, f"stdout contains {want!r}", f"stdout was:\n{stdout}")

        # ---- logs: parse and per-report sanity ----
        allrep = []
        for lpid, (text, reports, bad, messages, _) in sorted(logs.items()):
            c.ok(not bad, f"log.{lpid}: every JSON line parses", "\n".join(bad))
            messages = unexpected(messages)
            c.ok(not messages, f"log.{lpid}: no ulockdep message lines", "\n".join(messages))
            probs = []
            for i, r in enumerate(reports):
                probs += [f"report {i} ({r.get('kind')}): {p}" for p in schema_problems(r, lpid)]
            c.ok(not probs, f"log.{lpid}: {len(reports)} JSON report(s) have the CONTRACT fields", "\n".join(probs))
            # When each report was made: seconds since start (in seq order, never backwards), the
            # wall clock in ISO 8601 UTC, and the seconds on the text's identity line.
            if reports:
                times = [r.get("time") or {} for r in reports]
                since = [t.get("since_start") for t in times]
                walls = [t.get("wall") for t in times]
                c.ok(all(isinstance(x, (int, float)) and 0 <= x < 3600 for x in since)
                     and since == sorted(since)
                     and all(isinstance(w, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", w)
                             for w in walls),
                     f"log.{lpid}: every JSON report has its time (since start, in order; wall clock)",
                     f"{times}")
                shown = [float(x) for x in re.findall(r"^ulockdep \S+ #\d+ pid \d+ at (\d+\.\d{3})s ", text, re.M)]
                c.ok(len(shown) == len(reports) and all(abs(a - b) < 0.0015 for a, b in zip(shown, since)),
                     f"log.{lpid}: the text's identity lines show the same seconds since start",
                     f"text {shown}, JSON {since}")
            kinds = collections.Counter(r.get("kind") for r in reports)
            for kind, n in sorted(kinds.items()):
                if kind == "held_at_exit":
                    got = len(re.findall(r"^" + HELD_AT_EXIT_RE + r"$", text, re.M))
                    title = "WARNING: <comm>/<tid> still has locks held!"
                else:
                    title = TITLES.get(kind, f"<unknown kind {kind}>")
                    got = sum(1 for line in text.splitlines() if line == title)
                c.ok(got == n, f"log.{lpid}: text has the title {title!r} {n} time(s)",
                     f"found {got} time(s)")
                for r in reports:
                    if r.get("kind") == kind and r.get("title") not in text.splitlines():
                        c.ok(False, f"log.{lpid}: text has the JSON title {r.get('title')!r}")
                        break
                phrases = CIRCULAR_PHRASES if kind == "circular" else COMMON_PHRASES
                for ph in phrases:
                    got = text.count(ph)
                    c.ok(got >= n, f"log.{lpid}: text has {ph!r} for each {kind} report",
                         f"found {got} time(s), {n} report(s)")
                if kind == "circular":
                    for r in reports:
                        if r.get("kind") != "circular":
                            continue
                        top = f"-> #{len(r.get('cycle', [])) - 1} "
                        if top not in text:
                            c.ok(False, f"log.{lpid}: text has the chain entry {top.strip()!r}")
            allrep += reports

        alltext = "\n".join(t for (t, _, _, _, _) in logs.values())
        for want in spec.text:
            c.ok(want in alltext, f"report text contains {want!r}", f"text was:\n{alltext[-6000:]}")
        for block in spec.line_blocks:
            hit = any(find_block(block, t) for (t, _, _, _, _) in logs.values())
            c.ok(hit, f"report text has the lines of EXPECT-LINES at line {block[0][0]}",
                 "expected:\n" + "\n".join(p for _, p in block))

        print("reports:")
        for r in allrep:
            print(f"  - {describe(r)}")
        if not allrep:
            print("  (none)")

        # ---- expectations ----
        got_counts = collections.Counter(r.get("kind") for r in allrep)
        want_counts = dict(spec.counts)
        for kind, _ in spec.reports:
            if kind not in spec.counts:
                want_counts[kind] = want_counts.get(kind, 0) + 1
        if spec.none:
            c.ok(not allrep, "no reports at all", "\n".join(describe(r) for r in allrep))
        for kind in sorted(set(want_counts) | set(got_counts)):
            want = want_counts.get(kind, 0)
            c.ok(got_counts.get(kind, 0) == want, f"{want} {kind} report(s)",
                 f"expected {want}, got {got_counts.get(kind, 0)}")

        used = set()
        for kind, names in spec.reports:
            cand = [i for i, r in enumerate(allrep) if r.get("kind") == kind and i not in used]
            hit = next((i for i in cand if names_match(names, lock_names(allrep[i]))), None)
            if hit is not None:
                used.add(hit)
            c.ok(hit is not None, f"a {kind} report with locks {{{', '.join(names)}}}",
                 "candidates:\n" + ("\n".join(f"  {sorted(set(lock_names(allrep[i])))}" for i in cand) or "  (none)"))

        circ = [r for r in allrep if r.get("kind") == "circular"]
        for names in spec.cycles:
            hit = any(is_rotation(cycle_names(r), names) for r in circ)
            c.ok(hit, f"a cycle {' -> '.join(names)} (rotation-insensitive)",
                 "cycles:\n" + ("\n".join(f"  {cycle_names(r)}" for r in circ) or "  (none)"))
        if spec.cycle_len is not None:
            lens = [len(r.get("cycle", [])) for r in circ]
            c.ok(bool(circ) and all(n == spec.cycle_len for n in lens),
                 f"every cycle has {spec.cycle_len} locks", f"cycle lengths: {lens}")
        if spec.instance_level is not None:
            vals = [r.get("instance_level") for r in circ]
            c.ok(bool(circ) and all(v is spec.instance_level for v in vals),
                 f"instance_level is {str(spec.instance_level).lower()}", f"values: {vals}")
        if spec.lock_addrs is not None:
            expected_kinds = set(want_counts)
            sel = [r for r in allrep if r.get("kind") in expected_kinds]
            ns = [len({l.get("addr") for l in r.get("locks", []) if l.get("addr")}) for r in sel]
            c.ok(bool(sel) and all(n == spec.lock_addrs for n in ns),
                 f"{spec.lock_addrs} distinct lock addresses per report", f"got {ns}")
        if spec.processes is not None:
            pids = sorted({lp for lp, v in logs.items() if v[1]})
            c.ok(len(pids) == spec.processes, f"{spec.processes} process(es) reported",
                 f"reporting pids: {pids}")
        if spec.main_reports is not None:
            n = len(logs.get(pid, ("", []))[1])
            c.ok(n == spec.main_reports, f"the program's own process (pid {pid}) made {spec.main_reports} report(s)",
                 f"it made {n}")

        check_lockstats(c, spec, tmp)
        check_deadlock_threads(c, spec, allrep)

        # ---- stderr ----
        # Each process that wrote reports to its log says so at exit, once, with the count.
        written = {}
        for line in stderr.splitlines():
            m = re.fullmatch(r"ulockdep: (\d+) reports? written to (.*)\.(\d+)", line.strip())
            if m and m.group(2) == os.path.join(tmp, "log"):
                written[int(m.group(3))] = written.get(int(m.group(3)), []) + [int(m.group(1))]
        for lp, counts in sorted(written.items()):
            n = len(logs.get(lp, ("", []))[1])
            c.ok(counts == [n], f"pid {lp} said once on stderr that its {n} report(s) went to its log",
                 f"said {counts}")
        if pid in logs and logs[pid][1] and rc >= 0 and not timed_out:
            c.ok(pid in written, "the program's process said on stderr where its reports went",
                 "no 'ulockdep: N reports written to ...' line")
        bad_err = [line for line in unexpected(stderr.splitlines())
                   if (line.startswith("ulockdep:") and not re.fullmatch(r"ulockdep: \d+ reports? written to .*",
                                                                         line.strip()))
                   or "WARNING: " in line]
        all_lines = {line.strip() for line in stderr.splitlines()}
        for v in logs.values():
            all_lines |= {line.strip() for line in v[4].splitlines()}
        for want in expected_messages:
            c.ok(want in all_lines, f"message {want!r} in the logs or on stderr")
        c.ok(not bad_err, "no ulockdep output on stderr (everything goes to log_path)", "\n".join(bad_err))

        failed = bool(c.failures)
        if failed or args.verbose:
            print("---- program stdout ----")
            print(stdout[-4000:])
            print("---- program stderr ----")
            print(stderr[-4000:])
            for lpid, v in sorted(logs.items()):
                content = v[4]
                print(f"---- log.{lpid} ({len(content)} bytes{', tail' if len(content) > 12000 else ''}) ----")
                print(content[-12000:])
        print(f"{c.passes} check(s) passed, {len(c.failures)} failed")
        if failed:
            print("FAILED: " + "; ".join(c.failures))
        return 1 if failed else 0
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
