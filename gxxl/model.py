"""AnnualReport: what every reader produces and every later step consumes."""
from __future__ import annotations

from decimal import Decimal

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from . import schema

Number = int | float


@dataclass
class DataValue:
    """One data point as found in a source, with its provenance.

    ``value`` is the number the rules use: for input cells the parsed number,
    for sum cells the sum recomputed from the inputs (when they are all numbers),
    else what the source states. ``stored`` is what the source itself states
    for a sum cell (a cached formula result, a printed total), or None.
    """

    code: str
    value: Number | None = None
    raw: Any = None
    stored: Number | None = None
    sheet: str | None = None
    cell: str | None = None
    problem: str | None = None  # "blank" | "text" | "negative" | "fraction" | "error"
    suggestion: Number | None = None  # for text like "4件": the number probably meant
    location: str | None = None  # provenance outside a workbook, e.g. "表三“（二）部分公开”行·自然人（第12行）"

    @property
    def filled(self) -> bool:
        return self.value is not None


@dataclass
class Finding:
    rule: str
    severity: str  # "error" | "warning"
    message: str
    codes: list[str] = field(default_factory=list)
    sheet: str | None = None
    cell: str | None = None
    expected: Any = None
    actual: Any = None
    explained: bool = False
    explanation: str | None = None
    title: str | None = None
    location: str | None = None  # where in a published document (imports have no sheet/cell)

    def to_json(self) -> dict:
        d = {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "codes": list(self.codes),
            "sheet": self.sheet,
            "cell": self.cell,
            "expected": self.expected,
            "actual": self.actual,
            "explained": self.explained,
        }
        if self.explanation:
            d["explanation"] = self.explanation
        if self.location:
            d["location"] = self.location
        return d


@dataclass
class Explanation:
    """A clerk's explanation of a warning (说明 sheet): key is a rule ID or a data-point code."""

    key: str
    text: str
    sheet: str | None = None
    cell: str | None = None


@dataclass
class Source:
    path: str | None = None
    kind: str = "workbook"  # workbook | text | html | docx | pdf | memory
    format_version: str | None = None
    layout_version: int | None = None
    gxxl_version: str | None = None
    saved_at: str | None = None  # ISO time the file says it was last saved
    role: str | None = None  # schema.ROLE_CONSOLIDATED for a 汇总 (hidden sheet or gxxl's 汇总 sheets)
    notes: list[str] = field(default_factory=list)  # how an imported document was read (e.g. level inferred)


@dataclass
class AnnualReport:
    meta: dict[str, Any] = field(default_factory=dict)  # keys without "meta." prefix
    values: dict[str, DataValue] = field(default_factory=dict)
    narrative: dict[str, str] = field(default_factory=dict)  # keys: preface, overview, problems, other
    explanations: list[Explanation] = field(default_factory=list)
    source: Source = field(default_factory=Source)
    findings: list[Finding] = field(default_factory=list)  # raised while reading (structure, format)

    # -- convenience -------------------------------------------------------
    @property
    def organ(self) -> str | None:
        v = self.meta.get("organ")
        return str(v) if v not in (None, "") else None

    @property
    def year(self) -> int | None:
        v = self.meta.get("year")
        try:
            return int(v) if v not in (None, "") else None
        except (TypeError, ValueError):
            return None

    @property
    def level(self) -> str | None:
        v = self.meta.get("level")
        return str(v) if v not in (None, "") else None

    def get(self, code: str) -> Number | None:
        dv = self.values.get(code)
        return dv.value if dv else None

    def __getitem__(self, code: str) -> Number | None:
        return self.get(code)

    def numbers(self) -> dict[str, Number | None]:
        return {c: self.get(c) for c in schema.CODES}

    # -- construction ------------------------------------------------------
    @classmethod
    def from_values(
        cls,
        values: dict[str, Any],
        meta: dict[str, Any] | None = None,
        narrative: dict[str, str] | None = None,
        *,
        stored_sums: bool = False,
    ) -> "AnnualReport":
        """Build a report from plain numbers by code (missing inputs stay blank).

        With ``stored_sums`` the given sum values are kept as what the source states.
        """
        rep = cls(meta=dict(meta or {}), narrative=dict(narrative or {}), source=Source(kind="memory"))
        loc = schema.layout()
        for code in schema.CODES:
            raw = values.get(code)
            num, problem, sugg = parse_number(raw, schema.POINTS[code].kind)
            dv = DataValue(code, raw=raw, sheet=loc[code].sheet, cell=loc[code].cell, problem=problem, suggestion=sugg)
            if schema.POINTS[code].is_sum:
                dv.stored = num if (stored_sums or code in values) else None
            else:
                dv.value = num
            rep.values[code] = dv
        rep.recompute()
        return rep

    def recompute(self) -> None:
        """Set every sum's ``value`` from its inputs (or its stored value when inputs are missing)."""
        for code in schema.SUM_CODES:
            dv = self.values.setdefault(code, DataValue(code))
            parts = schema.inputs_of(code)
            nums = [self.values[p].value if p in self.values else None for p in parts]
            if all(n is not None for n in nums):
                dv.value = _tidy(sum(nums))
            else:
                dv.value = dv.stored

    def to_json(self) -> dict:
        return {
            "meta": dict(self.meta),
            "values": {c: self.get(c) for c in schema.CODES},
            "narrative": dict(self.narrative),
            "source": asdict(self.source),
        }


