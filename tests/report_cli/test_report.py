#!/usr/bin/env python3
"""End-to-end tests of `ulockdep report`: report_prog (lock bugs on demand) runs under the
shim with format=json, and each case checks one side of the report command.

Usage: test_report.py CASE --cli ULOCKDEP --shim LIBULOCKDEP.SO --prog REPORT_PROG
                           --srcroot REPO --schema SARIF_SCHEMA.json

Cases: text_dedup, kinds_json, sarif, dot_svg, html_chromium, symbolize_later, bad_input,
mixed_versions, exit_status, gen_suppressions, cross_run_json, deadlock, mangled_json. Exit status 0 pass, 1 fail, 2 usage.
"""

import argparse
import glob
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report_kinds import KINDS, TITLES  # noqa: E402  (common/report_kinds.def)


class Fail(Exception):
    pass


def check(cond, what, detail=""):
    if not cond:
        raise Fail(what + (f"\n--- detail ---\n{detail}" if detail else ""))
    print(f"ok: {what}")


class Env:
    def __init__(self, args):
        self.a = args
        self.tmp = tempfile.mkdtemp(prefix="ulockdep-report-test-")
        self.n = 0
        with open(os.path.join(args.srcroot, "tests", "report_cli", "report_prog.c")) as f:
            self.src = f.read().splitlines()

    def line(self, marker):
        """Line number of the source line of report_prog.c holding /* LINE:marker */."""
        hits = [i + 1 for i, l in enumerate(self.src) if f"LINE:{marker} " in l]
        assert len(hits) == 1, marker
        return hits[0]

    def newdir(self, name):
        self.n += 1
        d = os.path.join(self.tmp, f"{self.n:02d}-{name}")
        os.makedirs(d)
        return d

    def run_prog(self, modes, name="logs", options="format=json", prog=None, expect_rc=66):
        """Runs report_prog MODES under the shim; returns (log dir, sorted log paths)."""
        d = self.newdir(name)
        env = dict(os.environ)
        env["LD_PRELOAD"] = os.path.abspath(self.a.shim)
        env["ULOCKDEP_OPTIONS"] = f"{options}:log_path={d}/log"
        cmd = [prog or self.a.prog] + modes
        p = subprocess.run(cmd, env=env, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        check(p.returncode == expect_rc, f"{' '.join(modes)} under the shim exits {expect_rc}",
              f"exit {p.returncode}\nstderr:\n{p.stderr}")
        logs = sorted(glob.glob(os.path.join(d, "log.*")))
        check(logs, f"{' '.join(modes)} wrote logs")
        return d, logs

    def report(self, *argv, env_extra=None, cwd=None, input=None):
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        if env_extra:
            env.update(env_extra)
        p = subprocess.run([self.a.cli, "report", *argv], env=env, cwd=cwd or self.tmp, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120, input=input)
        print(f"$ ulockdep report {' '.join(argv)}  -> exit {p.returncode}")
        # With -o FILE the summary line goes to stderr; kept apart so that "no warnings" holds.
        m = re.search(r"^ulockdep report: \d+ problems? \(\d+ reports? from \d+ files?\) written to .*\n", p.stderr, re.M)
        p.summary = m.group(0).rstrip("\n") if m else None
        if m:
            p.stderr = p.stderr.replace(m.group(0), "", 1)
        return p


def reports_of(paths):
    out = []
    for path in paths:
        with open(path) as f:
            for line in f:
                if line.startswith("{"):
                    out.append(json.loads(line))
    return out


def json_lines(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


# ---------------------------------------------------------------------------------------
def case_text_dedup(e):
    """The same cycle from 3 processes of 2 runs (one written as text,json) is one problem,
    printed once with the shim's exact text and where it was seen."""
    d1, logs1 = e.run_prog(["fork", "abba"], "fork-run")
    check(len(logs1) == 2, "the forking run wrote two logs (child and parent)", "\n".join(logs1))
    d2, logs2 = e.run_prog(["abba"], "mixed-run", options="format=text,json")
    with open(logs2[0]) as f:
        mixed = f.read()
    check(TITLES["circular"] + "\n" in mixed and '{"kind":"circular"' in mixed,
          "the text,json log holds both a text splat and a JSON line", mixed[:2000])
    ordered = logs1 + logs2  # the order report reads them: operands in order, files sorted
    reps = reports_of(ordered)
    check(len(reps) == 3 and all(r["kind"] == "circular" for r in reps), "three circular JSON reports")
    check(all(isinstance(r.get("text"), str) and r["text"].startswith("\n" + "=" * 54 + "\n" + TITLES["circular"])
              for r in reps), "every JSON report carries its text splat in \"text\"")
    p = e.report(d1, d2)
    check(p.returncode == 1, "exit status 1 when problems are shown", p.stderr)
    check(p.stderr == "", "no warnings", p.stderr)
    procs = ", ".join(f"pid {r['pid']} {r['exe']}" for r in reps)
    t0 = reps[0]["time"]
    check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t0["wall"]) and 0 <= t0["since_start"] < 60,
          "each JSON report says when it was made", str(t0))
    expected = (reps[0]["text"] + f"(seen 3 times in 3 processes: {procs}; "
                f"at {t0['since_start']:.3f}s into the run, {t0['wall']})\n"
                "\nulockdep report: 1 problem (3 reports from 3 processes in 3 files)\n")
    check(p.stdout == expected, "output is the first report's exact text, the seen line and the summary",
          f"expected:\n{expected}\ngot:\n{p.stdout}")
    # A program path inside the current directory is shown relative to it.
    p = e.report(d1, cwd=os.path.dirname(e.a.prog))
    check(f"pid {reps[0]['pid']} ./{os.path.basename(e.a.prog)}" in p.stdout,
          "the program is shown as ./NAME when it is under the current directory", p.stdout[-400:])


