"""Validation results as Chinese text for the terminal: errors first, grouped by sheet, with cells."""
from __future__ import annotations

from ..model import Finding
from .engine import ValidationResult


COLLAPSE_BLANKS = 8


def _group(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    groups: dict[str, list[Finding]] = {}
    for f in findings:  # already sorted by sheet and cell
        groups.setdefault(f.sheet or "（整个报告）", []).append(f)
    return list(groups.items())


def _line(f: Finding) -> str:
    where = f.cell or "—"
    text = f"    {where:<6}{f.message}  [{f.rule}]"
    if f.explained:
        text += f"\n          已说明：{f.explanation}"
    return text


def format_result(res: ValidationResult, path: str | None = None) -> str:
    rep = res.report
    name = path or rep.source.path or "（内存中的报告）"
    head = f"文件：{name}（{rep.organ or '机关名称未填'}，{rep.year or '年度未填'}年度）"
    lines = [head]
    if res.previous is not None:
        lines.append(f"  对照上年报告：{res.previous.source.path or '（内存）'}（{res.previous.year or '年度未填'}年度）")
    n_err, n_warn = len(res.errors), len(res.warnings)
    n_open = len(res.unexplained_warnings)
    if n_err == 0 and n_warn == 0:
        lines.append("  结论：全部通过，没有发现问题。")
    else:
        verdict = f"有{n_err}处错误（必须改正）" if n_err else "没有错误"
        if n_warn:
            verdict += f"，{n_warn}处提示（请核实" + (f"，其中{n_warn - n_open}处已说明" if n_warn != n_open else "") + "）"
        lines.append(f"  结论：{verdict}。")
    for title, items in (("【错误】必须改正", res.errors), ("【提示】请核实；确属正常的，可在“说明”页写明规则编号和理由", res.warnings)):
        if not items:
            continue
        lines.append(f"  {title}")
        for sheet, fs in _group(items):
            lines.append(f"  ▸ {sheet}")
            blanks = [f for f in fs if f.rule == "fill.blank"]
            if len(blanks) > COLLAPSE_BLANKS:  # a fresh template: one line, every cell named
                cells = "、".join(f.cell or "?" for f in blanks)
                lines.append(f"    {len(blanks)}格未填写（空白不等于0，没有发生请填0）：{cells}  [fill.blank]")
                fs = [f for f in fs if f.rule != "fill.blank"]
            lines.extend(_line(f) for f in fs)
    if res.notes:
        lines.append("  【说明】")
        lines.extend(f"    {n}" for n in res.notes)
    return "\n".join(lines)


def format_unusable(path: str, message: str) -> str:
    return f"文件：{path}\n  无法校验：{message}"