def cell_text(v: Any) -> str | None:
    """A cell's text: whole floats without ".0", stripped, None when empty."""
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip() or None


def report_from_cells(
    cells: dict[str, tuple[Any, str | None, str | None]],
    explanations: list[tuple[Any, Any, str | None, str | None]] | None = None,
    source: Source | None = None,
) -> AnnualReport:
    """The shared "values by code -> AnnualReport" step of every workbook front end.

    ``cells`` maps data-point, ``meta.*`` and ``narrative.*`` codes to
    (raw cell value, sheet, A1 cell) as found in the source (a file read by
    calamine, or a live workbook through its defined names); missing codes are
    blank. ``explanations`` are the rows of the explanation table as
    (key, text, sheet, cell). Sums are recomputed from the inputs; a sum
    cell's own value is kept as ``stored``.
    """
    rep = AnnualReport(source=source or Source())
    for p in schema.DATA_POINTS:
        raw, sheet, cell = cells.get(p.code, (None, None, None))
        num, problem, sugg = parse_number(raw, p.kind)
        dv = DataValue(p.code, raw=raw, sheet=sheet, cell=cell)
        if p.is_sum:
            dv.stored = num if problem in (None, "text_number") else None
        else:
            dv.value, dv.problem, dv.suggestion = num, problem, sugg
        rep.values[p.code] = dv
    rep.recompute()
    for f in schema.META_FIELDS:
        key = f.code.split(".", 1)[1]
        if f.code not in cells:
            continue
        v = cells[f.code][0]
        if key == "year" and isinstance(v, float) and v.is_integer():
            v = int(v)
        elif isinstance(v, str):
            v = v.strip() or None
        rep.meta[key] = v
    for f in schema.NARRATIVE_FIELDS:
        if f.code in cells:
            rep.narrative[f.key] = cell_text(cells[f.code][0]) or ""
    for key, text, sheet, cell in explanations or []:
        key, text = cell_text(key), cell_text(text)
        if key or text:
            rep.explanations.append(Explanation(key or "", text or "", sheet, cell))
    return rep


_EXACT = 2 ** 53  # beyond this a float is no count anyone typed; as an int it could not be summed with floats


def _tidy(x: Number) -> Number:
    """Whole floats become ints (calamine returns 68.0); amounts keep decimals."""
    if isinstance(x, float):
        if x.is_integer() and abs(x) < _EXACT:
            return int(x)
        return round(x, 6)
    return x


_NUM_RE = re.compile(r"[-+]?\d+(?:\.\d+)?")
_BLANKS = {"", "—", "-", "－", "／", "/", "无", "空", "——", "…"}
_FULLWIDTH = str.maketrans("０１２３４５６７８９．－＋，", "0123456789.-+,")


def parse_number(raw: Any, kind: str = "count") -> tuple[Number | None, str | None, Number | None]:
    """(number, problem, suggestion) for a raw cell value.

    problem: None | "blank" | "text" | "negative" | "fraction" | "error".
    A blank is not 0; text such as "4件" is a problem with suggestion 4.
    """
    if raw is None:
        return None, "blank", None
    if type(raw) is float and 0 <= raw < _EXACT and raw.is_integer():  # the common case: calamine's 68.0
        return int(raw), None, None
    if isinstance(raw, bool):
        return None, "text", None
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and raw != raw:  # NaN
            return None, "blank", None
        if isinstance(raw, float) and raw in (float("inf"), float("-inf")):
            return None, "text", None  # no cell holds infinity; only a broken or hand-made source
        num = _tidy(raw)
        if num < 0:
            return num, "negative", None
        if kind == "count" and isinstance(num, float) and not num.is_integer():  # a whole 1E+20 stays a float
            return num, "fraction", round(num)
        return num, None, None
    text = str(raw).strip()
    if not text.replace("\u3000", "").strip():
        return None, "blank", None
    if text in _BLANKS:
        return None, "text", 0  # "—", "无": probably meant 0, but a blank is not 0
    if text.startswith("#"):
        return None, "error", None  # #REF!, #VALUE! …
    norm = text.translate(_FULLWIDTH).replace(",", "")
    try:
        num = _tidy(float(norm))
    except ValueError:
        m = _NUM_RE.search(norm)
        sugg = _tidy(float(m.group())) if m else None
        return None, "text", sugg
    # A number stored as text ("12"): usable, but say so.
    if num < 0:
        return num, "negative", None
    return num, "text_number", None


def plain_number(x: Any) -> str:
    """A number as people write it: 4, 12.5, 4166.241619 (no exponent, no float noise)."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x.is_integer():
            return str(int(x))
        d = Decimal(repr(round(x, 6))).normalize()
        return format(d, "f")
    return str(x)
