"""What the checks share: the check registry, the context a check reads, and Hit."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from .. import schema
from ..model import AnnualReport

# (rule IDs a function may emit, function)
CHECKS: list[tuple[tuple[str, ...], Callable[["Ctx"], Iterator["Hit"]]]] = []


def check(*rule_ids: str):
    """Register a check function; it yields Hit objects for the given rule IDs only."""

    def deco(fn):
        CHECKS.append((rule_ids, fn))
        return fn

    return deco


@dataclass
class Hit:
    rule: str
    codes: list[str]
    sheet: str | None
    cell: str | None
    expected: Any = None
    actual: Any = None
    fields: dict[str, Any] = field(default_factory=dict)


class Ctx:
    """The report being checked, last year's report (or None) and helpers."""

    def __init__(self, report: AnnualReport, previous: AnnualReport | None = None):
        self.report = report
        self.previous = previous
        self.loc = schema.layout()
        self.cache: dict[str, Any] = {}

    def value(self, code: str):
        dv = self.report.values.get(code)
        return dv.value if dv is not None else None

    def where(self, code: str) -> tuple[str | None, str | None]:
        """Sheet and A1 cell of a code: the value's provenance first, the schema's layout otherwise."""
        dv = self.report.values.get(code)
        if dv is not None and dv.sheet:
            return dv.sheet, dv.cell
        loc = self.loc.get(code)
        return (loc.sheet, loc.cell) if loc else (None, None)

    def hit(self, rule: str, codes, at: str | None = None, expected=None, actual=None, **fields) -> Hit:
        codes = list(codes)
        sheet, cell = self.where(at or (codes[0] if codes else ""))
        return Hit(rule, codes, sheet, cell, expected, actual, fields)


def fmt_num(x) -> str:
    """Numbers as a clerk writes them: 5, 4166.241619, never 5.0."""
    if x is None:
        return "（空）"
    if isinstance(x, float):
        if x.is_integer():
            return str(int(x))
        return f"{x:.6f}".rstrip("0").rstrip(".")
    return str(x)


def same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) < 1e-6


def column_label(col: str) -> str:
    return dict(schema.REQUEST_COLUMNS)[col][-1]


def row_label(row: str) -> str:
    labels = dict(schema.REQUEST_ROWS)[row]
    return " ".join(labels[1:]) if len(labels) > 1 else labels[0]


def group_label(group: str) -> str:
    return "·".join(dict(schema.APPEAL_GROUPS)[group])
