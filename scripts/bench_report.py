"""Benchmark: seconds per .docx / .html report, as a ratio to reading the workbook (the baseline).

Run: python scripts/bench_report.py [-n 50]
Target (issue 4): ≤ 0.15 s per .docx.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gxxl import read  # noqa: E402
from gxxl.samples import bureau as sample
from gxxl.render import prepare, write  # noqa: E402
from gxxl.workbook.api import new_workbook  # noqa: E402


def per_call(fn, n: int) -> float:
    fn()  # warm up (imports, caches)
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=30)
    n = ap.parse_args().n
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "sample.xlsx"
        new_workbook(src, meta=sample.SAMPLE_META, values=sample.sample_values(), narrative=sample.SAMPLE_NARRATIVE)
        base = per_call(lambda: read(src), n)
        prep = prepare(src)
        full = per_call(lambda: write(prepare(src), Path(tmp) / "r.docx", "docx"), n)
        docx_only = per_call(lambda: write(prep, Path(tmp) / "r.docx", "docx"), n)
        html_only = per_call(lambda: write(prep, Path(tmp) / "r.html", "html"), n)
    print(f"baseline read workbook     {base * 1000:7.1f} ms")
    print(f"read+gate+write .docx      {full * 1000:7.1f} ms  ({full / base:5.1f}× baseline; target ≤ 150 ms)")
    print(f"write .docx only           {docx_only * 1000:7.1f} ms  ({docx_only / base:5.1f}×)")
    print(f"write .html only           {html_only * 1000:7.1f} ms  ({html_only / base:5.1f}×)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
