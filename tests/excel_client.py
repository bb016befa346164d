"""Test support for the Excel front end: what xlwings' VBA client sends and does.

* ``payload(path)`` builds the JSON that xlwings' VBA remote client
  (``Remote.bas`` RunServerPython) sends for a real workbook file: every
  worksheet's values from A1 to the end of its used range (cached formula
  results, as Excel has them), and the defined names that refer to ranges.
* ``remote_subs()`` are the actions that client can execute: the Subs of the
  ``Remote.bas`` shipped in the installed xlwings package.
* ``play(actions, src, dst)`` replays recorded actions on a real .xlsx the way
  those Subs would on a workbook in Excel, including Excel's refusals on a
  protected sheet or a structure-protected workbook, so a test can check the
  effect of validate/clear on a file and read it back.
"""
from __future__ import annotations

import re
from pathlib import Path

import openpyxl
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter


def use_remote_engine(monkeypatch) -> None:
    """xlwings' remote engine, licensed for tests through the noncommercial key; only in tests."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    import xlwings

    if "remote" not in xlwings.engines.engines_by_name:
        # xlwings registers its engines once, at import: an earlier test imported it without the key
        from xlwings.main import Engine
        from xlwings.pro import _xlremote

        xlwings.engines.add(Engine(impl=_xlremote.engine))


def remote_bas() -> Path:
    import xlwings

    return Path(xlwings.__file__).parent / "addin" / "Remote.bas"


def remote_subs() -> set[str]:
    text = remote_bas().read_text(encoding="utf-8", errors="replace")
    return set(re.findall(r"(?m)^Sub (\w+)\(wb As Workbook, action As Dictionary\)", text))


def payload(path, *, name: str | None = None, active: int = 0) -> dict:
    import xlwings

    path = Path(path)
    wb = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        nr, nc = ws.max_row, ws.max_column
        if nr == 1 and nc == 1 and ws.cell(1, 1).value is None:
            values = [[]]
        else:
            values = [[_json_value(ws.cell(r, c).value) for c in range(1, nc + 1)] for r in range(1, nr + 1)]
        sheets.append({"name": ws.title, "values": values, "pictures": [], "tables": []})
    index = {ws.title: i for i, ws in enumerate(wb.worksheets)}
    names = []
    for n, dn in wb.defined_names.items():
        for sheet, ref in dn.destinations:
            names.append({"name": n, "sheet_index": index[sheet], "address": ref.replace("$", ""),
                          "book_scope": True, "scope_sheet_name": None, "scope_sheet_index": None})
    for ws in wb.worksheets:  # sheet-scoped names, e.g. print titles, as Excel lists them
        if ws.print_title_rows:
            names.append({"name": f"'{ws.title}'!Print_Titles", "sheet_index": index[ws.title],
                          "address": ws.print_title_rows.replace("$", ""), "book_scope": False,
                          "scope_sheet_name": ws.title, "scope_sheet_index": index[ws.title]})
    return {
        "client": "VBA",
        "version": xlwings.__version__,
        "book": {"name": name or path.name, "active_sheet_index": active, "selection": "A1"},
        "names": names,
        "sheets": sheets,
    }


def _json_value(v):
    import datetime as dt

    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


class ExcelRefused(Exception):
    """What Excel would raise (and the VBA client would stop on)."""


def _range(ws, a):
    r0, c0 = a["start_row"] + 1, a["start_column"] + 1
    return [(r0 + i, c0 + j) for i in range(a["row_count"]) for j in range(a["column_count"])]


def play(actions: list[dict], src, dst) -> dict:
    """Apply actions to a copy of ``src`` saved as ``dst``; returns {'alerts': [...], 'macros': [...]}."""
    wb = openpyxl.load_workbook(src)
    subs = remote_subs()
    log = {"alerts": [], "macros": []}
    unlocked: dict[str, bool] = {}
    structure_was = [False]
    for a in actions:
        func = a["func"]
        if func not in subs:
            raise ExcelRefused(f"the VBA client has no Sub {func}")
        ws = wb.worksheets[a["sheet_position"]] if a.get("sheet_position") is not None else None
        if func == "setValues":
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    cell = ws.cell(a["start_row"] + 1 + i, a["start_column"] + 1 + j)
                    if ws.protection.sheet and cell.protection.locked:
                        raise ExcelRefused(f"{ws.title}!{cell.coordinate} is locked")
                    cell.value = v
        elif func == "setRangeColor":
            if ws.protection.sheet:
                raise ExcelRefused(f"cannot format cells on protected sheet {ws.title}")
            color = a["args"][0]
            for r, c in _range(ws, a):
                ws.cell(r, c).fill = PatternFill("solid", fgColor="FF" + color.lstrip("#").upper())
        elif func == "addSheet":
            if wb.security is not None and wb.security.lockStructure:
                raise ExcelRefused("workbook structure is protected")
            pos, name = a["args"]
            wb.create_sheet(name, index=min(pos, len(wb.worksheets)))
        elif func == "sheetDelete":
            if wb.security is not None and wb.security.lockStructure:
                raise ExcelRefused("workbook structure is protected")
            wb.remove(ws)
        elif func == "activateSheet":
            wb.active = a["args"][0]
        elif func == "alert":
            log["alerts"].append(a["args"][0])
        elif func == "setAutofit":
            pass  # layout only
        elif func == "runMacro":
            macro = a["args"][0]
            log["macros"].append(macro)
            if macro.endswith(".GxxlUnlock"):
                from gxxl.workbook.build import PASSWORD

                for s in wb.worksheets:
                    if s.protection.sheet:
                        unlocked[s.title] = True
                        s.protection.sheet = False
                if wb.security is not None and wb.security.lockStructure:
                    structure_was[0] = True
                    wb.security.lockStructure = False
                assert PASSWORD  # the macro uses the documented password
            elif macro.endswith(".GxxlRelock"):
                for title in unlocked:
                    if title in wb.sheetnames:
                        wb[title].protection.sheet = True
                if structure_was[0]:
                    wb.security.lockStructure = True
            else:
                raise ExcelRefused(f"unknown macro {macro}")
        else:
            raise ExcelRefused(f"player does not implement {func}")
    wb.save(dst)
    return log


def fills(path) -> dict[tuple[str, str], str | None]:
    """(sheet, cell) -> solid fill colour 'RRGGBB' (None without a fill), for every cell in the used range."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column):
            for cell in row:
                f = cell.fill
                rgb = f.fgColor.rgb if f is not None and f.fill_type == "solid" else None
                out[(ws.title, cell.coordinate)] = str(rgb)[-6:].upper() if isinstance(rgb, str) else None
    return out


def cells(path) -> dict[tuple[str, str], object]:
    """(sheet, cell) -> stored value or formula, for every non-empty cell."""
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None}


def col(n: int) -> str:
    return get_column_letter(n)
