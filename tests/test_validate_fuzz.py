"""Validation never crashes: random values and narrative in memory (hypothesis) and mutated
workbooks on disk. Every finding names a catalogue rule, and a cell where it has a sheet."""
from __future__ import annotations

import random
import re
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gxxl import read, schema
from gxxl.samples import bureau as sample
from gxxl.errors import GxxlError
from gxxl.model import AnnualReport
from gxxl.rules import BY_ID, validate
from gxxl.workbook.api import new_workbook

from mutate import fuzz_cases, fuzz_seconds, mutate_workbook

RAW = st.one_of(st.none(), st.integers(-5, 10**9), st.floats(allow_nan=True, allow_infinity=True),
                st.sampled_from([float("inf"), float("-inf"), float("nan"), 1e308, -0.0, 2.5]),
                st.sampled_from(["4件", "无", "—", "", "１２", "#REF!", "12", "3.5", "-1", "两件", "=SUM(A1)"]))
FRAGMENTS = ["收到政府信息公开申请", "办结", "结转下年度", "上年结转", "予以公开", "部分公开", "占", "%", "行政复议", "行政诉讼",
             "均获维持", "均已结案", "未发生", "现行有效行政规范性文件", "本年制发", "信息处理费", "元", "件", "起", "，", "。",
             "；", "\n", "2023年，", "2024年，", "统计期限自2023年1月1日起至2024年12月31日止", "其中", "两", "十二", "3", "0",
             "117", "51.85", "（", "）", "公开"]
TEXT = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)
A1 = re.compile(r"[A-Z]{1,3}\d{1,7}")


def _check(res) -> None:
    for f in res.findings:
        assert f.rule in BY_ID and f.severity == BY_ID[f.rule].severity
        assert f.message and "{" not in f.message
        assert f.cell is None or A1.fullmatch(f.cell)
        f.to_json()
    res.to_json()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.dictionaries(st.sampled_from(schema.CODES), RAW, max_size=60),
       overview=TEXT, other=TEXT, problems=TEXT, year=st.one_of(st.none(), st.integers(1990, 2100), st.just("二〇二四")),
       level=st.sampled_from([None, "县级", "乡镇（街道）", "区级", "市级"]))
def test_random_reports_never_crash(values, overview, other, problems, year, level):
    base = sample.sample_values()
    base.update(values)
    rep = AnnualReport.from_values(base, meta={"organ": "某局", "year": year, "level": level},
                                   narrative={"overview": overview, "other": other, "problems": problems})
    last = AnnualReport.from_values(sample.sample_values(), meta={"year": 2023},
                                    narrative={"problems": problems})
    _check(validate(rep, last))


def test_mutated_workbooks_validate_without_crash(tmp_path):
    base_path = tmp_path / "base.xlsx"
    new_workbook(base_path, meta=sample.SAMPLE_META, values=sample.sample_values(), narrative=sample.SAMPLE_NARRATIVE)
    base = base_path.read_bytes()
    rng = random.Random(20250131)
    start, n, validated = time.monotonic(), 0, 0
    while n < fuzz_cases(400) and time.monotonic() - start < fuzz_seconds(8):
        _, data = mutate_workbook(base, rng)
        p = tmp_path / f"m{n % 20}.xlsx"
        p.write_bytes(data)
        n += 1
        try:
            rep = read(p)
        except GxxlError:
            continue
        _check(validate(rep))
        validated += 1
    assert n >= 50 and validated > 0
