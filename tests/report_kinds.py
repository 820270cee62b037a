"""The report kinds and their text titles, read from common/report_kinds.def (the one table
of them), for the test drivers' checks."""
import os
import re

DEF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common", "report_kinds.def")
_STRING = r'"(?:[^"\\]|\\.)*"'


def _fields(call):
    """The top-level fields of one UL_REPORT_KIND(...) call, adjacent literals joined."""
    fields, cur = [], ""
    for tok in re.findall(_STRING + r"|,|[A-Za-z_][A-Za-z0-9_]*", call):
        if tok == ",":
            fields.append(cur)
            cur = ""
        elif tok.startswith('"'):
            cur += bytes(tok[1:-1], "utf-8").decode("unicode_escape")
        else:
            cur += tok
    fields.append(cur)
    return fields


def load():
    """[(ENUM, kind, sarif_rule, title, short_desc, help, level)] in the table's order."""
    text = re.sub(r"/\*.*?\*/", "", open(DEF).read(), flags=re.S)
    rows = []
    for m in re.finditer(r"UL_REPORT_KIND\(((?:" + _STRING + r"|[^\")])*)\)", text):
        f = _fields(m.group(1))
        if len(f) != 7:
            raise ValueError(f"{DEF}: a UL_REPORT_KIND with {len(f)} fields: {m.group(0)[:80]}")
        rows.append(tuple(f))
    return rows


KINDS = [r[1] for r in load()]
# Titles with "<comm>/<tid>" (held_at_exit) are left out: they name the thread.
TITLES = {r[1]: r[3] for r in load() if "<comm>/<tid>" not in r[3]}


if __name__ == "__main__":
    # For the shell test drivers: `python3 tests/report_kinds.py KIND` prints its title.
    import sys
    print(TITLES[sys.argv[1]])
