#!/usr/bin/env python3
"""Import + audit of published reports, per form (HTML, text, PDF, docx, Markdown): median time per file.

    python3 scripts/bench_import.py [--repeat 5]

The reports are the real ones in tests/data/corpus (and corpus/derived). Each file is imported
(gxxl.api.read_any) and validated as `gxxl audit` does, ``--repeat`` times in this process; the fastest
run counts (the machine is shared). Printed: per form the median over its files, the median over the
forms, and which forms take more than twice that median (issue 15: take those down).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "tests" / "data" / "corpus"
FORMS = {".html": "HTML", ".htm": "HTML", ".txt": "text", ".pdf": "PDF", ".docx": "docx", ".md": "Markdown"}


def files() -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for p in sorted(CORPUS.rglob("*")):
        form = FORMS.get(p.suffix.lower())
        if form and not p.name.endswith(".source.txt") and p.name.lower() != "readme.md":
            out.setdefault(form, []).append(p)
    return out


def audit_one(p: Path) -> None:
    from gxxl.api import read_any
    from gxxl.rules import validate

    validate(read_any(p))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    by_form = files()
    for ps in by_form.values():  # warm imports and caches
        audit_one(ps[0])
    med: dict[str, float] = {}
    print(f"import + validate, fastest of {a.repeat} runs per file (load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores)")
    for form, ps in by_form.items():
        times = []
        for p in ps:
            best = float("inf")
            for _ in range(a.repeat):
                t = time.perf_counter()
                audit_one(p)
                best = min(best, time.perf_counter() - t)
            times.append(best)
        med[form] = statistics.median(times)
        print(f"  {form:9} {len(ps):2} files  median {med[form] * 1000:8.1f} ms   "
              f"({', '.join(f'{p.name} {t * 1000:.0f}' for p, t in zip(ps, times))})")
    m = statistics.median(med.values())
    print(f"median over forms: {m * 1000:.1f} ms")
    slow = {f: t for f, t in med.items() if t > 2 * m}
    for f, t in slow.items():
        print(f"  {f} is {t / m:.1f}x the median (over 2x)")
    if not slow:
        print("  no form over twice the median")
    return 0


if __name__ == "__main__":
    sys.exit(main())
