"""The report as one self-contained HTML page for the portal's 政府信息公开 column.

Semantic tables from the one table model: caption, th with scope, rowspan/colspan.
Every piece of text is escaped (jinja2 autoescape + markupsafe).
"""
from __future__ import annotations

from pathlib import Path

from .. import schema
from ..util.version import __version__
from .tables import ReportTable, table_for_part

DRAFT_TEXT = "草稿：本报告数据未通过校验，仅供内部核对，不得公开。"


def _cell(c):
    from markupsafe import Markup, escape

    attrs = ""
    if c.rowspan > 1:
        attrs += f' rowspan="{c.rowspan}"'
    if c.colspan > 1:
        attrs += f' colspan="{c.colspan}"'
    text = escape(c.text)
    if c.role == "head":
        scope = "colgroup" if c.colspan > 1 else "col"
        return Markup(f'<th scope="{scope}"{attrs}>{text}</th>')
    if c.role == "label":
        scope = "rowgroup" if c.rowspan > 1 else "row"
        return Markup(f'<th scope="{scope}"{attrs}>{text}</th>')
    if c.role == "note":
        return Markup(f'<td class="note"{attrs}>{text}</td>')
    return Markup(f'<td class="num" data-code="{escape(c.code)}"{attrs}>{text}</td>')


def _para(p: str):
    from markupsafe import Markup, escape

    from ..narrative.text import lead_in

    lead, rest = lead_in(p)
    if lead and not rest:
        return Markup(f"<h3>{escape(lead)}</h3>")
    if lead:
        return Markup(f'<p><span class="lead">{escape(lead)}</span>{escape(rest)}</p>')
    return Markup(f"<p>{escape(p)}</p>")


_ENV = None


def _env():
    global _ENV
    if _ENV is not None:
        return _ENV
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    _ENV = Environment(loader=FileSystemLoader(str(Path(__file__).resolve().parents[1] / "templates")),
                       autoescape=True, undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False)
    return _ENV


def render_html(*, title: str, tables: tuple[ReportTable, ...], narrative, draft: bool = False) -> str:
    from ..narrative.text import PART_KEY

    parts = []
    for number, (part, heading) in enumerate(schema.PARTS, start=1):
        t = table_for_part(tables, part)
        d = {"number": number, "heading": heading, "table": t, "paragraphs": [], "widths": []}
        if t is not None:
            total = sum(t.col_widths)
            d["widths"] = [round(100 * w / total, 2) for w in t.col_widths]
        else:
            d["paragraphs"] = narrative.paragraphs(PART_KEY[part]) or (["【未填写】"] if draft else [])
        parts.append(d)
    tpl = _env().get_template("report.html.j2")
    return tpl.render(title=title, draft=draft, draft_text=DRAFT_TEXT, version=__version__,
                      preface=narrative.paragraphs("preface"), parts=parts, cell=_cell, para=_para)
