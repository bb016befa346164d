"""The gate before publishing: validation errors refuse, unexplained warnings are listed.

Uses ``gxxl.rules.validate`` (the validation contract in the common brief).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from .. import schema
from ..model import AnnualReport, Finding
from .narrative import RenderedNarrative


@dataclass
class GateResult:
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    unexplained_warnings: list[Finding] = field(default_factory=list)
    validated_by: str = "gxxl.rules"

    @property
    def ok(self) -> bool:
        return not self.errors


def _validate(rep: AnnualReport):
    try:
        from ..rules import validate
    except ImportError:  # FALLBACK until gxxl/rules lands on main; remove after `git merge main`
        return _fallback_validate(rep), "fallback"
    return validate(rep), "gxxl.rules"


def check(rep: AnnualReport, narrative: RenderedNarrative) -> GateResult:
    """Validate the report as it will be published (narrative with placeholders filled in)."""
    published = copy.copy(rep)
    published.narrative = {**rep.narrative, **narrative.texts}
    result, by = _validate(published)
    gate = GateResult(list(result.errors), list(result.warnings), list(result.unexplained_warnings), by)
    for where, name in narrative.blanks:
        gate.errors.append(Finding("report.placeholder_blank", "error",
                                   f"{where}：占位符“{{{{ {name} }}}}”引用的数据未填写，报告中将显示“【未填】”"))
    for where, mark in narrative.model_marks:
        gate.errors.append(Finding("report.model_text", "error",
                                   f"{where}：正文仍有示例提示“{mark[:30]}”，请改写为本机关的实际情况"))
    return gate


# --------------------------------------------------------------------------- fallback


@dataclass
class _Result:
    findings: list[Finding]

    @property
    def errors(self):
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self):
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def unexplained_warnings(self):
        return [f for f in self.warnings if not f.explained]


def _fallback_validate(rep: AnnualReport) -> _Result:
    """The minimum the gate needs (blanks, text, sums, the balance) while gxxl.rules is not merged."""
    out: list[Finding] = [f for f in rep.findings]
    for f in schema.META_FIELDS:
        if f.required and rep.meta.get(f.code[5:]) in (None, ""):
            out.append(Finding("meta.required", "error", f"封面“{f.label}”未填写", [f.code]))
    for code in schema.INPUT_CODES:
        dv = rep.values.get(code)
        if dv is None or dv.problem in ("blank", "text", "negative", "fraction", "error"):
            what = {"blank": "未填写（没有请填0）", "negative": "是负数", "fraction": "不是整数"}.get(
                dv.problem if dv else "blank", f"不是数字（“{dv.raw}”）" if dv else "")
            out.append(Finding("value.filled", "error", f"{dv.sheet if dv else ''} {dv.cell if dv else ''}："
                               f"{schema.POINTS[code].label} {what}", [code],
                               dv.sheet if dv else None, dv.cell if dv else None))
    g = rep.get
    for col, _ in schema.REQUEST_COLUMNS:
        vals = [g(f"requests.{r}.{col}") for r in ("new", "carried_in", "handled_total", "carried_out")]
        if None not in vals and vals[0] + vals[1] != vals[2] + vals[3]:
            out.append(Finding("requests.balance", "error",
                               f"表三“{dict(schema.REQUEST_COLUMNS)[col][-1]}”列：第一项加第二项（{vals[0] + vals[1]}）"
                               f"不等于第三项加第四项（{vals[2] + vals[3]}）", [f"requests.new.{col}"]))
    for code in schema.SUM_CODES:
        dv = rep.values.get(code)
        if dv is not None and dv.stored is not None and dv.value is not None and dv.stored != dv.value:
            out.append(Finding("sum.stored", "error", f"{schema.POINTS[code].label}：表中合计{dv.stored}，应为{dv.value}",
                               [code], dv.sheet, dv.cell))
    for f in schema.NARRATIVE_FIELDS:
        if f.part and not (rep.narrative.get(f.key) or "").strip():
            out.append(Finding("narrative.missing", "error", f"正文“{f.label}”未填写", [f.code]))
    return _Result(out)
