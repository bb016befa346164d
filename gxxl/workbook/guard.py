"""Open a spreadsheet someone else wrote, without trusting it.

python-calamine reads values only (it never runs macros or evaluates formulas), but it
materialises every sheet as a dense rectangle from its first to its last cell: one value
typed into XFD1048576 of an .xlsx makes it allocate 512 GB and abort the process, and a
1 KB .ods whose cell says "repeat 10,000 times" in a row repeated 9,000 times costs 5 GB.
So before calamine sees a file, this module

* sniffs what the file really is (empty, encrypted, HTML or text renamed to .xls, …);
* for zip packages (.xlsx/.xlsm/.ods): refuses zip bombs on declared sizes, verifies every
  member's CRC (a member longer than it declares fails), and measures each sheet's extent
  from its XML; an .xlsx sheet too large is cut to the part a gxxl workbook can use (the
  reader reports what was ignored), an .ods one is refused;
* for OLE files (.xls): refuses encrypted workbooks (FILEPASS) and sheets too large, from
  the BIFF cell records;
* notes macros (xl/vbaProject.bin, Excel 4 macro sheets, an .xls _VBA_PROJECT_CUR
  storage, LibreOffice Basic) so the reader can say they were not run.

calamine gets the checked bytes from memory and recognises the format by content, so an
.xlsx renamed to .xls still reads.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ReadError

MAX_BYTES = 50 * 1024 * 1024  # a gxxl workbook is ~40 KB; anything this large is not one
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_CELLS = 4_000_000  # per sheet, as calamine would materialise it (~130 MB); a province's 明细 is ~2M
KEEP_ROWS, KEEP_COLS = 20_000, 200  # what survives of an oversized .xlsx sheet (gxxl needs rows ≤ 60, cols ≤ 15)
READ_ROWS, READ_COLS = 200, 40  # what the reader converts to Python per sheet

TOO_BIG_HINT = "请用Excel或WPS打开，删除表格右侧和下方多余的内容（或把需要的内容复制到新工作簿）后另存为.xlsx"


@dataclass
class Opened:
    """A calamine workbook that is safe to read, and what the checks noticed."""

    book: Any
    kind: str  # "zip" (xlsx/xlsm/ods) or "ole" (xls)
    saved_at: str | None = None
    macros: bool = False
    cut: dict[str, str] = field(default_factory=dict)  # sheet name -> farthest cell that was ignored


def sniff(path: Path, head: bytes) -> str:
    """'zip' | 'ole' | 'html' | 'text' | 'empty' | 'unknown'."""
    if not head:
        return "empty"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    low = head[:2048].lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    if low.startswith(b"<") and any(m in low for m in (b"<html", b"<table", b"<!doctype", b"<?xml", b"<meta", b"<head")):
        return "html"
    if b"\x00" in head[:2048]:
        return "unknown"
    try:
        head[:2048].decode("utf-8")
        return "text"
    except UnicodeDecodeError as exc:
        return "text" if exc.start >= 2044 else "unknown"  # a multi-byte character cut at the end


def open_workbook(path) -> Opened:
    """Check ``path`` and open it with calamine; every refusal is a ReadError naming the file."""
    from python_calamine import CalamineWorkbook

    path = Path(path)
    if not path.exists():
        raise ReadError(path, "文件不存在", hint="请检查文件名和所在文件夹")
    if path.is_dir():
        raise ReadError(path, "这是一个文件夹，不是工作簿文件")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ReadError(path, f"文件过大（{size // 1024 // 1024} MB），不是gxxl年报工作簿")
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(path, f"文件无法打开（{exc.strerror or type(exc).__name__}）", hint="请确认文件没有被其他程序占用、有读取权限") from None
    kind = sniff(path, data[:4096])
    if kind == "empty":
        raise ReadError(path, "文件是空的（0字节）", hint="请报送单位重新发送")
    if kind == "html":
        raise ReadError(path, "文件实为网页（HTML）格式，只是扩展名为表格", hint="请在Excel或WPS中另存为.xlsx后再报送")
    if kind == "text":
        raise ReadError(path, "文件是纯文本（可能是CSV改名），不是gxxl年报工作簿", hint="请使用gxxl下发的工作簿填写")
    if kind == "unknown":
        raise ReadError(path, "不是电子表格文件（无法识别的文件内容）")
    opened = _inspect_zip(path, data) if kind == "zip" else _inspect_ole(path, data)
    try:
        opened.book = CalamineWorkbook.from_filelike(io.BytesIO(opened.book))
    except Exception as exc:  # calamine raises its own error types
        raise ReadError(path, f"无法作为电子表格打开（{type(exc).__name__}）",
                        hint="文件可能已损坏，请用Excel或WPS打开后另存为.xlsx") from None
    return opened


def sheet_rows(book, name: str, nrows: int | None = READ_ROWS, ncols: int | None = READ_COLS) -> list[list[Any]]:
    """A sheet's values from A1 as lists, at most ``nrows`` x ``ncols`` of them."""
    rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=nrows)
    if ncols is not None:
        rows = [r[:ncols] if len(r) > ncols else r for r in rows]
    return rows


