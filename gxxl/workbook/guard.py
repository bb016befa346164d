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
from ..util.readfile import read_regular

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
    # only a regular file, at most MAX_BYTES actually read: a FIFO would block, /dev/zero never ends
    data = read_regular(path, MAX_BYTES, too_big="文件过大（{size}），不是gxxl年报工作簿")
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
        opened.book = _calamine(lambda: CalamineWorkbook.from_filelike(io.BytesIO(opened.book)))
    except Exception as exc:  # calamine raises its own error types
        raise ReadError(path, f"无法作为电子表格打开（{type(exc).__name__}）",
                        hint="文件可能已损坏，请用Excel或WPS打开后另存为.xlsx") from None
    return opened


class CalaminePanic(Exception):
    """calamine's Rust code panicked on a damaged file (pyo3 raises a BaseException for that)."""


def _calamine(fn):
    """Call into calamine; a Rust panic becomes an ordinary exception the callers already handle."""
    try:
        return fn()
    except Exception:
        raise
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise  # KeyboardInterrupt, SystemExit
        raise CalaminePanic(str(exc)[:200]) from None


def sheet_names(book) -> list[str]:
    return _calamine(lambda: list(book.sheet_names))


def sheet_rows(book, name: str, nrows: int | None = READ_ROWS, ncols: int | None = READ_COLS) -> list[list[Any]]:
    """A sheet's values from A1 as lists, at most ``nrows`` x ``ncols`` of them."""
    rows = _calamine(lambda: book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=nrows))
    if ncols is not None:
        rows = [r[:ncols] if len(r) > ncols else r for r in rows]
    return rows


