"""Read a gxxl workbook (xlsx, xlsm, xls, ods) with python-calamine.

Values are taken from the cells the schema names, after a structure check of
every fixed label. Stored formula results are kept as ``stored`` but never
trusted: sums are recomputed from the inputs and the validator compares.
Macros are never run; formulas are never evaluated.
"""
from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import schema
from ..errors import ReadError
from ..model import AnnualReport, Finding, Source, cell_text, report_from_cells

_WS = re.compile(r"[\s\u3000]+")
MAX_BYTES = 50 * 1024 * 1024  # a gxxl workbook is ~40 KB; anything this large is not one
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 200


def norm_label(text: Any) -> str:
    """Compare labels ignoring whitespace and line breaks, and half/full-width brackets."""
    s = _WS.sub("", str(text or ""))
    return s.replace("(", "（").replace(")", "）").replace(":", "：").replace('"', "“")


@lru_cache(maxsize=None)
def _norm_cached(text: str) -> str:
    return norm_label(text)


def _sniff(path: Path) -> str:
    """'zip' | 'ole' | 'encrypted' | 'html' | 'text' | 'empty' | 'unknown'."""
    with open(path, "rb") as fh:
        head = fh.read(2048)
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            return "encrypted"
        return "ole"
    low = head.lower().lstrip()
    if low.startswith(b"<") and (b"<html" in low or b"<table" in low or b"<!doctype" in low or b"<?xml" in low):
        return "html"
    if b"\x00" in head:
        return "unknown"
    try:
        head.decode("utf-8")
        return "text"
    except UnicodeDecodeError:
        return "unknown"


