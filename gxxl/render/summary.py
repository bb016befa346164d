"""Short human-readable summaries of a report (Chinese)."""
from __future__ import annotations

from .. import schema
from ..model import AnnualReport


def _n(v) -> str:
    return "（空）" if v is None else str(v)


def describe(rep: AnnualReport) -> str:
    g = rep.get
    lines = [
        f"机关：{rep.organ or '（未填）'}　年度：{rep.year or '（未填）'}　层级：{rep.level or '（未填）'}",
        f"来源：{rep.source.path or '内存'}（{rep.source.kind}）",
        f"表二：规章 制发{_n(g('active.rules.issued'))}/废止{_n(g('active.rules.repealed'))}/现行有效{_n(g('active.rules.in_force'))}；"
        f"行政规范性文件 制发{_n(g('active.normative.issued'))}/废止{_n(g('active.normative.repealed'))}/现行有效{_n(g('active.normative.in_force'))}；"
        f"行政许可{_n(g('active.licensing.decisions'))}，行政处罚{_n(g('active.penalty.decisions'))}，"
        f"行政强制{_n(g('active.coercion.decisions'))}，行政事业性收费{_n(g('active.fees.amount'))}万元",
        f"表三：本年新收{_n(g('requests.new.total'))}件，上年结转{_n(g('requests.carried_in.total'))}件，"
        f"办结（七）总计{_n(g('requests.handled_total.total'))}件，结转下年度{_n(g('requests.carried_out.total'))}件",
        f"表四：行政复议{_n(g('appeals.review.total'))}件，行政诉讼{_n(_add(g('appeals.litigation_direct.total'), g('appeals.litigation_after_review.total')))}件"
        f"（直接起诉{_n(g('appeals.litigation_direct.total'))}、复议后起诉{_n(g('appeals.litigation_after_review.total'))}）",
    ]
    blanks = [c for c in schema.INPUT_CODES if rep.values.get(c) is None or rep.values[c].value is None]
    lines.append(f"已填数据项：{len(schema.INPUT_CODES) - len(blanks)}/{len(schema.INPUT_CODES)}")
    filled_text = [f.label for f in schema.NARRATIVE_FIELDS if rep.narrative.get(f.key)]
    lines.append(f"正文：{'、'.join(filled_text) if filled_text else '（未填）'}")
    if rep.findings:
        lines.append(f"读取时发现{len(rep.findings)}处结构问题：")
        lines.extend(f"  - {f.message}" for f in rep.findings)
    return "\n".join(lines)


def _add(a, b):
    return None if a is None or b is None else a + b


def describe_import(rep: AnnualReport, out) -> str:
    """What `gxxl import` did, in Chinese: where the workbook is, what was read, what is wrong."""
    read = sum(1 for c in schema.CODES if rep.values.get(c) is not None and rep.values[c].raw not in (None, ""))
    errors = [f for f in rep.findings if f.severity == "error"]
    warnings = [f for f in rep.findings if f.severity != "error"]
    lines = [
        f"已导入：{rep.source.path} → {out}",
        f"机关：{rep.organ or '（未识别，请在封面填写）'}　年度：{rep.year or '（未识别）'}　层级：{rep.level or '（未识别，请在封面选择）'}",
        f"读到数字：{read}/{len(schema.CODES)}格（表格中空白或缺失的格子在工作簿中留空）",
    ]
    lines.extend(f"说明：{n}" for n in rep.source.notes)
    if rep.findings:
        lines.append(f"原文存在的问题（错误{len(errors)}项，提示{len(warnings)}项）：")
        lines.extend(f"  [{'错误' if f.severity == 'error' else '提示'}] {f.message}" for f in errors + warnings)
    else:
        lines.append("导入时未发现问题。")
    lines.append("工作簿中的合计由公式重新计算；用 gxxl audit 可把原文印出的合计与重算结果逐项对照。")
    return "\n".join(lines)