# -- zip packages ----------------------------------------------------------------


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _col_letters(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _corrupt(path: Path) -> ReadError:
    return ReadError(path, "文件已损坏或不完整（可能未下载完或传输中断），无法打开", hint="请重新下载或请报送单位重新发送")


class _Unsafe(Exception):
    """The XML cannot be measured (malformed, a DOCTYPE, a cell reference that is not one)."""


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def _attr(attrs: dict, local: str) -> str | None:
    for k, v in attrs.items():
        if _local(k) == local:
            return v
    return None


_REF = re.compile(r"\s*([A-Za-z]{1,10})([0-9]{1,12})\s*")


def _expat(on_start, on_end=None, on_text=None):
    """An expat parser (no namespace processing, so prefixes stay visible) that refuses a DOCTYPE."""
    from xml.parsers import expat

    p = expat.ParserCreate()

    def doctype(*_):
        raise _Unsafe("DOCTYPE")

    p.StartDoctypeDeclHandler = doctype
    p.StartElementHandler = on_start
    if on_end:
        p.EndElementHandler = on_end
    if on_text:
        p.CharacterDataHandler = on_text
    return p


def _xlsx_extent(xml: bytes) -> tuple[int, int, int, int, int]:
    """(min row, max row, min col, max col, cells) of the cells as calamine places them: a cell's own
    r="…", else the next column of its row (a row's own r, else the next row). Names are matched
    without their prefixes and attributes after XML unescaping, so quoting tricks change nothing."""
    st = {"row": 0, "col": 0, "n": 0, "box": [1 << 62, 0, 1 << 62, 0]}

    def start(name, attrs):
        loc = _local(name)
        if loc == "row":
            r = _attr(attrs, "r")
            if r is None:
                st["row"] += 1
            elif r.strip().isdigit():
                st["row"] = int(r)
            else:
                raise _Unsafe(r)
            st["col"] = 0
        elif loc == "c":
            r = _attr(attrs, "r")
            if r is None:
                row, col = max(st["row"], 1), st["col"] + 1
            else:
                m = _REF.fullmatch(r)
                if not m:
                    raise _Unsafe(r)
                row, col = int(m.group(2)), col_number(m.group(1))
            st["col"] = col
            box = st["box"]
            box[0], box[1], box[2], box[3] = min(box[0], row), max(box[1], row), min(box[2], col), max(box[3], col)
            st["n"] += 1

    p = _expat(start)
    p.Parse(xml, True)
    b = st["box"]
    return (b[0], b[1], b[2], b[3], st["n"]) if st["n"] else (1, 1, 1, 1, 0)


# One pass: a plain cell start tag (own r first, double quotes, no entities) fills the groups; any
# other cell start tag (a prefix, single quotes, attributes first …) matches with empty groups.
_C_TAG = re.compile(rb'<(?:c r="([A-Z]{1,3})([0-9]{1,7})"(?: [A-Za-z:]+="[^"<>&]*")*\s*/?>|(?:[\w.-]+:)?c[\s/>])')


def _xlsx_extent_fast(xml: bytes):
    """_xlsx_extent in one regex pass (a gxxl sheet in ~0.1 ms instead of ~2 ms), when it is exact:
    every cell start tag is the plain form Excel, WPS, LibreOffice and openpyxl write (own r first,
    double quotes, no entities), and there is no DOCTYPE, comment or CDATA. Else None."""
    if b"<!" in xml:
        return None
    refs = _C_TAG.findall(xml)
    if not refs:
        return (1, 1, 1, 1, 0)
    letters = {c for c, _ in refs}
    if b"" in letters:
        return None
    cols = [col_number(c.decode()) for c in letters]
    rows = [int(r) for r in {r for _, r in refs}]
    return (min(rows), max(rows), min(cols), max(cols), len(refs))


def _xlsx_cut(xml: bytes) -> bytes:
    """The sheet re-serialised without cells beyond KEEP_ROWS x KEEP_COLS (positions as in _xlsx_extent)."""
    from xml.sax.saxutils import escape, quoteattr

    out: list[str] = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']
    st = {"row": 0, "col": 0, "skip": 0}

    def start(name, attrs):
        loc = _local(name)
        if st["skip"]:
            st["skip"] += 1
            return
        if loc == "row":
            r = _attr(attrs, "r")
            st["row"] = int(r) if r is not None else st["row"] + 1
            st["col"] = 0
            if st["row"] > KEEP_ROWS:
                st["skip"] = 1
                return
        elif loc == "c":
            r = _attr(attrs, "r")
            if r is None:
                row, col = max(st["row"], 1), st["col"] + 1
            else:
                m = _REF.fullmatch(r)
                row, col = int(m.group(2)), col_number(m.group(1))
            st["col"] = col
            if row > KEEP_ROWS or col > KEEP_COLS:
                st["skip"] = 1
                return
        out.append("<" + name + "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items()) + ">")

    def end(name):
        if st["skip"]:
            st["skip"] -= 1
            return
        out.append(f"</{name}>")

    def text(data):
        if not st["skip"]:
            out.append(escape(data))

    p = _expat(start, end, text)
    p.buffer_text = True
    p.Parse(xml, True)
    return "".join(out).encode("utf-8")


def _inspect_zip(path: Path, data: bytes) -> Opened:
    from xml.parsers.expat import ExpatError

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
        if "xl/workbook.bin" in names or any(n.endswith(".bin") and n.startswith("xl/worksheets/") for n in names):
            raise ReadError(path, "这是Excel二进制工作簿（.xlsb），gxxl不读取这种格式", hint="请在Excel中另存为.xlsx")
        if len(names) != len(infos):
            raise _corrupt(path)  # the same member twice: which one a reader takes is anyone's guess
        opened = Opened(data, "zip")
        opened.macros = ("xl/vbaProject.bin" in names or any(n.startswith(("xl/macrosheets/", "Basic/", "Scripts/")) for n in names))
        members: list[tuple[str, bytes]] = []
        sheet_names = None
        plain = _plain_members(data, infos, zf.start_dir)
        for k, i in enumerate(infos):
            if i.filename.endswith("/"):
                continue
            # checks the CRC and the declared size: a member cannot inflate beyond it
            body = plain[k] if plain is not None else zf.read(i)
            # any part may be named a worksheet by the relationships: measure every one that holds cells
            if i.filename == "content.xml":
                _check_ods(path, body)
            elif b"sheetData" in body:
                r0, r1, c0, c1, n = _xlsx_extent_fast(body) or _xlsx_extent(body)
                if r1 * c1 > MAX_CELLS:  # from A1: calamine's range, and to_python pads from A1
                    if sheet_names is None:
                        sheet_names = _sheet_names_by_part(zf, names)
                    opened.cut[sheet_names.get(i.filename, i.filename)] = f"{_col_letters(c1)}{r1}"
                    body = _xlsx_cut(body)
            elif b"uniqueCount" in body[:4096]:
                _check_sst(path, body)
            members.append((i.filename, body))
        opened.saved_at = _core_modified(zf, names, members)
        # A plain container nothing was cut from goes to calamine as it is (it reads exactly the bytes
        # checked here); anything else is repackaged so calamine never parses the sender's container.
        opened.book = data if plain is not None and not opened.cut else _package(members)
        return opened
    except ReadError:
        raise
    except _Unsafe:
        raise ReadError(path, "工作表内容不是正常的Excel格式（含有不允许的声明或无效的单元格位置），无法安全读取",
                        hint="请用Excel或WPS打开后另存为.xlsx") from None
    except (ExpatError, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError, OSError,
            RuntimeError, KeyError, struct.error, UnicodeDecodeError, __import__("zlib").error):
        raise _corrupt(path) from None


def _encrypted(path: Path) -> ReadError:
    return ReadError(path, "文件设置了打开密码，无法读取",
                     hint="请报送单位在Excel中“文件→信息→保护工作簿→用密码进行加密”处清除密码（WPS：“文件→文档加密”）后重新发送")


def _core_modified(zf: zipfile.ZipFile, names: set[str], members=()) -> str | None:
    if "docProps/core.xml" not in names:
        return None
    body = next((b for n, b in members if n == "docProps/core.xml"), None)
    xml = (body if body is not None else zf.read("docProps/core.xml"))[:20000].decode("utf-8", "replace")
    m = re.search(r"<dcterms:modified[^>]*>([^<]+)<", xml)
    return m.group(1).strip() if m else None


def _sheet_names_by_part(zf: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """xl/worksheets/sheetN.xml -> the sheet's name, from workbook.xml and its relationships (for messages)."""
    from html import unescape

    try:
        wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for m in re.finditer(r"<Relationship\b[^>]*>", rels):
        a = dict(re.findall(r'(\w+)="([^"]*)"', m.group(0)))
        if "Id" in a and "Target" in a:
            t = a["Target"]
            targets[a["Id"]] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    out = {}
    for m in re.finditer(r"<(?:\w+:)?sheet\b[^>]*>", wb):
        name = re.search(r'\bname="([^"]*)"', m.group(0))
        rid = re.search(r'\br:id="([^"]*)"', m.group(0))
        if name and rid and rid.group(1) in targets:
            out[targets[rid.group(1)]] = unescape(name.group(1))
    return out


_EOCD, _CDH, _LFH = struct.Struct("<4s4H2LH"), struct.Struct("<4s6H3L5H2L"), struct.Struct("<4s5H3L2H")


def _plain_members(data: bytes, infos: list, start_dir: int) -> list[bytes] | None:
    """Every member's bytes when the container is plain enough that any zip reader sees exactly them, else
    None (the caller then reads through zipfile and repackages). Plain: no comment, no zip64, nothing
    before, between or after the parts; members back to back from offset 0 in directory order, each local
    header repeating the directory's name, flags, method, CRC and sizes (no data descriptor, no encryption),
    stored or deflated, inflating to exactly the declared size (not a byte more) with the declared CRC."""
    import zlib

    n = len(data)
    if n < 22 or data[n - 22:n - 18] != b"PK\x05\x06":
        return None
    sig, disk, cd_disk, here, total, cd_size, cd_off, comment = _EOCD.unpack_from(data, n - 22)
    if comment or disk or cd_disk or here != total or total != len(infos) or cd_off + cd_size != n - 22 \
            or start_dir != cd_off or 0xFFFF in (here, total) or 0xFFFFFFFF in (cd_size, cd_off):
        return None
    out: list[bytes] = []
    pos, cpos = 0, cd_off
    for info in infos:
        if cpos + 46 > n - 22:
            return None
        c = _CDH.unpack_from(data, cpos)
        # c: sig, made_by, needed, flags, method, time, date, crc, csize, usize, nlen, xlen, klen, disk, iattr, eattr, off
        if c[0] != b"PK\x01\x02" or c[16] != pos or c[13] or c[3] & 0x9 or c[4] not in (0, 8) \
                or 0xFFFFFFFF in (c[8], c[9], c[16]) or pos + 30 > cd_off:
            return None
        cname = data[cpos + 46:cpos + 46 + c[10]]
        cpos += 46 + c[10] + c[11] + c[12]
        lh = _LFH.unpack_from(data, pos)
        # lh: sig, needed, flags, method, time, date, crc, csize, usize, nlen, xlen
        if lh[0] != b"PK\x03\x04" or lh[2] != c[3] or lh[3] != c[4] or lh[6:9] != c[7:10] \
                or data[pos + 30:pos + 30 + lh[9]] != cname or (c[7], c[8], c[9]) != (info.CRC, info.compress_size, info.file_size):
            return None
        start = pos + 30 + lh[9] + lh[10]
        pos = start + c[8]
        if pos > cd_off:
            return None
        raw = data[start:pos]
        if c[4] == 0:
            body = raw
        else:
            d = zlib.decompressobj(-15)
            try:
                body = d.decompress(raw, c[9] + 1)
            except zlib.error:
                return None
            if not d.eof or d.unconsumed_tail or d.unused_data:
                return None
        if len(body) != c[9] or zlib.crc32(body) != c[7]:
            return None
        out.append(body)
    if pos != cd_off or cpos != n - 22:
        return None
    return out


def _package(members: list[tuple[str, bytes]]) -> bytes:
    """The checked members in a plain zip written here (stored, ~1 ms): calamine never parses the
    sender's container, so its local headers, sizes and central directory cannot disagree."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True) as out:
        for name, body in members:
            out.writestr(name, body)
    return buf.getvalue()


def _check_sst(path: Path, xml: bytes) -> None:
    """calamine reserves room for the shared strings' declared uniqueCount before reading them."""
    st: dict = {}

    def start(name, attrs):
        st["root"] = (_local(name), _attr(attrs, "uniqueCount"))
        raise _StopParse  # only the root element matters

    p = _expat(start)
    try:
        p.Parse(xml, True)
    except _StopParse:
        pass
    local, count = st.get("root", (None, None))
    if local == "sst" and count is not None and count.strip().isdigit() and int(count) > MAX_CELLS:
        raise ReadError(path, f"文件内部数据异常（声明有{int(count)}个不同的文字），可能已被篡改，无法安全读取",
                        hint="请用Excel或WPS打开后另存为.xlsx")


class _StopParse(Exception):
    pass


def _check_ods(path: Path, xml: bytes) -> None:
    """Refuse a table whose non-empty cells, with their repeats, span more than MAX_CELLS
    (calamine materialises every repeat: 9,000 rows x 10,000 columns from a 1 KB file)."""
    st = {"row": 0, "col": 0, "rep": 1, "cell": None, "depth": 0, "max_row": 0, "max_col": 0}

    def reps(attrs, local):
        v = _attr(attrs, local)
        if v is None:
            return 1
        v = v.strip()
        if not v.isdigit():
            raise _Unsafe(v)
        return max(int(v), 1)

    def check():
        if st["max_row"] * st["max_col"] > MAX_CELLS:
            raise ReadError(path, f"表格的数据范围异常巨大（约{st['max_row']}行×{st['max_col']}列），疑似损坏或被篡改，已拒绝读取",
                            hint=TOO_BIG_HINT)

    def start(name, attrs):
        loc = _local(name)
        if st["cell"] is not None:  # anything inside a cell is content
            st["cell"] = True
            st["depth"] += 1
            return
        if loc == "table":
            st.update(row=0, col=0, rep=1, max_row=0, max_col=0)
        elif loc == "table-row":
            st["rep"], st["col"] = reps(attrs, "number-rows-repeated"), 0
        elif loc in ("table-cell", "covered-table-cell"):
            st["col"] += reps(attrs, "number-columns-repeated")
            st["cell"] = _attr(attrs, "value-type") is not None
            st["depth"] = 0

    def end(name):
        loc = _local(name)
        if st["cell"] is not None:
            if st["depth"]:
                st["depth"] -= 1
                return
            if st["cell"]:
                st["max_row"] = max(st["max_row"], st["row"] + st["rep"])
                st["max_col"] = max(st["max_col"], st["col"])
                check()
            st["cell"] = None
            return
        if loc == "table-row":
            st["row"] += st["rep"]

    def text(data):
        if st["cell"] is not None and data.strip():
            st["cell"] = True

    from xml.parsers.expat import ExpatError

    try:
        _expat(start, end, text).Parse(xml, True)
    except ExpatError:
        raise _corrupt(path) from None


# -- OLE (.xls) ------------------------------------------------------------------

_BIFF_CELLS = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0205, 0x0204, 0x00D6, 0x0406, 0x0003, 0x0002, 0x0004, 0x0005}
_BIFF_MULRK, _BIFF_BOF, _BIFF_EOF, _BIFF_FILEPASS, _BIFF_BOUNDSHEET = 0x00BD, 0x0809, 0x000A, 0x002F, 0x0085
_BIFF_DIMENSIONS = 0x0200


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
    try:
        _scan_biff(path, biff, opened)
    except (struct.error, IndexError):  # records that contradict their own lengths
        raise _corrupt(path) from None
    # calamine gets the workbook stream in a compound file written here: its FAT, DIFAT and
    # directory chains are never the sender's (a FAT cycle or a huge FAT count aborts calamine)
    from ..util.cfb import write_cfb

    try:
        opened.book = write_cfb({"Workbook": biff})
    except ValueError:
        raise ReadError(path, f"旧版.xls文件过大（表格数据{len(biff) // 1024 // 1024} MB），gxxl不读取",
                        hint="请在Excel或WPS中另存为.xlsx") from None
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
        ln = len(body)  # the last record may be cut short
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
        elif typ == _BIFF_DIMENSIONS and ln in (10, 14):
            # calamine reserves (last-first+1) rows x columns from this record, in unsigned arithmetic
            rf, rl, cf, cl = struct.unpack_from("<IIHH" if ln == 14 else "<HHHH", body, 0)
            if cf > 0xFF or cl < cf:
                cf = 0
            if rl >= 1 and cl >= 1 and (rf > rl - 1 or cf > cl - 1 or (rl - rf) * (cl - cf) > MAX_CELLS):
                raise ReadError(path, f"工作表声明的使用范围异常（第{rf + 1}至{rl}行、第{cf + 1}至{cl}列），无法安全读取",
                                sheet=names.get(start), hint=TOO_BIG_HINT)
        elif typ == _BIFF_MULRK and ln >= 6:
            r, c1 = struct.unpack_from("<HH", body, 0)
            c2 = struct.unpack_from("<H", body, ln - 2)[0]
            box[:] = [min(box[0], r), max(box[1], r), min(box[2], c1, c2), max(box[3], c1, c2)]
        i += 4 + ln
    close()
