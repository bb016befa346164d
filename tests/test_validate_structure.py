"""Validation of real workbooks on disk: findings carry the sheet and cell the value was read from,
and the reader's structure findings (labels edited, sheets renamed or missing) are merged."""
from __future__ import annotations

import openpyxl
import pytest

import gxxl
from gxxl import schema
from gxxl.samples import bureau as sample
from gxxl.workbook.api import new_workbook


def _unprotect(wb):
    wb.security = None
    for ws in wb.worksheets:
        ws.protection.sheet = False


@pytest.fixture
def broken_path(tmp_path):
    p = tmp_path / "broken.xlsx"
    new_workbook(p, meta=sample.SAMPLE_META, values=sample.broken_values(), narrative=sample.SAMPLE_NARRATIVE)
    return p


def test_broken_sample_cells(broken_path):
    res = gxxl.validate(broken_path)
    got = [(f.rule, f.severity, f.sheet, f.cell) for f in res.findings]
    assert got == [
        ("fill.text", "error", "表二 主动公开", "B12"),          # "35件"
        ("fill.text", "error", "表三 依申请公开", "E22"),        # "无"
        ("B.balance", "error", "表三 依申请公开", "D30"),        # 自然人: 4+0 ≠ 3+3
        ("fill.blank", "error", "表四 复议诉讼", "A6"),          # left blank
        ("A.rules_level", "warning", "表二 主动公开", "B5"),     # 规章 at 县级
        ("A.in_force_lt_issued", "warning", "表二 主动公开", "D5"),
        ("text.carried", "warning", "正文", "B4"),              # the text still says 结转1件
    ]
    # the cell really holds what the finding says
    wb = openpyxl.load_workbook(broken_path)
    for f in res.findings:
        if f.rule == "fill.text":
            assert wb[f.sheet][f.cell].value == f.actual


def test_clean_sample_workbook(sample_path):
    res = gxxl.validate(sample_path)
    assert res.ok and res.findings == [] and res.to_json()["path"] == str(sample_path)


def test_explanations_from_the_notes_sheet(tmp_path):
    p = tmp_path / "explained.xlsx"
    vals = sample.sample_values()
    vals["active.normative.in_force"] = 1
    new_workbook(p, meta=sample.SAMPLE_META, values=vals, narrative=sample.SAMPLE_NARRATIVE,
                 explanations=[("A.in_force_lt_issued", "本年制发的2件中1件已于年内废止"), ("X.typo", "打错了")])
    res = gxxl.validate(p)
    assert [(f.rule, f.explained, f.sheet, f.cell) for f in res.findings] == [
        ("A.in_force_lt_issued", True, "表二 主动公开", "D6"),
        ("notes.unknown_key", False, "说明", f"A{schema.EXPLANATION_FIRST_ROW + 1}"),
    ]
    assert res.findings[0].to_json()["explanation"] == "本年制发的2件中1件已于年内废止"


def test_edited_label(sample_path, tmp_path):
    p = tmp_path / "label.xlsx"
    wb = openpyxl.load_workbook(sample_path)
    _unprotect(wb)
    wb["表三 依申请公开"]["C11"] = "2.其他法律法规禁止公开"
    wb.save(p)
    res = gxxl.validate(p)
    assert [(f.rule, f.severity, f.cell, f.title) for f in res.findings] == [
        ("structure.label", "error", "C11", "表格文字被改动")]
    assert not res.ok


def test_renamed_sheet_findings_name_the_real_sheet(tmp_path):
    p = tmp_path / "renamed.xlsx"
    new_workbook(p, meta=sample.SAMPLE_META, values=sample.broken_values(), narrative=sample.SAMPLE_NARRATIVE)
    wb = openpyxl.load_workbook(p)
    _unprotect(wb)
    wb["表三 依申请公开"].title = "Sheet3"
    wb.save(p)
    res = gxxl.validate(p)
    rules = {(f.rule, f.sheet, f.cell) for f in res.findings}
    assert ("B.balance", "Sheet3", "D30") in rules and ("fill.text", "Sheet3", "E22") in rules
    assert ("structure.sheet_renamed", "Sheet3", None) in rules


def test_missing_sheets(sample_path, tmp_path):
    p = tmp_path / "nometa.xlsx"
    wb = openpyxl.load_workbook(sample_path)
    _unprotect(wb)
    del wb[schema.SHEET_META]
    del wb[schema.SHEET_NOTES]
    wb.save(p)
    res = gxxl.validate(p)
    got = {(f.rule, f.severity) for f in res.findings}
    assert got == {("structure.meta_sheet", "warning"), ("structure.sheet_missing", "error")}


def test_previous_workbook(sample_path, tmp_path):
    last = tmp_path / "last.xlsx"
    vals = sample.sample_values()
    vals.update({"requests.carried_out.natural": 2, "requests.disclosed.natural": 1, "active.normative.in_force": 14})
    new_workbook(last, meta={**sample.SAMPLE_META, "year": 2023}, values=vals,
                 narrative={"problems": sample.SAMPLE_NARRATIVE["problems"]})
    res = gxxl.validate(sample_path, previous=last)
    assert [(f.rule, f.sheet, f.cell, f.expected, f.actual) for f in res.findings] == [
        ("prev.carried_in", "表三 依申请公开", "D7", 2, 0),
        ("prev.problems_similar", "正文", "B5", "50%", "100%"),
    ]
