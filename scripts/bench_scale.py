#!/usr/bin/env python3
"""Province scale: `gxxl consolidate` of 1,000 / 10,000 / 100,000 workbooks side by side (issue 15).

    python3 scripts/bench_scale.py [--sizes 1000,10000,100000] [--root /tmp] [--keep] [--jobs N]
                                   [--baseline-limit 300] [--scheduler tcp://host:port]

For each size N a set of realistic workbooks is generated once under ROOT/gxxl-scale-N
(scripts/gen_workbooks.py patches one template, ~3 ms a file) and consolidated by the CLI as a
separate process — roster, the consolidated workbook, and (above 20,000 files) the 明细 as Parquet
beside it — while the whole process tree's memory is sampled from /proc (PSS: shared pages counted
once). Printed per size: wall time, CPU time, time per file, peak memory, and the growth against the
smallest size (time per file and peak memory should stay flat). The statuses found are checked against
the generator's manifest. A straightforward openpyxl + pandas consolidator (scripts/bench_consolidate.py)
is timed on the first ``--baseline-limit`` files of the smallest set and scaled linearly, for the ratio.

The generated sets are deleted afterwards unless ``--keep`` (a 100,000-file set is ~4 GB). The
machine is shared: the load average is printed with the numbers.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_consolidate import measure  # noqa: E402


def counts_from_text(out: str) -> dict:
    m = re.search(r"共找到(\d+)个文件，(.*?)。", out)
    if not m:
        return {}
    return {k: int(v) for k, v in re.findall(r"([^\d、]+?)(\d+)个", m.group(2))}


def run_size(n: int, root: Path, jobs: int, scheduler: str | None, keep: bool) -> dict:
    from gen_workbooks import generate

    d = root / f"gxxl-scale-{n}"
    made = False
    if not (d / "manifest.json").exists():
        t = time.perf_counter()
        print(f"generating {n} workbooks in {d} …", file=sys.stderr, flush=True)
        generate(d, n, quiet=True)
        print(f"  done in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
        made = True
    info = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    out = root / f"gxxl-scale-{n}-汇总.xlsx"
    cmd = [sys.executable, "-m", "gxxl", "consolidate", str(d), "--roster", str(d / "名单.csv"), "-o", str(out),
           "--force"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    if scheduler:
        cmd += ["--scheduler", scheduler]
    load = os.getloadavg()[0]
    r = measure(cmd, dict(os.environ, PYTHONPATH=str(ROOT)))
    got = counts_from_text(r["stdout"])
    ok = r["rc"] in (0, 1) and got == info["expected_counts"]
    sizes = {p.name: p.stat().st_size for p in root.glob(f"gxxl-scale-{n}-汇总*") if p.is_file()}
    for p in root.glob(f"gxxl-scale-{n}-汇总*"):
        p.unlink()
    if made and not keep:
        shutil.rmtree(d, ignore_errors=True)
    if not ok:
        print(r["stderr"][-3000:], file=sys.stderr)
    return {"n": info["files"], "wall": r["wall"], "cpu": r["cpu"], "pss": r["pss_mb"], "rss": r["rss_mb"],
            "ok": ok, "counts": got, "load": load, "outputs": sizes, "dir": d}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated numbers of workbooks (add 100000 once)")
    ap.add_argument("--root", type=Path, default=Path("/tmp"))
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--scheduler", help="run the per-file step on this Dask cluster")
    ap.add_argument("--keep", action="store_true", help="keep the generated sets")
    ap.add_argument("--baseline-limit", type=int, default=300,
                    help="files of the smallest set the openpyxl+pandas baseline reads (0: none)")
    a = ap.parse_args(argv)
    sizes = [int(x) for x in a.sizes.split(",") if x.strip()]
    print(f"machine: {os.cpu_count()} cores, load average {'/'.join(f'{x:.1f}' for x in os.getloadavg())} "
          "(shared with other jobs)", flush=True)
    rows = []
    for n in sizes:
        keep = a.keep or (a.baseline_limit and n == min(sizes))
        rows.append(run_size(n, a.root, a.jobs, a.scheduler, keep))
        r = rows[-1]
        print(f"  {r['n']:>7} files: {r['wall']:7.1f} s wall, peak {r['pss']:5.0f} MB PSS, statuses "
              f"{'match' if r['ok'] else 'DIFFER'}", flush=True)
    base = rows[0]
    print()
    print(f"{'files':>8} {'wall s':>8} {'CPU s':>8} {'ms/file':>8} {'×ms/file':>9} {'peak MB':>8} {'×peak':>6} "
          f"{'load':>5}  outputs")
    for r in rows:
        per = r["wall"] / r["n"] * 1000
        outs = ", ".join(f"{k.split('-汇总', 1)[1] or '.xlsx'} {v / 2**20:.1f} MB" for k, v in sorted(r["outputs"].items()))
        print(f"{r['n']:>8} {r['wall']:>8.1f} {r['cpu']:>8.1f} {per:>8.2f} {per / (base['wall'] / base['n'] * 1000):>9.2f} "
              f"{r['pss']:>8.0f} {r['pss'] / base['pss']:>6.2f} {r['load']:>5.1f}  {outs}")
    for r in rows[1:]:
        print(f"growth {base['n']} -> {r['n']} files ({r['n'] / base['n']:.0f}x): time {r['wall'] / base['wall']:.1f}x, "
              f"peak memory {r['pss'] / base['pss']:.2f}x (goal ≤ 1.5x)")
    big = [r for r in rows if r["n"] >= 100_000]
    for r in big:
        print(f"{r['n']} files in {r['wall'] / 60:.1f} min (goal ≤ 5 min): {'OK' if r['wall'] <= 300 else 'MISSED'}")
    if a.baseline_limit:
        d = base["dir"]
        k = min(a.baseline_limit, base["n"])
        bout = a.root / "gxxl-scale-baseline.xlsx"
        b = measure([sys.executable, str(HERE / "bench_consolidate.py"), "--run-baseline", str(d), str(d / "名单.csv"),
                     str(bout), "--limit", str(k)], dict(os.environ, PYTHONPATH=str(ROOT)))
        bout.unlink(missing_ok=True)
        if b["rc"] == 0:
            per_b = b["wall"] / k * 1000
            per_g = base["wall"] / base["n"] * 1000
            print(f"baseline openpyxl+pandas on {k} files: {per_b:.1f} ms/file, peak {b['pss_mb']:.0f} MB "
                  f"(scaled to {base['n']} files: {per_b * base['n'] / 1000:.0f} s); gxxl is {per_b / per_g:.1f}x faster per file")
        if not a.keep:
            shutil.rmtree(d, ignore_errors=True)
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