def case_kinds_json(e):
    """--format=json: one merged object per problem with count, runs and fingerprint; the
    output reads back in and merges again."""
    d, logs = e.run_prog(["abba", "recursive", "exit_held", "bad_unlock"])
    raw = reports_of(logs)
    p = e.report("--format=json", d)
    check(p.returncode == 1 and p.stderr == "", "exit 1, no warnings", p.stderr)
    objs = json_lines(p.stdout)
    check([o["kind"] for o in objs] == ["circular", "recursive", "held_at_exit", "bad_unlock"],
          "four problems, in the order they were reported", p.stdout[:3000])
    want_locks = [{"lock_a", "lock_b"}, {"lock_c"}, {"lock_d"}, {"lock_e"}]
    for o, want, r in zip(objs, want_locks, raw):
        check({l["name"] for l in o["locks"]} == want, f"{o['kind']} names {sorted(want)}")
        check(o["count"] == 1 and len(o["runs"]) == 1, f"{o['kind']}: count 1, one run")
        run = o["runs"][0]
        check(run["pid"] == r["pid"] and run["exe"] == r["exe"] and run["log"] == logs[0] and run["count"] == 1,
              f"{o['kind']}: the run is pid {r['pid']} {r['exe']} from {logs[0]}", json.dumps(run))
        check(re.fullmatch(r"[0-9a-f]{32}", o["fingerprint"]) is not None, f"{o['kind']}: a 128-bit fingerprint")
        for key in ("pid", "tid", "thread", "title", "exe", "cmdline", "locks", "held", "stack", "text"):
            check(o[key] == r[key], f"{o['kind']}: original field {key!r} kept")
    merged = os.path.join(e.newdir("merged"), "merged.json")
    with open(merged, "w") as f:
        f.write(p.stdout)
    p2 = e.report("--format=json", merged, merged)
    again = json_lines(p2.stdout)
    check(p2.returncode == 1 and len(again) == 4, "merged output reads back: four problems", p2.stderr)
    for o, a in zip(objs, again):
        check(a["count"] == 2 and len(a["runs"]) == 1 and a["runs"][0]["count"] == 2,
              f"{o['kind']}: read twice, count 2 from the same process", json.dumps(a["runs"]))
        check(a["fingerprint"] == o["fingerprint"], f"{o['kind']}: same fingerprint after the round trip")


def load_schema_validator(schema_path):
    """jsonschema from this Python, else from Debian's (python3-jsonschema in install-deps.sh)."""
    try:
        import jsonschema  # noqa: F401
        return None
    except ImportError:
        return "/usr/bin/python3"


