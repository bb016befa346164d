"""Audit published reports: import each one, run every validation rule, summarise across reports.

For an evaluator or the county office pointing gxxl at a folder of saved web pages and
PDFs. Files that are not reports (README, *.source.txt, pictures) are skipped with a
note; a directory stands for the files in it. Last year's report of the same organ is
matched automatically when it is among the inputs (or given with ``previous``), so the
cross-year checks run too.

May import: schema, errors, model, util, api, ingest, rules. Imported by: samples, cli.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import GxxlError, ReadError
from ..model import AnnualReport, Finding
from ..rules.catalogue import RULES

# Short Chinese names of the import findings, for the summary table (from the rule catalogue).
IMPORT_TITLES = {r.id: r.title for r in RULES if r.source == "import"}
# Import findings that already explain why a cell is empty; a validator finding that only says
# "these cells are empty" about the same cells adds nothing.
_EXPLAINS_BLANK = {"import.table_missing", "import.block_missing", "import.row_missing", "import.row_empty",
                   "import.group_collapsed", "import.cells_blank", "import.table_blank", "import.cells_count",
                   "import.cells_ambiguous", "import.format_2019"}
_SAME_AS = {"import.meta_missing": "meta.required", "import.part_missing": "text.part_missing"}
SKIP_NAMES = re.compile(r"(^readme|\.source\.txt$|^license|^\.)", re.I)
KIND_NAMES = {"text": "文本", "markdown": "文本", "html": "网页", "docx": "Word", "pdf": "PDF", "workbook": "工作簿"}


@dataclass
class AuditItem:
    path: str
    report: AnnualReport | None = None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the file could not be used
    merged_blank: int = 0  # validator findings about empty cells already explained by the import
    previous: str | None = None  # path of last year's report used for the cross-year checks
    validated: bool = False  # the validation rules ran (gxxl.rules available)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "error"]

    @property
    def ok(self) -> bool:
        return self.error is None and not self.errors

    def to_json(self) -> dict:
        rep = self.report
        d = {
            "path": self.path,
            "organ": rep.organ if rep else None,
            "year": rep.year if rep else None,
            "ok": self.ok,
            "errors": len(self.errors) + (1 if self.error else 0),
            "warnings": len(self.warnings),
            "findings": [f.to_json() for f in self.findings],
        }
        if self.error:
            d["error"] = self.error
        if rep is not None:
            d["source_kind"] = rep.source.kind
            d["format"] = rep.source.format_version or "2021"
        if self.previous:
            d["previous"] = self.previous
        if self.notes:
            d["notes"] = list(self.notes)
        return d


def collect(paths) -> tuple[list[Path], list[str]]:
    """Files to audit and notes about what was skipped (directories expand to their files)."""
    from ..api import WORKBOOK_SUFFIXES
    from ..ingest import SUFFIXES

    files: list[Path] = []
    notes: list[str] = []
    ok_suffixes = set(SUFFIXES) | set(WORKBOOK_SUFFIXES)

    def add(p: Path, explicit: bool) -> None:
        if p.is_dir():
            try:
                children = sorted(p.iterdir())
            except OSError as exc:
                notes.append(f"跳过“{p}”：文件夹无法打开（{exc.strerror or type(exc).__name__}）")
                return
            if explicit and not children:
                notes.append(f"跳过“{p}”：文件夹是空的")
            for child in children:
                add(child, False)
            return
        if SKIP_NAMES.search(p.name):
            notes.append(f"跳过“{p}”：说明或来源文件，不是年报")
            return
        if p.suffix.lower() not in ok_suffixes:
            if explicit or p.suffix.lower() not in (".json", ".tsv", ".csv", ".png", ".jpg", ".gif"):
                notes.append(f"跳过“{p}”：不支持的文件类型（可审查 .txt .md .html .docx .pdf 和工作簿）")
            return
        files.append(p)

    for raw in paths:
        p = Path(raw)
        if not p.exists():
            notes.append(f"跳过“{p}”：文件不存在")
            continue
        add(p, True)
    seen: set[Path] = set()
    unique = []
    for f in files:
        r = f.resolve()
        if r not in seen:
            seen.add(r)
            unique.append(f)
    return unique, notes


def _organ_key(organ: str | None) -> str:
    return re.sub(r"[\s（）()·]", "", organ or "")


def _find_previous(rep: AnnualReport, pool) -> tuple[str, AnnualReport] | None:
    """Last year's report of the same organ (names may differ by a leading place name)."""
    if not rep.year:
        return None
    key = _organ_key(rep.organ)
    for path, other in pool:
        if other is rep or other.year != rep.year - 1:
            continue
        ok = _organ_key(other.organ)
        if key and ok and (key == ok or (min(len(key), len(ok)) >= 4 and (key.endswith(ok) or ok.endswith(key)))):
            return path, other
    return None


