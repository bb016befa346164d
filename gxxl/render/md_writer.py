"""The report as Markdown (for review, diffs and pasting into other systems).

Markdown cannot merge cells: tables are flattened from the one table model,
each data cell keeping its full row and column label path.
"""
from __future__ import annotations

import re

from .. import schema
from .tables import ReportTable, table_for_part

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(s: str) -> str:
    return _SPECIAL.sub(r"\\\1", s or "")


def table_md(t: ReportTable) -> str:
    flat = t.flat()
    col_paths = list(dict.fromkeys(cp for _, cp, _ in flat))
    row_paths = list(dict.fromkeys(rp for rp, _, _ in flat))
    grid = {(rp, cp): c for rp, cp, c in flat}
    wide = all((rp, cp) in grid for rp in row_paths for cp in col_paths) and len(col_paths) > 1 and row_paths != [()]
    lines = []
    if wide:
        head = ["项目"] + [" · ".join(cp[1:] if len(cp) > 1 and cp[0] == col_paths[0][0] else cp) for cp in col_paths]
        lines.append("| " + " | ".join(md_escape(h) for h in head) + " |")
        lines.append("|" + "---|" * len(head))
        for rp in row_paths:
            cells = [" · ".join(rp)] + [grid[(rp, cp)].text for cp in col_paths]
            lines.append("| " + " | ".join(md_escape(x) for x in cells) + " |")
    else:
        lines.append("| 项目 | 数值 |")
        lines.append("|---|---|")
        for rp, cp, c in flat:
            lines.append(f"| {md_escape(' · '.join(cp[:1] + rp + cp[1:]))} | {md_escape(c.text)} |")
    return "\n".join(lines)


def _para(p: str) -> str:
    from ..narrative.text import lead_in

    lead, rest = lead_in(p)
    if lead and not rest:
        return f"### {md_escape(lead)}"
    if lead:
        return f"**{md_escape(lead)}**{md_escape(rest)}"
    return md_escape(p)


def render_md(*, title: str, tables: tuple[ReportTable, ...], narrative, draft: bool = False) -> str:
    from .html_writer import DRAFT_TEXT
    from ..narrative.text import PART_KEY

    out = []
    if draft:
        out += [f"> **{md_escape(DRAFT_TEXT)}**", ""]
    out += [f"# {md_escape(title)}", ""]
    out += [x for p in narrative.paragraphs("preface") for x in (_para(p), "")]
    for part, heading in schema.PARTS:
        out += [f"## {md_escape(heading)}", ""]
        t = table_for_part(tables, part)
        if t is not None:
            out += [table_md(t), ""]
        else:
            paras = narrative.paragraphs(PART_KEY[part]) or (["【未填写】"] if draft else [])
            out += [x for p in paras for x in (_para(p), "")]
    return "\n".join(out).rstrip() + "\n"
