"""Front ends: turn a published document into a :class:`Doc` of lines and cells.

Nothing here interprets the report; it only preserves what is printed and where
(table cells, lines, pages). No network access, no external entities, no macros.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from ..errors import ReadError
from .doc import Doc, Line, is_page_number

MAX_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED = 200 * 1024 * 1024

SUFFIX_KINDS = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".shtml": "html", ".xhtml": "html", ".mhtml": None,
    ".docx": "docx", ".pdf": "pdf",
}


def kind_of(path: Path) -> str | None:
    return SUFFIX_KINDS.get(path.suffix.lower())


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise ReadError(path, "文件不存在")
    if path.is_dir():
        raise ReadError(path, "这是一个文件夹，不是年报文件")
    from ..util.readfile import read_regular

    data = read_regular(path, MAX_BYTES, too_big="文件过大（{size}），不像是一份年度报告")  # a FIFO would hang
    if not data:
        raise ReadError(path, "文件是空的（0字节）")
    return data


def decode(data: bytes, path: Path, declared: str | None = None) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (GBK pages are common)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    encs = ["utf-8", "gb18030"]
    if declared:
        d = declared.lower().strip()
        if d in ("gbk", "gb2312", "gb18030", "x-gbk"):
            encs = ["gb18030", "utf-8"]
    for enc in encs:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ReadError(path, "无法识别文件的文字编码（既不是UTF-8也不是GBK）", hint="请另存为UTF-8编码的文本后再导入")


# -- plain text and Markdown -------------------------------------------------

_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_CRAWLER_SEP = re.compile(r"^\s*=+\s*正文\s*=+\s*$")
_HEADER_FIELD = re.compile(r"^\s*(标题|发布时间|文号|发布机构|栏目|原文链接|来源|单位|索引号|发布日期|成文日期|公开日期)\s*[:：]\s*(.*)$")


def text_to_doc(text: str, path: str, kind: str = "text") -> Doc:
    doc = Doc(path=path, kind=kind)
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = 0
    # A crawler's header block ("标题: …" lines, then "==== 正文 ====").
    for i, ln in enumerate(raw_lines[:40]):
        if _CRAWLER_SEP.match(ln):
            for h in raw_lines[:i]:
                m = _HEADER_FIELD.match(h)
                if m:
                    doc.header[m.group(1)] = m.group(2).strip()
            start = i + 1
            break
    for no, ln in enumerate(raw_lines[start:], start=start + 1):
        if not ln.strip() or is_page_number(ln):
            continue
        if _MD_RULE.match(ln) and "-" in ln:
            continue
        s = ln.rstrip()
        if "\t" in s:
            doc.lines.append(Line(s.split("\t"), table=True, no=no))
        elif s.lstrip().startswith("|") or s.count("|") >= 2:
            body = s.strip()
            if body.startswith("|"):
                body = body[1:]
            if body.endswith("|"):
                body = body[:-1]
            doc.lines.append(Line(body.split("|"), table=True, no=no))
        else:
            doc.lines.append(Line([s], no=no))
    return doc


def load_text(path: Path) -> Doc:
    data = _read_bytes(path)
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(path, "不是文本文件（含二进制内容）")
    kind = "markdown" if path.suffix.lower() in (".md", ".markdown") else "text"
    return text_to_doc(decode(data, path), str(path), kind)


# -- HTML --------------------------------------------------------------------

_BLOCK = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "table", "section", "article",
          "dd", "dt", "dl", "blockquote", "pre", "header", "footer", "hr", "center", "caption", "tbody", "thead"}
_SKIP = {"script", "style", "noscript", "template", "svg", "head", "select", "option", "button", "iframe", "object"}


class _HTMLDoc(HTMLParser):
    """Visible text as lines; each <tr> one line of cells (spanned cells appear once)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []
        self.buf: list[str] = []
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False
        self.titles_seen = 0
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.depth_td = 0  # nested tables inside a cell are flattened into that cell

    def _flush(self):
        text = "".join(self.buf).strip()
        self.buf = []
        if text and not is_page_number(text):
            self.lines.append(Line([text]))

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.titles_seen += 1
            self.in_title = self.titles_seen == 1  # pages embed other pages' <title>; the first is the page's
        if tag in _SKIP and tag != "head":
            self.skip += 1
            return
        if self.skip:
            return
        if self.cell is not None:
            if tag in ("td", "th") and self.depth_td:
                self.cell.append(" ")
            elif tag == "table":
                self.depth_td += 1
            elif tag in _BLOCK or tag == "tr":
                self.cell.append("\n")
            return
        if tag == "tr":
            self._flush()
            self.row = []
        elif tag in ("td", "th"):
            if self.row is None:
                self._flush()
                self.row = []
            self.cell = []
        elif tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in _SKIP and tag != "head":
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if self.cell is not None:
            if tag == "table" and self.depth_td:
                self.depth_td -= 1
                return
            if tag in ("td", "th") and not self.depth_td:
                self.row.append(" ".join(x for x in "".join(self.cell).split("\n")).strip())
                self.cell = None
            return
        if tag == "tr" and self.row is not None:
            if any(c.strip() for c in self.row) or len(self.row) > 1:
                self.lines.append(Line(self.row, table=True))
            self.row = None
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        if self.skip:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif self.row is None:
            self.buf.append(data)

    def close(self):
        super().close()
        if self.row:
            self.lines.append(Line(self.row, table=True))
        self._flush()


