"""Consolidation over a county inbox where about one file in ten is broken or hostile.

The run finishes; every file appears exactly once with a status; every unreadable file has
its reason (a real ReadError message, not the "internal exception" fallback); the counts add
up; the totals are exactly the sums of the included files as gxxl reads them one by one; the
outputs are written; no input changes. Each round draws a fresh seeded mix of hostile files and
mutated workbooks (tests/mutate.py); GXXL_FUZZ_SECONDS makes it run more rounds.

tests/test_consolidate.py already proves the statuses of a hand-made inbox (duplicates, wrong
year, roster, zip members, a zip bomb); this file is about volume and variety of damage.
"""
from __future__ import annotations

import math
import random
import re
import time
import zipfile
from pathlib import Path

import pytest

from gxxl import read, schema
from gxxl.consolidation import STATUSES, consolidate
from gxxl.errors import ReadError

from county import hashes, write_bureau
from mutate import fuzz_seconds, mutate_workbook

GOOD = 27
FALLBACK = "无法读取（"  # check_file's text for an exception that is not a ReadError: a bug


@pytest.fixture(scope="module")
def good_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("good")
    out = []
    for i in range(GOOD):
        p = d / f"单位{i:02d}.xlsx"
        write_bureau(p, f"示例县第{i:02d}局", seed=100 + i)
        out.append((p.name, p.read_bytes()))
    return out


def _hostile(base: bytes, other: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    """Named hostile files, each a kind the office really receives (the two readable ones are two organs)."""
    far = _patch(base, "xl/worksheets/sheet3.xml",
                 lambda b: b.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'))
    macro = _patch(other, None, None, add={"xl/vbaProject.bin": bytes(rng.randrange(256) for _ in range(500))})
    return [
        ("截断.xlsx", base[: rng.randrange(100, len(base) - 100)]),
        ("加密.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 512),
        ("网页.xls", "<html><body><table><tr><td>2024年报</td></tr></table></body></html>".encode("gbk")),
        ("空文件.xlsx", b""),
        ("远处有字.xlsx", far),
        ("带宏.xlsm", macro),
    ]


def _patch(data: bytes, member, fn, add=None) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for i in zin.infolist():
            body = zin.read(i.filename)
            zout.writestr(i.filename, fn(body) if i.filename == member else body)
        for k, v in (add or {}).items():
            zout.writestr(k, v)
    return buf.getvalue()


def _round(good_files, rng: random.Random, folder: Path) -> dict:
    folder.mkdir(parents=True)
    files = list(good_files[2:])
    files += _hostile(good_files[0][1], good_files[1][1], rng)
    for k in range(3):  # and a few seeded mutations of whatever kind (not of the two organs above)
        desc, data = mutate_workbook(good_files[rng.randrange(2, len(good_files))][1], rng)
        files.append((f"变异{k}.xlsx", data))
    for name, data in files:
        (folder / name).write_bytes(data)
    before = hashes(folder)
    res = consolidate([folder], year=2024, jobs=2, progress=False)
    assert hashes(folder) == before, "an input was modified"

    # every file exactly once, the counts add up
    shown = sorted(f.file.split("/", 1)[1] for f in res.files)
    assert shown == sorted(n for n, _ in files)
    assert sum(res.counts.values()) == len(res.files) == len(files)
    assert set(res.counts) == set(STATUSES)
    # each unreadable file says why, in Chinese, with the reader's own reason
    unreadable = [f for f in res.files if f.status == "无法读取"]
    for f in unreadable:
        assert f.detail and any("\u4e00" <= ch <= "\u9fff" for ch in f.detail), f.file
        assert not f.detail.startswith(FALLBACK), f"{f.file}: {f.detail}"
        with pytest.raises(ReadError):
            read(folder / f.file.split("/", 1)[1])
    assert {"截断.xlsx", "加密.xlsx", "网页.xls", "空文件.xlsx"} <= {f.file.split("/", 1)[1] for f in unreadable}
    summary = res.summary_text()
    for f in unreadable:
        assert Path(f.file).name in summary
    # hostile but readable: included, with the reader's warning
    by = {f.file.split("/", 1)[1]: f for f in res.files}
    assert by["远处有字.xlsx"].included and any(x[0] == "structure.outside_ignored" for x in by["远处有字.xlsx"].findings)
    assert by["带宏.xlsm"].included and any(x[0] == "structure.macros_ignored" for x in by["带宏.xlsm"].findings)
    # totals: exactly the included files, each read on its own
    reps = [read(folder / f.file.split("/", 1)[1]) for f in res.included]
    for code in schema.INPUT_CODES:
        own = sum(v for v in (r.get(code) for r in reps) if isinstance(v, (int, float)))
        got = res.total_values[code]
        if not math.isfinite(own) or abs(own) > 1e300:  # 1E+308 typed twice: no finite total, in any order
            assert got is None or not math.isfinite(got) or abs(got) > 1e300, code
        else:
            assert got == pytest.approx(own), code
    # the outputs are written and the consolidated workbook reads back as the totals
    out = folder.parent / "汇总.xlsx"
    res.to_xlsx(out)
    res.to_csv(folder.parent / "csv")
    assert read(out).get("requests.new.total") == res.total_values["requests.new.total"]
    assert hashes(folder) == before
    return {"files": len(files), "unreadable": len(unreadable), "included": len(res.included)}


def test_inbox_with_one_file_in_ten_broken(good_files, tmp_path):
    rng = random.Random(424242)
    start, rounds, seen = time.monotonic(), 0, []
    budget = fuzz_seconds(0)  # default: one round
    while rounds == 0 or time.monotonic() - start < budget:
        seen.append(_round(good_files, rng, tmp_path / f"r{rounds}" / "收件箱"))
        rounds += 1
    print(f"\nconsolidate fuzz: {rounds} rounds, {seen}")
    assert all(s["unreadable"] >= 4 and s["included"] >= GOOD for s in seen)


def test_extreme_numbers_reach_every_output(good_files, tmp_path):
    """A count typed as 1E+20, a negative, a fraction: the DataFrames, CSV and workbook are still written
    (the 明细 column stays exact instead of becoming a 64-bit integer; found by the round above)."""
    from gxxl.samples import bureau as sample

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    (inbox / good_files[2][0]).write_bytes(good_files[2][1])
    v = sample.sample_values()
    v.update({"requests.new.natural": 10**20, "requests.new.business": -3, "active.licensing.decisions": 2.5,
              "active.fees.amount": 1e300})
    write_bureau(inbox / "极端.xlsx", "示例县极端局", values=v)
    res = consolidate([inbox], year=2024, jobs=1, progress=False)
    assert {f.file.split("/", 1)[1]: f.status for f in res.files}["极端.xlsx"] == "有错误"
    assert 10**20 in res.details["requests.new.natural"].tolist()
    written = res.to_csv(tmp_path / "csv")
    assert re.search(r"(1e\+20|100000000000000000000),", written[0].read_text(encoding="utf-8-sig"))
    res.to_xlsx(tmp_path / "汇总.xlsx")
    # a spreadsheet cell holds a double: 15 significant digits survive
    assert read(tmp_path / "汇总.xlsx").get("requests.new.natural") == pytest.approx(res.total_values["requests.new.natural"], rel=1e-15)
