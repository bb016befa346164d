"""The gate before publishing: validation errors refuse, unexplained warnings are listed.

Uses ``gxxl.rules.validate`` (the validation contract in the common brief).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from ..model import AnnualReport, Finding
from ..narrative.text import RenderedNarrative


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
    from ..rules import validate

    return validate(rep), "gxxl.rules"


def check(rep: AnnualReport, narrative: RenderedNarrative) -> GateResult:
    """Validate the report as it will be published (narrative with placeholders filled in).

    With the workbook's own 正文 the validator fills the placeholders itself (and reports blanks and
    leftover 【请…】 marks with their cells); with a --narrative file the rendered file text is checked.
    """
    extra: list[Finding] = []
    if narrative.source == "workbook":
        result, by = _validate(rep)
    else:
        published = copy.copy(rep)
        published.narrative = {**rep.narrative, **narrative.texts}
        result, by = _validate(published)
        for where, name in narrative.blanks:
            extra.append(Finding("text.placeholder_blank", "error",
                                 f"{where}：占位符“{{{{ {name} }}}}”引用的数据未填写，报告中将显示“【未填】”"))
    return GateResult(list(result.errors) + extra, list(result.warnings), list(result.unexplained_warnings), by)