_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


def load_html(path: Path) -> Doc:
    data = _read_bytes(path)
    m = _CHARSET.search(data[:8192])
    text = decode(data, path, m.group(1).decode("ascii", "replace") if m else None)
    p = _HTMLDoc()
    try:
        p.feed(text)
        p.close()
    except Exception as exc:  # html.parser is lenient; this is a last resort
        raise ReadError(path, f"网页内容无法解析（{type(exc).__name__}）") from None
    doc = Doc(path=str(path), kind="html", lines=p.lines, title=" ".join("".join(p.title).split()) or None)
    for i, ln in enumerate(doc.lines, start=1):
        ln.no = 0
    return doc


# -- .docx -------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(i.file_size for i in zf.infolist())
            if total > MAX_UNZIPPED:
                raise ReadError(path, "文件解压后异常巨大（疑似压缩炸弹），已拒绝读取")
            if "word/document.xml" not in zf.namelist():
                raise ReadError(path, "不是Word文档（.docx）", hint="如为.doc旧格式，请在Word或WPS中另存为.docx")
    except zipfile.BadZipFile:
        raise ReadError(path, "文件已损坏或不是.docx格式（可能是改了扩展名的.doc文件）",
                        hint="请在Word或WPS中打开后另存为.docx") from None


def _para_text(p) -> str:
    out = []
    for el in p.iter():
        if el.tag == W + "t":
            out.append(el.text or "")
        elif el.tag in (W + "tab",):
            out.append(" ")
        elif el.tag in (W + "br", W + "cr"):
            out.append(" ")
    return "".join(out)


def load_docx(path: Path) -> Doc:
    _read_bytes(path)
    _check_zip(path)
    import docx  # python-docx; its XML parser does not resolve entities

    try:
        d = docx.Document(str(path))
    except Exception as exc:
        raise ReadError(path, f"Word文档无法打开（{type(exc).__name__}）", hint="请在Word或WPS中打开后另存为.docx") from None
    doc = Doc(path=str(path), kind="docx", title=(d.core_properties.title or None))

    def walk(el):
        for child in el.iterchildren():
            if child.tag == W + "p":
                t = _para_text(child).strip()
                if t and not is_page_number(t):
                    doc.lines.append(Line([t]))
            elif child.tag == W + "tbl":
                for tr in child.iter(W + "tr"):
                    if tr.getparent() is not child and tr.getparent().getparent() is not child:
                        continue  # rows of nested tables are read as part of their cell
                    cells = []
                    for tc in tr.iterchildren(W + "tc"):
                        vm = tc.find(f"{W}tcPr/{W}vMerge")
                        if vm is not None and vm.get(W + "val") in (None, "continue"):
                            continue  # continuation of a vertical merge: printed once, above
                        paras = [_para_text(p).strip() for p in tc.iter(W + "p")]
                        cells.append(" ".join(x for x in paras if x))
                    doc.lines.append(Line(cells, table=True))
            elif child.tag in (W + "sdt", W + "sdtContent", W + "customXml"):
                walk(child)

    walk(d.element.body)
    return doc