# -- zip packages ----------------------------------------------------------------

_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([0-9]{1,7})"')
_CELL_ANY = re.compile(rb"<(?:\w+:)?c[\s/>]")
_ROW_ANY = re.compile(rb"<(?:\w+:)?row[\s/>]")
_ROW_ELEM = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([0-9]{1,7})"[^>]*?(?:/>|>.*?</(?:\w+:)?row>)', re.S)
_CELL_ELEM = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(?:/>|>.*?</(?:\w+:)?c>)', re.S)


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _col_letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _corrupt(path: Path) -> ReadError:
    return ReadError(path, "文件已损坏或不完整（可能未下载完或传输中断），无法打开", hint="请重新下载或请报送单位重新发送")


def _inspect_zip(path: Path, data: bytes) -> Opened:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        packed = sum(i.compress_size for i in infos) or 1
        if total > MAX_UNZIPPED or (total / packed > MAX_RATIO and total > 10 * 1024 * 1024):
            raise ReadError(path, "文件解压后异常巨大（疑似压缩炸弹），已拒绝读取", hint="请向报送单位索取正常保存的工作簿")
        names = {i.filename for i in infos}
        if "EncryptedPackage" in names or "EncryptionInfo" in names:
            raise _encrypted(path)
        parts = {}
        for i in infos:
            n = i.filename
            if (n.startswith("xl/worksheets/") and n.endswith(".xml")) or n == "content.xml":
                parts[n] = zf.read(i)  # checks the CRC and the declared size
            elif not n.endswith("/"):
                with zf.open(i) as fh:  # the same check for the rest, without keeping it
                    while fh.read(1 << 20):
                        pass
        opened = Opened(data, "zip")
        opened.macros = ("xl/vbaProject.bin" in names or any(n.startswith(("xl/macrosheets/", "Basic/", "Scripts/")) for n in names))
        opened.saved_at = _core_modified(zf, names)
        if "content.xml" in parts:
            _check_ods(path, parts["content.xml"])
        sheets = {n: b for n, b in parts.items() if n != "content.xml"}
        replaced = {}
        for n, xml in sheets.items():
            fixed = _check_xlsx_sheet(path, n, xml, opened, zf, names)
            if fixed is not None:
                replaced[n] = fixed
        if replaced:
            opened.book = _rezip(zf, replaced)
        return opened
    except ReadError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError, OSError, RuntimeError,
            KeyError, struct.error, UnicodeDecodeError, __import__("zlib").error):
        raise _corrupt(path) from None


def _encrypted(path: Path) -> ReadError:
    return ReadError(path, "文件设置了打开密码，无法读取",
                     hint="请报送单位在Excel中“文件→信息→保护工作簿→用密码进行加密”处清除密码（WPS：“文件→文档加密”）后重新发送")


def _core_modified(zf: zipfile.ZipFile, names: set[str]) -> str | None:
    if "docProps/core.xml" not in names:
        return None
    xml = zf.read("docProps/core.xml")[:20000].decode("utf-8", "replace")
    m = re.search(r"<dcterms:modified[^>]*>([^<]+)<", xml)
    return m.group(1).strip() if m else None


