"""The flat document model every front end produces, and label-tolerant searching in it.

A published report, whatever its format, becomes a list of lines; a line is a list of
cells (real table cells for HTML, .docx, Markdown or tab/pipe-separated text; one cell of
free text otherwise). The parser searches labels in a normalised copy of the whole text
that ignores spaces, line breaks, cell boundaries, quotes and full/half-width
differences, and maps every match back to the original text.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field


@dataclass
class Line:
    cells: list[str]
    table: bool = False  # cells are real table cells (an empty cell is a blank data cell)
    page: int | None = None  # 1-based page (PDF)
    no: int = 0  # 1-based line number in the source text (0: not meaningful)


@dataclass
class Doc:
    path: str
    kind: str  # text | markdown | html | docx | pdf
    lines: list[Line] = field(default_factory=list)
    title: str | None = None  # from the file's own metadata (HTML <title>, docx core title)
    header: dict[str, str] = field(default_factory=dict)  # crawler/header fields (标题, 发布机构 …)


# -- normalisation -----------------------------------------------------------

_QUOTES = set("“”\"'‘’「」『』〝〞")
_EXTRA = {"、": ",", "﹐": ",", "，": ",", "．": ".", "。": "。", "﹙": "(", "﹚": ")", "〈": "<", "〉": ">"}
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－─]+\s*\d{1,3}\s*[-—–－─]+|第\s*\d{1,3}\s*页(?:\s*[/,，、]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3})\s*$"
)


def norm_char(ch: str) -> str:
    """What one character becomes in the search text ('' for whitespace and quotes)."""
    if ch.isspace() or ch in _QUOTES or ch == "\u200b" or ch == "\ufeff":
        return ""
    if ch in _EXTRA:
        return _EXTRA[ch]
    out = unicodedata.normalize("NFKC", ch)
    if out != ch:
        return "".join(_EXTRA.get(c, c) for c in out if not c.isspace() and c not in _QUOTES)
    return ch


def norm(text: str) -> str:
    return "".join(norm_char(c) for c in str(text or ""))


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text))


def digits(text: str) -> str:
    """Full-width digits and punctuation to ASCII (keeps everything else)."""
    return unicodedata.normalize("NFKC", text)


class Stream:
    """The document as one string (cells joined by TAB, lines by LF) plus its search copy."""

    def __init__(self, doc: Doc):
        self.doc = doc
        parts: list[str] = []
        self.line_starts: list[int] = []
        pos = 0
        for ln in doc.lines:
            self.line_starts.append(pos)
            s = "\t".join(c.replace("\t", " ").replace("\n", " ") for c in ln.cells)
            parts.append(s)
            pos += len(s) + 1
        self.text = "\n".join(parts)
        ntext: list[str] = []
        idx: list[int] = []
        for i, ch in enumerate(self.text):
            for c in norm_char(ch):
                ntext.append(c)
                idx.append(i)
        self.norm = "".join(ntext)
        self.idx = idx
        self.end = len(self.text)

    def to_norm(self, pos: int) -> int:
        return bisect.bisect_left(self.idx, pos)

    def search(self, pattern: re.Pattern, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
        """First match of a pattern on the search copy within [start, end) of the text."""
        ns, ne = self.to_norm(start), self.to_norm(self.end if end is None else end)
        m = pattern.search(self.norm, ns, ne)
        if not m or m.end() == m.start():
            return None
        return self.idx[m.start()], self.idx[m.end() - 1] + 1

    def search_all(self, pattern: re.Pattern, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        ns, ne = self.to_norm(start), self.to_norm(self.end if end is None else end)
        return [(self.idx[m.start()], self.idx[m.end() - 1] + 1)
                for m in pattern.finditer(self.norm, ns, ne) if m.end() > m.start()]

    def line_index(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.line_starts, pos) - 1)

    def where(self, pos: int) -> str:
        """Human location of a text position: 第N页 (PDF) or 第N行 (text files)."""
        ln = self.doc.lines[self.line_index(pos)] if self.doc.lines else None
        if ln is None:
            return ""
        if ln.page:
            return f"第{ln.page}页"
        if ln.no:
            return f"第{ln.no}行"
        return ""

    def plain(self, start: int, end: int) -> str:
        """Readable text of a range: cells joined by spaces, lines kept."""
        return self.text[start:end].replace("\t", " ")
