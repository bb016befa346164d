"""The Excel front end (gxxl.excel) driven through xlwings' remote engine.

A real workbook file is turned into the JSON payload that xlwings' VBA client
sends; gxxl.excel works on ``xw.Book(json=payload)`` exactly as on a workbook
open in Excel, and the recorded actions are what the VBA client would execute.
``excel_client.play`` replays them on the real file, so marks and their
removal are checked on a workbook read back from disk.
"""
from __future__ import annotations

import re

import pytest

import excel_client as ec
from gxxl import schema
from gxxl.samples import bureau as sample
from gxxl.errors import GxxlError
from gxxl.workbook.api import new_workbook

rules = pytest.importorskip("gxxl.rules", reason="needs the validation rules (gxxl.rules) merged from main")

RED, ORANGE = "FF7C80", "F4B183"


@pytest.fixture(autouse=True)
def _remote_engine(monkeypatch):
    ec.use_remote_engine(monkeypatch)


def _book(path):
    import xlwings as xw

    return xw.Book(json=ec.payload(path))


@pytest.fixture
def broken(tmp_path):
    p = tmp_path / "broken.xlsx"
    new_workbook(p, meta=sample.SAMPLE_META, values=sample.broken_values(), narrative=sample.SAMPLE_NARRATIVE)
    return p


@pytest.fixture
def clean(tmp_path):
    p = tmp_path / "clean.xlsx"
    new_workbook(p, meta=sample.SAMPLE_META, values=sample.sample_values(), narrative=sample.SAMPLE_NARRATIVE)
    return p


def _cli_findings(path):
    import gxxl

    return rules.validate(gxxl.read(path)).findings


def _expected_marks(findings) -> dict[tuple[str, str], str]:
    """What must be painted: every error cell red, every unexplained-warning cell orange (errors win)."""
    loc = schema.layout()
    out: dict[tuple[str, str], str] = {}
    for f in sorted(findings, key=lambda f: f.severity != "error"):
        if f.severity != "error" and f.explained:
            continue
        if f.sheet and f.cell:
            cells = [(f.sheet, f.cell)]
        else:
            cells = [(loc[c].sheet, loc[c].cell) for c in f.codes if c in loc]
        for key in cells:
            out.setdefault(key, RED if f.severity == "error" else ORANGE)
    return out


def _painted(actions, sheet_names) -> dict[tuple[str, str], str]:
    out = {}
    for a in actions:
        if a["func"] == "setRangeColor":
            assert a["row_count"] == 1 and a["column_count"] == 1
            cell = f"{ec.col(a['start_column'] + 1)}{a['start_row'] + 1}"
            out[(sheet_names[a["sheet_position"]], cell)] = a["args"][0].lstrip("#").upper()
    return out


def test_read_book_through_defined_names_equals_the_file_reader(broken):
    import gxxl
    from gxxl.excel import read_book

    live, disk = read_book(_book(broken)), gxxl.read(broken)
    for code in schema.CODES:
        a, b = live.values[code], disk.values[code]
        assert (a.value, a.problem, a.sheet, a.cell) == (b.value, b.problem, b.sheet, b.cell), code
    assert live.meta == disk.meta and live.narrative == disk.narrative
    assert live.values["requests.rejected_duplicate.business"].raw == "无"


def test_validate_colours_every_wrong_cell_and_nothing_else(broken):
    from gxxl.excel import validate_book

    book = _book(broken)
    names = [s.name for s in book.sheets]
    result = validate_book(book)
    actions = book.json()["actions"]
    expected = _expected_marks(_cli_findings(broken))
    assert expected, "the broken sample must produce findings"
    assert _painted(actions, names) == expected
    # the deliberate mistakes of the sample are among them
    assert expected[("表二 主动公开", schema.layout()["active.rules.issued"].cell)] == ORANGE
    assert expected[("表四 复议诉讼", schema.layout()["appeals.review.upheld"].cell)] == RED
    assert [f.rule for f in result.findings] == [f.rule for f in _cli_findings(broken)]


