"""Real published numbers: the 平潭综合实验区 reports 2022–2025 typed into gxxl workbooks with their
published narrative. A correct report gives no error and no unexplained warning; the real defects
these reports carry are found and quoted."""
from __future__ import annotations

import pytest

import gxxl
from gxxl.model import AnnualReport
from gxxl.workbook.api import new_workbook

from validate_data import pingtan as P


def _workbook(tmp_path, year, explanations=None):
    p = tmp_path / f"平潭综合实验区{year}年政府信息公开工作年度报告.xlsx"
    new_workbook(p, meta=P.meta(year), values=P.TABLES[year], narrative=P.narrative(year), explanations=explanations)
    return p


@pytest.mark.parametrize("year", sorted(P.TABLES))
def test_typed_tables_match_printed_totals(year):
    rep = AnnualReport.from_values(P.TABLES[year])
    for code, printed in P.PRINTED[year].items():
        assert rep.get(code) == printed, code


def test_pingtan_2024_is_clean(tmp_path):
    path = _workbook(tmp_path, 2024)
    res = gxxl.validate(path)
    assert res.errors == []
    # its 一、总体情况 really is longer than the format's 1,000 characters
    assert [(f.rule, f.actual) for f in res.warnings] == [("text.overview_length", 1115)]
    path2 = _workbook(tmp_path / "x", 2024, explanations=[("text.overview_length", "全区汇总报告，涵盖各单位工作，篇幅略长")])
    res = gxxl.validate(path2)
    assert res.ok and res.errors == [] and res.unexplained_warnings == []
    assert res.to_json()["warnings"] == 1 and res.to_json()["findings"][0]["explained"] is True


def test_pingtan_2025_fee_notices_unmentioned(tmp_path):
    res = gxxl.validate(_workbook(tmp_path, 2025))
    assert res.errors == []
    (f,) = res.warnings  # 2 applicants did not pay after a fee notice; 六 only says no fee was collected
    assert (f.rule, f.sheet, f.cell, f.actual) == ("text.fee_notice", "正文", "B6", 2)


def test_pingtan_2023_narrative_in_force_differs(tmp_path):
    res = gxxl.validate(_workbook(tmp_path, 2023))
    assert res.errors == []
    assert [(f.rule, f.expected, f.actual) for f in res.warnings] == [
        ("text.normative", 470, 393), ("text.overview_length", 1000, 1453)]
    assert "现行有效行政规范性文件393件" in res.warnings[0].message


def test_pingtan_2022_received_includes_carried_over(tmp_path):
    res = gxxl.validate(_workbook(tmp_path, 2022))
    assert res.errors == [] and [f.rule for f in res.warnings] == ["text.overview_length"]
    assert any("收到政府信息公开申请75件" in n and "新收＋上年结转" in n for n in res.notes)


def test_cross_year_2023_to_2024(tmp_path):
    last = _workbook(tmp_path, 2023)
    now = _workbook(tmp_path / "n", 2024, explanations=[
        ("text.overview_length", "全区汇总报告，篇幅略长"),
        ("active.normative.in_force", "含有效期届满自然失效的行政规范性文件59件"),
    ])
    res = gxxl.validate(now, previous=last)
    assert res.ok and res.unexplained_warnings == []
    f = next(f for f in res.warnings if f.rule == "prev.in_force")
    assert (f.expected, f.actual, f.cell, f.explained) == (499, 440, "D6", True)
    assert "470＋本年制发62－本年废止33＝499" in f.message


def test_cross_year_carried_in_error(tmp_path):
    last = AnnualReport.from_values(P.TABLES[2024], meta=P.meta(2024), narrative=P.narrative(2024))
    vals = dict(P.TABLES[2025])
    vals["requests.carried_in.natural"] = 3  # 2024 carried nothing over
    vals["requests.disclosed.natural"] += 3
    now = AnnualReport.from_values(vals, meta=P.meta(2025), narrative=P.narrative(2025))
    res = gxxl.validate(now, previous=last)
    (e,) = res.errors
    assert (e.rule, e.sheet, e.cell, e.expected, e.actual) == ("prev.carried_in", "表三 依申请公开", "D7", 0, 3)
