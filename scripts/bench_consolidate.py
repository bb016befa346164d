#!/usr/bin/env python3
"""Time `gxxl consolidate` end to end against a straightforward openpyxl + pandas consolidator.

    python scripts/bench_consolidate.py [-n 1000] [--dir DIR] [--jobs N] [--no-baseline]
                                        [--baseline-mode default|readonly] [--baseline-limit K]

Generates N bureau workbooks (scripts/gen_workbooks.py) unless DIR already holds
them, runs both consolidators as separate processes on the same folder and
roster, and prints wall time, CPU time, peak memory (the whole process tree,
sampled from /proc: PSS, i.e. shared pages counted once, and the RSS sum) and
the ratio. The statuses gxxl finds are checked against the generator's manifest.

The baseline is what one would write first: openpyxl.load_workbook(data_only=True)
per file (``--baseline-mode readonly`` uses read_only=True with iter_rows, the
faster openpyxl idiom), the cells named by gxxl.schema, pandas for the status
rules and totals, DataFrame.to_excel for the output. ``--baseline-limit K``
times the baseline on the first K files only and scales linearly (printed as such).

The machine is shared (other jobs may be using the cores); the load average is printed.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------------------
# the baseline consolidator
# ---------------------------------------------------------------------------


def baseline(folder: Path, roster_csv: Path, out: Path, mode: str = "default", limit: int | None = None) -> dict:
    import openpyxl
    import pandas as pd

    from gxxl import schema

    loc = schema.layout()
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith("~$"))
    if limit:
        files = files[:limit]
    need: dict[str, dict[tuple[int, int], str]] = {}
    for code in schema.INPUT_CODES + ("meta.organ", "meta.year", "meta.level"):
        l = loc[code]
        need.setdefault(l.sheet, {})[(l.row, l.col)] = code
    records = []
    for path in files:
        rec = {"file": str(path.relative_to(folder))}
        try:
            wb = openpyxl.load_workbook(path, data_only=True, read_only=(mode == "readonly"))
            for sheet, cells in need.items():
                ws = wb[sheet]
                if mode == "readonly":
                    maxr = max(r for r, _ in cells)
                    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=maxr, values_only=True), start=1):
                        for c, v in enumerate(row, start=1):
                            if (r, c) in cells:
                                rec[cells[(r, c)]] = v
                else:
                    for (r, c), code in cells.items():
                        rec[code] = ws.cell(r, c).value
            wb.close()
            rec["status"] = "ok"
        except Exception as exc:  # noqa: BLE001
            rec["status"] = "无法读取"
            rec["detail"] = f"{type(exc).__name__}: {exc}"
        records.append(rec)
    df = pd.DataFrame(records)
    for code in schema.INPUT_CODES:
        if code not in df:
            df[code] = None
    raw = df[list(schema.INPUT_CODES)]
    nums = raw.apply(pd.to_numeric, errors="coerce")
    ok = df["status"] == "ok"
    problems = []
    # blanks and text
    bad_cells = ok & nums.isna().any(axis=1)
    # 一+二 = （七）+四 per applicant column
    unbalanced = pd.Series(False, index=df.index)
    for col in schema.APPLICANT_COLUMNS:
        handled = sum(nums[f"requests.{r}.{col}"] for r in schema.OUTCOME_ROWS)
        lhs = nums[f"requests.new.{col}"] + nums[f"requests.carried_in.{col}"]
        rhs = handled + nums[f"requests.carried_out.{col}"]
        unbalanced |= ok & (lhs != rhs) & lhs.notna() & rhs.notna()
    county = df.get("meta.level").isin(schema.LEVELS_WITHOUT_RULES)
    rules = nums[["active.rules.issued", "active.rules.repealed", "active.rules.in_force"]].fillna(0).sum(axis=1) > 0
    df.loc[ok, "status"] = "通过"
    df.loc[ok & county & rules, "status"] = "仅提示"
    df.loc[bad_cells | unbalanced, "status"] = "有错误"
    year = pd.to_numeric(df["meta.year"], errors="coerce")
    target = int(year.mode().iloc[0])
    df.loc[ok & (year != target), "status"] = "年度不符"
    roster = pd.read_csv(roster_csv, encoding="utf-8-sig")["机关名称"].astype(str).str.strip()
    listed = df["meta.organ"].astype(str).str.strip().isin(set(roster))
    df.loc[ok & ~listed & (df["status"] != "年度不符"), "status"] = "不在名单"
    cand = df[df["status"].isin(["通过", "仅提示", "有错误"])]
    dup = cand[cand.duplicated("meta.organ", keep=False)]
    for organ, g in dup.groupby("meta.organ"):
        mtimes = [os.path.getmtime(folder / f) for f in g["file"]]
        newest = g.index[mtimes.index(max(mtimes))]
        df.loc[[i for i in g.index if i != newest], "status"] = "重复报送"
    included = df["status"].isin(["通过", "仅提示", "有错误"])
    totals = nums[included].sum()
    missing = sorted(set(roster) - set(df["meta.organ"].astype(str)))
    for i, r in df[df["status"] != "通过"].iterrows():
        problems.append({"机关": r.get("meta.organ"), "文件": r["file"], "状态": r["status"]})
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        totals.to_frame("合计").to_excel(xw, sheet_name="汇总")
        df.to_excel(xw, sheet_name="明细", index=False)
        pd.DataFrame(problems).to_excel(xw, sheet_name="问题清单", index=False)
        pd.DataFrame({"未报送": missing}).to_excel(xw, sheet_name="报送情况", index=False)
    return {"files": len(df), "counts": df["status"].value_counts().to_dict()}


# ---------------------------------------------------------------------------
# measuring a process tree
# ---------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out.extend(int(x) for x in fh.read().split())
    except OSError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(_children(p))
    return seen


def _mem(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in KB."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def measure(cmd: list[str], env=None) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    peak = {"pss": 0, "rss": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            pss = rss = 0
            for p in _tree(proc.pid):
                a, b = _mem(p)
                pss, rss = pss + a, rss + b
            peak["pss"], peak["rss"] = max(peak["pss"], pss), max(peak["rss"], rss)
            done.wait(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "pss_mb": peak["pss"] / 1024, "rss_mb": peak["rss"] / 1024, "rc": proc.returncode,
            "stdout": out, "stderr": err}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--dir", type=Path, help="folder of generated workbooks (default /tmp/gxxl-bench-N)")
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--baseline-mode", choices=["default", "readonly"], default="default")
    ap.add_argument("--baseline-limit", type=int, help="time the baseline on the first K files and scale linearly")
    ap.add_argument("--run-baseline", nargs=3, metavar=("DIR", "ROSTER", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="default", help=argparse.SUPPRESS)
    ap.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.run_baseline:
        d, r, o = a.run_baseline
        print(json.dumps(baseline(Path(d), Path(r), Path(o), a.mode, a.limit), ensure_ascii=False))
        return 0

    d = a.dir or Path(f"/tmp/gxxl-bench-{a.n}")
    man = d / "manifest.json"
    if not man.exists():
        from gen_workbooks import generate  # noqa: E402  (scripts/ is on sys.path when run as a script)

        print(f"generating {a.n} workbooks in {d} …", file=sys.stderr)
        info = generate(d, a.n, quiet=True)
        print(f"  {info['files']} files in {info['seconds']} s", file=sys.stderr)
    info = json.loads(man.read_text(encoding="utf-8"))
    roster = d / "名单.csv"
    out = d.parent / f"{d.name}-汇总.xlsx"
    bout = d.parent / f"{d.name}-baseline.xlsx"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (shared with other jobs)")
    print(f"input: {info['files']} workbooks, roster {info['organs_in_roster']} organs")

    cmd = [sys.executable, "-m", "gxxl", "consolidate", str(d), "--roster", str(roster), "-o", str(out), "--force",
           "--format", "json"]
    if a.jobs:
        cmd += ["--jobs", str(a.jobs)]
    g = measure(cmd, env)
    if g["rc"] not in (0, 1):
        print(g["stderr"][-2000:], file=sys.stderr)
        return 2
    res = json.loads(g["stdout"])
    expected = info["expected_counts"]
    got = {k: v for k, v in res["counts"].items() if v}
    ok = got == expected and res["files_found"] == info["files"]
    print(f"gxxl consolidate : {g['wall']:6.2f} s wall, {g['cpu']:6.2f} s CPU, peak {g['pss_mb']:6.0f} MB PSS "
          f"({g['rss_mb']:.0f} MB RSS sum)   phases {res.get('seconds')}")
    print(f"  statuses {'match' if ok else 'DIFFER FROM'} the manifest: {got}" + ("" if ok else f" expected {expected}"))
    print(f"  per workbook: {g['wall'] / info['files'] * 1000:.2f} ms wall, {g['cpu'] / info['files'] * 1000:.2f} ms CPU")
    if a.no_baseline:
        return 0 if ok else 1
    bcmd = [sys.executable, str(Path(__file__).resolve()), "--run-baseline", str(d), str(roster), str(bout),
            "--mode", a.baseline_mode]
    if a.baseline_limit:
        bcmd += ["--limit", str(a.baseline_limit)]
    b = measure(bcmd, env)
    if b["rc"] != 0:
        print(b["stderr"][-2000:], file=sys.stderr)
        return 2
    bres = json.loads(b["stdout"])
    scale = info["files"] / bres["files"] if a.baseline_limit else 1.0
    label = f"baseline ({a.baseline_mode}{', scaled from %d files' % bres['files'] if a.baseline_limit else ''})"
    print(f"{label:17}: {b['wall'] * scale:6.2f} s wall, {b['cpu'] * scale:6.2f} s CPU, peak {b['pss_mb']:6.0f} MB PSS")
    print(f"ratio: gxxl is {b['wall'] * scale / g['wall']:.1f}x faster (wall), {b['cpu'] * scale / g['cpu']:.1f}x less CPU")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