def _validate(rep: AnnualReport, previous: AnnualReport | None):
    try:
        from ..rules import validate  # the validation rules (gxxl.rules); optional until installed
    except ImportError:
        return None
    return validate(rep, previous=previous)


def import_one(path: str) -> tuple[str, AnnualReport | None, str | None]:
    """The per-file step of an audit (what a pool or a Dask cluster maps): (kind, report, message) with kind
    'ok', 'error' (message says why) or 'skip' (not an annual report)."""
    from ..api import read_any

    try:
        return "ok", read_any(path), None
    except ReadError as exc:
        if "不是政府信息公开工作年度报告" in exc.reason:
            return "skip", None, f"跳过“{path}”：不是政府信息公开工作年度报告"
        return "error", None, str(exc)
    except GxxlError as exc:
        return "error", None, str(exc)


def _import_crashed(path: str):
    return "error", None, f"“{path}”读取时程序崩溃，文件可能已损坏"


def audit(paths, previous=(), *, progress: bool = True, jobs: int | None = 1,
          scheduler: str | None = None) -> tuple[list[AuditItem], list[str]]:
    """Import and validate every report; returns (items in input order, notes).

    The imports run in ``jobs`` local processes (default 1; None: every core) or, with ``scheduler``
    (tcp://host:port), on a Dask cluster that reaches the files by the same paths (shared storage);
    the result is the same either way.
    """
    from ..api import read_any
    from ..util.parallel import map_ordered

    files, notes = collect(paths)
    prev_files, prev_notes = collect(previous) if previous else ([], [])
    notes.extend(prev_notes)
    items: list[AuditItem] = []
    bar = None
    if progress and len(files) > 1:
        from tqdm import tqdm

        bar = tqdm(total=len(files), desc="审查年报", unit="份", leave=False, disable=None)
    for f, (kind, rep, msg) in zip(files, map_ordered(import_one, [str(f) for f in files], jobs=jobs,
                                                      scheduler=scheduler, crashed=_import_crashed)):
        if bar:
            bar.update(1)
        if kind == "skip":
            notes.append(msg)
            continue
        item = AuditItem(str(f))
        item.report, item.error = rep, msg
        items.append(item)
    if bar:
        bar.close()
    loaded_prev: list[tuple[str, AnnualReport]] = []
    for p in prev_files:
        try:
            loaded_prev.append((str(p), read_any(p)))
        except GxxlError as exc:
            notes.append(f"上年年报“{p}”无法读取：{exc}")
    pool = loaded_prev + [(it.path, it.report) for it in items if it.report is not None]
    for it in items:
        rep = it.report
        if rep is None:
            continue
        prev = _find_previous(rep, pool)
        if prev is None and len(loaded_prev) == 1 and len(items) == 1:
            prev = loaded_prev[0]  # one report, one previous report given: the user paired them
        it.previous = prev[0] if prev else None
        result = _validate(rep, prev[1] if prev else None)
        it.validated = result is not None
        it.findings = list(rep.findings)
        if result is not None:
            seen = {(f.rule, f.message) for f in it.findings}
            covered = {c for f in rep.findings if f.rule in _EXPLAINS_BLANK for c in f.codes}
            imported = rep.source.kind != "workbook"
            old_format = any(f.rule == "import.format_2019" for f in rep.findings)
            for f in result.findings:
                if (f.rule, f.message) in seen:
                    continue
                if f.codes and all(rep.get(c) is None and c in covered for c in f.codes):
                    it.merged_blank += 1
                    continue
                if imported and f.rule == "meta.required" and f.codes == ["meta.level"]:
                    it.notes.append("年报中没有写明机关层级，按层级的检查（如县级以下不应有规章）未做")
                    continue
                if old_format and f.rule in ("format.version", "meta.year"):
                    continue  # said once, by import.format_2019
                if imported and not f.location and f.codes and f.codes[0] in rep.values:
                    # sheet/cell name the place in an imported workbook; location the place in the document
                    f.location = rep.values[f.codes[0]].location
                it.findings.append(f)
            # The validator says the same in its own words: keep one.
            said = {(f.rule, c) for f in it.findings for c in f.codes}
            it.findings = [f for f in it.findings if not (
                f.rule in _SAME_AS and any((_SAME_AS[f.rule], c) in said for c in f.codes))]
        it.findings.sort(key=lambda f: f.severity != "error")
    return items, notes


