"""Import published annual reports (text, Markdown, HTML, .docx, PDF) into an AnnualReport.

``import_report(path)`` never writes a workbook; ``gxxl import`` does that with the result.

May import: schema, errors, model, util, workbook (to write an imported report as a workbook). Imported by: api, audit.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import ReadError
from ..model import AnnualReport
from .sources import SUFFIX_KINDS, load

SUFFIXES = tuple(s for s, k in SUFFIX_KINDS.items() if k)
MAX_TEXT = 2_000_000  # characters of visible text; real reports have 5,000–60,000

__all__ = ["import_report", "import_to_workbook", "workbook_values", "is_importable", "SUFFIXES", "looks_like_report"]


def is_importable(path) -> bool:
    return Path(path).suffix.lower() in SUFFIXES


def import_report(path, *, kind: str | None = None) -> AnnualReport:
    """Read a published report by its labels; problems become ``report.findings`` (rule IDs ``import.*``)."""
    from .parse import Parser

    path = Path(path)
    doc = load(path, kind)
    size = sum(len(c) for ln in doc.lines for c in ln.cells)
    if size > MAX_TEXT:
        raise ReadError(path, f"文字内容过长（{size}字），不像是一份年度报告", hint="年度报告全文一般不超过几万字")
    parser = Parser(doc)
    rep = parser.run()
    if not looks_like_report(rep, parser):
        raise ReadError(path, "不是政府信息公开工作年度报告（找不到表二、表三、表四，也找不到各部分标题）",
                        hint="请确认文件内容是年度报告全文")
    return rep


def looks_like_report(rep: AnnualReport, parser) -> bool:
    structure = bool(parser.b_found) or len(parser.h) >= 2
    return structure


def workbook_values(rep: AnnualReport) -> dict:
    """Input values for the workbook: numbers as read, text as printed (e.g. "无"), blanks left empty.

    Sum cells are formulas in the workbook; the printed totals stay in the report's findings.
    """
    from .. import schema

    out = {}
    for code in schema.INPUT_CODES:
        dv = rep.values.get(code)
        if dv is None:
            continue
        if dv.value is not None:
            out[code] = dv.value
        elif dv.raw not in (None, ""):
            out[code] = str(dv.raw)
    return out


def import_to_workbook(src, out, *, force: bool = False) -> AnnualReport:
    """Import a published report and write it as a new gxxl workbook (never overwrites without force)."""
    from ..util.fileio import check_output
    from ..workbook.api import new_workbook

    check_output(out, force=force, inputs=(src,))  # fail before the work, not after
    rep = import_report(src)
    meta = {k: v for k, v in rep.meta.items() if v not in (None, "")}
    new_workbook(out, meta=meta, values=workbook_values(rep), narrative=rep.narrative, force=force)
    return rep
