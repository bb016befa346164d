"""The seed report (a real 2024 county bureau report as published) imports into a workbook with
exactly the values it prints, and every defect of its tables is reported."""
import json
from pathlib import Path

import pytest

import gxxl
from gxxl import schema
from gxxl.ingest import import_report
from gxxl.ingest.accuracy import load_expected

from conftest import SEED

EXP = load_expected(Path(__file__).parent / "data" / "import_expected" / "seed_jinxiang_2024.json")


@pytest.fixture(scope="module")
def seed_report():
    return import_report(SEED)


def test_cli_import_writes_workbook_with_printed_values(gxxl_cli, tmp_path):
    out = tmp_path / "金乡.xlsx"
    r = gxxl_cli("import", SEED, "-o", out)
    assert r.returncode == 1, r.stderr  # written, but the published tables have errors
    assert "已导入" in r.stdout and "表三缺少20行" in r.stdout and "Traceback" not in r.stderr
    wb = gxxl.read(out)
    assert wb.organ == "金乡县应急管理局" and wb.year == 2024 and wb.level == "县级"
    for code in schema.INPUT_CODES:
        want = EXP.cells[code]
        got = wb.values[code].value
        if isinstance(want, (int, float)):
            assert got == want, code
        else:  # not printed, or printed empty: the workbook cell stays empty
            assert got is None and wb.values[code].raw is None, code
    assert wb.narrative["overview"].startswith("2024年，金乡县应急管理局一直坚持")
    assert "未收取相关信息处理费" in wb.narrative["other"]
    assert "0537-8727890" in wb.narrative["preface"]


def test_cli_import_refuses_to_overwrite(gxxl_cli, tmp_path):
    out = tmp_path / "x.xlsx"
    out.write_bytes(b"keep me")
    r = gxxl_cli("import", SEED, "-o", out)
    assert r.returncode == 2 and "--force" in r.stderr
    assert out.read_bytes() == b"keep me"
    r = gxxl_cli("import", SEED, "-o", out, "--force")
    assert r.returncode == 1 and gxxl.read(out).get("active.licensing.decisions") == 167


def test_missing_blocks_are_findings(seed_report):
    blocks = [f for f in seed_report.findings if f.rule == "import.block_missing"]
    assert [f.severity for f in blocks] == ["error", "error"]
    assert set(blocks[0].codes) == {"active.penalty.decisions", "active.coercion.decisions"}
    assert "第二十条第（六）项" in blocks[0].message and "行政处罚" in blocks[0].message
    assert blocks[1].codes == ["active.fees.amount"] and "第二十条第（八）项" in blocks[1].message


def test_every_missing_row_is_named(seed_report):
    missing = [f for f in seed_report.findings if f.rule == "import.row_missing"]
    codes = {c for f in missing for c in f.codes}
    lost_rows = [r for r, _ in schema.REQUEST_ROWS[:20]]  # 一 … （五）5: everything above （六）
    assert codes == {f"requests.{r}.{c}" for r in lost_rows for c, _ in schema.REQUEST_COLUMNS}
    text = " ".join(f.message for f in missing)
    for r, labels in schema.REQUEST_ROWS[:20]:
        assert labels[-1] in text, labels[-1]
    assert all(f.severity == "error" for f in missing)


def test_blank_review_cells_are_findings(seed_report):
    blank = [f for f in seed_report.findings if f.rule == "import.cells_blank"]
    assert len(blank) == 1
    assert blank[0].codes == [f"appeals.review.{c}" for c, _ in schema.APPEAL_COLUMNS]
    assert "行政复议" in blank[0].message and "空白不等于0" in blank[0].message
    assert all(seed_report.values[c].value is None for c in blank[0].codes[:4])


def test_printed_totals_are_kept_for_the_validator(seed_report):
    dv = seed_report.values["requests.handled_total.natural"]
    assert dv.stored == 4 and dv.raw == "4"  # as printed, though the rows above it are missing
    assert dv.sheet is None and dv.cell is None
    assert dv.location.startswith("表三“（七）总计”行·自然人")


def test_show_and_json_work_on_a_published_report(gxxl_cli):
    r = gxxl_cli("show", SEED, "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["meta"]["organ"] == "金乡县应急管理局"
    assert data["values"]["active.licensing.decisions"] == 167
    assert data["source"]["kind"] == "text"
