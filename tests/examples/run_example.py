#!/usr/bin/env python3
"""Run one example of examples/ (one variant) and check what it must report.

Usage: run_example.py --shim LIB --cli ULOCKDEP --prog PROGRAM --spec SPEC
       run_example.py --mutant PROGRAM --spec SPEC

The spec (tests/examples/specs/*.spec) holds the expectations in the e2e scenario format
(tests/e2e/run_scenario.py: EXPECT-EXIT, EXPECT-REPORT, EXPECT-COUNT, EXPECT-CYCLE, ARGS ...)
plus the lines of this driver:
  // SPLAT: TEXT      lines of the text report that must appear on stderr, in this order
                      (each SPLAT line is searched after the previous one's match)
  // MUTANT-STDOUT: REGEX   for --mutant: stdout of a failing run matches REGEX

Default mode, two runs:
 1. run_scenario.py: LD_PRELOAD=LIB with format=text,json, checking kinds, lock names,
    counts, cycles and exit status from the JSON reports (and its general sanity checks);
 2. the README's way, `ulockdep run -- PROGRAM ARGS`: the exit status again, each report
    title as many times as the spec expects reports of that kind, and the SPLAT lines.
--mutant: PROGRAM is the example linked against a deliberately broken SRCU library; it
must notice (exit status 1 and MUTANT-STDOUT) in at least one of 20 runs, without the shim
(it stops at the first: a run notices about 4 times in 5 on an idle machine, far less often
when the suite's other tests load both CPUs).
"""

import argparse
import collections
import importlib.util
import os
import re
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_SCENARIO = os.path.join(HERE, "..", "e2e", "run_scenario.py")


def load_run_scenario():
    spec = importlib.util.spec_from_file_location("run_scenario", RUN_SCENARIO)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def own_directives(path, key):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\s*//\s*" + key + r":\s?(.*?)\s*$", line)
            if m:
                out.append(m.group(1))
    return out


def run_cli(args, spec, rs):
    env = dict(os.environ)
    for k in ("ULOCKDEP_OPTIONS", "LD_PRELOAD", "ULOCKDEP_SHIM"):
        env.pop(k, None)
    cmd = [args.cli, "run", "--", args.prog] + spec.args
    print(f"run: {shlex.join(cmd)}")
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                       timeout=rs.DEFAULT_TIMEOUT, errors="replace")
    failures = []

    def check(cond, what, detail=""):
        print(f"  {'ok  ' if cond else 'FAIL'}  {what}")
        if not cond:
            failures.append(what)
            if detail:
                print("        " + detail.replace("\n", "\n        "))

    check(p.returncode == spec.exit, f"exit status {spec.exit}", f"got {p.returncode}")
    want = collections.Counter(dict(spec.counts))
    for kind, _ in spec.reports:
        if kind not in spec.counts:
            want[kind] += 1
    lines = p.stderr.splitlines()
    for kind, title in rs.TITLES.items():
        got = sum(1 for line in lines if line == title)
        check(got == want.get(kind, 0), f"{want.get(kind, 0)} {kind} title(s) on stderr", f"found {got}")
    pos = 0
    for text in own_directives(args.spec, "SPLAT"):
        at = p.stderr.find(text, pos)
        check(at >= 0, f"splat has {text!r}" + (" (after the previous line)" if pos else ""))
        if at >= 0:
            pos = at + len(text)
    for text in spec.stdout:
        check(text in p.stdout, f"stdout contains {text!r}", f"stdout was:\n{p.stdout}")
    if failures:
        print("---- stdout ----\n" + p.stdout[-4000:])
        print("---- stderr ----\n" + p.stderr[-12000:])
    return failures


def run_mutant(args, spec):
    pattern = own_directives(args.spec, "MUTANT-STDOUT")
    if len(pattern) != 1:
        print("spec error: --mutant needs exactly one MUTANT-STDOUT line")
        return 2
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ULOCKDEP_OPTIONS")}
    cmd = [args.prog] + spec.args
    attempts = 20
    for attempt in range(1, attempts + 1):
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                           timeout=60, errors="replace")
        print(f"run {attempt}: {shlex.join(cmd)} -> exit {p.returncode}")
        print("  " + p.stdout.strip().replace("\n", "\n  "))
        if p.returncode == 1 and re.search(pattern[0], p.stdout):
            print("ok: the example noticed the broken SRCU library")
            return 0
    print(f"FAILED: the example never noticed the broken SRCU library in {attempts} runs")
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shim")
    ap.add_argument("--cli")
    ap.add_argument("--prog", required=True)
    ap.add_argument("--spec", required=True)
    ap.add_argument("--mutant", action="store_true")
    args = ap.parse_args()
    rs = load_run_scenario()
    try:
        spec = rs.parse_spec(args.spec)
    except (OSError, rs.SpecError) as e:
        print(f"spec error: {e}")
        return 2
    if args.mutant:
        return run_mutant(args, spec)
    if not args.shim or not args.cli:
        ap.error("--shim and --cli are required unless --mutant")

    print("== 1. under LD_PRELOAD, JSON reports checked by run_scenario.py")
    rc = subprocess.run([sys.executable, RUN_SCENARIO, "--shim", args.shim, "--prog", args.prog,
                         "--spec", args.spec]).returncode
    if rc in (rs.SKIP, 2):  # skipped, or a usage/spec error (already explained)
        return rc
    print("== 2. through the ulockdep command, text reports")
    failures = run_cli(args, spec, rs)
    if rc != 0 or failures:
        print("FAILED" + (": " + "; ".join(failures) if failures else " (run_scenario.py checks above)"))
        return 1
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
