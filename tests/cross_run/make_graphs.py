#!/usr/bin/env python3
"""Writes synthetic graph files in the shim's format (shim/graph_record.c), for tests of
`ulockdep merge` that need many or large files.

  make_graphs.py DIR --files N --classes C --edges E [--seed S] [--cycle]

Each file is one fake run over a shared pool of C static lock classes, with E dependencies
chosen at random from lower to higher class index (so the union has no cycle). With --cycle,
file 0 also records lock_0 -> lock_1 and file 1 records lock_1 -> lock_0: exactly one
cross-run cycle."""
import argparse
import os
import random

BUILD_ID = "ab" * 20


def frame(off, fn, line):
    return f"{BUILD_ID}+0x{off:x}|synthetic|{fn}|0x10|0x40|/src/synthetic.c|{line}"


def write_file(path, pid, classes, edges):
    """classes: list of class indexes used; edges: list of (from, to) class indexes."""
    ids = {c: i + 1 for i, c in enumerate(sorted(classes))}
    lines = ["ulockdep-graph\t1", f"h\tpid\t{pid}", "h\tppid\t1", "h\thost\tsynthetic",
             "h\tstart\t1700000000", "h\texe\t/bin/synthetic", f"h\tcmd\tsynthetic --run {pid}",
             "h\tclass_depth\t2", "h\tversion\t0.1.0"]
    for c in sorted(classes):
        lines.append(f"c\t{ids[c]}\tmutex\t1\tstatic:{BUILD_ID}+0x{0x10000 + 64 * c:x}\tlock_{c}")
    for k, (a, b) in enumerate(edges):
        sid = k + 1
        lines.append(f"s\t{sid}\t{frame(0x1000 + b, 'take_' + str(b), 10 + b)};{frame(0x2000 + a, 'caller', 5)}")
        lines.append(f"e\t{ids[a]}\t{ids[b]}\t8\t{sid}")
    lines.append(f"end\t{len(classes)}\t{len(edges)}\t{len(edges)}")
    tmp = path + ".part"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.rename(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--edges", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cycle", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    rng = random.Random(a.seed)
    for i in range(a.files):
        pairs = set()
        while len(pairs) < a.edges:
            x, y = rng.randrange(a.classes), rng.randrange(a.classes)
            if x != y:
                pairs.add((min(x, y), max(x, y)))
        edges = sorted(pairs)
        if a.cycle and i in (0, 1):
            edges = [e for e in edges if e not in ((0, 1), (1, 0))] + [(0, 1) if i == 0 else (1, 0)]
        classes = {c for e in edges for c in e}
        write_file(os.path.join(a.dir, f"synthetic-{100000 + i}-{i:016x}.ulg"), 100000 + i, classes, edges)


if __name__ == "__main__":
    main()
