"""Cells and rows of the tables as printed: tokens of real table cells, runs of numbers in free
text, and digits a narrow PDF cell wrapped onto the next line.

A :class:`Row` is one printed row's tokens; the table readers decide which label it belongs to.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .doc import Doc, Stream, digits
from .split import Token

_NUM_CELL = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_UNIT_CELL = re.compile(r"^[-+]?\d+(?:\.\d+)?\s*(?:件|个|条|项|次|万元|元)$")
_BLANKISH = {"—", "-", "－", "/", "／", "无", "空", "——", "…", "--", "\\", "×", "–", "─"}
_NOTE = re.compile(r"[（(][^（）()]*[\u4e00-\u9fff][^（）()]*[）)]")
_FREE = re.compile(r"(?P<num>\d[\d,]*(?:\.\d+)?)(?P<unit>\s*(?:年|月|日|号|时|%|％|件|条|个|次|人|元|万元|页))?"
                   r"|(?P<cjk>[\u4e00-\u9fffA-Za-z]+)|(?P<dash>(?<!\S)[—\-－–/](?!\S))")


def _num_text(t: str) -> str | None:
    if _NUM_CELL.match(t):
        return t
    if _THOUSANDS.match(t):
        return t.replace(",", "")
    return None


def cell_tokens(cell: str) -> list[Token]:
    """Tokens of one real table cell (an empty cell is a blank data cell; label text gives none)."""
    s = digits(cell).replace("\u3000", " ").strip()
    if not s:
        return [Token("", "blank", True)]
    n = _num_text(s)
    if n is not None:
        return [Token(n, "num", True)]
    if s in _BLANKISH or _UNIT_CELL.match(s):
        return [Token(s, "text", True)]
    parts = s.split()
    if len(parts) > 1 and all(_num_text(p) is not None for p in parts):
        return [Token(_num_text(p), "num", True) for p in parts]
    return []


def free_groups(text: str, base: int = 0) -> list[list[Token]]:
    """Token groups of free text: whitespace separates cells, words separate rows.

    ``base`` is the text's column in its line: tokens keep their columns (PDF layout lines)."""
    s = _NOTE.sub(lambda m: " " * len(m.group()), digits(text))
    groups: list[list[Token]] = [[]]
    for m in _FREE.finditer(s):
        if m.group("cjk"):
            if groups[-1]:
                groups.append([])
            continue
        if m.group("dash"):
            groups[-1].append(Token(m.group("dash"), "text", True))
            continue
        if m.group("unit"):
            continue  # dates, percentages, "16件" in prose: not table cells
        t = m.group("num")
        if re.match(r"[.、．]\s*[\u4e00-\u9fff]", s[m.end():m.end() + 3]) and len(t) <= 2:
            continue  # "2." before a label that was not recognised: a list number, not a cell
        n = _num_text(t)
        if n is None:  # "0,0" and the like: commas separate
            col = base + m.start()
            for p in t.split(","):
                if p:
                    groups[-1].append(Token(p, "num", "." in p, col))
                col += len(p) + 1
            continue
        groups[-1].append(Token(n, "num", "." in n, base + m.start()))
    out = []
    for g in groups:
        if any(t.kind == "num" for t in g):
            out.append(g)
    return out


@dataclass
class Row:
    tokens: list[Token]
    line: int  # index into doc.lines
    pos: int  # stream offset
    text: str  # as printed (for messages)
    alt: list[Token] | None = None  # the tokens with digits a PDF wrapped onto the next line put back
    fragment_of: "Row | None" = None  # this row is only such wrapped digits
    used_alt: bool = False

    @property
    def has_data(self) -> bool:
        return any(t.kind in ("num", "text") for t in self.tokens)

    def chunk(self) -> str:
        return " ".join(t.text if t.kind != "blank" else "□" for t in self.tokens)


@dataclass
class Found:
    code: str  # row code (or group label for groups)
    start: int
    end: int
    rows: list[Row] = field(default_factory=list)



def rows_between(doc: Doc, s: Stream, start: int, end: int) -> list[Row]:
    """Data rows printed in [start, end): one per table line, or per run of numbers in free text."""
    out: list[Row] = []
    if end <= start:
        return out
    li = s.line_index(start)
    while li < len(doc.lines) and s.line_starts[li] < end:
        ln = doc.lines[li]
        ls = s.line_starts[li]
        pos = ls
        toks: list[Token] = []
        free_text: list[tuple[int, str]] = []
        for cell in ln.cells:
            cs, ce = pos, pos + len(cell)
            pos = ce + 1
            a, b = max(cs, start), min(ce, end)
            if a > b or (a == b and not (ln.table and cs >= start and ce <= end)):
                continue
            part = s.text[a:b]
            if ln.table and cs >= start and ce <= end:
                toks.extend(cell_tokens(part))
            else:
                free_text.append((a, part))
        if ln.table:
            for a, part in free_text:
                for g in free_groups(part):
                    toks.extend(g)
            if toks:
                a = max(ls, start)
                out.append(Row(toks, li, a, s.text[a:min(ls + len(s.text[ls:].split("\n", 1)[0]), end)].replace("\t", " ").strip()))
        else:
            for a, part in free_text:
                groups = free_groups(part, a - ls)
                for g in groups:
                    out.append(Row(g, li, a, " ".join(t.text for t in g)))
                if (doc.kind == "pdf" and len(groups) == 1 and len(out) >= 2 and out[-2].line == li - 1
                        and not re.search(r"[\u4e00-\u9fff]", part)):
                    wrapped(out[-2], out[-1])
        li += 1
    return out


def wrapped(row: Row, frag: Row) -> None:
    """Digits a narrow PDF cell wrapped onto the next line ("2448" over "2"): aligned with a
    number of the row above, they may be its end. Kept as an alternative reading; the
    table's sums decide whether it is used."""
    toks = [t for t in row.tokens]
    if not (0 < len(frag.tokens) < len(toks) or len(frag.tokens) == len(toks) == 1) or \
            any(t.kind != "num" or t.col < 0 for t in frag.tokens + toks):
        return
    merged = list(toks)
    used: set[int] = set()
    for f in frag.tokens:
        hit = [i for i, t in enumerate(toks) if i not in used and
               (abs(t.col - f.col) <= 1 or abs(t.col + len(t.text) - f.col - len(f.text)) <= 1)]
        if len(hit) != 1:
            return
        i = hit[0]
        used.add(i)
        merged[i] = Token(toks[i].text + f.text, "num", toks[i].fixed, toks[i].col)
    row.alt = merged
    frag.fragment_of = row


def tok_value(t: Token):
    if t.kind != "num":
        return None
    return float(t.text) if "." in t.text else int(t.text)


def sums_ok(tokens: list[Token], n_parts: int) -> bool:
    vals = [tok_value(t) for t in tokens]
    return None in vals or sum(vals[:n_parts]) == vals[n_parts]


def partial_all(partial, vals: list) -> bool:
    return all(partial(vals[:k]) for k in range(1, len(vals) + 1))