# -- PDF ---------------------------------------------------------------------


def _pdf_pages(path: Path) -> list[str]:
    exe = shutil.which("pdftotext")
    if exe:
        try:
            r = subprocess.run([exe, "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=120)
        except subprocess.TimeoutExpired:
            raise ReadError(path, "PDF文字提取超时（文件可能异常复杂或已损坏）") from None
        if r.returncode == 0:
            return r.stdout.decode("utf-8", "replace").split("\f")
        err = r.stderr.decode("utf-8", "replace")
        if "Incorrect password" in err or "encrypted" in err.lower():
            raise ReadError(path, "PDF设置了密码，无法读取", hint="请提供未加密的PDF")
    try:
        import pdfplumber
    except ImportError:  # pragma: no cover - pdfplumber is a dependency
        raise ReadError(path, "无法读取PDF：未安装pdftotext或pdfplumber") from None
    try:
        with pdfplumber.open(str(path)) as pdf:
            return [(p.extract_text(layout=True) or "") for p in pdf.pages]
    except Exception as exc:
        raise ReadError(path, f"PDF无法读取（{type(exc).__name__}），文件可能已损坏或加密") from None


def load_pdf(path: Path) -> Doc:
    data = _read_bytes(path)
    if not data.startswith(b"%PDF"):
        html = b"<html" in data[:2048].lower() or b"<!doctype" in data[:2048].lower()
        raise ReadError(path, "不是PDF文件（文件头不符" + ("；内容是网页，可能是下载失败时保存的页面" if html else "") + "）",
                        hint="请重新下载PDF，或直接导入网页版" if html else None)
    pages = _pdf_pages(path)
    doc = Doc(path=str(path), kind="pdf")
    for pno, page in enumerate(pages, start=1):
        for ln in page.split("\n"):
            if not ln.strip() or is_page_number(ln):
                continue
            doc.lines.append(Line([ln.rstrip()], page=pno))
    if sum(len(c.strip()) for ln in doc.lines for c in ln.cells) < 50:
        raise ReadError(path, "PDF没有文字层（可能是扫描件或图片），无法导入",
                        hint="请提供网页版、Word版或带文字的PDF；扫描件需先做文字识别（OCR）")
    return doc


def sniff_kind(path: Path, declared: str | None) -> str | None:
    """The kind the content shows, when it contradicts the extension (a web page saved as .docx,
    a .docx renamed to .txt); an old binary .doc gets a clear message instead of a parse error."""
    from ..util.readfile import regular_problem

    if regular_problem(path):
        return declared  # missing, a folder, a FIFO or a device: the loader says so (opening a FIFO would block)
    try:
        with open(path, "rb") as fh:
            head = fh.read(2048)
    except OSError:
        return declared
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ReadError(path, "这是旧版Office文件（.doc/.xls/.wps），无法直接导入", hint="请在Word或WPS中打开后另存为.docx再导入")
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    # Word's "save as web page" renamed to .docx is common; a ".pdf" web page is a failed download (load_pdf says so)
    if declared == "docx" and (low.startswith((b"<!doctype html", b"<html")) or b"<html" in low[:512]):
        return "html"
    if declared == "docx" and head and b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "text"
        except UnicodeDecodeError:
            pass
    return declared


def load(path, kind: str | None = None) -> Doc:
    path = Path(path)
    kind = kind or kind_of(path)
    if kind is None:
        raise ReadError(path, f"不支持的文件类型“{path.suffix or '（无扩展名）'}”",
                        hint="可导入：.txt .md .html .htm .docx .pdf，或gxxl工作簿")
    kind = sniff_kind(path, kind)
    return {"text": load_text, "markdown": load_text, "html": load_html, "docx": load_docx, "pdf": load_pdf}[kind](path)