def test_results_sheet_lists_each_finding_with_a_link(broken):
    from gxxl.excel import RESULTS_SHEET, validate_book

    book = _book(broken)
    validate_book(book)
    actions = book.json()["actions"]
    add = [a for a in actions if a["func"] == "addSheet"]
    assert [a["args"][1] for a in add] == [RESULTS_SHEET]
    sheet_pos = add[0]["args"][0]
    rows = next(a for a in actions if a["func"] == "setValues" and a["sheet_position"] == sheet_pos)["values"]
    assert rows[0][0].startswith("校验结果：发现")
    body = rows[3:]
    findings = _cli_findings(broken)
    assert len([r for r in body if r[0] not in ("", None)]) == len(findings)
    for f in findings:
        row = next(r for r in body if r[2] == f.rule and f.message in str(r[3]))
        assert row[1] in ("错误", "提示", "提示（已说明）")
        if f.sheet and f.cell:
            target = "#'" + f.sheet.replace("'", "''") + "'!" + f.cell.split(":")[0]
            assert row[4].startswith(f'=HYPERLINK("{target}"'), row[4]
            assert (row[5], row[6]) == (f.sheet, f.cell)


def test_summary_alert_counts_errors_and_warnings(broken):
    from gxxl.excel import validate_book

    book = _book(broken)
    result = validate_book(book)
    alerts = [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"]
    assert len(alerts) == 1
    assert alerts[0].startswith(f"发现{len(result.errors)}处错误、{len(result.warnings)}处提示")
    assert result.errors


def test_every_action_is_one_the_vba_client_can_run(broken):
    from gxxl.excel.addin import vba_source
    from gxxl.excel import validate_book

    subs = ec.remote_subs()
    assert {"setRangeColor", "setValues", "addSheet", "sheetDelete", "alert", "runMacro"} <= subs
    book = _book(broken)
    validate_book(book)
    actions = book.json()["actions"]
    assert {a["func"] for a in actions} <= subs
    # notes are desktop-only: the remote client has no Sub for them, so none are emitted
    assert not any(a["func"] in ("addNote", "addComment") for a in actions)
    # the macros it asks the client to run are in the gxxl add-in's VBA module
    vba = vba_source()
    for a in actions:
        if a["func"] == "runMacro":
            sub = a["args"][0].rsplit(".", 1)[1]
            assert re.search(rf"(?m)^Public Sub {sub}\(", vba), sub


def test_marks_then_clear_restore_the_original_workbook(broken, tmp_path):
    """The whole round trip on real files, with Excel's protection rules enforced by the player."""
    from gxxl.excel import RESULTS_SHEET, clear_marks, validate_book

    marked, restored = tmp_path / "marked.xlsx", tmp_path / "restored.xlsx"
    book = _book(broken)
    validate_book(book)
    log = ec.play(book.json()["actions"], broken, marked)
    assert log["macros"][0].endswith("GxxlUnlock") and log["macros"][-1].endswith("GxxlRelock")
    before, after = ec.fills(broken), ec.fills(marked)
    expected = _expected_marks(_cli_findings(broken))
    for key, color in expected.items():
        assert after[key] == color, key
    changed = {k for k in before if k[0] != RESULTS_SHEET and before[k] != after.get(k)}
    assert changed == set(expected)
    import openpyxl

    wb = openpyxl.load_workbook(marked)
    assert RESULTS_SHEET in wb.sheetnames
    assert all(wb[t.sheet].protection.sheet for t in schema.TABLES), "sheets must be protected again"
    assert wb.security.lockStructure

    book2 = _book(marked)
    n = clear_marks(book2)
    assert n == len(expected)
    ec.play(book2.json()["actions"], marked, restored)
    assert ec.fills(restored) == before
    assert ec.cells(restored) == ec.cells(broken)  # data and formulas as they were
    wb = openpyxl.load_workbook(restored)
    assert wb.sheetnames == openpyxl.load_workbook(broken).sheetnames
    assert all(ws.protection.sheet for ws in wb.worksheets) and wb.security.lockStructure


def test_validating_again_replaces_the_old_marks(broken, tmp_path):
    from gxxl.excel import RESULTS_SHEET, validate_book

    once, twice = tmp_path / "once.xlsx", tmp_path / "twice.xlsx"
    book = _book(broken)
    validate_book(book)
    ec.play(book.json()["actions"], broken, once)
    book2 = _book(once)
    validate_book(book2)
    funcs = [a["func"] for a in book2.json()["actions"]]
    assert funcs.index("sheetDelete") < funcs.index("addSheet")
    ec.play(book2.json()["actions"], once, twice)
    import openpyxl

    assert openpyxl.load_workbook(twice).sheetnames.count(RESULTS_SHEET) == 1
    f1, f2 = ec.fills(once), ec.fills(twice)
    assert {k: v for k, v in f1.items() if k[0] != RESULTS_SHEET} == {k: v for k, v in f2.items() if k[0] != RESULTS_SHEET}


def test_explained_warning_is_listed_not_painted(tmp_path):
    from gxxl.excel import validate_book

    plain = tmp_path / "plain.xlsx"
    values = sample.sample_values()
    values["active.rules.issued"] = 1  # a county bureau making 规章: a warning
    new_workbook(plain, meta=sample.SAMPLE_META, values=values, narrative=sample.SAMPLE_NARRATIVE)
    warning = next(f for f in _cli_findings(plain) if f.severity == "warning" and "active.rules.issued" in f.codes)
    explained = tmp_path / "explained.xlsx"
    new_workbook(explained, meta=sample.SAMPLE_META, values=values, narrative=sample.SAMPLE_NARRATIVE,
                 explanations=[(warning.rule, "本局受委托起草市政府规章1件（样例说明）")])
    book = _book(explained)
    result = validate_book(book)
    f = next(f for f in result.findings if f.rule == warning.rule)
    assert f.explained
    cell = schema.layout()["active.rules.issued"].cell
    assert ("表二 主动公开", cell) not in _painted(book.json()["actions"], [s.name for s in book.sheets])
    rows = next(a for a in book.json()["actions"] if a["func"] == "setValues")["values"]
    assert any(r[1] == "提示（已说明）" and r[2] == warning.rule for r in rows[3:])


def test_clean_workbook_passes_without_marks(clean):
    from gxxl.excel import validate_book

    book = _book(clean)
    result = validate_book(book)
    actions = book.json()["actions"]
    assert result.ok
    assert not [a for a in actions if a["func"] == "setRangeColor" and a["args"][0] in ("#FF7C80", "#F4B183")]
    alert = [a["args"][0] for a in actions if a["func"] == "alert"][0]
    if not result.findings:
        assert alert.startswith("校验通过")


def test_clear_without_results_sheet_changes_nothing(clean):
    from gxxl.excel import clear_marks

    book = _book(clean)
    assert clear_marks(book) == 0
    actions = book.json()["actions"]
    assert [a["func"] for a in actions] == ["alert"]
    assert "没有找到“校验结果”工作表" in actions[0]["args"][0]


def test_not_a_gxxl_workbook_gets_a_chinese_message(tmp_path):
    import openpyxl

    from gxxl.excel import validate_book

    p = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "随便一个表格"
    wb.save(p)
    with pytest.raises(GxxlError, match="不是gxxl年报工作簿"):
        validate_book(_book(p))


def test_report_needs_a_saved_workbook(broken):
    from gxxl.excel import report_book

    with pytest.raises(GxxlError, match="请先把工作簿保存"):
        report_book(_book(broken))  # the VBA client sends only the book's name, no folder


def test_report_is_written_next_to_the_workbook_or_refused(clean, broken):
    pytest.importorskip("gxxl.render", reason="needs the report renderer (gxxl.render) merged from main")
    import xlwings as xw

    from gxxl.excel import report_book

    book = xw.Book(json=ec.payload(clean, name=str(clean)))  # a desktop client knows the full path
    out = report_book(book)
    assert out is not None and out.parent == clean.parent and out.suffix == ".docx" and out.exists()
    assert [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"][-1].startswith("已生成")
    again = report_book(xw.Book(json=ec.payload(clean, name=str(clean))))
    assert again != out and again.exists() and out.exists()  # never overwrites the earlier one
    book = xw.Book(json=ec.payload(broken, name=str(broken)))
    assert report_book(book) is None  # errors, and this client cannot be asked for a draft
    assert "未生成报告" in [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"][-1]
    assert not list(broken.parent.glob("broken_年报*.docx"))


def test_each_ribbon_button_reaches_its_own_function(broken, tmp_path):
    """Button -> VBA Sub -> GxxlRun "<action>" (checked on the built add-in) -> run(action) -> its function."""
    from gxxl.excel.addin import BUTTONS
    from gxxl.excel import RESULTS_SHEET, run

    marked = tmp_path / "marked.xlsx"
    effects = {}
    for b in BUTTONS:
        src = marked if b.action == "clear" else broken
        book = _book(src)
        run(b.action, book=book)
        effects[b.action] = book.json()["actions"]
        if b.action == "validate":
            ec.play(effects["validate"], broken, marked)
    assert any(a["func"] == "addSheet" and a["args"][1] == RESULTS_SHEET for a in effects["validate"])
    assert any(a["func"] == "sheetDelete" for a in effects["clear"])
    report_alert = [a for a in effects["report"] if a["func"] == "alert"][-1]["args"]
    assert "请先把工作簿保存" in report_alert[0] and report_alert[3] == "critical"  # a message, not a traceback


@pytest.mark.libreoffice
def test_recalculated_workbook_gives_the_cli_findings(broken, recalc):
    """With sums computed (as Excel sends them), the ribbon finds what `gxxl validate` finds."""
    from gxxl.excel import validate_book

    (calc,) = recalc([broken])
    book = _book(calc)
    total = book.sheets["表三 依申请公开"].range(schema.layout()["requests.new.total"].cell).value
    assert total == 5  # LibreOffice computed the sum formula
    result = validate_book(book)
    assert sorted((f.rule, f.cell) for f in result.findings) == sorted((f.rule, f.cell) for f in _cli_findings(calc))


def test_consolidate_button_writes_beside_the_workbook(clean, broken, tmp_path):
    """汇总: the folder of the open workbook, with its 名单.csv, into 汇总结果.xlsx; a second click
    neither overwrites nor counts the first result."""
    import xlwings as xw

    import gxxl
    from gxxl.excel import consolidate_book

    (tmp_path / "名单.csv").write_text("机关名称\n示例县应急管理局（样例数据）\n示例县财政局\n", encoding="utf-8")
    book = xw.Book(json=ec.payload(clean, name=str(clean)))
    before = {p: p.read_bytes() for p in (clean, broken)}
    out = consolidate_book(book)
    assert out == tmp_path / "汇总结果.xlsx" and out.exists()
    msg = [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"][-1]
    assert msg.startswith("已汇总2个文件") and "未报送" in msg and str(out) in msg
    rep = gxxl.read(out)  # the 汇总 sheet is itself a gxxl workbook
    assert rep.get("requests.new.natural") is not None
    again = consolidate_book(xw.Book(json=ec.payload(clean, name=str(clean))))
    assert again == tmp_path / "汇总结果(2).xlsx"
    msg2 = [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"][-1]
    assert msg2.startswith("已汇总2个文件")  # the first 汇总结果.xlsx was not counted as an organ
    assert all(p.read_bytes() == b for p, b in before.items())
