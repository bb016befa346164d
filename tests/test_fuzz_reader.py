"""Fault and fuzz tests for the workbook reader: thousands of mutated workbooks, zero tracebacks.

Any crash case found is saved to tests/regressions/ and replayed on every run.
"""
import hashlib
import random
import time
from pathlib import Path

import pytest

from gxxl import read, sample
from gxxl.errors import GxxlError
from gxxl.model import AnnualReport
from gxxl.workbook.api import new_workbook

from mutate import mutate_workbook

REGRESSIONS = Path(__file__).parent / "regressions"
BUDGET_S = 25
MAX_CASES = 3000


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
def base(tmp_path_factory):
    p = tmp_path_factory.mktemp("base") / "base.xlsx"
    new_workbook(p, meta=sample.SAMPLE_META, values=sample.sample_values(), narrative=sample.SAMPLE_NARRATIVE)
    return p.read_bytes()


def test_mutated_workbooks_never_crash(base, tmp_path):
    rng = random.Random(20261201)
    start = time.monotonic()
    outcomes = {"ok": 0, "error": 0}
    crashes = []
    n = 0
    while n < MAX_CASES and time.monotonic() - start < BUDGET_S:
        desc, data = mutate_workbook(base, rng)
        p = tmp_path / f"m{n % 50}.xlsx"
        p.write_bytes(data)
        try:
            outcomes[_try_read(p)] += 1
        except Exception as exc:  # noqa: BLE001 — this is what we hunt
            digest = hashlib.sha1(data).hexdigest()[:12]
            REGRESSIONS.mkdir(exist_ok=True)
            (REGRESSIONS / f"reader-{digest}.xlsx").write_bytes(data)
            crashes.append(f"{desc}: {type(exc).__name__}: {exc}")
        n += 1
    print(f"\nfuzz reader: {n} mutated workbooks, outcomes {outcomes}")
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
