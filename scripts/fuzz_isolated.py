"""Long fuzz run of the workbook reader in child processes, for hunting crashes that kill a process.

The test suite fuzzes in-process (tests/test_fuzz_reader.py, bounded by GXXL_FUZZ_SECONDS). A bug in
the native reader (python-calamine) can abort the whole process instead of raising; this script runs
gxxl.read over mutated .xlsx/.ods/.xls files in batches of child processes, so an abort costs one
child, and saves every abort or unexpected exception to tests/regressions/ for the suite to replay.

    python3 scripts/fuzz_isolated.py --seconds 600 --seed 1
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CHILD = r"""
import sys
from gxxl import read
from gxxl.errors import ReadError
for p in sys.argv[1:]:
    print("START", p, flush=True)
    try:
        read(p)
    except ReadError:
        pass
    except BaseException as e:
        print("EXC", p, type(e).__name__, str(e)[:120].replace("\n", " "), flush=True)
    print("END", p, flush=True)
"""


def bases(tmp: Path) -> dict:
    from mutate import mutate_ods, mutate_workbook, mutate_xls

    from gxxl.samples import bureau as sample
    from gxxl.util.libreoffice import convert, soffice
    from gxxl.workbook.api import new_workbook

    p = tmp / "base.xlsx"
    new_workbook(p, meta=sample.SAMPLE_META, values=sample.sample_values(), narrative=sample.SAMPLE_NARRATIVE)
    out = {".xlsx": (p.read_bytes(), mutate_workbook)}
    if soffice():
        out[".ods"] = (convert([p], tmp / "ods", "ods")[0].read_bytes(), mutate_ods)
        out[".xls"] = (convert([p], tmp / "xls", "xls")[0].read_bytes(), mutate_xls)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=40)
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    regressions = ROOT / "tests" / "regressions"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    found: list[str] = []
    n = 0
    with tempfile.TemporaryDirectory(prefix="gxxl-fuzz-") as t:
        tmp = Path(t)
        kinds = bases(tmp)
        start = time.monotonic()
        while time.monotonic() - start < a.seconds:
            batch = []
            for k in range(a.batch):
                suffix = rng.choice(list(kinds))
                base, mutate = kinds[suffix]
                desc, data = mutate(base, rng)
                p = tmp / f"case{k}{suffix}"
                p.write_bytes(data)
                batch.append((str(p), desc))
            n += len(batch)
            todo = batch
            while todo:
                r = subprocess.run([sys.executable, "-c", CHILD, *(p for p, _ in todo)], capture_output=True, text=True,
                                   env=env, timeout=900)
                lines = r.stdout.splitlines()

                def keep(path: str, why: str) -> None:
                    data = Path(path).read_bytes()
                    regressions.mkdir(exist_ok=True)
                    (regressions / f"reader-{hashlib.sha1(data).hexdigest()[:12]}{Path(path).suffix}").write_bytes(data)
                    found.append(why)

                for ln in lines:
                    if ln.startswith("EXC "):
                        keep(ln.split(" ", 2)[1], ln)
                if r.returncode == 0:
                    break
                ended = {ln[4:] for ln in lines if ln.startswith("END ")}
                crashed = [ln[6:] for ln in lines if ln.startswith("START ") and ln[6:] not in ended]
                if not crashed:
                    found.append(f"child exited {r.returncode} before reading: {r.stderr[-300:]}")
                    break
                desc = dict(todo)[crashed[0]]
                keep(crashed[0], f"ABORT ({desc}) exit {r.returncode}: {(r.stderr.strip().splitlines() or [''])[0][:160]}")
                todo = todo[[p for p, _ in todo].index(crashed[0]) + 1:]
    print(f"{n} mutated workbooks in {a.seconds:.0f} s, {len(found)} problems (saved in tests/regressions/)")
    for f in found[:50]:
        print("  " + f)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