def _check_zip(path: Path) -> str | None:
    """Refuse zip bombs and broken zips; return the saved time from docProps/core.xml (one zip open)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if total > MAX_UNZIPPED or total / packed > MAX_RATIO and total > 10 * 1024 * 1024:
                raise ReadError(path, "文件解压后异常巨大（疑似压缩炸弹），已拒绝读取", hint="请向报送单位索取正常保存的工作簿")
            names = {i.filename for i in infos}
            if "xl/vbaProject.bin" in names:
                pass  # macros are never executed; calamine reads values only
            if "docProps/core.xml" not in names:
                return None
            try:
                xml = zf.read("docProps/core.xml")[:20000].decode("utf-8", "replace")
            except Exception:  # a damaged property part does not make the workbook unusable
                return None
        m = re.search(r"<dcterms:modified[^>]*>([^<]+)<", xml)
        return m.group(1).strip() if m else None
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError):
        raise ReadError(path, "文件已损坏或不完整（可能未下载完或传输中断），无法打开",
                        hint="请重新下载或请报送单位重新发送") from None


def _saved_at(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as zf:
            if "docProps/core.xml" not in zf.namelist():
                return None
            xml = zf.read("docProps/core.xml")[:20000].decode("utf-8", "replace")
        m = re.search(r"<dcterms:modified[^>]*>([^<]+)<", xml)
        return m.group(1).strip() if m else None
    except Exception:  # optional metadata: a damaged member (zlib.error, unsupported zip version) must not stop the read
        return None


def _open(path: Path):
    from python_calamine import CalamineWorkbook

    if not path.exists():
        raise ReadError(path, "文件不存在")
    if path.is_dir():
        raise ReadError(path, "这是一个文件夹，不是工作簿文件")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ReadError(path, f"文件过大（{size // 1024 // 1024} MB），不是gxxl年报工作簿")
    kind = _sniff(path)
    if kind == "empty":
        raise ReadError(path, "文件是空的（0字节）", hint="请报送单位重新发送")
    if kind == "encrypted":
        raise ReadError(path, "文件设置了打开密码，无法读取",
                        hint="请报送单位在Excel中“文件→信息→保护工作簿→用密码进行加密”处清除密码后重新发送")
    if kind == "html":
        raise ReadError(path, "文件实为网页（HTML）格式，只是扩展名为表格", hint="请在Excel或WPS中另存为.xlsx后再报送")
    if kind == "text":
        raise ReadError(path, "文件是纯文本（可能是CSV改名），不是gxxl年报工作簿", hint="请使用gxxl下发的工作簿填写")
    if kind == "unknown":
        raise ReadError(path, "不是电子表格文件（无法识别的文件内容）")
    saved_at = _check_zip(path) if kind == "zip" else None
    try:
        return CalamineWorkbook.from_path(str(path)), saved_at
    except Exception as exc:  # calamine raises its own error types
        raise ReadError(path, f"无法作为电子表格打开（{type(exc).__name__}）",
                        hint="文件可能已损坏，请用Excel或WPS打开后另存为.xlsx") from None


def _sheet_rows(wb, name: str) -> list[list[Any]]:
    return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


def _cell(rows: list[list[Any]], row: int, col: int) -> Any:
    """1-based access; '' (calamine's empty) becomes None."""
    if row - 1 < len(rows):
        r = rows[row - 1]
        if col - 1 < len(r):
            v = r[col - 1]
            if v == "" or v is None:
                return None
            return v
    return None


_text = cell_text


def label_findings(rows_of, sheet_map: dict[str, str]) -> list[Finding]:
    """Structure check: every fixed label of the three tables where the schema puts it.

    ``rows_of(sheet)`` gives a sheet's values from A1 (list of rows); ``sheet_map``
    maps the schema's sheet names to the names found in the workbook.
    """
    out: list[Finding] = []
    for t in schema.TABLES:
        rows = rows_of(sheet_map[t.sheet])
        for loc, text in schema.label_cells(t):
            got = _cell(rows, loc.row, loc.col)
            if got != text and norm_label(got) != _norm_cached(text):
                out.append(Finding(
                    "structure.label", "error",
                    f"{sheet_map[t.sheet]} {loc.cell}：表格文字应为“{text}”，实为“{_text(got) or '（空）'}”，表格结构可能被改动，数据位置不可信",
                    sheet=sheet_map[t.sheet], cell=loc.cell, expected=text, actual=_text(got)))
    return out


def read(path, *, check_structure: bool = True) -> AnnualReport:
    path = Path(path)
    wb, saved_at = _open(path)
    try:
        names = list(wb.sheet_names)
    except Exception:
        raise ReadError(path, "无法读取工作表列表，文件可能已损坏") from None
    rep = AnnualReport(source=Source(path=str(path), kind="workbook"))
    cache: dict[str, list[list[Any]]] = {}

    def rows_of(sheet: str) -> list[list[Any]]:
        if sheet not in cache:
            try:
                cache[sheet] = _sheet_rows(wb, sheet)
            except Exception:
                raise ReadError(path, "工作表内容无法读取，文件可能已损坏", sheet=sheet) from None
        return cache[sheet]

    # -- what is this file? ------------------------------------------------
    table_sheets = [t.sheet for t in schema.TABLES]
    if schema.SHEET_META in names:
        mrows = rows_of(schema.SHEET_META)
        kv = {str(_cell(mrows, i, 1)): _cell(mrows, i, 2) for i in range(1, 12) if _cell(mrows, i, 1)}
        if kv.get("kind") != schema.WORKBOOK_KIND:
            raise ReadError(path, "不是gxxl年报工作簿（隐藏信息页内容不符）")
        rep.source.format_version = _text(kv.get("format_version"))
        try:
            rep.source.layout_version = int(float(kv.get("layout_version")))
        except (TypeError, ValueError):
            rep.source.layout_version = None
        rep.source.gxxl_version = _text(kv.get("gxxl_version"))
        if rep.source.format_version != schema.FORMAT_VERSION:
            raise ReadError(path, f"工作簿格式版本为“{rep.source.format_version}”，本程序只支持{schema.FORMAT_NAME}格式（{schema.FORMAT_VERSION}）")
        if rep.source.layout_version is None or rep.source.layout_version > schema.LAYOUT_VERSION:
            raise ReadError(path, f"工作簿由较新版本的gxxl（{rep.source.gxxl_version}）生成，请升级gxxl后再读取")
    else:
        if not any(s in names for s in table_sheets) and not any(s in names for s in (schema.SHEET_COVER,)):
            old = _looks_2019(wb, names)
            if old:
                raise ReadError(path, "这是旧版（2019年试行格式）的年报表格，不是gxxl年报工作簿", hint=schema.OLD_FORMAT_2019_NOTE)
            raise ReadError(path, f"不是gxxl年报工作簿（工作表为：{'、'.join(names[:6])}）",
                            hint="请使用 gxxl new 生成的工作簿填写")
        rep.findings.append(Finding("structure.meta_sheet", "warning",
                                    f"缺少隐藏信息页“{schema.SHEET_META}”，无法确认格式版本，按{schema.FORMAT_VERSION}格式读取",
                                    sheet=None))
    rep.source.saved_at = saved_at if path.suffix.lower() in (".xlsx", ".xlsm") else None

    # -- locate sheets (tolerate a renamed table sheet by its title) --------
    sheet_map: dict[str, str] = {}
    for t in schema.TABLES:
        if t.sheet in names:
            sheet_map[t.sheet] = t.sheet
            continue
        found = None
        for n in names:
            if n in sheet_map.values() or n in (schema.SHEET_META,):
                continue
            if norm_label(_cell(rows_of(n), 1, 1)) == norm_label(t.title):
                found = n
                break
        if found is None:
            raise ReadError(path, f"缺少工作表“{t.sheet}”（{t.title}），工作簿结构已被改动，无法读取",
                            hint="请使用gxxl下发的原工作簿重新填写，不要删除或改名工作表")
        sheet_map[t.sheet] = found
        rep.findings.append(Finding("structure.sheet_renamed", "warning",
                                    f"工作表“{t.sheet}”被改名为“{found}”，已按标题识别", sheet=found))
    for s in (schema.SHEET_COVER, schema.SHEET_NARRATIVE, schema.SHEET_NOTES):
        sheet_map[s] = s if s in names else None  # type: ignore[assignment]
        if s not in names:
            rep.findings.append(Finding("structure.sheet_missing", "error", f"缺少工作表“{s}”", sheet=s))

    # -- structure check ---------------------------------------------------
    if check_structure:
        rep.findings.extend(label_findings(rows_of, sheet_map))

    # -- values ------------------------------------------------------------
    loc = schema.layout()
    cells: dict[str, tuple] = {}
    for p in schema.DATA_POINTS:
        l = loc[p.code]
        sheet = sheet_map[l.sheet]
        cells[p.code] = (_cell(rows_of(sheet), l.row, l.col), sheet, l.cell)
    for s, fields in ((schema.SHEET_COVER, schema.META_FIELDS), (schema.SHEET_NARRATIVE, schema.NARRATIVE_FIELDS)):
        if sheet_map.get(s):
            for f in fields:
                l = loc[f.code]
                cells[f.code] = (_cell(rows_of(s), l.row, l.col), s, l.cell)
    explanations = []
    if sheet_map.get(schema.SHEET_NOTES):
        xrows = rows_of(schema.SHEET_NOTES)
        for r in range(schema.EXPLANATION_FIRST_ROW, schema.EXPLANATION_FIRST_ROW + schema.EXPLANATION_ROWS):
            explanations.append((_cell(xrows, r, 1), _cell(xrows, r, 2), schema.SHEET_NOTES, f"A{r}"))
    filled = report_from_cells(cells, explanations, rep.source)
    filled.findings = rep.findings
    return filled


def _looks_2019(wb, names: list[str]) -> bool:
    for n in names[:10]:
        try:
            rows = wb.get_sheet_by_name(n).to_python()
        except Exception:
            continue
        text = "".join(str(v) for r in rows[:80] for v in r[:20])
        if any(m in text for m in schema.OLD_FORMAT_2019_MARKERS):
            return True
    return False
