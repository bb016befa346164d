"""Read a gxxl workbook (xlsx, xlsm, xls, ods) with python-calamine.

Values are taken from the cells the schema names, after a structure check of
every fixed label. Stored formula results are kept as ``stored`` but never
trusted: sums are recomputed from the inputs and the validator compares.
Macros are never run; formulas are never evaluated.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import schema
from ..errors import ReadError
from ..model import AnnualReport, Finding, Source, cell_text, report_from_cells
from .guard import col_number, open_workbook, sheet_names, sheet_rows

_WS = re.compile(r"[\s\u3000]+")


def norm_label(text: Any) -> str:
    """Compare labels ignoring whitespace and line breaks, and half/full-width brackets."""
    s = _WS.sub("", str(text or ""))
    return s.replace("(", "（").replace(")", "）").replace(":", "：").replace('"', "“")


@lru_cache(maxsize=None)
def _norm_cached(text: str) -> str:
    return norm_label(text)


def _cell(rows: list[list[Any]], row: int, col: int) -> Any:
    """1-based access; '' (calamine's empty) becomes None."""
    if row - 1 < len(rows):
        r = rows[row - 1]
        if col - 1 < len(r):
            v = r[col - 1]
            if v == "" or v is None:
                return None
            return v
    return None


_text = cell_text


def label_findings(rows_of, sheet_map: dict[str, str]) -> list[Finding]:
    """Structure check: every fixed label of the three tables where the schema puts it.

    ``rows_of(sheet)`` gives a sheet's values from A1 (list of rows); ``sheet_map``
    maps the schema's sheet names to the names found in the workbook.
    """
    out: list[Finding] = []
    for t in schema.TABLES:
        rows = rows_of(sheet_map[t.sheet])
        for loc, text in schema.label_cells(t):
            got = _cell(rows, loc.row, loc.col)
            if got != text and norm_label(got) != _norm_cached(text):
                out.append(Finding(
                    "structure.label", "error",
                    f"{sheet_map[t.sheet]} {loc.cell}：表格文字应为“{text}”，实为“{_text(got) or '（空）'}”，表格结构可能被改动，数据位置不可信",
                    sheet=sheet_map[t.sheet], cell=loc.cell, expected=text, actual=_text(got)))
    return out


def read(path, *, check_structure: bool = True) -> AnnualReport:
    path = Path(path)
    opened = open_workbook(path)
    wb = opened.book
    try:
        names = sheet_names(wb)
    except Exception:
        raise ReadError(path, "无法读取工作表列表，文件可能已损坏") from None
    rep = AnnualReport(source=Source(path=str(path), kind="workbook"))
    cache: dict[str, list[list[Any]]] = {}

    def rows_of(sheet: str) -> list[list[Any]]:
        if sheet not in cache:
            try:
                cache[sheet] = sheet_rows(wb, sheet)
            except Exception:
                raise ReadError(path, "工作表内容无法读取，文件可能已损坏", sheet=sheet) from None
        return cache[sheet]

    # -- what is this file? ------------------------------------------------
    table_sheets = [t.sheet for t in schema.TABLES]
    if schema.SHEET_META in names:
        mrows = rows_of(schema.SHEET_META)
        kv = {str(_cell(mrows, i, 1)): _cell(mrows, i, 2) for i in range(1, 12) if _cell(mrows, i, 1)}
        if kv.get("kind") != schema.WORKBOOK_KIND:
            raise ReadError(path, "不是gxxl年报工作簿（隐藏信息页内容不符）")
        rep.source.format_version = _text(kv.get("format_version"))
        try:
            rep.source.layout_version = int(float(kv.get("layout_version")))
        except (TypeError, ValueError):
            rep.source.layout_version = None
        rep.source.gxxl_version = _text(kv.get("gxxl_version"))
        rep.source.role = _text(kv.get("role"))
        if rep.source.format_version != schema.FORMAT_VERSION:
            raise ReadError(path, f"工作簿格式版本为“{rep.source.format_version}”，本程序只支持{schema.FORMAT_NAME}格式（{schema.FORMAT_VERSION}）")
        if rep.source.layout_version is None or rep.source.layout_version > schema.LAYOUT_VERSION:
            raise ReadError(path, f"工作簿由较新版本的gxxl（{rep.source.gxxl_version}）生成，请升级gxxl后再读取")
    else:
        if not any(s in names for s in table_sheets) and not any(s in names for s in (schema.SHEET_COVER,)):
            old = _looks_2019(wb, names)
            if old:
                raise ReadError(path, "这是旧版（2019年试行格式）的年报表格，不是gxxl年报工作簿", hint=schema.OLD_FORMAT_2019_NOTE)
            raise ReadError(path, f"不是gxxl年报工作簿（工作表为：{'、'.join(names[:6])}）",
                            hint="请使用 gxxl new 生成的工作簿填写")
        rep.findings.append(Finding("structure.meta_sheet", "warning",
                                    f"缺少隐藏信息页“{schema.SHEET_META}”，无法确认格式版本，按{schema.FORMAT_VERSION}格式读取",
                                    sheet=None))
    rep.source.saved_at = opened.saved_at
    if rep.source.role is None and {"报送情况", "明细"} <= set(names):
        rep.source.role = schema.ROLE_CONSOLIDATED  # written by a gxxl before the hidden sheet said so
    if opened.macros:
        rep.findings.append(Finding("structure.macros_ignored", "warning",
                                    "工作簿中含有宏（VBA代码），gxxl只读取单元格中的数值，宏没有运行；"
                                    "gxxl下发的工作簿不需要宏，请报送单位另存为.xlsx后报送", sheet=None))
    for sheet, far in opened.cut.items():
        m = re.fullmatch(r"([A-Z]{1,3})(\d{1,7})", far)
        in_excel = bool(m) and col_number(m.group(1)) <= 16384 and int(m.group(2)) <= 1048576  # else no cell to show
        rep.findings.append(Finding("structure.outside_ignored", "warning",
                                    f"工作表“{sheet}”在远离表格的位置（最远到{far}）还有内容，已忽略；请删除多余内容",
                                    sheet=sheet, cell=far if in_excel else None))

    # -- locate sheets (tolerate a renamed table sheet by its title) --------
    sheet_map: dict[str, str] = {}
    for t in schema.TABLES:
        if t.sheet in names:
            sheet_map[t.sheet] = t.sheet
            continue
        found = None
        for n in names:
            if n in sheet_map.values() or n in (schema.SHEET_META,):
                continue
            if norm_label(_cell(rows_of(n), 1, 1)) == norm_label(t.title):
                found = n
                break
        if found is None:
            raise ReadError(path, f"缺少工作表“{t.sheet}”（{t.title}），工作簿结构已被改动，无法读取",
                            hint="请使用gxxl下发的原工作簿重新填写，不要删除或改名工作表")
        sheet_map[t.sheet] = found
        rep.findings.append(Finding("structure.sheet_renamed", "warning",
                                    f"工作表“{t.sheet}”被改名为“{found}”，已按标题识别", sheet=found))
    for s in (schema.SHEET_COVER, schema.SHEET_NARRATIVE, schema.SHEET_NOTES):
        sheet_map[s] = s if s in names else None  # type: ignore[assignment]
        if s not in names:
            rep.findings.append(Finding("structure.sheet_missing", "error", f"缺少工作表“{s}”", sheet=s))

    # -- structure check ---------------------------------------------------
    if check_structure:
        rep.findings.extend(label_findings(rows_of, sheet_map))

    # -- values ------------------------------------------------------------
    loc = schema.layout()
    cells: dict[str, tuple] = {}
    for p in schema.DATA_POINTS:
        l = loc[p.code]
        sheet = sheet_map[l.sheet]
        cells[p.code] = (_cell(rows_of(sheet), l.row, l.col), sheet, l.cell)
    for s, fields in ((schema.SHEET_COVER, schema.META_FIELDS), (schema.SHEET_NARRATIVE, schema.NARRATIVE_FIELDS)):
        if sheet_map.get(s):
            for f in fields:
                l = loc[f.code]
                cells[f.code] = (_cell(rows_of(s), l.row, l.col), s, l.cell)
    explanations = []
    if sheet_map.get(schema.SHEET_NOTES):
        xrows = rows_of(schema.SHEET_NOTES)
        for r in range(schema.EXPLANATION_FIRST_ROW, schema.EXPLANATION_FIRST_ROW + schema.EXPLANATION_ROWS):
            explanations.append((_cell(xrows, r, 1), _cell(xrows, r, 2), schema.SHEET_NOTES, f"A{r}"))
    filled = report_from_cells(cells, explanations, rep.source)
    filled.findings = rep.findings
    return filled


def _looks_2019(wb, names: list[str]) -> bool:
    for n in names[:10]:
        try:
            rows = sheet_rows(wb, n, 80, 20)
        except Exception:
            continue
        text = "".join(str(v) for r in rows[:80] for v in r[:20])
        if any(m in text for m in schema.OLD_FORMAT_2019_MARKERS):
            return True
    return False
