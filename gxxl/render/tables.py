"""The one grid model of the three official tables, filled with a report's values.

Every output (docx, HTML, Markdown) dresses this model; none of them knows a
label, a merge or a row order of its own. The grids come from ``schema.TABLES``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .. import schema
from ..model import AnnualReport, DataValue, plain_number


@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    rowspan: int
    colspan: int
    role: str  # "head" | "note" | "label" | "data"
    text: str  # what is printed
    code: str | None = None
    value: Any = None  # the number behind a data cell (None when blank or not a number)

    @property
    def is_header(self) -> bool:
        return self.role in ("head", "note")


@dataclass(frozen=True)
class ReportTable:
    key: str
    part: str
    title: str
    nrows: int
    ncols: int
    header_rows: int  # leading rows repeated on every printed page
    col_widths: tuple[float, ...]  # relative widths
    cells: tuple[Cell, ...]

    @cached_property
    def owner(self) -> dict[tuple[int, int], Cell]:
        """Every grid position -> the cell that covers it (merges included)."""
        out: dict[tuple[int, int], Cell] = {}
        for c in self.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    out[(r, k)] = c
        return out

    def rows(self) -> list[list[Cell]]:
        """Cells grouped by the row they start in, left to right."""
        out: list[list[Cell]] = [[] for _ in range(self.nrows)]
        for c in sorted(self.cells, key=lambda c: (c.row, c.col)):
            out[c.row].append(c)
        return out

    def by_code(self) -> dict[str, Cell]:
        return {c.code: c for c in self.cells if c.code}

    def header_row_flags(self) -> list[bool]:
        """True for rows holding no data cell (column headers, block headers)."""
        data_rows = {c.row for c in self.cells if c.role == "data"}
        return [r not in data_rows for r in range(self.nrows)]

    def flat(self) -> list[tuple[tuple[str, ...], tuple[str, ...], Cell]]:
        """(row label path, column label path, data cell) for every data cell.

        Column labels are the header cells above the cell in the nearest run of
        header rows; row labels are the label cells left of it. Used where merges
        cannot be drawn (Markdown) and to check every output against the grid.
        """
        heads = self.header_row_flags()
        out = []
        for c in sorted((c for c in self.cells if c.role == "data"), key=lambda c: (c.row, c.col)):
            r = c.row - 1
            while r >= 0 and not heads[r]:
                r -= 1
            top = r
            while r >= 0 and heads[r]:
                r -= 1
            col_path: list[str] = []
            for rr in range(r + 1, top + 1):
                h = self.owner.get((rr, c.col))
                if h is not None and h.role == "head" and h.text and h.text not in col_path:
                    col_path.append(h.text)
            row_path: list[str] = []
            for cc in range(c.col):
                lab = self.owner.get((c.row, cc))
                if lab is not None and lab.role == "label" and lab.text not in row_path:
                    row_path.append(lab.text)
            out.append((tuple(row_path), tuple(col_path), c))
        return out


def format_value(dv: DataValue | None, kind: str = "count") -> str:
    """What a data cell prints: counts as integers, 收费金额 as entered, blanks empty."""
    if dv is None:
        return ""
    v = dv.value
    if v is None:
        # a draft (--force) shows what the clerk wrote ("无", "4件") rather than hide it
        return "" if dv.raw is None else str(dv.raw).strip()
    if kind == "amount" and isinstance(dv.raw, str) and dv.problem == "text_number":
        return dv.raw.strip()  # typed as text: keep the digits exactly as entered
    if kind == "count" and isinstance(v, float) and not v.is_integer():
        return plain_number(v)  # a fraction is an error; show it, do not round it away
    return plain_number(v)


def build_table(t: schema.Table, rep: AnnualReport | None) -> ReportTable:
    cells = []
    for gc in t.cells:
        if gc.role == "data":
            dv = rep.values.get(gc.code) if rep is not None else None
            kind = schema.POINTS[gc.code].kind
            cells.append(Cell(gc.row, gc.col, gc.rowspan, gc.colspan, "data", format_value(dv, kind), gc.code,
                              dv.value if dv is not None else None))
        else:
            cells.append(Cell(gc.row, gc.col, gc.rowspan, gc.colspan, gc.role, gc.text))
    return ReportTable(t.key, t.part, t.title, t.nrows, t.ncols, t.header_rows, tuple(t.col_widths), tuple(cells))


def report_tables(rep: AnnualReport | None) -> tuple[ReportTable, ...]:
    """The three official tables filled with ``rep``'s values (empty when ``rep`` is None)."""
    return tuple(build_table(t, rep) for t in schema.TABLES)


def table_for_part(tables: tuple[ReportTable, ...], part: str) -> ReportTable | None:
    for t in tables:
        if t.part == part:
            return t
    return None
