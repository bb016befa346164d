"""Fault and fuzz tests for the workbook reader: thousands of mutated workbooks, zero tracebacks.

Bases: a gxxl .xlsx, and LibreOffice's .ods and .xls of it (when LibreOffice is installed).
Mutation classes: see tests/mutate.py. GXXL_FUZZ_SECONDS=3600 runs the loop for an hour.
Any crash case found is saved to tests/regressions/ and replayed on every run.
"""
import hashlib
import random
import time
from pathlib import Path

import pytest

from gxxl import read
from gxxl.samples import bureau as sample
from gxxl.errors import GxxlError
from gxxl.model import AnnualReport
from gxxl.workbook.api import new_workbook

from mutate import fuzz_cases, fuzz_seconds, mutate_ods, mutate_workbook, mutate_xls

REGRESSIONS = Path(__file__).parent / "regressions"
BUDGET_S = fuzz_seconds(25)
MAX_CASES = fuzz_cases(3000)


def _try_read(path: Path):
    before = path.read_bytes()
    try:
        rep = read(path)
        assert isinstance(rep, AnnualReport)
        result = "ok"
    except GxxlError as exc:
        msg = str(exc)
        assert msg and str(path) in msg, msg  # names the file
        assert any("\u4e00" <= ch <= "\u9fff" for ch in msg)  # Chinese
        result = "error"
    assert path.read_bytes() == before, "input modified"
    return result


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    """{suffix: (bytes, mutator)}: the sample as .xlsx, and as LibreOffice writes it to .ods and .xls."""
    d = tmp_path_factory.mktemp("base")
    p = d / "base.xlsx"
    new_workbook(p, meta=sample.SAMPLE_META, values=sample.sample_values(), narrative=sample.SAMPLE_NARRATIVE)
    out = {".xlsx": (p.read_bytes(), mutate_workbook)}
    from gxxl.util.libreoffice import convert, soffice

    if soffice() is not None:
        out[".ods"] = (convert([p], d / "ods", "ods")[0].read_bytes(), mutate_ods)
        out[".xls"] = (convert([p], d / "xls", "xls")[0].read_bytes(), mutate_xls)
    return out


def test_mutated_workbooks_never_crash(bases, tmp_path):
    rng = random.Random(20261201)
    start = time.monotonic()
    outcomes = {"ok": 0, "error": 0}
    per_format = {k: 0 for k in bases}
    crashes = []
    n = 0
    while n < MAX_CASES and time.monotonic() - start < BUDGET_S:
        suffix = rng.choices(list(bases), weights=[6, 2, 2][: len(bases)])[0]
        base, mutate = bases[suffix]
        desc, data = mutate(base, rng)
        p = tmp_path / f"m{n % 50}{suffix}"
        p.write_bytes(data)
        try:
            outcomes[_try_read(p)] += 1
            per_format[suffix] += 1
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 — this is what we hunt (a Rust panic is a BaseException)
            digest = hashlib.sha1(data).hexdigest()[:12]
            REGRESSIONS.mkdir(exist_ok=True)
            (REGRESSIONS / f"reader-{digest}{suffix}").write_bytes(data)
            crashes.append(f"{suffix} {desc}: {type(exc).__name__}: {exc}")
        n += 1
    print(f"\nfuzz reader: {n} mutated workbooks {per_format}, outcomes {outcomes}")
    assert not crashes, f"{len(crashes)} crashes (saved in tests/regressions/):\n" + "\n".join(crashes[:10])
    assert n >= 200, f"only {n} cases ran"
    assert outcomes["error"] > 0 and outcomes["ok"] > 0


@pytest.mark.parametrize("case", sorted(REGRESSIONS.glob("reader-*")) or [None])
def test_regressions(case, tmp_path):
    if case is None:
        pytest.skip("no regression cases recorded")
    p = tmp_path / case.name
    p.write_bytes(case.read_bytes())
    _try_read(p)
