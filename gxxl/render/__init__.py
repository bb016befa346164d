"""Render the annual report (docx, HTML, PDF, Markdown) from a checked workbook.

The road: read → narrative (placeholders filled) → gate (validation) → one table
model → dressed as docx / HTML / Markdown; PDF from the docx via LibreOffice.

May import: schema, errors, model, util, narrative, api, rules (the gate). Imported by: excel, samples, serve, cli.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import GxxlError

FORMATS = ("docx", "html", "pdf", "md")
SUFFIX = {"docx": ".docx", "html": ".html", "pdf": ".pdf", "md": ".md"}
TITLE_SUFFIX = "年政府信息公开工作年度报告"


class ReportRefused(GxxlError):
    """Validation errors: no report unless --force (exit code 1, like findings with errors)."""

    exit_code = 1

    def __init__(self, path, gate):
        self.path = str(path) if path is not None else None
        self.gate = gate
        lines = [f"“{self.path or '报告'}”有{len(gate.errors)}处错误，未生成报告。请改正后重试；"
                 "如只需生成草稿供内部核对，请加 --force（报告将醒目标注“草稿”）。"]
        lines += [f"  {i}. {format_finding(f)}" for i, f in enumerate(gate.errors, start=1)]
        super().__init__("\n".join(lines))


def format_finding(f) -> str:
    where = ""
    if f.cell and f.cell not in f.message:
        where = f"（{f.sheet + ' ' if f.sheet else ''}{f.cell}）"
    return f"{f.message}{where}"


def report_title(organ, year) -> str:
    return f"{organ or '（机关名称未填）'}{year or '（年度未填）'}{TITLE_SUFFIX}"


@dataclass
class Prepared:
    report: object  # AnnualReport
    tables: tuple
    narrative: object  # RenderedNarrative
    gate: object  # GateResult
    title: str
    draft: bool


@dataclass
class RenderResult:
    path: Path
    format: str
    draft: bool
    gate: object
    title: str


def prepare(source, *, narrative=None, force: bool = False) -> Prepared:
    """Read, fill the narrative's placeholders, run the gate. Raises ReportRefused on errors unless ``force``."""
    from ..api import read_any
    from . import gate as gate_mod
    from ..narrative import text as narr_mod
    from .tables import report_tables

    rep = read_any(source)
    text = narr_mod.load(rep, narrative)
    g = gate_mod.check(rep, text)
    if not g.ok and not force:
        raise ReportRefused(getattr(getattr(rep, "source", None), "path", None) or source, g)
    return Prepared(rep, report_tables(rep), text, g, report_title(rep.organ, rep.year), not g.ok)