# -- text output -----------------------------------------------------------------------


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, w: int) -> str:
    return s + " " * max(0, w - _width(s))


def _cut(s: str, w: int) -> str:
    out = ""
    for c in s:
        if _width(out + c) > w - 1:
            return out + "…"
        out += c
    return out


def _title(f: Finding) -> str:
    return IMPORT_TITLES.get(f.rule) or f.title or f.rule


def _filled(rep: AnnualReport) -> tuple[int, int]:
    from .. import schema

    n = sum(1 for c in schema.INPUT_CODES if rep.get(c) is not None)
    return n, len(schema.INPUT_CODES)


def text_report(items: list[AuditItem], notes: list[str], *, details: bool = True) -> str:
    lines: list[str] = []
    if details:
        for i, it in enumerate(items, start=1):
            rep = it.report
            name = Path(it.path).name
            if rep is None:
                lines.append(f"【{i}】{name}：无法读取 —— {it.error}")
                lines.append("")
                continue
            kind = KIND_NAMES.get(rep.source.kind, rep.source.kind)
            head = f"【{i}】{rep.organ or '（机关名称未识别）'} {rep.year or '？'}年度（{name}，{kind}）"
            verdict = "未发现错误" if it.ok else f"错误{len(it.errors)}项"
            lines.append(f"{head}：{verdict}，提示{len(it.warnings)}项")
            if it.previous:
                lines.append(f"    与上年年报对照：{Path(it.previous).name}")
            for f in it.findings:
                mark = "错误" if f.severity == "error" else "提示"
                where = f"（{f.location}）" if f.location and not f.rule.startswith("import.") else ""
                lines.append(f"    [{mark}] {f.message}{where}")
            lines.extend(f"    （{n}）" for n in it.notes)
            if it.merged_blank:
                lines.append(f"    （另有{it.merged_blank}条“未填写”校验结果与上面的导入问题重复，已合并）")
            if not it.validated:
                lines.append("    （校验规则模块尚未安装，只列出导入时发现的问题）")
            lines.append("")
    # summary table
    heads = ("序号", "机关", "年度", "格式", "已读数据", "错误", "提示", "主要问题")
    widths = (4, 24, 4, 8, 8, 4, 4, 40)
    lines.append(f"汇总：共审查{len(items)}份年报，{sum(1 for i in items if i.ok)}份未发现错误，"
                 f"{sum(1 for i in items if not i.ok)}份有错误。")
    lines.append("  ".join(_pad(h, w) for h, w in zip(heads, widths)).rstrip())
    for i, it in enumerate(items, start=1):
        rep = it.report
        if rep is None:
            row = (str(i), _cut(Path(it.path).name, 24), "", "", "", "—", "", "无法读取")
        else:
            fmt = "2019试行" if rep.source.format_version == "2019" else ("工作簿" if rep.source.kind == "workbook" else "2021")
            n, tot = _filled(rep)
            counts: dict[str, list] = {}
            for f in it.findings:
                c = counts.setdefault(_title(f), [0, f.severity == "error"])
                c[0] += 1
            # errors before warnings, then the most frequent
            top = "；".join(f"{k}×{v[0]}" if v[0] > 1 else k for k, v in
                           sorted(counts.items(), key=lambda kv: (not kv[1][1], -kv[1][0]))[:4]) or "—"
            row = (str(i), _cut(rep.organ or Path(it.path).name, 24), str(rep.year or "？"), fmt, f"{n}/{tot}",
                   str(len(it.errors)), str(len(it.warnings)), _cut(top, 60))
        lines.append("  ".join(_pad(c, w) for c, w in zip(row, widths)).rstrip())
    if notes:
        lines.append("")
        skipped = [n for n in notes if "说明或来源文件" in n]
        if skipped:
            names = "、".join(sorted({re.sub(r"^跳过“(.*)”：.*$", r"\1", n).rsplit("/", 1)[-1] for n in skipped}))
            lines.append(f"已跳过{len(skipped)}个说明或来源文件（不是年报）：{_cut(names, 120)}")
        lines.extend(n for n in notes if n not in skipped)
    return "\n".join(lines)
