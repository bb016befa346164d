"""Run the catalogue over an AnnualReport; the result every front end prints or stores."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from .. import schema
from ..model import AnnualReport, Finding
from . import checks as _checks  # noqa: F401  (registers the table checks)
from . import narrative as _narrative  # noqa: F401  (registers the narrative checks)
from .base import CHECKS, Ctx, Hit, fmt_num
from .catalogue import BY_ID, ERROR, RULES, WARNING
from .checks import normalize_key

SHEET_ORDER = [schema.SHEET_COVER, *(t.sheet for t in schema.TABLES), schema.SHEET_NARRATIVE, schema.SHEET_NOTES]


@dataclass
class ValidationResult:
    report: AnnualReport
    findings: list[Finding]
    previous: AnnualReport | None = None
    notes: list[str] = field(default_factory=list)  # how ambiguous narrative numbers were read

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def unexplained_warnings(self) -> list[Finding]:
        return [f for f in self.warnings if not f.explained]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self, path=None) -> dict:
        p = path if path is not None else self.report.source.path
        return {
            "path": str(p) if p is not None else None,
            "organ": self.report.organ,
            "year": self.report.year,
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.to_json() for f in self.findings],
        }


def _jsonable(x):
    """Expected/actual values as JSON numbers or strings (never a float that is really an int)."""
    if isinstance(x, float) and x.is_integer():
        return int(x)
    if x is None or isinstance(x, (int, float, str, bool)):
        return x
    return str(x)


def _finding(hit: Hit) -> Finding:
    rule = BY_ID[hit.rule]
    fields = {"expected": fmt_num(hit.expected) if isinstance(hit.expected, (int, float)) else hit.expected,
              "actual": fmt_num(hit.actual) if isinstance(hit.actual, (int, float)) else hit.actual,
              "why": rule.why}
    fields.update(hit.fields)
    fields = {k: ("（空）" if v is None else v) for k, v in fields.items()}
    return Finding(
        rule=rule.id, severity=rule.severity, message=rule.template.format_map(fields), codes=list(hit.codes),
        sheet=hit.sheet, cell=hit.cell, expected=_jsonable(hit.expected), actual=_jsonable(hit.actual), title=rule.title,
    )


def _reader_finding(f: Finding) -> Finding:
    rule = BY_ID.get(f.rule)
    return dataclasses.replace(f, codes=list(f.codes), title=f.title or (rule.title if rule else None),
                               expected=_jsonable(f.expected), actual=_jsonable(f.actual))


_A1 = re.compile(r"([A-Z]+)(\d+)")


def _sort_key(f: Finding):
    sheet = SHEET_ORDER.index(f.sheet) if f.sheet in SHEET_ORDER else (len(SHEET_ORDER) - 1 if f.sheet else len(SHEET_ORDER))
    row = col = 0
    m = _A1.fullmatch(f.cell or "")
    if m:
        col = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(m.group(1))))
        row = int(m.group(2))
    return (0 if f.severity == ERROR else 1, sheet, row, col)


def _explain(findings: list[Finding], report: AnnualReport, notes: list[str]) -> None:
    """Mark warnings whose rule ID or one of whose codes the 说明 sheet explains. Errors stay errors."""
    by_key: dict[str, str] = {}
    where: dict[str, str] = {}
    for ex in report.explanations:
        k = normalize_key(ex.key)
        if k and ex.text.strip():
            by_key.setdefault(k, ex.text.strip())
            where.setdefault(k, f"“{ex.sheet or schema.SHEET_NOTES}”页{ex.cell or ''}")
    if not by_key:
        return
    used: set[str] = set()
    for f in findings:
        if f.severity != WARNING:
            continue
        for k in (f.rule, *f.codes):
            text = by_key.get(normalize_key(k))
            if text:
                f.explained, f.explanation = True, text
                used.add(normalize_key(k))
                break
    for f in findings:
        k = normalize_key(f.rule)
        if f.severity == ERROR and k in by_key and k not in used:
            notes.append(f"{where[k]}对{f.rule}的说明不会生效：错误必须改正，不能通过说明消除。")
            used.add(k)


def validate(report: AnnualReport, previous: AnnualReport | None = None) -> ValidationResult:
    """Every rule of the catalogue over ``report`` (and ``previous``, last year's report, if given)."""
    findings = [_reader_finding(f) for f in report.findings]
    report = _published(report, findings)
    ctx = Ctx(report, previous)
    for rule_ids, fn in CHECKS:
        for hit in fn(ctx):
            assert hit.rule in rule_ids, f"{fn.__name__} emitted {hit.rule}"
            findings.append(_finding(hit))
    notes = list(ctx.cache.get("notes", []))
    _explain(findings, report, notes)
    findings.sort(key=_sort_key)
    return ValidationResult(report, findings, previous, notes)


_PLACEHOLDER = re.compile(r"[{｛][{｛%]")
_MODEL_MARK = re.compile(r"【请[^】]*】")


def _narrative_hit(rule: str, key: str, expected, actual, **fields) -> Finding:
    loc = schema.layout()[f"narrative.{key}"]
    return _finding(Hit(rule, [f"narrative.{key}"], loc.sheet, loc.cell, expected, actual, fields=fields))


def _published(report: AnnualReport, findings: list[Finding]) -> AnnualReport:
    """The report with its narrative as it will be published: placeholders filled in.

    Narrative checks must read "收到5件", not "收到{{ 本年新收 }}件". Placeholder problems and
    leftover model-text marks (【请…】) become findings. jinja2 is imported only when needed.
    """
    texts = dict(report.narrative)
    if any(_PLACEHOLDER.search(t or "") for t in texts.values()):
        from ..narrative import text as rn

        ctx = rn.context(report)
        for sec in rn.from_report(report):
            try:
                out, blanks = rn.render_section(sec, report, ctx)
            except rn.NarrativeError as exc:
                findings.append(_narrative_hit("text.placeholder", sec.key, "已知的占位符（gxxl report --placeholders）",
                                               str(exc), message=str(exc)))
                texts[sec.key] = ""  # unusable text: its numbers cannot be checked
                continue
            texts[sec.key] = out
            for where, name in blanks:
                findings.append(_narrative_hit("text.placeholder_blank", sec.key, "已填写的数据", name,
                                               where=where, name=name))
    labels = {f.key: f.label for f in schema.NARRATIVE_FIELDS}
    for key, text in texts.items():
        for m in _MODEL_MARK.finditer(text or ""):
            line = text.count("\n", 0, m.start()) + 1
            where = f"正文“{labels.get(key, key)}”第{line}行"
            findings.append(_narrative_hit("text.model_text", key, "本机关的实际情况", m.group(0),
                                           where=where, mark=m.group(0)[:40]))
    if texts == report.narrative:
        return report
    return dataclasses.replace(report, narrative=texts)


def engine_rule_ids() -> set[str]:
    """Rule IDs some registered check can emit (tests compare this with the catalogue)."""
    return {r for ids, _ in CHECKS for r in ids} | {"text.placeholder", "text.placeholder_blank", "text.model_text"}


__all__ = ["ValidationResult", "validate", "RULES"]


def validate_paths(paths, previous=None, *, progress: bool = False):
    """Validate several files against one optional previous-year report.

    Yields ``(path, result, error)``: ``result`` is a ValidationResult, or None when the file is
    unusable and ``error`` (a ReadError/GxxlError) says why; the other files are still validated.
    ``previous`` (a path or report) that cannot be read raises: nothing can be compared then.
    """
    from ..api import read_any
    from ..errors import GxxlError

    prev = read_any(previous) if previous is not None else None
    items = list(paths)
    if progress and len(items) > 20:
        from tqdm import tqdm

        items = tqdm(items, desc="校验", unit="份", disable=None)
    for p in items:
        try:
            rep = read_any(p)
        except GxxlError as exc:
            yield str(p), None, exc
            continue
        yield str(p), validate(rep, prev), None
