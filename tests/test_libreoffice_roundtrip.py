"""Build → fill by defined name → recalculate in LibreOffice headless → read back.

The live checks are plain formulas: LibreOffice computes them exactly as Excel
and WPS would, without macros.
"""
import re
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from gxxl import schema
from gxxl.samples import bureau as sample
from gxxl.workbook.api import new_workbook
from gxxl.workbook.read import read

pytestmark = pytest.mark.libreoffice


def _fill_by_name(path, values):
    """Fill inputs through the workbook's own defined names (as another tool would)."""
    wb = openpyxl.load_workbook(path)
    for code, v in values.items():
        (sheet, ref), = wb.defined_names[code].destinations
        wb[sheet][ref.replace("$", "")].value = v
    wb.save(path)


def _cells(path):
    wb = CalamineWorkbook.from_path(str(path))
    out = {}
    for s in wb.sheet_names:
        for i, row in enumerate(wb.get_sheet_by_name(s).to_python(skip_empty_area=False)):
            for j, v in enumerate(row):
                if v != "":
                    out[(s, schema.a1(i + 1, j + 1))] = v
    return out


VARIANTS = {
    "clean": {},
    "unbalanced": {"requests.carried_out.natural": 3},
    "blank": {"appeals.review.upheld": None, "requests.other_misc.research": None},
    "rules_county": {"active.rules.issued": 1, "active.rules.in_force": 1},
    "in_force_low": {"active.normative.issued": 5, "active.normative.in_force": 2},
}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, recalc):
    d = tmp_path_factory.mktemp("filled")
    paths = []
    for name, change in VARIANTS.items():
        p = d / f"{name}.xlsx"
        new_workbook(p, meta=sample.SAMPLE_META, narrative=sample.SAMPLE_NARRATIVE)
        vals = sample.sample_values()
        vals.update(change)
        _fill_by_name(p, vals)
        paths.append(p)
    outs = recalc(paths)
    return {name: out for name, out in zip(VARIANTS, outs)}


def _checks(cells):
    return {k: v for k, v in cells.items() if isinstance(v, str) and re.match(r"^(通过|错误|待填|提示)", v)}


def test_clean_workbook_all_checks_pass(recalculated):
    cells = _cells(recalculated["clean"])
    checks = _checks(cells)
    assert len(checks) >= 20
    assert all(v == "通过" for v in checks.values()), {k: v for k, v in checks.items() if v != "通过"}
    assert cells[(schema.SHEET_COVER, "B14")] == "全部通过"
    assert cells[(schema.SHEET_COVER, "B15")] == f"已填{len(schema.INPUT_CODES)}格，共{len(schema.INPUT_CODES)}格"


def test_every_sum_cell_computes_what_the_schema_says(recalculated):
    rep = read(recalculated["clean"])
    vals = sample.sample_values()
    for code in schema.SUM_CODES:
        expected = sum(vals[c] for c in schema.inputs_of(code))
        assert rep.values[code].stored == expected, code  # what LibreOffice computed and stored
        assert rep.values[code].value == expected


def test_values_read_back_at_their_codes(recalculated):
    rep = read(recalculated["clean"])
    assert rep.findings == []
    for code, v in sample.sample_values().items():
        assert rep.get(code) == v, code
    assert rep.organ == sample.SAMPLE_ORGAN and rep.year == 2024 and rep.level == "县级"
    assert rep.narrative["other"].startswith("（一）依据")


def test_balance_check_flags_the_broken_column(recalculated):
    cells = _cells(recalculated["unbalanced"])
    ws = schema.TABLE_BY_KEY["requests"].sheet
    col = schema.col_letter(schema.layout()["requests.new.natural"].col)
    bal = [v for (s, ref), v in cells.items() if s == ws and isinstance(v, str) and v.startswith("错误：差")]
    assert bal and all(v == "错误：差-2" for v in bal)
    assert any(ref.startswith(col) for (s, ref), v in cells.items() if v == "错误：差-2")
    assert cells[(schema.SHEET_COVER, "B14")].startswith("尚有2处问题")


def test_blanks_flagged_as_pending(recalculated):
    cells = _checks(_cells(recalculated["blank"]))
    pending = {k: v for k, v in cells.items() if v.startswith("待填")}
    sheets = {s for s, _ in pending}
    assert schema.TABLE_BY_KEY["appeals"].sheet in sheets and schema.TABLE_BY_KEY["requests"].sheet in sheets
    rep = read(recalculated["blank"])
    assert rep.values["appeals.review.upheld"].problem == "blank"
    # inputs incomplete: the sum falls back to what the file states (SUM counted the blank as 0)
    assert rep.values["appeals.review.total"].value == rep.values["appeals.review.total"].stored == 0


def test_plausibility_hints(recalculated):
    c1 = _checks(_cells(recalculated["rules_county"]))
    assert any(v.startswith("提示：县级") for v in c1.values())
    c2 = _checks(_cells(recalculated["in_force_low"]))
    assert any(v.startswith("提示：现行有效件数少于") for v in c2.values())


def test_protection_validation_names_survive_roundtrip(recalculated):
    p = recalculated["clean"]
    wb = openpyxl.load_workbook(p)
    loc = schema.layout()
    for code in schema.CODES:
        assert code in wb.defined_names, code
    for t in schema.TABLES:
        assert wb[t.sheet].protection.sheet
    c = loc["requests.new.natural"]
    assert not wb[c.sheet][c.cell].protection.locked
    s = loc["requests.new.total"]
    assert wb[s.sheet][s.cell].protection.locked
    assert any(dv.type == "whole" and "填0" in (dv.error or "") for dv in wb[c.sheet].data_validations.dataValidation)
    with zipfile.ZipFile(p) as z:
        assert b"conditionalFormatting" in z.read("xl/worksheets/sheet3.xml")
