"""The built workbook, inspected with openpyxl (structure, protection, names, validation)."""
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from gxxl import schema
from gxxl.workbook.api import new_workbook
from gxxl.workbook.build import PASSWORD

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def wb(tmp_path):
    p = tmp_path / "w.xlsx"
    new_workbook(p, organ="测试局", year=2024, level="县级")
    return openpyxl.load_workbook(p)


def test_sheets_and_hidden_meta(wb):
    assert wb.sheetnames[:4] == [schema.SHEET_COVER] + [t.sheet for t in schema.TABLES]
    assert wb[schema.SHEET_META].sheet_state == "hidden"
    assert wb[schema.SHEET_META]["B1"].value == schema.WORKBOOK_KIND


def test_every_code_is_a_defined_name_at_its_cell(wb):
    loc = schema.layout()
    for code, l in loc.items():
        dn = wb.defined_names[code]
        dests = list(dn.destinations)
        assert dests == [(l.sheet, f"${schema.col_letter(l.col)}${l.row}")], code


def test_inputs_unlocked_sums_locked_formulas(wb):
    loc = schema.layout()
    for p in schema.DATA_POINTS:
        c = wb[loc[p.code].sheet][loc[p.code].cell]
        if p.is_sum:
            assert c.protection.locked
            assert isinstance(c.value, str) and c.value.startswith("=SUM("), p.code
        else:
            assert not c.protection.locked, p.code
    for ws in wb.worksheets:
        assert ws.protection.sheet
    assert wb.security.lockStructure


def test_labels_in_place_and_merged(wb):
    for t in schema.TABLES:
        ws = wb[t.sheet]
        merged = {str(r) for r in ws.merged_cells.ranges}
        for gc in t.cells:
            r, c = schema.TABLE_ORIGIN[0] + gc.row, schema.TABLE_ORIGIN[1] + gc.col
            if gc.role != "data":
                assert ws.cell(r, c).value == gc.text
            if gc.rowspan > 1 or gc.colspan > 1:
                rng = f"{schema.a1(r, c)}:{schema.a1(r + gc.rowspan - 1, c + gc.colspan - 1)}"
                assert rng in merged, rng


def test_data_validation_on_every_input(wb):
    loc = schema.layout()
    covered = {}
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                for row in ws.iter_rows(min_row=rng.min_row, max_row=rng.max_row, min_col=rng.min_col, max_col=rng.max_col):
                    for cell in row:
                        covered[(ws.title, cell.coordinate)] = dv
    for code in schema.INPUT_CODES:
        dv = covered[(loc[code].sheet, loc[code].cell)]
        assert dv.type == ("decimal" if schema.POINTS[code].kind == "amount" else "whole")
        assert dv.operator == "greaterThanOrEqual" and dv.formula1 == "0"
        assert "填0" in dv.error
    level = covered[(schema.SHEET_COVER, loc["meta.level"].cell)]
    assert level.type == "list" and "乡镇（街道）" in level.formula1


def test_values_written_by_code(tmp_path):
    p = tmp_path / "v.xlsx"
    new_workbook(p, organ="x", year=2024, level="县级", values={"requests.new.natural": 7, "requests.new.total": 99})
    ws = openpyxl.load_workbook(p)[schema.layout()["requests.new.natural"].sheet]
    assert ws["D6"].value == 7
    assert ws["J6"].value.startswith("=SUM(")  # sums stay formulas


def test_refuses_overwrite_and_unknown_level(tmp_path):
    from gxxl.errors import GxxlError, OutputExistsError

    p = tmp_path / "a.xlsx"
    new_workbook(p)
    before = p.read_bytes()
    with pytest.raises(OutputExistsError):
        new_workbook(p)
    assert p.read_bytes() == before
    new_workbook(p, force=True)
    with pytest.raises(GxxlError):
        new_workbook(tmp_path / "b.xlsx", level="区级")
    assert not (tmp_path / "b.xlsx").exists()


def test_committed_template_equals_fresh_build(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("bt", ROOT / "scripts" / "build_templates.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fresh = mod.build_template(tmp_path / "fresh.xlsx")
    committed = mod.TEMPLATE
    assert committed.exists(), "run: python scripts/build_templates.py"
    with zipfile.ZipFile(fresh) as a, zipfile.ZipFile(committed) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        for n in a.namelist():
            x, y = a.read(n), b.read(n)
            if n.endswith((".xml", ".rels")):
                # compare parsed trees: openpyxl serialises namespaces differently with and without lxml
                x, y = _tree(x), _tree(y)
            assert x == y, f"{n} differs: rebuild with python scripts/build_templates.py"


def _tree(xml: bytes):
    import xml.etree.ElementTree as ET

    def walk(e):
        if e.tag == "{http://purl.org/dc/terms/}modified":  # openpyxl stamps the save time
            return None
        kids = [k for k in (walk(c) for c in e) if k is not None]
        return (e.tag, tuple(sorted(e.attrib.items())), (e.text or "").strip(), tuple(kids))

    return walk(ET.fromstring(xml))


def test_password_is_documented():
    guide = (ROOT / "docs" / "填报指南.md").read_text(encoding="utf-8")
    assert f"“{PASSWORD}”" in guide or f"`{PASSWORD}`" in guide
