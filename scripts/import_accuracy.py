#!/usr/bin/env python3
"""Exact-cell accuracy of `gxxl import` on the seed and every report in tests/data/corpus.

Compares each imported document with the values read by hand in
tests/data/import_expected/*.json and prints one row per document:
cells printed, read exactly, left blank with a finding, wrong with a finding,
and silent errors (wrong or missing without any finding: must be 0).

    python3 scripts/import_accuracy.py [--details]
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gxxl.ingest import import_report  # noqa: E402
from gxxl.ingest.accuracy import compare, expected_files, load_expected  # noqa: E402

SHARED = ROOT / "tests" / "data"
EXPECTED = ROOT / "tests" / "data" / "import_expected"


def main(argv: list[str]) -> int:
    details = "--details" in argv
    rows = []
    tot = {"printed": 0, "exact": 0, "unread": 0, "wrong": 0, "silent": 0}
    for f in expected_files(EXPECTED):
        exp = load_expected(f)
        doc = SHARED / exp.document
        rep = import_report(doc)
        s = compare(rep, exp)
        rows.append((exp.document, s))
        for k in ("printed", "exact", "unread", "wrong"):
            tot[k] += getattr(s, k)
        tot["silent"] += len(s.silent)
    w = max(len(d) for d, _ in rows)
    print(f"{'document':<{w}}  printed  exact  exact%  unread  wrong  silent  missing-findings")
    for d, s in rows:
        print(f"{d:<{w}}  {s.printed:7d}  {s.exact:5d}  {s.pct:6.1f}  {s.unread:6d}  {s.wrong:5d}  {len(s.silent):6d}  "
              f"{','.join(s.missing_findings) or '-'}")
        if details:
            for line in s.details + [f"SILENT {x}" for x in s.silent]:
                print(f"    {line}")
    pct = 100.0 * tot["exact"] / tot["printed"] if tot["printed"] else 100.0
    print(f"{'TOTAL':<{w}}  {tot['printed']:7d}  {tot['exact']:5d}  {pct:6.1f}  {tot['unread']:6d}  {tot['wrong']:5d}  {tot['silent']:6d}")
    return 0 if tot["silent"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
