"""The Excel front end: validate, mark, clear and report the workbook open in Excel.

Every function takes an ``xlwings.Book``, never a path. Values are read
through the workbook's defined names (one per data-point code, ``meta.*``,
``narrative.*`` and ``explanations``), turned into an AnnualReport by the same
helper the file reader uses, and checked by the same validator as the CLI.

Two kinds of client execute what we do here:

* the desktop engine (``excel``: Excel on Windows or macOS driven by the gxxl
  ribbon add-in through xlwings' ``RunPython``) — the product;
* xlwings' remote engine, whose VBA client (``Remote.bas``) replays recorded
  actions — how the tests drive this module without Excel. It cannot read fill
  colours or add notes, so marks fall back to the fills the schema gives each
  cell, and notes are left out.

Only this package (this module and gxxl.excel.addin) imports xlwings, lazily.

The only package that knows xlwings. ``addin`` builds and installs the ribbon add-in, ``ovba`` writes its VBA project.
May import every job below it (workbook, rules, render, consolidation). Imported by: cli (addin) and the add-in's VBA (``gxxl.excel.run``).
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .. import schema
from ..errors import GxxlError
from ..model import AnnualReport, Finding, Source, report_from_cells
from ..util.safety import is_formula_like, neutralise

RESULTS_SHEET = "校验结果"
ERROR_FILL = "#FF7C80"  # distinct from the input (FFF2CC) and sum (E7E6E6) fills
WARNING_FILL = "#F4B183"
NO_FILL = "无"
RESULTS_HEAD = ("序号", "级别", "规则", "说明", "位置（点击跳转）", "工作表", "单元格")
RECORD_COL = 10  # J: where the record of marks starts (J..M), used by clear_marks
RECORD_HEAD = ("清除标记用记录（请勿修改）：工作表", "单元格", "原填充色", "已加批注")
RESULTS_FIRST_ROW = 4
GRID_MAX = (5000, 40)  # rows, columns read from a sheet: the tables need 60 x 15, the results sheet ~300 x 13
MAX_CELLS_PER_FINDING = 30
# VBA macros of the gxxl add-in that (un)lock the workbook for clients that
# cannot call Worksheet.Unprotect themselves (xlwings' VBA remote client, macOS).
ADDIN_NAME = "gxxl.xlam"
VBA_MODULE = "GxxlRibbon"
VBA_UNLOCK = "GxxlUnlock"
VBA_RELOCK = "GxxlRelock"
_addin = {"name": ADDIN_NAME}  # the add-in file actually running us (set by run())


def _macro(sub: str) -> str:
    return f"'{_addin['name']}'!{VBA_MODULE}.{sub}"

_REF = re.compile(r"^=?(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _split_a1(cell: str) -> tuple[int, int]:
    m = _A1.match(cell.strip().upper())
    if not m:
        raise ValueError(cell)
    return int(m.group(2)), _col_number(m.group(1))


def _expand(cell: str) -> list[str]:
    """'B5' -> ['B5']; 'B5:C6' -> ['B5', 'C5', 'B6', 'C6']."""
    if ":" not in cell:
        return [cell.replace("$", "").upper()]
    a, b = cell.split(":", 1)
    (r1, c1), (r2, c2) = _split_a1(a), _split_a1(b)
    return [schema.a1(r, c) for r in range(min(r1, r2), max(r1, r2) + 1) for c in range(min(c1, c2), max(c1, c2) + 1)]


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _formula_text(s: str) -> str:
    return s.replace('"', '""')


def _hex(color: Any) -> str:
    """xlwings colour (RGB tuple, int, hex or None) -> '#RRGGBB' or NO_FILL."""
    if color is None:
        return NO_FILL
    if isinstance(color, str):
        return color.upper() if color.startswith("#") else "#" + color.upper()
    if isinstance(color, int):
        r, g, b = color & 0xFF, (color >> 8) & 0xFF, (color >> 16) & 0xFF
        return f"#{r:02X}{g:02X}{b:02X}"
    r, g, b = color
    return f"#{int(r):02X}{int(g):02X}{int(b):02X}"


def _grid_cell(rows: list[list[Any]], row: int, col: int) -> Any:
    if row - 1 < len(rows):
        r = rows[row - 1]
        if col - 1 < len(r):
            v = r[col - 1]
            return None if v == "" else v
    return None


# ---------------------------------------------------------------------------
# The client: what the engine behind the Book can do
# ---------------------------------------------------------------------------


class _Client:
    """One Book and the capabilities of whatever executes our changes."""

    def __init__(self, book) -> None:
        self.book = book
        self.engine = book.app.engine.name  # "excel" (desktop) | "remote" | …
        if self.engine not in ("excel", "remote"):
            raise GxxlError(f"不支持的xlwings引擎“{self.engine}”：请在Excel中通过gxxl加载项使用本功能")
        self.desktop = self.engine == "excel"
        self.windows = self.desktop and sys.platform.startswith("win")
        self._grids: dict[str, list[list[Any]]] = {}

    # -- capabilities ------------------------------------------------------
    @property
    def can_read_fill(self) -> bool:
        return self.desktop

    @property
    def can_note(self) -> bool:
        return self.desktop  # the VBA remote client has no action for notes

    # -- reading -----------------------------------------------------------
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def has_sheet(self, name: str) -> bool:
        return name in self.sheet_names()

    def grid(self, sheet: str) -> list[list[Any]]:
        """A sheet's values from A1 to the end of its used range, at most GRID_MAX (cached).

        One stray entry in XFD1048576 would otherwise make Excel hand over 17 billion cells."""
        if sheet not in self._grids:
            sh = self.book.sheets[sheet]
            last = sh.used_range.last_cell
            rows = sh.range((1, 1), (min(last.row, GRID_MAX[0]), min(last.column, GRID_MAX[1]))).options(ndim=2).value
            self._grids[sheet] = rows or []
        return self._grids[sheet]

    def names(self) -> dict[str, tuple[str, str]]:
        """Book-scoped defined names -> (sheet, 'B5' or 'A22:B51')."""
        out: dict[str, tuple[str, str]] = {}
        for n in self.book.names:
            name = n.name
            if "!" in name:  # sheet-scoped (print titles and the like)
                continue
            m = _REF.match(str(n.refers_to or "").strip())
            if not m:
                continue
            sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
            ref = f"{m.group(3)}{m.group(4)}" + (f":{m.group(5)}{m.group(6)}" if m.group(5) else "")
            out[name] = (sheet, ref)
        return out

    def fill(self, sheet: str, cell: str) -> str:
        return _hex(self.book.sheets[sheet].range(cell).color)

    # -- writing -----------------------------------------------------------
    def set_fill(self, sheet: str, cell: str, color: str) -> None:
        self.book.sheets[sheet].range(cell).color = None if color == NO_FILL else color

    def add_note(self, sheet: str, cell: str, text: str) -> bool:
        """Add a note unless the cell has one (never overwrite the clerk's)."""
        if not self.can_note:
            return False
        rng = self.book.sheets[sheet].range(cell)
        try:
            if rng.note is not None:
                return False
            rng.add_note(text)
            return True
        except Exception:  # noqa: BLE001 — a note is a courtesy; the results sheet has the message
            return False

    def delete_note(self, sheet: str, cell: str) -> None:
        if not self.can_note:
            return
        try:
            note = self.book.sheets[sheet].range(cell).note
            if note is not None:
                note.delete()
        except Exception:  # noqa: BLE001
            pass

    def alert(self, text: str, title: str = "政务公开年报", mode: str = "info") -> None:
        self.book.app.alert(text, title=title, mode=mode)

    def ask(self, text: str, title: str = "政务公开年报") -> bool:
        """Yes/no question; clients that cannot answer synchronously get a plain no."""
        if not self.desktop:
            return False
        return self.book.app.alert(text, title=title, buttons="yes_no") == "yes"

    # -- protection --------------------------------------------------------
    def unlock(self) -> "_Lock":
        lock = _Lock(self)
        lock.open()
        return lock


class _Lock:
    """Unprotect the workbook (structure and sheets) with the documented password, and reprotect.

    On Windows the COM object model does it directly and remembers what was
    protected. Elsewhere (the VBA remote client, macOS) the gxxl add-in's own
    VBA macros do it. Sheets that stay locked only get their marks on the
    results sheet.
    """

    def __init__(self, client: _Client) -> None:
        self.c = client
        self.sheets: dict[str, dict] = {}  # protected sheet -> its Allow* options
        self.structure = False
        self.failed: set[str] = set()  # sheets we could not unprotect
        self.via_macro = not client.windows

    def open(self) -> None:
        from ..workbook.build import PASSWORD

        if self.via_macro:
            try:
                self.c.book.app.macro(_macro(VBA_UNLOCK))()
            except Exception:  # noqa: BLE001 — add-in macro missing: marks only on the results sheet
                self.failed.add("*")
            return
        api = self.c.book.api
        try:
            if api.ProtectStructure:
                api.Unprotect(PASSWORD)
                self.structure = True
        except Exception:  # noqa: BLE001
            self.failed.add("*structure")
        for sh in self.c.book.sheets:
            ws = sh.api
            try:
                if ws.ProtectContents:
                    p = ws.Protection
                    opts = {"AllowFormattingColumns": bool(p.AllowFormattingColumns),
                            "AllowFormattingRows": bool(p.AllowFormattingRows)}
                    ws.Unprotect(PASSWORD)
                    self.sheets[sh.name] = opts
            except Exception:  # noqa: BLE001 — another password: leave the sheet alone
                self.failed.add(sh.name)

    def can_mark(self, sheet: str) -> bool:
        return "*" not in self.failed and sheet not in self.failed

    @property
    def can_add_sheet(self) -> bool:
        return "*" not in self.failed and "*structure" not in self.failed

    def close(self) -> None:
        from ..workbook.build import PASSWORD

        if self.via_macro:
            if "*" not in self.failed:
                try:
                    self.c.book.app.macro(_macro(VBA_RELOCK))()
                except Exception:  # noqa: BLE001
                    pass
            return
        for name, opts in self.sheets.items():
            try:
                self.c.book.sheets[name].api.Protect(Password=PASSWORD, DrawingObjects=True, Contents=True,
                                                     Scenarios=True, **opts)
            except Exception:  # noqa: BLE001
                pass
        if self.structure:
            try:
                self.c.book.api.Protect(Password=PASSWORD, Structure=True, Windows=False)
            except Exception:  # noqa: BLE001
                pass


# ---------------------------------------------------------------------------
# Reading the open workbook
# ---------------------------------------------------------------------------


@dataclass
class BookData:
    report: AnnualReport
    names: dict[str, tuple[str, str]]  # defined name -> (sheet, ref)
    by_cell: dict[tuple[str, str], str] = field(default_factory=dict)  # (sheet, cell) -> code


def _read(c: _Client) -> BookData:
    names = c.names()
    missing = [code for code in schema.CODES if code not in names]
    if len(missing) == len(schema.CODES):
        raise GxxlError("当前工作簿不是gxxl年报工作簿（没有数据项的定义名称）。请打开用 gxxl new 生成的年报工作簿后再点击。")
    if missing:
        raise GxxlError(f"当前工作簿缺少{len(missing)}个数据项的定义名称（如“{missing[0]}”），结构已被改动，无法校验。"
                        "请使用gxxl下发的原工作簿。")
    src = Source(path=c.book.fullname, kind="workbook")
    if "meta.format_version" in names:
        sheet, ref = names["meta.format_version"]
        r, col = _split_a1(ref.split(":")[0])
        fmt = _grid_cell(c.grid(sheet), r, col)
        fmt = str(int(fmt)) if isinstance(fmt, float) and fmt.is_integer() else (str(fmt) if fmt is not None else None)
        if fmt != schema.FORMAT_VERSION:
            raise GxxlError(f"工作簿格式版本为“{fmt}”，本程序只支持{schema.FORMAT_NAME}格式（{schema.FORMAT_VERSION}）")
        src.format_version = fmt
    cells: dict[str, tuple[Any, str, str]] = {}
    by_cell: dict[tuple[str, str], str] = {}
    wanted = list(schema.CODES) + [f.code for f in schema.META_FIELDS] + [f.code for f in schema.NARRATIVE_FIELDS]
    for code in wanted:
        if code not in names:
            continue
        sheet, ref = names[code]
        cell = ref.split(":")[0]
        r, col = _split_a1(cell)
        cells[code] = (_grid_cell(c.grid(sheet), r, col), sheet, cell)
        by_cell[(sheet, cell)] = code
    explanations = []
    if "explanations" in names:
        sheet, ref = names["explanations"]
        first, _, last = ref.partition(":")
        r1, c1 = _split_a1(first)
        r2, _c2 = _split_a1(last or first)
        rows = c.grid(sheet)
        for r in range(r1, r2 + 1):
            explanations.append((_grid_cell(rows, r, c1), _grid_cell(rows, r, c1 + 1), sheet, schema.a1(r, c1)))
            for k in (0, 1):
                by_cell[(sheet, schema.a1(r, c1 + k))] = "explanations"
    rep = report_from_cells(cells, explanations, src)
    # The same structure check as the file reader, on the live sheets.
    from ..workbook.read import label_findings

    sheet_map = {}
    for t in schema.TABLES:
        code = next(gc.code for gc in t.data_cells())
        sheet_map[t.sheet] = names[code][0]
    rep.findings.extend(label_findings(c.grid, sheet_map))
    return BookData(rep, names, by_cell)


def read_book(book) -> AnnualReport:
    """The AnnualReport of an open workbook, read through its defined names."""
    return _read(_Client(book)).report


# ---------------------------------------------------------------------------
# Marks
# ---------------------------------------------------------------------------


def _known_fill(data: BookData, sheet: str, cell: str) -> str | None:
    """The fill gxxl's builder gives a cell (for clients that cannot read fills)."""
    from ..workbook.build import INPUT_FILL, SUM_FILL

    code = data.by_cell.get((sheet, cell))
    if code is None:
        return None
    fill = SUM_FILL if code in schema.POINTS and schema.POINTS[code].is_sum else INPUT_FILL
    return "#" + str(fill.fgColor.rgb)[-6:].upper()


def _targets(f: Finding, data: BookData) -> list[tuple[str, str]]:
    """The cells a finding is about: its own cell, else the cells of its codes."""
    if f.sheet and f.cell:
        try:
            return [(f.sheet, c) for c in _expand(f.cell)][:MAX_CELLS_PER_FINDING]
        except ValueError:
            return []
    out: list[tuple[str, str]] = []
    for code in f.codes or []:
        if code in data.names:
            sheet, ref = data.names[code]
            out.append((sheet, ref.split(":")[0]))
    return out[:MAX_CELLS_PER_FINDING]


def _severity_label(f: Finding) -> str:
    if f.severity == "error":
        return "错误"
    return "提示（已说明）" if f.explained else "提示"


@dataclass
class Mark:
    sheet: str
    cell: str
    original: str | None  # '#RRGGBB', NO_FILL, or None when not coloured
    color: str | None
    note: bool = False


def summary_text(result) -> str:
    n_err, n_warn = len(result.errors), len(result.warnings)
    explained = n_warn - len(result.unexplained_warnings)
    text = f"发现{n_err}处错误、{n_warn}处提示"
    if explained:
        text += f"（其中{explained}处提示已说明）"
    return text


def validate_book(book, previous: AnnualReport | None = None, *, alert: bool = True):
    """Validate the open workbook and mark it; returns the ValidationResult.

    Marks: a fill on each failing cell (errors and warnings in two colours),
    the message as a note where the client supports it, and a results sheet
    listing every finding with a link to its cell. Marks of an earlier run are
    removed first, so the workbook shows exactly the current findings.
    """
    from ..rules import validate

    c = _Client(book)
    data = _read(c)
    result = validate(data.report, previous)
    lock = c.unlock()
    try:
        _clear(c, lock)
        marks = _mark(c, lock, data, result.findings)
        if lock.can_add_sheet:
            _write_results(c, result, marks)
    finally:
        lock.close()
    if alert:
        text = summary_text(result)
        if not result.findings:
            text = "校验通过：未发现错误和提示。"
        elif lock.can_add_sheet:
            text += "，详见“校验结果”工作表（点击位置可跳到单元格）。"
        else:
            text += "。工作簿结构受保护且无法解除，未能添加“校验结果”工作表，请在命令行运行 gxxl validate 查看详情。"
        c.alert(text, title="校验结果", mode="critical" if result.errors else "info")
    return result


def _mark(c: _Client, lock: _Lock, data: BookData, findings: list[Finding]) -> dict[tuple[str, str], Mark]:
    marks: dict[tuple[str, str], Mark] = {}
    # Errors first, so a cell with an error and a warning shows the error colour.
    ordered = sorted(findings, key=lambda f: 0 if f.severity == "error" else 1)
    for f in ordered:
        if f.severity != "error" and f.explained:
            continue  # an explained warning is listed, not painted
        color = ERROR_FILL if f.severity == "error" else WARNING_FILL
        for sheet, cell in _targets(f, data):
            key = (sheet, cell)
            if key in marks:
                continue
            if not c.has_sheet(sheet) or not lock.can_mark(sheet):
                marks[key] = Mark(sheet, cell, None, None)
                continue
            original = c.fill(sheet, cell) if c.can_read_fill else _known_fill(data, sheet, cell)
            if original in (ERROR_FILL, WARNING_FILL):
                # a mark left behind (its results sheet deleted by hand): restore the builder's fill later
                original = _known_fill(data, sheet, cell) or original
            if original is None:
                marks[key] = Mark(sheet, cell, None, None)  # unknown fill: cannot restore, so do not paint
                continue
            c.set_fill(sheet, cell, color)
            note = c.add_note(sheet, cell, f"gxxl校验（{_severity_label(f)}）：{f.message}")
            marks[key] = Mark(sheet, cell, original, color, note)
    return marks


def _results_rows(result, marks: dict[tuple[str, str], Mark], data_names=None) -> list[list[Any]]:
    rows: list[list[Any]] = []
    ordered = sorted(result.findings, key=lambda f: (0 if f.severity == "error" else 1 if not f.explained else 2))
    for i, f in enumerate(ordered, start=1):
        link = None
        if f.sheet and f.cell:
            first = f.cell.split(":")[0]
            text = f"{f.sheet}!{f.cell}"
            link = f'=HYPERLINK("#{_formula_text(_quote_sheet(f.sheet))}!{first}","{_formula_text(text)}")'
        msg = f.message
        if f.explained and f.explanation:
            msg += f"（说明：{f.explanation}）"
        # written as values that Excel parses: user text (sheet names, typed values) must not become a formula
        rows.append([i, _severity_label(f), f.rule, neutralise(msg), link, neutralise(f.sheet), f.cell])
    return rows


def _write_results(c: _Client, result, marks: dict[tuple[str, str], Mark]) -> None:
    book = c.book
    sh = book.sheets.add(RESULTS_SHEET, after=book.sheets[len(book.sheets) - 1])
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    width = RECORD_COL - 1 + len(RECORD_HEAD)
    top = [[f"校验结果：{summary_text(result)}（{stamp}）"] + [None] * (width - 1),
           ["点击“位置”可跳到对应单元格；红色为错误、橙色为提示。改正后请再次点击“校验”；点击“清除标记”可去掉颜色并删除本页。"]
           + [None] * (width - 1),
           list(RESULTS_HEAD) + [None] * (RECORD_COL - 1 - len(RESULTS_HEAD)) + list(RECORD_HEAD)]
    body = [r + [None] * (RECORD_COL - 1 - len(r)) for r in _results_rows(result, marks)]
    record = [[neutralise(m.sheet), m.cell, m.original, "是" if m.note else "否"] for m in marks.values() if m.color]
    n = max(len(body), len(record))
    for i in range(n):
        row = body[i] if i < len(body) else [None] * (RECORD_COL - 1)
        row = row + (record[i] if i < len(record) else [None] * len(RECORD_HEAD))
        top.append(row)
    sh.range("A1").value = top
    if c.desktop:
        for col, w in zip("ABCDEFG", (6, 12, 28, 80, 26, 16, 10)):
            sh.range(f"{col}1").column_width = w
    else:
        sh.range("A3:C3").autofit()
    sh.activate()


# ---------------------------------------------------------------------------
# Clearing
# ---------------------------------------------------------------------------


def _clear(c: _Client, lock: _Lock) -> int:
    """Undo what validate_book added, from the record on the results sheet."""
    if not c.has_sheet(RESULTS_SHEET):
        return 0
    rows = c.grid(RESULTS_SHEET)
    done: set[tuple[str, str]] = set()
    restored = 0
    for r in range(RESULTS_FIRST_ROW, len(rows) + 1):
        sheet = _grid_cell(rows, r, RECORD_COL)
        cell = _grid_cell(rows, r, RECORD_COL + 1)
        original = _grid_cell(rows, r, RECORD_COL + 2)
        note = _grid_cell(rows, r, RECORD_COL + 3)
        if not sheet or not cell or not original:
            continue
        sheet, cell, original = str(sheet), str(cell), str(original)
        if sheet.startswith("'") and is_formula_like(sheet[1:]) and not c.has_sheet(sheet):
            sheet = sheet[1:]  # neutralised when written (Excel hides the apostrophe, other engines keep it)
        if (sheet, cell) in done or not c.has_sheet(sheet) or not lock.can_mark(sheet):
            continue
        done.add((sheet, cell))
        if original != NO_FILL and not re.fullmatch(r"#[0-9A-Fa-f]{6}", original):
            continue  # the record was edited: leave the cell alone
        c.set_fill(sheet, cell, original)
        if note == "是":
            c.delete_note(sheet, cell)
        restored += 1
    if lock.can_add_sheet:
        c.book.sheets[RESULTS_SHEET].delete()
        c._grids.pop(RESULTS_SHEET, None)
    return restored


def clear_marks(book, *, alert: bool = True) -> int:
    """Remove exactly what validation added: fills, notes, the results sheet. Returns cells restored."""
    c = _Client(book)
    if not c.has_sheet(RESULTS_SHEET):
        if alert:
            c.alert("没有找到“校验结果”工作表，当前没有需要清除的标记。")
        return 0
    lock = c.unlock()
    try:
        n = _clear(c, lock)
    finally:
        lock.close()
    if alert:
        c.alert(f"已清除{n}个单元格的标记，并删除了“校验结果”工作表。")
    return n


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _saved_path(book, what: str) -> "Path":
    from pathlib import Path

    p = Path(book.fullname)
    if not p.parent or str(p.parent) in ("", ".") or not p.is_absolute():
        raise GxxlError(f"请先把工作簿保存到电脑上（文件→另存为），再{what}：结果会写在工作簿旁边。")
    return p


def _free_name(base: "Path") -> "Path":
    """``base``, or ``base(2)``, ``base(3)`` … : never overwrite an earlier result."""
    out, i = base, 2
    while out.exists():
        out = base.with_name(f"{base.stem}({i}){base.suffix}")
        i += 1
    return out


def _report_path(book) -> "Path":
    p = _saved_path(book, "生成报告")
    return _free_name(p.with_name(f"{p.stem}_年报.docx"))


def report_book(book, *, alert: bool = True):
    """Write the report (.docx) next to the workbook, from the values open in Excel.

    Uses the report library's own gate: with errors the clerk is asked whether a
    draft (visibly marked 草稿) is wanted; clients that cannot ask get no report.
    Returns the path written, or None when refused.
    """
    c = _Client(book)
    data = _read(c)
    out = _report_path(book)
    try:
        from ..render import ReportRefused, render_report
    except ImportError:
        raise GxxlError("本版本gxxl尚未包含报告生成功能，请升级gxxl后再试。") from None
    try:
        res = render_report(data.report, out, fmt="docx")
    except ReportRefused as exc:
        n = len(exc.gate.errors)
        if not c.ask(f"年报有{n}处错误（点击“校验”可查看）。有错误时只能生成标明“草稿”的报告，仍要生成草稿吗？"):
            if alert:
                c.alert(f"年报有{n}处错误，未生成报告。请先点击“校验”并改正错误。", mode="critical")
            return None
        res = render_report(data.report, out, fmt="docx", force=True)
    if alert:
        c.alert(f"已生成{'草稿' if res.draft else '报告'}：{res.path}")
    return res.path


# ---------------------------------------------------------------------------
# Ribbon entry points (called by the gxxl add-in's VBA through RunPython)
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# Consolidation (for the county office)
# ---------------------------------------------------------------------------

CONSOLIDATED_STEM = "汇总结果"
ROSTER_NAMES = ("名单.xlsx", "名单.csv", "名单.txt")


def consolidate_book(book, *, alert: bool = True):
    """汇总: every workbook in the active workbook's folder (sub-folders and .zip included) into
    ``汇总结果.xlsx`` beside them; a 名单.xlsx/.csv in that folder is used as the roster.

    Earlier 汇总结果 files are left out so a second click does not count them as an organ.
    Returns the path written.
    """
    c = _Client(book)
    folder = _saved_path(book, "汇总").parent
    from ..consolidation import consolidate

    roster = next((folder / n for n in ROSTER_NAMES if (folder / n).exists()), None)
    earlier = sorted(folder.glob(f"{CONSOLIDATED_STEM}*.xlsx"))
    res = consolidate([folder], roster=roster, exclude=earlier, progress=False)
    out = _free_name(folder / f"{CONSOLIDATED_STEM}.xlsx")
    res.to_xlsx(out)
    if alert:
        k = res.counts
        parts = "、".join(f"{name}{n}份" for name, n in k.items() if n)
        missing = f"；名单中有{len(res.missing)}个机关未报送" if getattr(res, "missing", None) else ""
        c.alert(f"已汇总{len(res.files)}个文件（{parts}）{missing}。结果：{out}")
    return out


def _ask_link(c: "_Client") -> str | None:
    """Ask for the 上报链接 once (desktop Excel's InputBox); None where the client cannot ask."""
    if not c.windows:
        return None
    answer = c.book.app.api.InputBox("请粘贴县政府办发给本单位的上报链接（形如 http://地址:端口/b/令牌/）。"
                                     "以后上报会自动使用这个链接。", "政务公开年报：上报", "")
    return answer.strip() if isinstance(answer, str) and answer.strip() else None


def submit_book(book, *, alert: bool = True, link: str | None = None) -> dict:
    """上报: send the saved workbook to the collection service (``gxxl serve``) with this user's link.

    Desktop Excel saves the workbook first, so what is sent is what the clerk sees. The link is asked
    for once and remembered (``%USERPROFILE%\\.gxxl\\上报链接.txt``). Returns the service's answer.
    """
    from ..serve.client import describe, remember_link, remembered_link, submit

    c = _Client(book)
    path = _saved_path(book, "上报")
    link = link or remembered_link()
    if not link:
        link = _ask_link(c)
        if not link:
            raise GxxlError("尚未设置上报链接：请在命令行运行 gxxl submit 工作簿.xlsx --link 县政府办发来的链接 --remember，"
                            "之后即可用“上报”按钮。")
        remember_link(link)  # only a valid link is kept (raises otherwise)
    if c.desktop:
        book.save()
    answer = submit(path, link)  # a SubmitError reaches the clerk through run()'s alert
    if alert:
        c.alert(describe(answer, link))
    return answer


ACTIONS = {"validate": validate_book, "clear": clear_marks, "report": report_book, "consolidate": consolidate_book,
           "submit": submit_book}


def run(action: str, book=None) -> None:
    """Entry point of every ribbon button: act on the active workbook, report problems in Chinese.

    The add-in's VBA calls ``run('<action>')``; ``book`` is for callers that already hold one.
    """
    if book is None:
        import xlwings as xw

        caller = xw.Book.caller()  # the add-in itself
        _addin["name"] = caller.name
        app = caller.app
        try:
            book = app.books.active
        except Exception:  # noqa: BLE001
            book = None
        if book is None or book.name == caller.name:
            app.alert("请先打开（并选中）要处理的年报工作簿，再点击按钮。", title="政务公开年报")
            return
    app = book.app
    try:
        ACTIONS[action](book)
    except GxxlError as exc:
        app.alert(str(exc), title="政务公开年报", mode="critical")
    except Exception as exc:  # noqa: BLE001 — the clerk sees a message, never a traceback
        app.alert(f"程序内部错误（{type(exc).__name__}: {exc}）。请把此信息和工作簿发给维护人员。",
                  title="政务公开年报", mode="critical")


def main() -> None:
    """xlwings' ribbon-skeleton convention (RunMain calls <add-in>.main()): validate."""
    run("validate")
