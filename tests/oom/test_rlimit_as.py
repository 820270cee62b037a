#!/usr/bin/env python3
"""Out of memory inside the shim never changes the program (tests/oom).

Runs PROGRAM (one lock-order report, its own output and exit status 3) under a range of
address-space limits (RLIMIT_AS, set in the child before exec), natively and with the shim
preloaded, and checks for every limit at which the program itself runs:
  - stdout is the native run's, and the exit status is the native one, or ulockdep's 66
    when a report was made;
  - at most one "ulockdep:" line, and it is the out-of-memory line (besides the one that says
    where a report went);
  - no other tool's words on stderr (libdw's "Cannot allocate memory" ended the program);
  - the report was written (every JSON line parses, text and JSON both there), possibly
    unsymbolised, or checking stopped with the out-of-memory line and no report at all.
The limits step through the region where the shim's own start-up, the lock tracking, libdw
and rendering run out in turn.

Usage: test_rlimit_as.py --shim PATH/libulockdep.so --prog PATH/oom_report [--from KB --to KB --step KB]
"""
import argparse
import glob
import json
import os
import re
import resource
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report_kinds import TITLES  # noqa: E402  (common/report_kinds.def)

OOM_LINE = "ulockdep: out of memory "
OOM_TAIL = "; checking stopped, the program continues"


def run(prog, limit_kb, env, cwd):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (limit_kb * 1024, limit_kb * 1024))
    p = subprocess.run([prog], env=env, cwd=cwd, preexec_fn=limit, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shim", required=True)
    ap.add_argument("--prog", required=True)
    ap.add_argument("--from", dest="lo", type=int, default=8000)
    ap.add_argument("--to", dest="hi", type=int, default=56000)
    ap.add_argument("--step", type=int, default=500)
    args = ap.parse_args()
    prog = os.path.abspath(args.prog)
    failures = []
    counts = {"report": 0, "report+oom": 0, "stopped": 0, "not run": 0}
    for kb in range(args.lo, args.hi + 1, args.step):
        native_env = dict(os.environ)
        native_env.pop("LD_PRELOAD", None)
        native_env.pop("ULOCKDEP_OPTIONS", None)
        nrc, nout, nerr = run(prog, kb, native_env, "/")
        if nrc != 3 or nout != "start\ndone\n":
            counts["not run"] += 1  # too little memory for the program itself
            continue
        tmp = tempfile.mkdtemp(prefix="ulockdep-oom-")
        env = dict(native_env)
        env["LD_PRELOAD"] = os.path.abspath(args.shim)
        env["ULOCKDEP_OPTIONS"] = f"format=text,json:log_path={tmp}/log"
        rc, out, err = run(prog, kb, env, tmp)
        if "cannot be preloaded" in err:
            counts["not run"] += 1  # ld.so could not map the shim: the program ran natively
            if rc != nrc or out != nout:
                failures.append(f"{kb} KiB: the shim was not loaded, yet the program changed: exit {rc}, stdout {out!r}")
            continue
        logs = ""
        for path in sorted(glob.glob(os.path.join(tmp, "log.*"))):
            with open(path, encoding="utf-8", errors="replace") as f:
                logs += f.read()
        lines = (logs + err).splitlines()
        written = [line for line in err.splitlines() if re.fullmatch(r"ulockdep: 1 report written to .*/log\.\d+", line)]
        ours = [line for line in lines if line.startswith("ulockdep:") and line not in written]
        oom = [line for line in ours if line.startswith(OOM_LINE) and line.endswith(OOM_TAIL)]
        json_lines = [line for line in logs.splitlines() if line.startswith("{")]
        bad_json = []
        for line in json_lines:
            try:
                json.loads(line)
            except json.JSONDecodeError:
                bad_json.append(line[:120])
        reports = [line for line in json_lines if line.startswith('{"kind":"circular"')]
        titles = sum(1 for line in logs.splitlines() if line == TITLES["circular"])
        problems = []
        if out != nout:
            problems.append(f"stdout {out!r}, natively {nout!r}")
        want_rc = 66 if reports else nrc
        if rc != want_rc:
            problems.append(f"exit {rc}, expected {want_rc} ({'a report was made' if reports else 'no report'})")
        if len(ours) > len(oom) or len(oom) > 1:
            problems.append(f"ulockdep lines: {ours}")
        other = [line for line in err.splitlines() if line.strip() and not line.startswith("ulockdep:")]
        if other:
            problems.append(f"stderr: {other[:3]}")
        if bad_json:
            problems.append(f"JSON lines that do not parse: {bad_json[:2]}")
        if reports and len(written) != 1:
            problems.append(f"no 'ulockdep: 1 report written to ...' line on stderr: {err[-300:]!r}")
        if reports:
            if len(reports) != 1 or titles != 1:
                problems.append(f"{len(reports)} JSON and {titles} text reports, expected 1 of each")
            counts["report+oom" if oom else "report"] += 1
        elif oom:
            if titles:
                problems.append("a text report without its JSON line")
            counts["stopped"] += 1
        else:
            problems.append("no report, and no out-of-memory line")
        if problems:
            failures.append(f"{kb} KiB: " + "; ".join(problems))
        print(f"{kb:6d} KiB: exit {rc}, {len(reports)} report(s), {oom[0] if oom else 'no ulockdep line'}"
              + ("  <-- " + "; ".join(problems) if problems else ""))
        for path in glob.glob(os.path.join(tmp, "*")):
            os.unlink(path)
        os.rmdir(tmp)
    print(f"limits: {counts}")
    if counts["report"] + counts["report+oom"] + counts["stopped"] == 0:
        failures.append("the program never ran under the shim: no limit tested anything")
    if failures:
        print("FAILED:")
        for f in failures:
            print("  " + f)
        return 1
    print("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