def _sheet_names_by_part(zf: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """xl/worksheets/sheetN.xml -> the sheet's name, from workbook.xml and its relationships."""
    try:
        wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for m in re.finditer(r"<Relationship\b[^>]*>", rels):
        a = dict(re.findall(r'(\w+)="([^"]*)"', m.group(0)))
        if "Id" in a and "Target" in a:
            t = a["Target"].lstrip("/")
            targets[a["Id"]] = t if t.startswith("xl/") else "xl/" + t
    out = {}
    for m in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", wb):
        name = re.search(r'\bname="([^"]*)"', m.group(0))
        rid = re.search(r'\br:id="([^"]*)"', m.group(0)) or re.search(r'\bid="([^"]*)"', m.group(0))
        if name and rid and rid.group(1) in targets:
            from html import unescape

            out[targets[rid.group(1)]] = unescape(name.group(1))
    return out


def _check_xlsx_sheet(path: Path, part: str, xml: bytes, opened: Opened, zf, names) -> bytes | None:
    """None if calamine can read the sheet as it is, else the sheet cut to KEEP_ROWS x KEEP_COLS."""
    rows = [int(r) for r in _ROW_REF.findall(xml)]
    cells = [(int(r), _col_number(c)) for c, r in _CELL_REF.findall(xml)]
    n_cells, n_rows = len(_CELL_ANY.findall(xml)), len(_ROW_ANY.findall(xml))
    max_row = max([*rows, *(r for r, _ in cells), 1])
    min_row = min([*(r for r, _ in cells), max_row])
    max_col = max([*(c for _, c in cells), 1])
    min_col = min([*(c for _, c in cells), max_col])
    if n_cells > len(cells) or n_rows > len(rows):
        # cells or rows without a reference follow the previous one: bound their reach
        max_row += n_rows - len(rows) + (n_cells - len(cells))
        max_col += n_cells - len(cells)
        min_row = min_col = 1
    if (max_row - min_row + 1) * (max_col - min_col + 1) <= MAX_CELLS:
        return None
    if n_cells > len(cells) or n_rows > len(rows):
        sheet = _sheet_names_by_part(zf, names).get(part, part)
        raise ReadError(path, "工作表的使用范围异常巨大，无法安全读取", sheet=sheet, hint=TOO_BIG_HINT)
    far = max(cells, key=lambda rc: (rc[0] > KEEP_ROWS or rc[1] > KEEP_COLS, rc[0] * KEEP_COLS + rc[1]))

    def keep_row(m):
        return m.group(0) if int(m.group(1)) <= KEEP_ROWS else b""

    def keep_cell(m):
        return m.group(0) if int(m.group(2)) <= KEEP_ROWS and _col_number(m.group(1)) <= KEEP_COLS else b""

    cut = _CELL_ELEM.sub(keep_cell, _ROW_ELEM.sub(keep_row, xml))
    sheet = _sheet_names_by_part(zf, names).get(part, part)
    opened.cut[sheet] = f"{_col_letters(far[1])}{far[0]}"
    return cut


def _rezip(zf: zipfile.ZipFile, replaced: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for i in zf.infolist():
            out.writestr(i.filename, replaced.get(i.filename) if i.filename in replaced else zf.read(i))
    return buf.getvalue()


_ODS_TOKEN = re.compile(
    rb"<table:table[\s>]|</table:table-row>|<table:table-row\b([^>]*?)(/?)>|"
    rb"<table:(?:covered-)?table-cell\b([^>]*?)(/?)>")
_REPEAT_ROWS = re.compile(rb'table:number-rows-repeated="([0-9]+)"')
_REPEAT_COLS = re.compile(rb'table:number-columns-repeated="([0-9]+)"')


def _check_ods(path: Path, xml: bytes) -> None:
    """Refuse a table whose non-empty cells, with their repeats, span more than MAX_CELLS."""
    row = col = max_row = max_col = 0
    row_rep = 1
    for m in _ODS_TOKEN.finditer(xml):
        tok = m.group(0)
        if tok.startswith(b"<table:table-row"):
            r = _REPEAT_ROWS.search(m.group(1) or b"")
            row_rep, col = (int(r.group(1)) if r else 1), 0
            if m.group(2):  # <table:table-row/>: an empty row
                row += row_rep
        elif tok == b"</table:table-row>":
            row += row_rep
        elif not tok.startswith(b"<table:table-") and not tok.startswith(b"<table:covered"):  # a new table
            row = col = max_row = max_col = 0
        else:
            attrs = m.group(3) or b""
            c = _REPEAT_COLS.search(attrs)
            col += int(c.group(1)) if c else 1
            if b"value-type" in attrs or not m.group(4):
                max_row, max_col = max(max_row, row + row_rep), max(max_col, col)
                if max_row * max_col > MAX_CELLS:
                    raise ReadError(path, f"表格的数据范围异常巨大（约{max_row}行×{max_col}列），疑似损坏或被篡改，已拒绝读取",
                                    hint=TOO_BIG_HINT)


# -- OLE (.xls) ------------------------------------------------------------------

_BIFF_CELLS = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0205, 0x0204, 0x00D6, 0x0406, 0x0003, 0x0002, 0x0004, 0x0005}
_BIFF_MULRK, _BIFF_BOF, _BIFF_EOF, _BIFF_FILEPASS, _BIFF_BOUNDSHEET = 0x00BD, 0x0809, 0x000A, 0x002F, 0x0085


def _inspect_ole(path: Path, data: bytes) -> Opened:
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            top = {e[0] for e in ole.listdir(streams=True, storages=True)}
            if "EncryptionInfo" in top or "EncryptedPackage" in top:
                raise _encrypted(path)
            stream = next((s for s in ("Workbook", "Book", "WORKBOOK", "BOOK") if s in top), None)
            if stream is None:
                raise ReadError(path, "不是Excel工作簿（文件中没有表格数据，可能是Word等其他Office文件改了扩展名）")
            biff = ole.openstream(stream).read()
    except ReadError:
        raise
    except Exception:  # olefile raises OSError, its own errors, struct and index errors on damaged files
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise _encrypted(path) from None  # a damaged container that still names its encryption
        raise _corrupt(path) from None
    opened = Opened(data, "ole", macros="_VBA_PROJECT_CUR" in top or "_VBA_PROJECT" in top)
    _scan_biff(path, biff, opened)
    return opened


def _scan_biff(path: Path, d: bytes, opened: Opened) -> None:
    """Walk the BIFF records: FILEPASS, macro sheets, and each sheet's cell extent."""
    names: dict[int, str] = {}
    i, n, substream, start = 0, len(d), -1, 0
    box = [1 << 30, -1, 1 << 30, -1]  # min row, max row, min col, max col

    def close():
        if box[1] >= 0 and (box[1] - box[0] + 1) * (box[3] - box[2] + 1) > MAX_CELLS:
            raise ReadError(path, f"工作表的使用范围异常巨大（到第{box[1] + 1}行第{box[3] + 1}列），无法安全读取",
                            sheet=names.get(start), hint=TOO_BIG_HINT)

    while i + 4 <= n:
        typ, ln = struct.unpack_from("<HH", d, i)
        body = d[i + 4:i + 4 + ln]
        if typ == _BIFF_BOF:
            close()
            substream, start = substream + 1, i
            box[:] = [1 << 30, -1, 1 << 30, -1]
        elif typ == _BIFF_FILEPASS and substream == 0:
            raise ReadError(path, "文件已加密（设置了打开密码，或在旧版.xls中设置了“保护工作簿”），无法读取",
                            hint="请在Excel或WPS中输入密码打开，取消加密后另存为.xlsx再报送")
        elif typ == _BIFF_BOUNDSHEET and ln >= 8:
            pos, dt, cch = struct.unpack_from("<I", body, 0)[0], body[5], body[6]
            if dt in (1, 6):  # Excel 4 macro sheet, VB module
                opened.macros = True
            raw = body[8:8 + cch * (2 if body[7] & 1 else 1)]
            names[pos] = raw.decode("utf-16-le" if body[7] & 1 else "latin-1", "replace")
        elif typ in _BIFF_CELLS and ln >= 4:
            r, c = struct.unpack_from("<HH", body, 0)
            box[:] = [min(box[0], r), max(box[1], r), min(box[2], c), max(box[3], c)]
        elif typ == _BIFF_MULRK and ln >= 6:
            r, c1 = struct.unpack_from("<HH", body, 0)
            c2 = struct.unpack_from("<H", body, ln - 2)[0]
            box[:] = [min(box[0], r), max(box[1], r), min(box[2], c1, c2), max(box[3], c1, c2)]
        i += 4 + ln
    close()