def infer_format(output, fmt: str | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise GxxlError(f"不支持的格式“{fmt}”，可选：{'、'.join(FORMATS)}")
        return fmt
    if output is not None:
        ext = Path(output).suffix.lower().lstrip(".")
        if ext == "htm":
            return "html"
        if ext in FORMATS:
            return ext
    return "docx"


def write(prep: Prepared, path: Path, fmt: str, *, template=None) -> Path:
    """Write one prepared report to ``path`` (no overwrite checks here; see render_report)."""
    if fmt == "docx":
        from .docx_writer import write_docx

        return write_docx(path, title=prep.title, tables=prep.tables, narrative=prep.narrative, draft=prep.draft,
                          template=template, organ=prep.report.organ)
    if fmt == "html":
        from .html_writer import render_html

        path.write_text(render_html(title=prep.title, tables=prep.tables, narrative=prep.narrative, draft=prep.draft),
                        encoding="utf-8")
        return path
    if fmt == "md":
        from .md_writer import render_md

        path.write_text(render_md(title=prep.title, tables=prep.tables, narrative=prep.narrative, draft=prep.draft),
                        encoding="utf-8")
        return path
    if fmt == "pdf":
        from .pdf import docx_to_pdf

        with tempfile.TemporaryDirectory(prefix="gxxl-pdf-") as tmp:
            d = Path(tmp) / "report.docx"
            write(prep, d, "docx", template=template)
            (pdf,) = docx_to_pdf([d], Path(tmp))
            shutil.copyfile(pdf, path)
        return path
    raise GxxlError(f"不支持的格式“{fmt}”")


def _check_template(fmt: str, template) -> None:
    if template is not None and fmt not in ("docx", "pdf"):
        raise GxxlError("--template 只用于Word（docx）和PDF输出")


def render_report(source, output=None, *, fmt: str | None = None, narrative=None, template=None,
                  force: bool = False) -> RenderResult:
    """Render one report. ``force`` writes a visibly marked draft despite errors and overwrites ``output``."""
    from ..util.fileio import atomic_path, check_output

    fmt = infer_format(output, fmt)
    _check_template(fmt, template)
    if output is None:
        if not isinstance(source, (str, Path)):
            raise GxxlError("请用 -o 指定输出文件")
        output = Path(source).with_suffix(SUFFIX[fmt])
    output = Path(output)
    if output.is_dir():
        stem = Path(source).stem if isinstance(source, (str, Path)) else "report"
        output = output / (stem + SUFFIX[fmt])
    inputs = tuple(p for p in (source, narrative, template) if isinstance(p, (str, Path)))
    check_output(output, force=force, inputs=inputs)  # fail before any work
    if fmt == "pdf":
        from .pdf import NO_LIBREOFFICE, available

        if not available():
            raise GxxlError(NO_LIBREOFFICE)
    prep = prepare(source, narrative=narrative, force=force)
    with atomic_path(output, force=force, inputs=inputs) as tmp:
        write(prep, tmp, fmt, template=template)
    return RenderResult(output, fmt, prep.draft, prep.gate, prep.title)


@dataclass
class FolderItem:
    source: Path
    output: Path | None = None
    status: str = "ok"  # ok | draft | refused | unusable
    message: str = ""
    gate: object = None

    @property
    def exit_code(self) -> int:
        return {"ok": 0, "draft": 0, "refused": 1}.get(self.status, 2)


@dataclass
class FolderResult:
    items: list[FolderItem] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return max((i.exit_code for i in self.items), default=0)


def workbooks_in(folder) -> list[Path]:
    from ..api import WORKBOOK_SUFFIXES

    folder = Path(folder)
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith(("~$", ".")))


def render_folder(folder, outdir, *, fmt: str = "docx", template=None, force: bool = False,
                  progress: bool = True) -> FolderResult:
    """Render every workbook in ``folder`` into ``outdir``; one bad file does not stop the run."""
    from tqdm import tqdm

    from ..util.fileio import atomic_path, check_output

    fmt = infer_format(None, fmt)
    _check_template(fmt, template)
    folder, outdir = Path(folder), Path(outdir)
    if not folder.is_dir():
        raise GxxlError(f"“{folder}”不是文件夹")
    files = workbooks_in(folder)
    if not files:
        raise GxxlError(f"文件夹“{folder}”中没有工作簿（.xlsx/.xlsm/.xls/.ods）")
    if fmt == "pdf":
        from .pdf import NO_LIBREOFFICE, available

        if not available():
            raise GxxlError(NO_LIBREOFFICE)
    outdir.mkdir(parents=True, exist_ok=True)
    result = FolderResult()
    pending: list[tuple[FolderItem, Path]] = []  # PDF: docx written now, converted in one LibreOffice batch
    with tempfile.TemporaryDirectory(prefix="gxxl-report-") as tmpdir:
        for i, src in enumerate(tqdm(files, desc="生成报告", unit="份", disable=not progress)):
            item = FolderItem(src, outdir / (src.stem + SUFFIX[fmt]))
            result.items.append(item)
            try:
                check_output(item.output, force=force, inputs=(src,))
                prep = prepare(src, force=force)
                item.gate = prep.gate
                item.status = "draft" if prep.draft else "ok"
                if fmt == "pdf":
                    d = Path(tmpdir) / f"{i:05d}.docx"
                    write(prep, d, "docx", template=template)
                    pending.append((item, d))
                else:
                    with atomic_path(item.output, force=force, inputs=(src,)) as tmp:
                        write(prep, tmp, fmt, template=template)
            except ReportRefused as exc:
                item.status, item.message, item.gate, item.output = "refused", str(exc), exc.gate, None
            except GxxlError as exc:
                item.status, item.message, item.output = "unusable", str(exc), None
        if pending:
            from .pdf import docx_to_pdf

            try:
                pdfs = docx_to_pdf([d for _, d in pending], Path(tmpdir) / "pdf")
            except GxxlError as exc:
                for item, _ in pending:
                    item.status, item.message, item.output = "unusable", str(exc), None
            else:
                for (item, _), pdf in zip(pending, pdfs):
                    with atomic_path(item.output, force=force, inputs=(item.source,)) as tmp:
                        shutil.copyfile(pdf, tmp)
    return result