def validate_sarif(e, path):
    code = ("import json,sys,jsonschema\n"
            "s=json.load(open(sys.argv[1]));d=json.load(open(sys.argv[2]))\n"
            "v=jsonschema.validators.validator_for(s)(s)\n"
            "errs=sorted(v.iter_errors(d),key=lambda x:list(x.path))\n"
            "[print(list(x.path),x.message[:300]) for x in errs[:20]]\n"
            "sys.exit(1 if errs else 0)\n")
    py = load_schema_validator(e.a.schema) or sys.executable
    p = subprocess.run([py, "-c", code, e.a.schema, path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    check(p.returncode == 0, f"SARIF validates against the SARIF 2.1.0 JSON schema ({os.path.basename(e.a.schema)})",
          p.stdout)


def all_artifact_uris(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "artifactLocation":
                yield v
            else:
                yield from all_artifact_uris(v)
    elif isinstance(o, list):
        for v in o:
            yield from all_artifact_uris(v)


def github_upload_rules(sarif):
    """What GitHub code scanning requires beyond the schema, or it rejects the whole upload:
    every result has a location with a physicalLocation whose artifactLocation.uri is a
    non-empty repository-relative path (no URI scheme)."""
    for r in sarif["runs"][0]["results"]:
        locs = r.get("locations") or []
        check(locs and all(l.get("physicalLocation", {}).get("artifactLocation", {}).get("uri") for l in locs),
              f"GitHub: {r['ruleId']} has a location with physicalLocation.artifactLocation.uri", json.dumps(locs))
        for l in locs:
            uri = l["physicalLocation"]["artifactLocation"]["uri"]
            check(not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", uri) and not uri.startswith("/"),
                  f"GitHub: {r['ruleId']} location {uri} is a relative path")


def case_sarif(e):
    """SARIF 2.1.0: schema-valid, GitHub's required parts, stable rule ids and fingerprints,
    repository-relative locations, the cycle's edges as related locations."""
    runs = [e.run_prog(["abba", "recursive", "exit_held", "bad_unlock"], f"run{i}")[0] for i in (1, 2)]
    out = []
    for i, d in enumerate(runs):
        path = os.path.join(e.tmp, f"r{i}.sarif")
        p = e.report("--format=sarif", "-o", path, "--srcroot", e.a.srcroot, d)
        check(p.returncode == 1 and p.stderr == "", "sarif: exit 1, no warnings", p.stderr)
        check(p.summary == f"ulockdep report: 4 problems (4 reports from 1 file) written to {path}",
              "-o FILE: one summary line on stderr says what was written where", str(p.summary))
        with open(path) as f:
            out.append(json.load(f))
    validate_sarif(e, os.path.join(e.tmp, "r0.sarif"))
    s = out[0]
    check(s["version"] == "2.1.0" and "sarif-2.1.0" in s["$schema"], "version 2.1.0 and its $schema")
    check(len(s["runs"]) == 1, "one run")
    run = s["runs"][0]
    driver = run["tool"]["driver"]
    check(driver["name"] == "ulockdep" and driver.get("version"), "tool.driver name and version")
    ids = [r["id"] for r in driver["rules"]]
    check(ids == [f"ulockdep/{k}" for k in KINDS], "one rule per report kind, ids ulockdep/<kind>", str(ids))
    for r in driver["rules"]:
        check(r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["help"]["text"]
              and r["defaultConfiguration"]["level"] in ("error", "warning", "note"),
              f"rule {r['id']} has descriptions, help and a level")
    root_uri = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    check(root_uri == "file://" + os.path.realpath(e.a.srcroot) + "/", "%SRCROOT% is the --srcroot", root_uri)
    res = run["results"]
    check([r["ruleId"] for r in res] == ["ulockdep/circular", "ulockdep/recursive", "ulockdep/held_at_exit",
                                         "ulockdep/bad_unlock"], "four results with the kinds' rule ids")
    for r in res:
        check(driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"], f"{r['ruleId']}: ruleIndex points at its rule")
        check(r["message"]["text"].strip() != "", f"{r['ruleId']}: a message")
        check(r["partialFingerprints"] and all(v for v in r["partialFingerprints"].values()),
              f"{r['ruleId']}: partialFingerprints")
        check(r["occurrenceCount"] == 1, f"{r['ruleId']}: occurrenceCount 1")
    fp = [r["partialFingerprints"] for r in res]
    fp2 = [r["partialFingerprints"] for r in out[1]["runs"][0]["results"]]
    check(fp == fp2, "fingerprints are the same for a second run (other pids and addresses)", f"{fp}\n{fp2}")
    check(len({json.dumps(x, sort_keys=True) for x in fp}) == 4, "the four problems have different fingerprints")

    src = "tests/report_cli/report_prog.c"
    for art in all_artifact_uris(s):
        check(art["uri"] == src and art["uriBaseId"] == "%SRCROOT%",
              f"artifact URI {art['uri']} is the repository-relative source (libc frames left out)")

    def loc_line(loc):
        return loc["physicalLocation"]["region"]["startLine"]

    circ = res[0]
    check(loc_line(circ["locations"][0]) == e.line("b_then_a_2"),
          "circular: located at the acquisition that closed the cycle", json.dumps(circ["locations"]))
    rel = sorted(loc_line(l) for l in circ["relatedLocations"])
    check(rel == sorted([e.line("a_then_b_2"), e.line("b_then_a_2")]),
          "circular: both dependencies of the cycle are related locations", str(rel))
    for l in circ["relatedLocations"]:
        check(f"]({l['id']})" in circ["message"]["text"], f"the message links related location {l['id']}")
    flows = circ["codeFlows"]
    check(len(flows) == 2 and all(tf["locations"] for f in flows for tf in f["threadFlows"]),
          "circular: one code flow per dependency")
    frames = [f for st in circ["stacks"] for f in st["frames"]]
    libc = [f for f in frames if f.get("module", "").startswith("libc.so")]
    check(libc and all("physicalLocation" not in f["location"] for f in libc),
          "frames outside the repository stay in the stacks, without a location")
    check(len(circ["stacks"]) == 3, "circular: the backtrace and each dependency's stack")
    check(loc_line(res[1]["locations"][0]) == e.line("relock"), "recursive: located at the relock")
    check(loc_line(res[2]["locations"][0]) == e.line("lock_d"),
          "held_at_exit (only libc on the stack): located where the lock was taken")
    check(loc_line(res[3]["locations"][0]) == e.line("unlock_e"), "bad_unlock: located at the unlock")

    github_upload_rules(s)

    # With the repository elsewhere, no frame is a location: GitHub would reject the whole
    # upload for a result without one ("expected at least one location"), so each result is
    # located at the program (its base name, as it is outside that --srcroot), no line.
    other_path = os.path.join(e.tmp, "elsewhere.sarif")
    p = e.report("--format=sarif", "-o", other_path, "--srcroot", e.tmp, runs[0])
    check(p.returncode == 1 and p.stderr == "", "--srcroot elsewhere: exit 1, no warnings", p.stderr)
    validate_sarif(e, other_path)
    with open(other_path) as f:
        other_sarif = json.load(f)
    github_upload_rules(other_sarif)
    other = other_sarif["runs"][0]["results"]
    prog = os.path.basename(e.a.prog)
    for r in other:
        check(len(r["locations"]) == 1, f"--srcroot elsewhere: {r['ruleId']} has one location")
        phys = r["locations"][0]["physicalLocation"]
        check(phys["artifactLocation"] == {"uri": prog, "uriBaseId": "%SRCROOT%"} and "region" not in phys,
              f"--srcroot elsewhere: {r['ruleId']} is located at the program {prog}, no line", json.dumps(phys))
        check("relatedLocations" not in r, f"--srcroot elsewhere: {r['ruleId']} has no related locations")
    fns = [r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in other]
    check(fns == ["take_b_then_a", "relock_c", "forgets_lock_d", "unlock_e_unheld"],
          "--srcroot elsewhere: the reporting function of the program is the logical location", str(fns))
    check("take_b_then_a" in other[0]["message"]["text"] and other[0]["stacks"][0]["frames"],
          "--srcroot elsewhere: frames still in the message and stacks")


def case_lock_stat_argv(e):
    """lock_stat=1's JSON lines are not reports: report sums them per class across processes
    (text table, one JSON line that reads back) and never calls them an unknown kind; reports
    carry argv as an array next to cmdline."""
    d1, logs1 = e.run_prog(["abba", "note:two words"], "stat1", options="format=json:lock_stat=1")
    d2, logs2 = e.run_prog(["ab"], "stat2", options="format=json:lock_stat=1", expect_rc=0)
    raw = reports_of(logs1)
    check([r["kind"] for r in raw] == ["circular", "lock_stat"], "the shim's log: the report, then its lock_stat line")
    check(raw[0]["argv"] == [e.a.prog, "abba", "note:two words"] and
          raw[0]["cmdline"] == f"{e.a.prog} abba note:two words",
          "argv keeps 'note:two words' one argument; cmdline is the same joined", json.dumps(raw[0]["argv"]))
    p = e.report(d1, d2)
    check(p.returncode == 1 and p.stderr == "", "text: exit 1 (the circular report), no warning", p.stderr)
    check(p.stdout.count(TITLES["circular"]) == 1 and "lock_stat of 2 processes (lock_stat=1)" in p.stdout,
          "text: the problem, then the summed lock_stat table", p.stdout[-2000:])
    rows = {m.group(1): m.group(2).split() for m in re.finditer(r"^\s+(lock_[ab]) (.*)$", p.stdout, re.M)}
    check(set(rows) == {"lock_a", "lock_b"} and all(r[0] == "2" and r[1] == "0" and r[5] == "3" for r in rows.values()),
          "text: lock_a and lock_b each in 2 processes, 0 contentions, 3 acquisitions (2 + 1)", str(rows))
    p = e.report("--format=json", d1, d2)
    objs = json_lines(p.stdout)
    check(p.returncode == 1 and [o["kind"] for o in objs] == ["circular", "lock_stat"],
          "json: the problem, then one lock_stat line", p.stdout[-2000:])
    cls = {c["name"]: c for c in objs[1]["classes"]}
    check(objs[1]["processes"] == 2 and set(cls) == {"lock_a", "lock_b"}
          and all(c["acquisitions"] == 3 and c["contentions"] == 0 and c["processes"] == 2 and c["type"] == "mutex"
                  and c["hold_total_ns"] > 0 for c in cls.values()),
          "json: summed per class", json.dumps(objs[1]))
    merged = os.path.join(e.newdir("stat-merged"), "merged.json")
    with open(merged, "w") as f:
        f.write(p.stdout)
    again = json_lines(e.report("--format=json", merged, merged).stdout)
    cls = {c["name"]: c for c in again[-1]["classes"]}
    check(again[-1]["kind"] == "lock_stat" and again[-1]["processes"] == 4 and cls["lock_a"]["acquisitions"] == 6
          and cls["lock_a"]["processes"] == 4, "json: the lock_stat line reads back (counted twice: 4 processes)",
          json.dumps(again[-1]))
    p = e.report(d2)
    check(p.returncode == 0 and p.stderr == "" and "no problems" in p.stdout and "lock_stat of 1 process " in p.stdout,
          "only lock_stat lines: exit 0, no problems, the table", p.stdout + p.stderr)
    p = e.report("--format=sarif", d2)
    check(p.returncode == 0 and json.loads(p.stdout)["runs"][0]["results"] == [] and p.stderr == "",
          "sarif leaves the statistics out", p.stderr)


def case_dot_svg(e):
    """DOT of the lock-class graph with the cycle edges red and labelled; SVG from Graphviz;
    a clear error without Graphviz."""
    d, _ = e.run_prog(["abba", "recursive"])
    p = e.report("--format=dot", d)
    check(p.returncode == 1, "dot: exit 1", p.stderr)
    edges = re.findall(r'^\s*"([^"]+)" -> "([^"]+)" \[(.*)\];$', p.stdout, re.M)
    red = {(a, b): attrs for a, b, attrs in edges if "#d32f2f" in attrs}
    check(set(red) == {("lock_a", "lock_b"), ("lock_b", "lock_a"), ("lock_c", "lock_c")},
          "the red edges are the cycle's and the recursive acquisition", p.stdout)
    check(f'label="take_a_then_b\\nreport_prog.c:{e.line("a_then_b_2")}"' in red[("lock_a", "lock_b")],
          "lock_a -> lock_b is labelled with the first frame of its stack", red[("lock_a", "lock_b")])
    check(f'label="take_b_then_a\\nreport_prog.c:{e.line("b_then_a_2")}"' in red[("lock_b", "lock_a")],
          "lock_b -> lock_a is labelled with the first frame of its stack", red[("lock_b", "lock_a")])
    nodes = set(re.findall(r'^\s*"([^"]+)"(?: \[.*\])?;$', p.stdout, re.M))
    check(nodes == {"lock_a", "lock_b", "lock_c"}, "nodes are the lock names", str(nodes))

    svg_path = os.path.join(e.tmp, "graph.svg")
    p = e.report("--format=svg", "-o", svg_path, d)
    check(p.returncode == 1 and p.stderr == "", "svg: exit 1, no warnings", p.stderr)
    with open(svg_path) as f:
        svg = f.read()
    root = ET.fromstring(svg)
    check(root.tag == "{http://www.w3.org/2000/svg}svg", "the SVG is well-formed SVG")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for want in ("lock_a", "lock_b", "lock_c", "take_a_then_b", "take_b_then_a", "relock_c"):
        check(want in texts, f"the SVG shows {want}", str(texts))
    check('stroke="#d32f2f"' in svg, "the SVG draws the cycle in red")
    check("legend" in texts and "dependency the report is about: B taken while A was held" in texts
          and "order of locks the thread held" in texts, "the standalone SVG has a legend of its arrows", str(texts))

    missing = os.path.join(e.tmp, "none.svg")
    p = e.report("--format=svg", "-o", missing, d, env_extra={"ULOCKDEP_DOT": "/nonexistent/dot"})
    check(p.returncode == 2, "without Graphviz: exit 2", p.stderr)
    check("Graphviz" in p.stderr and "/nonexistent/dot" in p.stderr and p.stderr.count("\n") == 1,
          "without Graphviz: one clear line naming it", p.stderr)
    check(not os.path.exists(missing), "without Graphviz: no output file is left")


def png_pixels(path):
    """(width, height, rows of RGB(A) tuples) of an 8-bit RGB/RGBA non-interlaced PNG."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    check(depth == 8 and ctype in (2, 6) and interlace == 0, "PNG is 8-bit RGB(A), not interlaced", str(ihdr))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def case_html_chromium(e):
    """One self-contained page; rendered by a real headless Chromium: the screenshot shows the
    page (text and the red cycle edges), the DOM has every problem's title and picture."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    check(chromium is not None, "chromium is installed (scripts/install-deps.sh installs it)")
    d, logs = e.run_prog(["abba", "recursive", "exit_held", "bad_unlock"])
    titles = [r["title"] for r in reports_of(logs)]
    # A C++ program's report too: long demangled names must not push the table out of its card.
    _, cxx_logs = e.run_prog([], "cxx", prog=e.a.cxx_prog[-1])
    for path in cxx_logs:
        shutil.copy(path, d)
    titles += [r["title"] for r in reports_of(cxx_logs)]
    page = os.path.join(e.tmp, "report.html")
    tmpl = "https://github.com/ORG/REPO/blob/SHA/{path}#L{line}"
    p = e.report("--format=html", "-o", page, "--srcroot", e.a.srcroot, "--source-url", tmpl, d)
    check(p.returncode == 1 and p.stderr == "", "html: exit 1, no warnings", p.stderr)
    with open(page) as f:
        html = f.read()
    for bad in ("<script", "<link", "src=", "url(", "@import", "<iframe", "<img"):
        check(bad not in html, f"self-contained: no {bad!r}")
    check(html.count("<section") == 5, "one section per problem")
    check(html.count("<svg") == 6, "an inline picture per problem and one of all of them")
    link = f'<a href="https://github.com/ORG/REPO/blob/SHA/tests/report_cli/report_prog.c#L{e.line("a_then_b_2")}">' \
           f'tests/report_cli/report_prog.c:{e.line("a_then_b_2")}</a>'
    check(link in html, "--source-url and --srcroot: the frame links to the source, its path relative", html[:2000])
    check(f'<b>{e.line("a_then_b_2"):5d}  ' in html and "/* LINE:a_then_b_2 */" in html,
          "a few lines of source around the program's frame, its line marked")
    check(html.count('class="flt" type="radio" name="kind"') == 5 and 'id="fk-circular"' in html
          and html.count('name="prog"') == 3 and ">report_prog</label>" in html,
          "filters: one per kind present (and all), one per program (and all)")
    check(html.count("dependency the report is about") == 4 and "order of locks the thread held" in html,
          "each picture with edges has a legend")

    profile = os.path.join(e.tmp, "chromium-profile")
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}"]
    url = "file://" + page
    shot = os.path.join(e.tmp, "report.png")
    p = subprocess.run(base + ["--window-size=1280,1600", f"--screenshot={shot}", url], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=180)
    check(p.returncode == 0 and os.path.exists(shot), "chromium took a screenshot", p.stderr[-3000:])
    size = os.path.getsize(shot)
    check(size > 40000, f"the screenshot is not blank ({size} bytes)")
    w, h, bpp, rows = png_pixels(shot)
    check((w, h) == (1280, 1600), f"screenshot is 1280x1600 ({w}x{h})")
    red = dark = 0
    colours = set()
    for row in rows[::2]:
        for x in range(0, w * bpp, bpp * 2):
            r, g, b = row[x], row[x + 1], row[x + 2]
            colours.add((r >> 3, g >> 3, b >> 3))
            if r > 170 and g < 90 and b < 90:
                red += 1
            if r < 80 and g < 80 and b < 80:
                dark += 1
    print(f"pixels sampled: {red} red, {dark} dark, {len(colours)} colours")
    check(red > 150, "the screenshot shows red (the cycle edges and the badges)")
    check(dark > 1500, "the screenshot shows text")
    check(len(colours) > 40, "the screenshot is a rendered page, not a flat colour")

    # Layout at two widths: no card wider than its box (the stack tables fit).
    for width in (1280, 800):
        wrap = os.path.join(e.tmp, f"wrap{width}.html")
        with open(wrap, "w") as f:
            f.write(f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="report.html" '
                    f'style="width:{width}px;height:900px;border:0"></iframe><script>'
                    "document.getElementById('f').onload=function(){var d=this.contentDocument,o=[];"
                    "d.querySelectorAll('section').forEach(function(s,i){if(s.scrollWidth>s.clientWidth+1)o.push(i)});"
                    "var p=document.createElement('pre');p.id='result';p.textContent='page '+"
                    "d.documentElement.scrollWidth+' of '+d.documentElement.clientWidth+' overflowing ['+o.join(',')+']';"
                    "document.body.appendChild(p)};</script></body></html>")
        p = subprocess.run(base + ["--allow-file-access-from-files", "--virtual-time-budget=8000", "--dump-dom",
                                   "file://" + wrap], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=180)
        m = re.search(r'<pre id="result">page (\d+) of (\d+) overflowing \[([\d,]*)\]', p.stdout)
        check(m is not None, f"{width} px: the page was laid out and measured", p.stdout[-2000:] + p.stderr[-2000:])
        check(m.group(3) == "" and int(m.group(1)) <= int(m.group(2)),
              f"{width} px: nothing wider than the page, every section's content fits it", m.group(0))
    p = subprocess.run(base + ["--dump-dom", url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=180)
    dom = p.stdout
    check(p.returncode == 0 and "<body" in dom, "chromium dumped the DOM", p.stderr[-3000:])
    h2 = re.findall(r'<h2 class="title"><span class="badge">([a-z_]+)</span>(.*?)</h2>', dom)
    check([t for _, t in h2] == titles, "the DOM has every problem's title, in order", f"{h2}\n{titles}")
    check(dom.count("<svg") == 6 and "lock_a" in dom and "take_b_then_a" in dom,
          "the DOM has the inline pictures with the lock names and sites")


def case_symbolize_later(e):
    """A log written with symbolize=0 (module+offset only) is symbolised by report from the
    binary with the same build-id; a binary with another build-id is never used."""
    bindir = e.newdir("bin")
    prog = os.path.join(bindir, "report_prog")
    shutil.copy2(e.a.prog, prog)
    d, logs = e.run_prog(["abba", "heap_abba"], "nosym", options="format=json:symbolize=0", prog=prog)
    raw = reports_of(logs)
    own = [f for r in raw for f in r["stack"] if f["module"] == "report_prog"]
    check(own and all(f["function"] is None and f["file"] is None for f in own),
          "the shim wrote the program's frames as module+offset only")
    check(all(re.fullmatch(r"0x[0-9a-f]+", l["name"]) for l in raw[0]["locks"]),
          "the shim named the global locks by address", str([l["name"] for l in raw[0]["locks"]]))
    check("take_a_then_b" not in raw[0]["text"], "the shim's text has no function names")

    p = e.report(d)
    check(p.returncode == 1 and p.stderr == "", "exit 1, no warnings", p.stderr)
    out = p.stdout
    for want in (f"take_a_then_b+0x", f"report_prog.c:{e.line('a_then_b_2')} [report_prog+0x",
                 f"take_b_then_a+0x", f"report_prog.c:{e.line('b_then_a_2')} [report_prog+0x",
                 "(lock_a){", "(lock_b){", "lock(lock_a);",
                 f"(new_lock@report_prog.c:{e.line('new_lock_init')} <- heap_abba@report_prog.c:", "heap_abba+0x"):
        check(want in out, f"the text names {want!r}", out[:4000])
    check(not re.search(r"\(0x[0-9a-f]+\)", out), "no lock is named by address any more")
    j = json_lines(e.report("--format=json", d).stdout)
    fr = j[0]["cycle"][0]["stack"][0]
    check(fr["function"] == "take_b_then_a" and fr["file"].endswith("report_prog.c")
          and fr["line"] == e.line("b_then_a_2"), "the JSON frames are symbolised", json.dumps(fr))
    check({l["name"] for l in j[0]["locks"]} == {"lock_a", "lock_b"}, "the JSON lock names are symbolised")
    check("take_a_then_b" not in e.report("--no-symbolize", d).stdout, "--no-symbolize keeps the frames as written")

    d2, _ = e.run_prog(["abba", "heap_abba"], "sym", prog=prog)
    p = e.report(d, d2)
    check(p.stdout.count("(seen 2 times in 2 processes") == 2,
          "each problem of the symbolize=0 run merges with the same problem of a symbolised run", p.stdout)

    shutil.copy2("/bin/true", prog)  # same path, another build-id
    p = e.report(d)
    check("take_a_then_b" not in p.stdout, "a binary with another build-id is not used")
    check(re.search(r"note: frames in report_prog \(build-id [0-9a-f]+\) stay unsymbolised", p.stderr)
          and p.stderr.count("\n") == 1, "one note says which module could not be found", p.stderr)
    p = e.report("--module-dir", os.path.dirname(os.path.abspath(e.a.prog)), d)
    check("take_a_then_b+0x" in p.stdout and p.stderr == "", "--module-dir finds the binary by build-id",
          p.stderr)

    # The usual CI case: the tests ran a stripped binary, which is still at the log's exe path
    # (same build-id, no symbols); the unstripped one is elsewhere. report must not settle for
    # the stripped file.
    stripped = os.path.join(e.newdir("stripped"), "report_prog")
    subprocess.run(["strip", "--strip-all", "-o", stripped, e.a.prog], check=True)
    d3, logs3 = e.run_prog(["abba"], "stripped-run", prog=stripped)
    raw = reports_of(logs3)
    check(raw[0]["exe"] == stripped and not any(f["function"] == "take_a_then_b" for f in raw[0]["stack"]),
          "the stripped run's log has the program's frames unsymbolised")
    p = e.report(d3)
    check("take_a_then_b" not in p.stdout, "without --module-dir the stripped binary is all there is")
    p = e.report("--module-dir", os.path.dirname(os.path.abspath(e.a.prog)), d3)
    check(f"report_prog.c:{e.line('a_then_b_2')} [report_prog+0x" in p.stdout and p.stderr == "",
          "stripped exe in place: --module-dir's unstripped binary (same build-id) is used", p.stdout[:3000] + p.stderr)


def case_bad_input(e):
    """Unusable lines are skipped with one warning each naming file and line; every valid
    report is still rendered."""
    d, logs = e.run_prog(["abba"])
    with open(logs[0]) as f:
        good = f.readline().rstrip("\n")
    lines = [
        "some text the program printed",                     # 1: not JSON, ignored silently
        good[:len(good) // 2],                               # 2: truncated
        "{not json at all",                                  # 3: invalid
        '{"kind":"frobnicate","pid":1,"locks":[]}',          # 4: unknown kind
        '{"kind":"recursive","locks":[]}',                   # 5: no pid
        '{"kind":"circular","pid":5,"locks":[]}',            # 6: circular without cycle
        good,                                                # 7: valid
        good + " trailing words",                            # 8: text after the object
        '{"kind":"bad_unlock","pid":3}',                     # 9: no locks
        "",                                                  # 10: blank
        "[1, 2, 3]",                                         # 11: not an object line, ignored
        '{"kind":"a\\nb\\u001b[31m","pid":1,"locks":[]}',        # 12: unknown kind with control characters
    ]
    bad = os.path.join(e.newdir("bad"), "bad.log")
    with open(bad, "w") as f:
        f.write("\n".join(lines) + "\n")
    p = e.report(bad)
    check(p.returncode == 1, "exit 1: the valid report is shown", p.stderr)
    warn = p.stderr.splitlines()
    check([int(re.match(rf"ulockdep report: {re.escape(bad)}:(\d+): skipped: ", w).group(1)) for w in warn]
          == [2, 3, 4, 5, 6, 8, 9, 12], "one warning per unusable line, naming file and line", p.stderr)
    for n, phrase in ((2, "truncated"), (4, 'unknown report kind "frobnicate"'), (5, '"pid"'), (6, '"cycle"'),
                      (8, "text after"), (9, '"locks"'), (12, 'unknown report kind "a?b?[31m"')):
        check(any(w.startswith(f"ulockdep report: {bad}:{n}:") and phrase in w for w in warn),
              f"line {n}: the warning says {phrase}")
    check(p.stdout.count(TITLES["circular"]) == 1 and "(seen 1 time in 1 process" in p.stdout,
          "the valid report is rendered once", p.stdout)
    only_bad = os.path.join(e.newdir("bad2"), "only-bad.log")
    with open(only_bad, "w") as f:
        f.write("\n".join(lines[1:6]) + "\n")
    p = e.report(only_bad)
    err = p.stderr.splitlines()
    check(p.returncode == 2 and "no problems" not in p.stdout and len(err) == 6
          and err[-1] == f"ulockdep report: {only_bad}: no usable ulockdep report in it (every JSON line was skipped)",
          "a log with only unusable lines: 5 warnings, one line for the file, exit 2", p.stdout + p.stderr)
    textonly, _ = e.run_prog(["abba"], "text-only", options="format=text")
    p = e.report(textonly)
    err = p.stderr.splitlines()
    check(p.returncode == 2 and len(err) == 1 and "a text log, no JSON reports in it" in err[0]
          and "format=json" in err[0] and "no problems" not in p.stdout,
          "a text-only log (holding a circular report): exit 2, one line saying how to get JSON", p.stdout + p.stderr)
    noise = os.path.join(e.newdir("noise"), "random.bin")
    with open(noise, "wb") as f:
        f.write(bytes(random.Random(7).randrange(256) for _ in range(4096)))
    p = e.report(noise)
    check(p.returncode == 2 and p.stderr.strip() == f"ulockdep report: {noise}: not a ulockdep log (no JSON report line in it)",
          "random bytes: exit 2, one line naming the file", p.stderr)
    p = e.report(noise, d)
    check(p.returncode == 2 and p.stdout.count(TITLES["circular"]) == 1,
          "random bytes beside a good log: the good report is shown, and the exit is still 2", p.stdout + p.stderr)
    empty = os.path.join(e.newdir("empty"), "log.1")
    open(empty, "w").close()
    p = e.report(empty)
    check(p.returncode == 0 and "no problems (1 file read)" in p.stdout and p.stderr == "",
          "an empty log (a traced process that reported nothing): clean, exit 0", p.stdout + p.stderr)


def case_mixed_versions(e):
    """Logs of several ulockdep versions: a report whose "version" has another major number
    (or is not a string) is skipped with a warning naming file and line; the same major
    version, and no version at all, are read."""
    d, logs = e.run_prog(["abba"])
    with open(logs[0]) as f:
        good = json.loads(f.readline())
    check(good.get("version", "").startswith("0."), "the shim writes a 0.x version", good.get("version"))

    def with_version(v):
        o = dict(good)
        if v is None:
            o.pop("version", None)
        else:
            o["version"] = v
        return json.dumps(o)
    lines = [with_version("0.1.0"),        # 1: this version
             with_version("1.0.0"),        # 2: another major: skipped
             with_version("0.7.2-rc1"),    # 3: same major: read
             with_version(None),           # 4: no version (older logs): read
             with_version("2"),            # 5: another major: skipped
             with_version(1),              # 6: not a string: skipped
             with_version("x.y"),          # 7: no number: skipped
             with_version("00.9")]         # 8: major 0: read
    path = os.path.join(e.newdir("versions"), "mixed.log")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    p = e.report("--format=json", path)
    warn = p.stderr.splitlines()
    skipped = [int(m.group(1)) for w in warn if (m := re.match(rf"ulockdep report: {re.escape(path)}:(\d+): skipped: ", w))]
    check(skipped == [2, 5, 6, 7] and len(warn) == 4, "lines 2, 5, 6, 7 skipped, one warning each", p.stderr)
    for n, phrase in ((2, 'written by ulockdep version "1.0.0"'), (5, 'version "2"'), (6, '"version" is not a string'),
                      (7, 'version "x.y"')):
        check(any(w.startswith(f"ulockdep report: {path}:{n}:") and phrase in w for w in warn),
              f"line {n}: the warning says {phrase}", p.stderr)
    out = json_lines(p.stdout)
    check(p.returncode == 1 and len(out) == 1 and out[0]["count"] == 4,
          "the four readable lines are one problem seen 4 times", p.stdout)


def case_exit_status(e):
    """0 no problems, 1 problems, 2 usage errors."""
    empty = e.newdir("empty")
    d, _ = e.run_prog(["recursive"])
    cases = [
        ([], 2, "no log files given"),
        (["--format=xml", d], 2, "unknown format"),
        (["--bogus", d], 2, "--bogus"),
        (["/nonexistent/log"], 2, "/nonexistent/log"),
        (["-o", "/nonexistent/dir/out.txt", d], 2, "cannot write"),
        (["--srcroot", "/nonexistent", d], 2, "--srcroot"),
        ([empty], 0, ""),
        ([d], 1, ""),
    ]
    for argv, rc, msg in cases:
        p = e.report(*argv)
        check(p.returncode == rc, f"report {' '.join(argv)}: exit {rc}", p.stdout + p.stderr)
        if msg:
            check(msg in p.stderr, f"report {' '.join(argv)}: says {msg!r}", p.stderr)
    p = e.report(empty)
    check(p.stdout == "ulockdep report: no problems (0 files read)\n", "an empty directory: no problems", p.stdout)
    p = e.report("--help")
    check(p.returncode == 0 and p.stdout.startswith("Usage: ulockdep report"), "report --help")
    p = subprocess.run([e.a.cli, "--help"], stdout=subprocess.PIPE, text=True)
    check(re.search(r"^  report ", p.stdout, re.M), "ulockdep --help lists report")
    with open(glob.glob(os.path.join(d, "log.*"))[0]) as f:
        p = e.report("-", input=f.read())
    check(p.returncode == 1 and TITLES["recursive"] in p.stdout, "'-' reads a log from standard input")


def case_gen_suppressions(e):
    """--gen-suppressions: a suppressions file, one '# kind: title' + 'deadlock:PATTERN' per
    problem; PATTERN is the first program frame of the reporting stack, else a lock name."""
    d, logs = e.run_prog(["abba", "recursive", "exit_held", "bad_unlock"])
    raw = reports_of(logs)
    p = e.report("--gen-suppressions", d)
    check(p.returncode == 1 and p.stderr == "", "exit 1, no warnings", p.stderr)
    for line in p.stdout.splitlines():
        check(line == "" or line.startswith("#") or re.fullmatch(r"(deadlock|lock):\S+", line),
              f"suppressions syntax: {line!r}")
    pairs = re.findall(r"^(# .*)\n(deadlock:.*)$", p.stdout, re.M)
    want = [(f"# {r['kind']}: {r['title']}", f"deadlock:{pat}")
            for r, pat in zip(raw, ["take_b_then_a", "relock_c", "lock_d", "unlock_e_unheld"])]
    check(pairs == want, "one entry per problem with its kind and title", f"{pairs}\n{want}")
    sarif = os.path.join(e.tmp, "with-supp.sarif")
    p = e.report("--gen-suppressions", "--format=sarif", "-o", sarif, d)
    check(p.stdout.count("deadlock:") == 4 and json.load(open(sarif))["version"] == "2.1.0",
          "with -o FILE the format output goes to FILE and the suppressions to stdout")


def case_cross_run_json(e):
    """`ulockdep merge --format=json` (a cycle no single run saw) is read like the shim's
    reports: one problem made from the two processes that each had one order."""
    g = e.newdir("graph")
    pids = []
    for order in ("ab", "ba"):
        env = dict(os.environ)
        env.pop("ULOCKDEP_OPTIONS", None)
        env["ULOCKDEP_SHIM"] = e.a.shim
        p = subprocess.run([e.a.cli, "run", f"--graph_dir={g}", "--", e.a.prog, order], env=env, cwd=g,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        check(p.returncode == 0, f"report_prog {order} alone is clean", p.stderr)
    out = os.path.join(e.newdir("merged"), "cross.json")
    with open(out, "w") as f:
        p = subprocess.run([e.a.cli, "merge", "--format=json", "--db", os.path.join(e.tmp, "x.db"), g], stdout=f,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    check(p.returncode == 1, "ulockdep merge finds the cross-run cycle", p.stderr)
    p = e.report(out)
    check(p.returncode == 1 and p.stderr == "", "report reads the cross-run JSON: exit 1, no warnings", p.stderr)
    seen = re.findall(r"^\(seen 1 time in 2 processes: pid (\d+) (\S+), pid (\d+) (\S+)\)$", p.stdout, re.M)
    check(len(seen) == 1 and seen[0][1] == seen[0][3] == e.a.prog, "one problem, seen in the two processes",
          p.stdout[-600:])
    j = json_lines(e.report("--format=json", out).stdout)
    check(len(j) == 1 and j[0]["count"] == 1 and len(j[0]["runs"]) == 2 and j[0].get("cross_run") is True,
          "JSON: one cross-run problem with its two runs", json.dumps(j)[:2000])
    check({(c["from"], c["to"]) for c in j[0]["cycle"]} == {("lock_a", "lock_b"), ("lock_b", "lock_a")},
          "the cycle is lock_a <-> lock_b")
    p = e.report("--format=sarif", "--srcroot", e.a.srcroot, out)
    res = json.loads(p.stdout)["runs"][0]["results"]
    lines = sorted(l["physicalLocation"]["region"]["startLine"] for l in res[0]["relatedLocations"])
    check(res[0]["ruleId"] == "ulockdep/circular"
          and lines == sorted([e.line("a_then_b_2"), e.line("b_then_a_2")]),
          "SARIF: a circular result with both dependencies as related locations", str(lines))


def case_deadlock(e):
    """A real deadlock found by the hang watchdog: the picture has the wait-for edges, SARIF
    points at where each thread waits, the HTML has each blocked thread's stack."""
    d, logs = e.run_prog(["deadlock"], options="format=json:deadlock_timeout=1")
    kinds = [r["kind"] for r in reports_of(logs)]
    check(sorted(kinds) == ["circular", "deadlock"], "the run reported the cycle and the deadlock", str(kinds))
    p = e.report("--format=dot", d)
    edges = re.findall(r'^\s*"([^"]+)" -> "([^"]+)" \[(.*)\];$', p.stdout, re.M)
    red = {(a, b) for a, b, attrs in edges if "#d32f2f" in attrs}
    check(red == {("lock_a", "lock_b"), ("lock_b", "lock_a")}, "the wait-for cycle is red", p.stdout)
    p = e.report("--format=sarif", "--srcroot", e.a.srcroot, d)
    res = {r["ruleId"]: r for r in json.loads(p.stdout)["runs"][0]["results"]}
    dl = res["ulockdep/deadlock"]
    rel = sorted(l["physicalLocation"]["region"]["startLine"] for l in dl["relatedLocations"])
    check(rel[:2] == sorted([e.line("dl_want_a"), e.line("dl_want_b")]),
          "deadlock: related locations are where the threads wait", str(rel))
    check("blocked acquiring lock_b" in dl["message"]["text"] and "blocked acquiring lock_a" in dl["message"]["text"],
          "deadlock: the message says who waits for what", dl["message"]["text"][:600])
    check(dl["locations"][0]["physicalLocation"]["region"]["startLine"] in rel, "deadlock: located where a thread waits")
    page = os.path.join(e.tmp, "dl.html")
    e.report("--format=html", "-o", page, d)
    with open(page) as f:
        html = f.read()
    check(re.search(r"<h4>Thread [^<]*/\d+, blocked acquiring lock_b</h4>", html)
          and re.search(r"<h4>Thread [^<]*/\d+, blocked acquiring lock_a</h4>", html),
          "html: a stack table per blocked thread")
    p = e.report("--gen-suppressions", d)
    check("deadlock:hold_" in p.stdout, "the deadlock's suppression names a blocked thread's function", p.stdout)


def case_cxx(e):
    """C++ (-O0 and -O2): report demangles and expands inlined functions itself when the shim
    wrote module+offset only (symbolize=0), and --gen-suppressions names the user's function,
    never std::mutex::lock or __gthread_mutex_lock (a rule that would hide every C++ report)."""
    src = os.path.join(e.a.srcroot, "tests", "e2e", "scenarios", "cxx_member_inversion.cpp")
    lines = open(src).read().splitlines()

    def line(marker):
        return [i + 1 for i, l in enumerate(lines) if f"LINE:{marker} " in l][0]

    check(len(e.a.cxx_prog) == 2, "the -O0 and -O2 programs are given")
    for prog in e.a.cxx_prog:
        level = prog.rsplit("_", 1)[1]
        # symbolize=0 at -O0 is left out: without libdw in the process the shim cannot tell
        # std::mutex::lock's frame from the user's, so the class keys are not the user's (README).
        for options in ("format=json:symbolize=0", "format=json") if level == "O2" else ("format=json",):
            d, logs = e.run_prog([], f"cxx-{level}", options=options, prog=prog)
            raw = reports_of(logs)
            check(len(raw) == 1 and raw[0]["kind"] == "circular", f"{level} {options}: one circular report")
            if "symbolize=0" in options:
                own = [f for f in raw[0]["stack"] if f["module"] == os.path.basename(prog)]
                check(own and all(f["function"] is None for f in own),
                      f"{level}: the shim wrote the program's frames as module+offset")
            p = e.report(d)
            out = p.stdout
            check(p.returncode == 1, f"{level} {options}: report exits 1", p.stderr)
            check("_Z" not in out, f"{level} {options}: no mangled name in the text", out[:3000])
            check(f"Ledger::post@cxx_member_inversion.cpp:{line('post_book')}" in out,
                  f"{level} {options}: the lock is named after Ledger::post", out[:3000])
            check(re.search(r"^\s+Ledger::post\S* cxx_member_inversion\.cpp:%d\b" % line("post_book"), out, re.M),
                  f"{level} {options}: a stack line names Ledger::post at its line", out[:4000])
            if level == "O2":
                check(f"Ledger::post cxx_member_inversion.cpp:{line('post_book')} [inline]" in out
                      and re.search(r"std::mutex::lock\S* std_mutex\.h:\d+", out),
                      f"O2 {options}: inlined functions are frames of their own", out[:4000])
                j = json_lines(e.report("--format=json", d).stdout)
                inl = [f for c in j[0]["cycle"] for f in c["stack"] if f.get("inlined")]
                check(any(f["function"] == "Ledger::post" and f["line"] == line("post_book") for f in inl),
                      f"O2 {options}: the JSON stacks have the inlined frames", json.dumps(j[0]["cycle"])[:3000])
            p = e.report("--gen-suppressions", d)
            rules = re.findall(r"^deadlock:(.*)$", p.stdout, re.M)
            check(rules == ["Ledger::audit"], f"{level} {options}: --gen-suppressions names Ledger::audit",
                  p.stdout)


def case_mangled_json(e):
    """Valid JSON with the wrong shapes (values of other types, missing keys, odd frames) never
    crashes any format: every run ends with exit 0 or 1."""
    import random
    d, logs = e.run_prog(["abba", "recursive", "exit_held", "bad_unlock", "heap_abba"])
    base = reports_of(logs)
    rnd = random.Random(5)
    junk = [None, 0, -1, 2**40, "", "x" * 300, "0x", [], {}, [1, "a", None], {"module": 7, "offset": []}, True, 1.5]

    def mangle(o, depth=0):
        if isinstance(o, dict):
            out = {}
            for k, v in o.items():
                r = rnd.random()
                if r < 0.08 and k not in ("kind",):
                    continue
                out[k] = rnd.choice(junk) if r < 0.16 and k != "kind" else mangle(v, depth + 1)
            return out
        if isinstance(o, list):
            return [mangle(v, depth + 1) for v in o if rnd.random() > 0.05]
        return o

    path = os.path.join(e.newdir("mangled"), "mangled.log")
    with open(path, "w") as f:
        for i in range(400):
            f.write(json.dumps(mangle(base[i % len(base)])) + "\n")
    runs = [[f"--format={fmt}", "-o", os.path.join(e.tmp, "out." + fmt)] for fmt in ("text", "json", "sarif", "dot",
                                                                                     "html")]
    for argv in runs + [["--gen-suppressions"]]:
        p = e.report(*argv, path)
        check(p.returncode in (0, 1), f"{' '.join(argv[:1])} survives mangled reports (exit {p.returncode})",
              p.stderr[-2000:])


def case_rebuilt_text(e):
    """A report without "text" (another producer, an older shim) gets its splat rebuilt from the
    JSON fields in the shim's circular layout: the same lock lines, dependency chain, chain
    and scenario as the shim wrote, with only what JSON does not carry left out."""
    d, logs = e.run_prog(["abba"])
    reps = reports_of(logs)
    check(len(reps) == 1 and reps[0]["kind"] == "circular", "one circular report")
    shim_text = reps[0].pop("text")
    path = os.path.join(e.newdir("no-text"), "no-text.log")
    with open(path, "w") as f:
        f.write(json.dumps(reps[0]) + "\n")
    p = e.report(path)
    check(p.returncode == 1 and p.stderr == "", "read without warnings, exit 1", p.stderr)
    out = p.stdout
    check("(text rebuilt from the JSON report)\n" in out, "says the text is rebuilt", out)

    def section(text, start, end):
        i = text.index(start)
        return text[i:text.index(end, i)]

    # From the dependency chain to the end of the scenario, the rebuild and the shim agree
    # line for line once frames and lock lines are reduced to their names.
    def shape(t):
        t = section(t, "the existing dependency chain", " *** DEADLOCK ***")
        return [re.sub(r"[+ ].*", "", l.strip()) for l in t.splitlines() if l.strip()]

    check(shape(out) == shape(shim_text), "chain and scenario in the shim's layout",
          "rebuilt:\n" + "\n".join(shape(out)) + "\nshim:\n" + "\n".join(shape(shim_text)))
    for line in ["which lock already depends on the new lock.\n\n\nthe existing dependency chain (in reverse order) is:\n",
                 "\n-> #1 (lock_b):\n", "\n-> #0 (lock_a):\n", " Possible unsafe locking scenario:\n",
                 "\n  lock(lock_b);\n                               lock(lock_a);\n"
                 "                               lock(lock_b);\n  lock(lock_a);\n\n *** DEADLOCK ***\n"]:
        check(line in out, f"rebuilt splat has {line.strip()[:50]!r}", out)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--cli", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--prog", required=True)
    ap.add_argument("--cxx-prog", action="append", default=[])
    ap.add_argument("--srcroot", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    for k in ("cli", "shim", "prog", "srcroot", "schema"):
        setattr(args, k, os.path.abspath(getattr(args, k)))
    args.cxx_prog = [os.path.abspath(p) for p in args.cxx_prog]
    e = Env(args)
    try:
        CASES[args.case](e)
    except Fail as f:
        print(f"FAIL: {f}")
        print(f"(files kept in {e.tmp})")
        return 1
    if not args.keep:
        shutil.rmtree(e.tmp, ignore_errors=True)
    print(f"PASS: {args.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
