"""Read the three official tables, meta and narrative out of a :class:`Doc` — by label.

Every row is found by its official label (gxxl.schema), never by counting numbers; the
numbers printed after a label, up to the next label, are that row's cells. What cannot be
read with certainty is left blank and reported as a finding (rule IDs ``import.*``):
a missing table, block or row, cells that cannot be split or counted, stray numbers.
Recoveries that are certain enough to use — run-together digits split by the row sums,
rows whose label a converter moved away from its numbers — are reported too.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from .. import schema
from ..model import AnnualReport, DataValue, Finding, Source, parse_number
from . import labels as L
from .doc import Doc, Stream, digits, norm
from .split import Token, candidates, group_checks, sum_row_candidates

# -- tokens ---------------------------------------------------------------------------

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


# -- the parser -----------------------------------------------------------------------


class Parser:
    def __init__(self, doc: Doc):
        self.doc = doc
        self.s = Stream(doc)
        self.rep = AnnualReport(source=Source(path=doc.path, kind=doc.kind, format_version=None))
        self.h: dict[str, tuple[int, int]] = {}
        self.old_format = False
        self.title_end = 0
        self.narrative_text = ""
        self.realigned: set[str] = set()
        self.splits: list[tuple[str, list[str], str]] = []  # (row label, codes, "printed -> cells")
        self.blank_rows: list[tuple[str, str, list[str], str]] = []
        self.wrapped: list[tuple] = []  # (table, row label, codes, row, fragment)

    # -- helpers ---------------------------------------------------------------
    def finding(self, rule: str, severity: str, message: str, codes=(), *, location=None, expected=None, actual=None):
        self.rep.findings.append(Finding(rule, severity, message, list(codes), None, None, expected, actual,
                                         location=location))

    def rows_between(self, start: int, end: int) -> list[Row]:
        """Data rows printed in [start, end): one per table line, or per run of numbers in free text."""
        out: list[Row] = []
        if end <= start:
            return out
        s = self.s
        li = s.line_index(start)
        while li < len(self.doc.lines) and s.line_starts[li] < end:
            ln = self.doc.lines[li]
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
                    if (self.doc.kind == "pdf" and len(groups) == 1 and len(out) >= 2 and out[-2].line == li - 1
                            and not re.search(r"[\u4e00-\u9fff]", part)):
                        self._wrapped(out[-2], out[-1])
            li += 1
        return out

    @staticmethod
    def _wrapped(row: Row, frag: Row) -> None:
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

    def loc(self, code: str, where: str, extra: str = "") -> str:
        p = schema.POINTS[code]
        t = schema.TABLE_BY_KEY[p.table]
        short = t.sheet.split()[0]
        if p.table == "active":
            s = f"{short}“{p.labels[1]}”行·{p.labels[2]}"
        elif p.table == "requests":
            s = f"{short}“{_row_label(p.row)}”行·{p.labels[-1]}"
        else:
            s = f"{short}“{'·'.join(p.labels[:-1])}”·{p.labels[-1]}"
        return s + (f"（{where}{extra}）" if where or extra else "")

    def put(self, code: str, tok: Token | None, location: str) -> None:
        p = schema.POINTS[code]
        dv = DataValue(code, location=location)
        if tok is None or tok.kind == "blank":
            dv.raw = None
            num, problem, sugg = None, "blank", None
        elif tok.kind == "text":
            dv.raw = tok.text
            num, problem, sugg = parse_number(tok.text, p.kind)
        else:
            dv.raw = tok.text
            v = float(tok.text) if "." in tok.text else int(tok.text)
            num, problem, sugg = parse_number(v, p.kind)
        if p.is_sum:
            dv.stored = num if problem in (None, "negative", "fraction") else None
            dv.problem = problem if problem == "blank" else None
        else:
            dv.value, dv.problem, dv.suggestion = num, problem, sugg
        self.rep.values[code] = dv

    # -- run -------------------------------------------------------------------
    def run(self) -> AnnualReport:
        self.meta()
        self.headings()
        b_start, b_end, c_start = self.requests_region()
        a_start = self.h["二"][1] if "二" in self.h else self.first_block_or(b_start)
        self.detect_old(a_start, b_start if b_start is not None else (c_start or self.s.end))
        self.active(a_start, b_start if b_start is not None else (c_start if c_start is not None else self.s.end))
        self.requests()
        self.appeals(c_start)
        self.narrative(a_start, b_start)
        for code in schema.CODES:
            if code not in self.rep.values:
                self.rep.values[code] = DataValue(code, problem="blank", location="原文中没有")
        self.rep.recompute()
        return self.rep

    # -- meta ------------------------------------------------------------------
    # On the title with only spaces removed: the organ keeps its printed brackets (（样例数据）).
    _TITLE_A = re.compile(r"^(?:标题[:：]|名称)?#*(?P<organ>[^,，。:：;；]{2,40}?)(?P<year>(?:19|20)\d\d)年度?"
                          r"(?:政府信息公开|政务公开)(?:工作)?年度?报告")
    _TITLE_B = re.compile(r"^(?:标题[:：]|名称)?#*(?P<year>(?:19|20)\d\d)年度?(?P<organ>[^,，。:：;；]{2,40}?)"
                          r"(?:政府信息公开|政务公开)(?:工作)?年度?报告")

    def _title_match(self, text: str):
        n = re.sub(r"[\s\u3000*]+", "", digits_only(text))
        for rx in (self._TITLE_A, self._TITLE_B):
            m = rx.match(n)
            if m:
                organ = re.sub(r"^(关于|本报告|报告)", "", m.group("organ")).strip("-_#*")
                return organ, int(m.group("year"))
        return None

    def meta(self) -> None:
        lines = ["".join(c for c in ln.cells) for ln in self.doc.lines]
        hits: list[tuple[int, str, int]] = []  # (line index after the title, organ, year)
        for i in range(min(len(lines), 80)):
            for j in (0, 1):
                if i + j >= len(lines):
                    continue
                text = "".join(lines[i:i + j + 1])
                if j and len(norm(lines[i])) > 60:
                    continue
                m = self._title_match(text[:120])
                if m:
                    hits.append((i + j, m[0], m[1]))  # index of the title's last line
                    break
        organ = year = None
        for src in (self.doc.header.get("标题"), self.doc.title):
            m = self._title_match(src) if src else None
            if m:
                organ, year = m
                break
        if hits:
            if organ is None:
                organ, year = hits[0][1], hits[0][2]
            self._title_lines = [h[0] for h in hits]
        else:
            self._title_lines = []
        if year is None:
            m = re.search(r"((?:19|20)\d\d)年1月1日", norm(self.s.text[:20000]))
            if m:
                year = int(m.group(1))
        meta = self.rep.meta
        meta["organ"] = organ
        meta["year"] = year
        level = infer_level(organ)
        meta["level"] = level
        if level:
            self.rep.source.notes.append(f"机关层级年报中未写明，按机关名称推断为“{level}”，请核对")
        if not organ or not year:
            missing = "、".join(x for x, v in (("机关名称", organ), ("报告年度", year)) if not v)
            self.finding("import.meta_missing", "warning", f"未能从标题或前言中识别{missing}，请在工作簿封面补填",
                         [f"meta.{k}" for k, v in (("organ", organ), ("year", year)) if not v])

    def contact_meta(self, preface: str) -> None:
        n = digits(preface)
        m = re.search(r"电话[:：]?\s*([0-9][0-9\-—－–（）() ]{6,20}[0-9])", n)
        if m:
            self.rep.meta["phone"] = re.sub(r"\s+", "", m.group(1)).replace("—", "-").replace("－", "-")
        m = re.search(r"地址[:：]\s*([^，,；;。)）]{4,60})", n)
        if m:
            self.rep.meta["address"] = re.sub(r"\s+", "", m.group(1))
        m = re.search(r"(https?://[^\s）)，,<>“”]+|www\.[A-Za-z0-9.\-/]+)", preface)
        if m:
            self.rep.meta["website"] = m.group(1).rstrip(".。/") + ("/" if m.group(1).endswith("/") else "")

    # -- structure -------------------------------------------------------------
    def headings(self) -> None:
        pos = 0
        for part, _ in schema.PARTS:
            hit = self.s.search(L.heading(part), pos)
            if hit:
                self.h[part] = self._extend_heading(part, hit)
                pos = self.h[part][1]

    def _extend_heading(self, part: str, hit: tuple[int, int]) -> tuple[int, int]:
        """Include the rest of the heading (…及改进情况) in its span."""
        start, end = hit
        line_end = self.s.text.find("\n", end)
        line_end = self.s.end if line_end < 0 else line_end
        line_start = self.s.line_starts[self.s.line_index(start)]
        rest = self.s.text[end:line_end]
        at_line_start = not norm(self.s.text[line_start:start]).strip("#*|")
        if at_line_start and len(norm(rest)) <= 15 and "。" not in rest:
            return start, line_end  # a heading on its own line, worded a little differently
        official = norm(dict(schema.PARTS)[part])
        n0 = self.s.to_norm(end)
        for k in range(len(official), 0, -1):
            tail = official[-k:]
            if self.s.norm.startswith(tail, n0):
                return start, self.s.idx[n0 + k - 1] + 1
        return start, end

    def first_block_or(self, default):
        hit = self.s.search(L.label(schema.ACTIVE_BLOCKS[0].header).full, self.h.get("一", (0, 0))[1])
        if hit:
            return hit[0]
        return self.h["一"][1] if "一" in self.h else (default if default is not None and default < 2000 else 0)

    def requests_region(self):
        """(start of table B, end of table B, start of table C)."""
        s = self.s
        win_start = self.h["二"][1] if "二" in self.h else (self.h["一"][1] if "一" in self.h else self.title_pos())
        limit = self.h["四"][0] if "四" in self.h else (self.h["五"][0] if "五" in self.h else s.end)
        # rows, in order
        self.b_found: dict[str, Found] = {}
        pos = win_start
        for code, labels in schema.REQUEST_ROWS:
            lab = L.label(labels[-1])
            hit = s.search(lab.full, pos, limit) or (s.search(lab.key, pos, limit) if lab.key else None)
            if hit:
                self.b_found[code] = Found(code, *hit)
                pos = hit[1]
        marks = [f.start for f in self.b_found.values()]
        note = s.search(L.REQUESTS_NOTE_KEY, win_start, limit)
        if note:
            marks.append(note[0])
        if "三" in self.h:
            marks.append(self.h["三"][0])
        self.b_groups: list[Found] = []
        if marks:
            b_start = min(marks)
            for g in L.request_groups():
                for hit in s.search_all(L.label(g).full, b_start, limit):
                    if not any(f.start <= hit[0] < f.end for f in self.b_found.values()):
                        self.b_groups.append(Found(g, *hit))
        else:
            b_start = None
        # table C
        if "四" in self.h:
            c_start = self.h["四"][1]
            b_end = self.h["四"][0]
        else:
            after = max([f.end for f in self.b_found.values()] + [b_start or win_start])
            end5 = self.h["五"][0] if "五" in self.h else s.end
            hit = s.search(L.label(schema.APPEAL_GROUPS[0][1][0]).full, after, end5)
            c_start = hit[0] if hit else None
            b_end = c_start if c_start is not None else end5
        self.b_start, self.b_end = b_start, b_end
        return b_start, b_end, c_start

    def title_pos(self) -> int:
        if getattr(self, "_title_lines", None):
            idx = self._title_lines[0]
            return self.s.line_starts[idx] if idx < len(self.s.line_starts) else 0
        return 0

    def detect_old(self, start: int, end: int) -> None:
        hits = [schema.OLD_FORMAT_2019_MARKERS[i] for i, rx in enumerate(L.OLD_MARKERS) if self.s.search(rx, start, end)]
        if not hits:
            return
        self.old_format = True
        self.rep.source.format_version = "2019"
        year = self.rep.year
        sev = "warning" if year is not None and year < 2021 else "error"
        when = f"{year}年度" if year else "本"
        self.finding(
            "import.format_2019", sev,
            f"{when}年报使用的是已废止的2019年试行格式（国办公开办函〔2019〕60号，表二含“{'”“'.join(hits[:3])}”等）。"
            + ("2021年度及以后的年报应使用国办公开办函〔2021〕30号格式。" if sev == "error" else "")
            + "表二栏目与2021年格式不同，未导入；表三、表四按对应的行导入，表三“（六）其他处理”在旧格式中只有一行，三个分项无法导入。",
            [p.code for p in schema.DATA_POINTS if p.table == "active"])

    # -- table A ---------------------------------------------------------------
    def active(self, start: int, end: int) -> None:
        t = schema.TABLE_BY_KEY["active"]
        if self.old_format:
            for p in schema.DATA_POINTS:
                if p.table == "active":
                    self.rep.values[p.code] = DataValue(p.code, problem="blank", location="2019年格式，未导入")
            return
        s = self.s
        heads: list[tuple[int, int]] = []
        for b in schema.ACTIVE_BLOCKS:
            heads.extend(s.search_all(L.label(b.header).full, start, end))
        found: dict[str, tuple[int, int]] = {}
        # Each block on its own: converters sometimes print a block's rows after later blocks.
        # Row labels of table A are distinct words, so the order across blocks is not needed.
        for b in schema.ACTIVE_BLOCKS:
            head = s.search(L.label(b.header).full, start, end)
            for pos in ([head[1]] if head else []) + [start]:
                got: dict[str, tuple[int, int]] = {}
                p = pos
                for rcode, rlabel in b.rows:
                    hit = s.search(L.label(rlabel).full, p, end)
                    if hit and not any(a <= hit[0] < z for a, z in found.values()):
                        got[rcode] = hit
                        p = hit[1]
                if got:
                    found.update(got)
                    break
        if not found:
            hint = "（标题“二、主动公开政府信息情况”也找不到）" if "二" not in self.h else ""
            self.finding("import.table_missing", "error", f"找不到表二“{t.title}”的任何数据行{hint}，表二数据未导入",
                         [p.code for p in schema.DATA_POINTS if p.table == "active"])
            return
        cuts = sorted([h[0] for h in heads] + [v[0] for v in found.values()] + [end])
        paths = self.label_paths("active", start, end)
        covered: set[int] = set()
        for bi, b in enumerate(schema.ACTIVE_BLOCKS):
            codes = [f"active.{r}.{c}" for r, _ in b.rows for c, _ in b.columns]
            if not any(r in found for r, _ in b.rows):
                head_seen = any(s.search(L.label(b.header).full, start, end) for _ in (0,))
                what = "只有标题、没有数据行" if head_seen else "整块缺失"
                self.finding("import.block_missing", "error",
                             f"表二“{b.header}”{what}（应有：{'、'.join(l for _, l in b.rows)}），这{len(codes)}项数据未导入",
                             codes, location=f"表二“{b.header}”")
                continue
            for rcode, rlabel in b.rows:
                rcodes = [f"active.{rcode}.{c}" for c, _ in b.columns]
                if rcode not in found:
                    self.finding("import.row_missing", "error", f"表二“{b.header}”缺少“{rlabel}”行，该行数据未导入", rcodes,
                                 location=f"表二“{rlabel}”行")
                    continue
                if all(c in paths for c in rcodes):  # one line per cell, labelled with row and column
                    for c in rcodes:
                        tok, li = paths[c]
                        self.put(c, tok, self.loc(c, self.s.where(self.s.line_starts[li])))
                        covered.add(li)
                    self._blank_finding("表二", rlabel, rcodes, s.where(found[rcode][0]))
                    continue
                hs, he = found[rcode]
                seg_end = min(c for c in cuts if c >= he) if any(c >= he for c in cuts) else end
                rows = [r for r in self.rows_between(he, seg_end) if r.has_data or r.line == s.line_index(hs)]
                covered.update(range(s.line_index(hs), s.line_index(max(he, seg_end - 1)) + 1))
                where = s.where(hs)
                self._active_row(b, rcode, rlabel, rcodes, rows, where)
        # Numbers in table 2 that belong to no row (e.g. floating above a garbled table): say so.
        self._stray("表二", [r for r in self.rows_between(start, end) if r.line not in covered and r.has_data])
        self.flush_splits("表二", "各列不能以0开头的规则")
        self.flush_blanks()
        self._table_blank("active")

    def label_paths(self, table: str, start: int, end: int) -> dict[str, tuple[Token, int]]:
        """Cells printed one per line with their full label path ("第二十条第（一）项 · 规章 · 本年制发件数 | 0"):
        code -> (token, line index). Only lines naming exactly one data point count."""
        out: dict[str, tuple[Token, int]] = {}
        s = self.s
        li0, li1 = s.line_index(start), s.line_index(max(start, end - 1))
        points = [p for p in schema.DATA_POINTS if p.table == table]
        for li in range(li0, li1 + 1):
            ln = self.doc.lines[li]
            if not ln.table or len(ln.cells) < 2:
                continue
            toks = [t for c in ln.cells[1:] for t in cell_tokens(c)]
            toks = [t for t in toks if t.kind != "blank"] or toks[:1]
            if len(toks) != 1:
                continue
            text = norm(ln.cells[0])
            hits = []
            for p in points:
                *rows, col = p.labels
                leaf = rows[-1] if table == "active" else rows[-1]
                if norm(col) not in text or not L.label(leaf).full.search(text):
                    continue
                if table == "appeals" and len(rows) == 1 and any(norm(g[-1]) in text for _, g in schema.APPEAL_GROUPS[1:]):
                    continue  # "行政诉讼 · 未经复议直接起诉 · …" is not 行政复议
                hits.append(p.code)
            if len(hits) == 1 and hits[0] not in out:
                out[hits[0]] = (toks[0], li)
        return out

    def _active_row(self, b, rcode, rlabel, rcodes, rows, where) -> None:
        n = len(b.columns)
        if not rows:
            self.finding("import.row_empty", "error", f"表二“{rlabel}”行后面没有数字{_w(where)}，该行数据未导入", rcodes,
                         location=f"表二“{rlabel}”行{_w(where)}")
            return
        row = rows[0]
        if row.alt and len(rows) > 1 and rows[1].fragment_of is row:
            row.used_alt = True
            self.wrapped.append(("表二", rlabel, rcodes, row, rows[1]))
            row = Row(row.alt, row.line, row.pos, row.text)
            rows = [row] + rows[2:]
        cands, cut = candidates(row.tokens, n)
        hinted = False
        if len(cands) > 1 or cands.truncated:
            best = self._hint(rlabel, b, cands)
            if best is not None and not cands.truncated:
                self.finding("import.cells_split", "warning",
                             f"表二“{rlabel}”行的数字在原文中连写为“{row.chunk()}”，按正文中提到的数字拆分为"
                             f"{'、'.join(t.text for t in best)}{_w(where)}，请核对原文", rcodes,
                             location=f"表二“{rlabel}”行{_w(where)}")
                cands = [best]
                hinted = True
            else:
                shown = sorted(cands, key=lambda c: (max(len(t.text) for t in c), [len(t.text) for t in c]))
                alts = "；".join("/".join(t.text for t in c) for c in shown[:6]) + ("……" if len(cands) > 6 or cands.truncated else "")
                self.finding("import.cells_ambiguous", "error",
                             f"表二“{rlabel}”行的数字在原文中连写为“{row.chunk()}”，无法确定各列的分界（可能是 {alts}），"
                             f"该行未导入，请按原网页或原文件手工填写{_w(where)}", rcodes,
                             location=f"表二“{rlabel}”行{_w(where)}", actual=row.chunk())
                return
        if not cands:
            self.finding("import.cells_count", "error",
                         f"表二“{rlabel}”行应有{n}个数，原文为“{row.chunk()}”，无法对应到各列，该行未导入{_w(where)}", rcodes,
                         location=f"表二“{rlabel}”行{_w(where)}", actual=row.chunk())
            return
        if cut and not hinted:
            self.splits.append((rlabel, rcodes, f"“{row.chunk()}”→{' '.join(t.text for t in cands[0])}"))
        for code, tok in zip(rcodes, cands[0]):
            self.put(code, tok, self.loc(code, where))
        self._blank_finding("表二", rlabel, rcodes, where)
        if len(rows) > 1:
            self._stray("表二", rows[1:])
        self.flush_wrapped()

    def flush_wrapped(self) -> None:
        for short, label, codes, row, frag in self.wrapped:
            where = self.s.where(row.pos)
            extra = f"和下一行的“{frag.chunk()}”" if frag is not None else ""
            self.finding("import.cells_wrapped", "warning",
                         f"{short}“{label}”行的数字“{row.chunk()}”{extra}是PDF排版时被折行的同一组数字"
                         f"（上下对齐{_w(where, '，')}），已拼接为“{' '.join(t.text for t in row.alt)}”，请核对原文",
                         codes, location=f"{short}“{label}”行{_w(where)}")
        self.wrapped = []

    def flush_splits(self, short: str, rule_text: str) -> None:
        """One finding per table for all run-together rows that were cut."""
        if not self.splits:
            return
        codes = [c for _, cs, _ in self.splits for c in cs]
        if len(self.splits) == 1:
            lab, cs, how = self.splits[0]
            self.finding("import.cells_split", "warning",
                         f"{short}“{lab}”行的数字在原文中连写在一起（网页转文字时丢了格线），已按{rule_text}拆开：{how}。请对照原文核对",
                         cs, location=f"{short}“{lab}”行")
            self.splits = []
            return
        zero = [x for x in self.splits if set(x[2].split("→")[1].split()) <= {"0"}]
        shown = [x for x in self.splits if x not in zero]
        detail = "；".join(f"{lab}：{how}" for lab, _, how in shown)
        if zero:
            detail += ("；另有" if detail else "其中") + f"{len(zero)}行连写的数字全为0"
        self.finding("import.cells_split", "warning",
                     f"{short}有{len(self.splits)}行的数字在原文中连写在一起（网页转文字时丢了格线），已按{rule_text}拆开："
                     f"{detail}。请对照原文核对", codes, location=short)
        self.splits = []

    def _hint(self, rlabel, b, cands):
        """Pick the one cut that agrees with numbers the narrative states for this row."""
        text = norm(self.narrative_source())
        core = norm(rlabel).replace("行政", "", 1) if "规范性文件" in rlabel else norm(rlabel)
        scores = []
        for c in cands:
            score = 0
            for (ccode, clabel), tok in zip(b.columns, c):
                kw = norm(clabel).replace("本年", "").replace("件数", "")
                for m in re.finditer(re.escape(core), text):
                    window = text[max(0, m.start() - 20): m.end() + 12]
                    if kw in window and re.search(rf"(?<!\d){re.escape(tok.text)}件", window):
                        score += 1
                        break
            scores.append(score)
        best = max(scores)
        if best > 0 and scores.count(best) == 1:
            return cands[scores.index(best)]
        return None

    def narrative_source(self) -> str:
        end = self.h["二"][0] if "二" in self.h else (self.b_start or 0)
        return self.s.text[: max(end, 0)]

    def _blank_finding(self, short, rlabel, codes, where):
        blanks = [c for c in codes if self.rep.values.get(c) and self.rep.values[c].raw is None]
        if blanks:
            self.blank_rows.append((short, rlabel, blanks, where))

    def flush_blanks(self) -> None:
        """Empty printed cells: one finding per row, or one per table when many rows leave the same columns empty."""
        groups: dict[tuple, list] = {}
        for short, rlabel, blanks, where in self.blank_rows:
            cols = tuple(schema.POINTS[c].labels[-1] for c in blanks)
            groups.setdefault((short, cols), []).append((rlabel, blanks, where))
        for (short, cols), rows in groups.items():
            colnames = "、".join(cols)
            if len(rows) >= 3:
                codes = [c for _, b, _ in rows for c in b]
                which = "、".join(r for r, _, _ in rows) if len(rows) < 6 else \
                    "、".join(r for r, _, _ in rows[:3]) + f"等{len(rows)}行"
                self.finding("import.cells_blank", "error",
                             f"{short}有{len(rows)}行的“{colnames}”列为空（原文未填数字，共{len(codes)}格）："
                             f"{which}；空白不等于0，应填0或实际数字", codes, location=short)
                continue
            for rlabel, blanks, where in rows:
                self.finding("import.cells_blank", "error",
                             f"{short}“{rlabel}”行有{len(blanks)}格为空（{colnames}；原文未填数字{_w(where, '，')}）；"
                             "空白不等于0，应填0或实际数字", blanks, location=f"{short}“{rlabel}”行{_w(where)}")
        self.blank_rows = []

    def _table_blank(self, table: str) -> None:
        """A table printed with every cell empty (e.g. the blank template): one finding, not one per row."""
        codes = [p.code for p in schema.DATA_POINTS if p.table == table]
        dvs = [self.rep.values.get(c) for c in codes]
        if not all(dv is not None and dv.raw is None and dv.location and "原文中没有" not in dv.location for dv in dvs):
            return
        short = schema.TABLE_BY_KEY[table].sheet.split()[0]
        self.rep.findings = [f for f in self.rep.findings
                             if not (f.rule == "import.cells_blank" and set(f.codes) <= set(codes))]
        self.finding("import.table_blank", "error", f"{short}“{schema.TABLE_BY_KEY[table].title}”的{len(codes)}格全部为空（原文未填任何数字）",
                     codes, location=short)

    def _stray(self, short, rows: list[Row], note: str = "") -> None:
        for r in rows:
            if not any(t.kind == "num" for t in r.tokens) or (r.fragment_of is not None and r.fragment_of.used_alt):
                continue
            where = self.s.where(r.pos)
            self.finding("import.stray_numbers", "warning",
                         f"{short}中有数字“{r.chunk()}”{_w(where)}不能对应到任何一行，未导入{note}",
                         location=f"{short}{_w(where)}", actual=r.chunk())

    # -- table B ---------------------------------------------------------------
    def requests(self) -> None:
        t = schema.TABLE_BY_KEY["requests"]
        s = self.s
        all_codes = [p.code for p in schema.DATA_POINTS if p.table == "requests"]
        if not self.b_found:
            self.finding("import.table_missing", "error", f"找不到表三“{t.title}”的任何数据行，表三数据未导入", all_codes)
            return
        order = [c for c, _ in schema.REQUEST_ROWS]
        cuts = sorted([f.start for f in self.b_found.values()] + [g.start for g in self.b_groups] + [self.b_end])
        ncols = len(schema.REQUEST_COLUMNS)

        def seg(f: Found) -> list[Row]:
            nxt = min((c for c in cuts if c >= f.end), default=self.b_end)
            return self.rows_between(f.end, nxt)

        def complete(r: Row) -> bool:
            return bool(candidates(r.tokens, ncols)[0])

        anchors: dict[str, Row] = {}
        orphans: list[Row] = []
        noise: list[Row] = []
        empty: set[str] = set()
        for code in order:
            f = self.b_found.get(code)
            if f is None:
                continue
            rows = seg(f)
            label_line = s.line_index(f.end - 1)
            data = [r for r in rows if r.has_data or (r.line == label_line and self.doc.lines[r.line].table)]
            if data and data[0].line == label_line and (complete(data[0]) or not self.doc.lines[label_line].table
                                                        or data[0].has_data):
                anchors[code] = data[0]
                rest = data[1:]
            elif len(data) == 1 and complete(data[0]):
                anchors[code] = data[0]
                rest = []
            else:
                rest = data
                if not data:
                    empty.add(code)
            for r in rest:
                (orphans if complete(r) and r.has_data and r.fragment_of is None else noise).append(r)
        group_rows: dict[str, list[Row]] = {}
        for g in self.b_groups:
            rows = [r for r in seg(g) if r.has_data]
            for r in rows:
                group_rows.setdefault(g.code, []).append(r)
                (orphans if complete(r) else noise).append(r)

        # Rows whose label a converter moved away from their numbers: between two anchored rows,
        # as many unlabelled rows as unanchored labels -> in order (the numbers keep the table's order).
        orphans.sort(key=lambda r: r.pos)
        anchored_idx = [i for i, c in enumerate(order) if c in anchors]
        bounds = [(-1, self.b_start or 0)] + [(i, anchors[order[i]].pos) for i in anchored_idx] + [(len(order), self.b_end)]
        used: set[int] = set()
        for (ia, pa), (ib, pb) in zip(bounds, bounds[1:]):
            gap = [order[i] for i in range(ia + 1, ib)]
            between = [k for k, r in enumerate(orphans) if pa < r.pos < pb and k not in used]
            if gap and len(gap) == len(between) and all(c in self.b_found or True for c in gap):
                for code, k in zip(gap, between):
                    anchors[code] = orphans[k]
                    used.add(k)
                    self.realigned.add(code)
        orphans = [r for k, r in enumerate(orphans) if k not in used]

        # Collapsed groups: "（六）其他处理" printed as one row (the 2019 layout).
        collapsed: set[str] = set()
        for g, rows in group_rows.items():
            kids = L.group_children()[g]
            if len(kids) > 1 and all(k not in anchors for k in kids) and rows and any(r in orphans for r in rows):
                r = next(r for r in rows if r in orphans)
                orphans.remove(r)
                kid_labels = "、".join(dict(schema.REQUEST_ROWS)[k][-1] for k in kids)
                where = s.where(r.pos)
                codes = [f"requests.{k}.{c}" for k in kids for c, _ in schema.REQUEST_COLUMNS]
                self.finding("import.group_collapsed", "error",
                             f"表三“{g}”只印了一行数字“{r.chunk()}”{_w(where)}，缺少分项 {kid_labels}"
                             + ("（这是2019年试行格式的写法）" if "其他处理" in g else "") + "；分项数据未导入",
                             codes, location=f"表三“{g}”{_w(where)}", actual=r.chunk())
                collapsed.update(kids)

        # Cells of each row.
        cands: dict[str, list[list[Token]]] = {}
        cut_rows: set[str] = set()
        for code in order:
            r = anchors.get(code)
            if r is None:
                continue
            cs, cut = sum_row_candidates(r.tokens, ncols)
            if r.alt and not (cs.unique and _sums_ok(cs[0], ncols - 1)):
                cs2, _ = sum_row_candidates(r.alt, ncols)
                if cs2.unique and _sums_ok(cs2[0], ncols - 1):
                    cs, cut = cs2, False
                    r.used_alt = True
                    frag = next((x for x in noise if x.fragment_of is r), None)
                    self.wrapped.append(("表三", _row_label(code), [f"requests.{code}.{c}" for c, _ in schema.REQUEST_COLUMNS], r, frag))
            if not cs and not cs.truncated:
                # No reading makes the total add up (a real defect, or a cut we cannot see): any reading.
                cs, cut = candidates(r.tokens, ncols)
            cands[code] = cs
            if cut:
                cut_rows.add(code)
        chosen = self._resolve_columns(cands)
        realign_ok = self._columns_add_up(chosen) if self.realigned else True
        # Runs of rows missing altogether: one finding per run, naming every row.
        missing_run: list[str] = []
        runs: list[list[str]] = []
        for code in order:
            if code not in anchors and code not in collapsed and self.b_found.get(code) is None:
                missing_run.append(code)
            elif missing_run:
                runs.append(missing_run)
                missing_run = []
        if missing_run:
            runs.append(missing_run)
        for run in runs:
            if len(run) < 3:
                continue
            rcodes = [f"requests.{r}.{c}" for r in run for c, _ in schema.REQUEST_COLUMNS]
            names = "、".join(f"“{_row_label(r)}”" for r in run)
            self.finding("import.row_missing", "error",
                         f"表三缺少{len(run)}行（从“{_row_label(run[0])}”到“{_row_label(run[-1])}”，原文中找不到）：{names}；"
                         f"这{len(rcodes)}项数据未导入", rcodes, location=f"表三“{_row_label(run[0])}”至“{_row_label(run[-1])}”行")
        in_runs = {r for run in runs if len(run) >= 3 for r in run}
        for code in order:
            rcodes = [f"requests.{code}.{c}" for c, _ in schema.REQUEST_COLUMNS]
            label = _row_label(code)
            f = self.b_found.get(code)
            if code in collapsed:
                continue
            if code not in anchors:
                if code in in_runs:
                    continue
                if f is None:
                    self.finding("import.row_missing", "error", f"表三缺少“{label}”行（原文中找不到这一行），该行{ncols}项数据未导入",
                                 rcodes, location=f"表三“{label}”行")
                else:
                    where = s.where(f.start)
                    self.finding("import.row_empty", "error",
                                 f"表三“{label}”行{_w(where)}后面没有可对应的数字，该行{ncols}项数据未导入", rcodes,
                                 location=f"表三“{label}”行{_w(where)}")
                continue
            r = anchors[code]
            where = s.where(r.pos)
            cs = cands.get(code) or []
            pick = chosen.get(code)
            if not cs:
                self.finding("import.cells_count", "error",
                             f"表三“{label}”行应有{ncols}个数，原文为“{r.chunk()}”{_w(where)}，无法对应到各列，该行未导入", rcodes,
                             location=f"表三“{label}”行{_w(where)}", actual=r.chunk())
                continue
            if pick is None:
                alts = "；".join(" ".join(t.text for t in c) for c in cs[:4]) + ("……" if len(cs) > 4 or cs.truncated else "")
                self.finding("import.cells_ambiguous", "error",
                             f"表三“{label}”行的数字在原文中连写为“{r.chunk()}”{_w(where)}，无法唯一拆分（可能是 {alts}），"
                             "该行未导入，请按原文件手工填写", rcodes, location=f"表三“{label}”行{_w(where)}", actual=r.chunk())
                continue
            if code in self.realigned:
                check = "，归入后各列合计相符" if realign_ok else "，但归入后各列合计对不上（可能归错了行），请务必核对原文"
                self.finding("import.rows_realigned", "warning" if realign_ok else "error",
                             f"表三“{label}”行的数字“{' '.join(t.text or '□' for t in pick)}”在原文中与行名分开了（{where + '，' if where else ''}"
                             f"多为PDF转换造成），已按表格行序归入该行{check}" + ("，请核对原文" if realign_ok else ""),
                             rcodes, location=f"表三“{label}”行{_w(where)}")
            if code in cut_rows:
                how = "（按各列合计关系选定）" if len(cs) > 1 else ""
                self.splits.append((label, rcodes, f"“{r.chunk()}”→{' '.join(t.text for t in pick)}{how}"))
            for c, tok in zip(rcodes, pick):
                self.put(c, tok, self.loc(c, where))
            self._blank_finding("表三", label, rcodes, where)
        noise = [r for r in noise if not (r.fragment_of is not None and r.fragment_of.used_alt)]
        if orphans or noise:
            self._stray("表三", sorted(orphans + noise, key=lambda r: r.pos))
        self.flush_wrapped()
        self.flush_splits("表三", "“总计＝前六列之和”（必要时再用各列合计关系）")
        self.flush_blanks()
        self._table_blank("requests")

    @staticmethod
    def _columns_add_up(chosen: dict) -> bool:
        """（七）总计 = the 21 outcome rows in every column where all of them were read."""
        for j in range(len(schema.REQUEST_COLUMNS)):
            rows = [chosen.get(r) for r in (*schema.OUTCOME_ROWS, "handled_total")]
            if any(r is None for r in rows):
                continue
            vals = [_tok_value(r[j]) for r in rows]
            if None not in vals and sum(vals[:-1]) != vals[-1]:
                return False
        return True

    def _resolve_columns(self, cands: dict[str, list[list[Token]]]) -> dict[str, list[Token] | None]:
        """Choose among several cuts of a row with the column sums: （七）总计 = sum of the outcomes,
        and 一＋二 = （七）＋四 (the official 勾稽关系). Unique best or nothing."""
        fixed = {c: v[0] for c, v in cands.items() if v.unique}
        open_ = {c: v for c, v in cands.items() if len(v) > 1 and not v.truncated}
        out: dict[str, list[Token] | None] = dict(fixed)
        out.update({c: None for c, v in cands.items() if v.truncated})
        if not open_:
            return out
        keys = list(open_)
        combos = 1
        for k in keys:
            combos *= len(open_[k])
        if combos > 5000:
            return {**out, **{k: None for k in keys}}
        ncols = len(schema.REQUEST_COLUMNS)

        def val(rows, code, j):
            toks = rows.get(code)
            if toks is None:
                return None
            t = toks[j]
            return None if t.kind != "num" else (float(t.text) if "." in t.text else int(t.text))

        def score(rows) -> int:
            sc = 0
            for j in range(ncols):
                parts = [val(rows, r, j) for r in schema.OUTCOME_ROWS]
                tot = val(rows, "handled_total", j)
                if tot is not None and all(p is not None for p in parts):
                    sc += sum(parts) == tot
                a, b2, c, d = (val(rows, x, j) for x in ("new", "carried_in", "handled_total", "carried_out"))
                if None not in (a, b2, c, d):
                    sc += a + b2 == c + d
            return sc

        best, best_sc, ties = None, -1, 0
        for combo in itertools.product(*(open_[k] for k in keys)):
            rows = dict(fixed)
            rows.update(zip(keys, combo))
            sc = score(rows)
            if sc > best_sc:
                best, best_sc, ties = combo, sc, 1
            elif sc == best_sc:
                ties += 1
        if ties == 1 and best is not None:
            out.update(zip(keys, best))
        else:
            out.update({k: None for k in keys})
        return out

    # -- table C ---------------------------------------------------------------
    def appeals(self, c_start) -> None:
        t = schema.TABLE_BY_KEY["appeals"]
        codes = [p.code for p in schema.DATA_POINTS if p.table == "appeals"]
        if c_start is None:
            self.finding("import.table_missing", "error", f"找不到表四“{t.title}”，表四数据未导入", codes)
            return
        end = self.h["五"][0] if "五" in self.h else (self.h["六"][0] if "六" in self.h else self.s.end)
        paths = self.label_paths("appeals", c_start, end)
        if all(c in paths for c in codes):
            for c in codes:
                tok, li = paths[c]
                self.put(c, tok, self.loc(c, self.s.where(self.s.line_starts[li])))
            for gcode, glabels in schema.APPEAL_GROUPS:
                self._blank_finding("表四", "·".join(glabels), [f"appeals.{gcode}.{c}" for c, _ in schema.APPEAL_COLUMNS], "")
            self.flush_blanks()
            self._table_blank("appeals")
            return
        rows = self.rows_between(c_start, end)
        n = len(codes)
        data = [r for r in rows if r.has_data or (self.doc.lines[r.line].table and len(r.tokens) == n)]
        where = self.s.where(c_start)
        if not data:
            self.finding("import.row_empty", "error", f"表四“{t.title}”中没有数字{_w(where)}，表四数据未导入", codes,
                         location=f"表四{_w(where)}")
            return
        partial, _ = group_checks(len(schema.APPEAL_COLUMNS), len(schema.APPEAL_COLUMNS) - 1)
        r0 = data[0]
        if r0.alt and len(data) > 1 and data[1].fragment_of is r0:
            as_printed = [_tok_value(t) for t in r0.tokens]
            merged = [_tok_value(t) for t in r0.alt]
            if len(merged) == n and not partial_all(partial, as_printed) and partial_all(partial, merged):
                r0.used_alt = True
                self.wrapped.append(("表四", "行政复议、行政诉讼", codes, r0, data[1]))
                data = [Row(r0.alt, r0.line, r0.pos, r0.text)] + data[2:]
        toks: list[Token] = []
        picked = None
        used = 0
        for k, r in enumerate(data):
            toks = toks + r.tokens
            used = k + 1
            cs, cut = candidates(toks, n, partial_ok=partial)
            if not cs and not cs.truncated:
                cs, cut = candidates(toks, n)
            if cs or cs.truncated:
                picked = (cs, cut)
                break
            if len(toks) >= n:
                break
        chunk = " ".join(t.text or "□" for t in toks)
        wh = self.s.where(data[0].pos)
        if picked is None:
            self.finding("import.cells_count", "error",
                         f"表四应有{n}个数（行政复议、直接起诉、复议后起诉各5个），原文为“{chunk}”{_w(wh)}，无法对应到各列，表四未导入",
                         codes, location=f"表四{_w(wh)}", actual=chunk)
            return
        cs, cut = picked
        if len(cs) > 1 or cs.truncated:
            alts = "；".join(" ".join(t.text for t in c) for c in cs[:3])
            self.finding("import.cells_ambiguous", "error",
                         f"表四的数字在原文中连写为“{chunk}”{_w(wh)}，无法唯一拆分（可能是 {alts}），表四未导入，请按原文件手工填写",
                         codes, location=f"表四{_w(wh)}", actual=chunk)
            return
        if cut:
            self.finding("import.cells_split", "warning",
                         f"表四的数字在原文中连写为“{chunk}”，已按“总计＝前四列之和”拆分为{' '.join(t.text for t in cs[0])}{_w(wh)}，请核对原文",
                         codes, location=f"表四{_w(wh)}")
        for code, tok in zip(codes, cs[0]):
            self.put(code, tok, self.loc(code, wh))
        for gcode, glabels in schema.APPEAL_GROUPS:
            gc = [f"appeals.{gcode}.{c}" for c, _ in schema.APPEAL_COLUMNS]
            self._blank_finding("表四", "·".join(glabels), gc, wh)
        if data[used:]:
            self._stray("表四", data[used:])
        self.flush_wrapped()
        self.flush_blanks()
        self._table_blank("appeals")

    # -- narrative -------------------------------------------------------------
    _FOOTER = re.compile(r"(版权所有|主办单位|网站标识码|ICP备|打印本页|关闭窗口|扫一扫在手机|【打印】|【关闭】)")

    def narrative(self, a_start, b_start) -> None:
        s = self.s
        h = self.h
        title_line = None
        if self._title_lines:
            first1 = s.line_index(h["一"][0]) if "一" in h else len(self.doc.lines)
            before = [i for i in self._title_lines if i <= first1]
            title_line = before[-1] if before else None
        pre_start = 0
        if title_line is not None and title_line < len(s.line_starts):
            # The preface starts after the title (which may share its line with the text, or span two lines).
            a = s.line_starts[title_line]  # the title's last line
            z = s.line_starts[title_line + 1] if title_line + 1 < len(s.line_starts) else s.end
            m = None
            for m in re.finditer(r"报\s*告", s.text[a:z]):
                break
            pre_start = a + m.end() if m else z
        parts: dict[str, str] = {}
        if "一" in h:
            parts["preface"] = self.clean(pre_start, h["一"][0])
            end = h["二"][0] if "二" in h else (a_start if a_start and a_start > h["一"][1] else (b_start or h["一"][1]))
            parts["overview"] = self.clean(h["一"][1], end)
        if "五" in h:
            parts["problems"] = self.clean(h["五"][1], h["六"][0] if "六" in h else s.end)
        if "六" in h:
            parts["other"] = self.clean(h["六"][1], s.end)
        for f in schema.NARRATIVE_FIELDS:
            self.rep.narrative[f.key] = parts.get(f.key, "")
        for part in ("一", "五", "六"):
            if part not in h and self.b_found:
                heading = dict(schema.PARTS)[part]
                self.finding("import.part_missing", "warning",
                             f"找不到正文“{heading}”这一部分的标题，该部分文字未导入（年报应包含六个部分）",
                             [f.code for f in schema.NARRATIVE_FIELDS if f.part == part], location=heading)
        self.contact_meta(parts.get("preface", ""))

    def line_width(self) -> int:
        """Typical length of a full line of running text in a PDF (0 for other documents)."""
        if self.doc.kind != "pdf":
            return 0
        if not hasattr(self, "_width"):
            lens = sorted(len(norm(c)) for ln in self.doc.lines for c in ln.cells
                          if "。" in c or "，" in c)
            self._width = lens[int(len(lens) * 0.8)] if len(lens) >= 5 else 0
        return self._width

    def clean(self, start: int, end: int) -> str:
        if end <= start:
            return ""
        s = self.s
        out: list[tuple[str, int]] = []  # (text, indentation)
        li = s.line_index(start)
        while li < len(self.doc.lines) and s.line_starts[li] < end:
            ls = s.line_starts[li]
            a, b = max(ls, start), min(end, ls + len(s.text[ls:].split("\n", 1)[0]))
            raw = s.text[a:b].replace("\t", " ")
            indent = len(raw) - len(raw.lstrip(" \u3000")) if a == ls else 0
            text = re.sub(r"^#+\s*", "", raw.strip()).replace("**", "").strip()
            if self._FOOTER.search(text):
                break
            if text and not set(text) <= set("|-: "):
                out.append((text, indent))
            li += 1
        paras: list[str] = []
        if self.doc.kind == "pdf":
            # A PDF paragraph starts indented; its wrapped lines start at the margin.
            base = min((i for _, i in out), default=0)
            width = self.line_width()
            for t, ind in out:
                prev = paras[-1] if paras else ""
                ended = re.search(r"[。！？!?]$", prev) and not (width and len(norm(prev.splitlines()[-1] if prev else "")) >= 0.85 * width)
                if prev and ind <= base + 1 and not ended:
                    paras[-1] += t
                else:
                    paras.append(t)
        else:
            # Text converted from PDF or Word may be wrapped mid-sentence too; short lines are headings.
            wrapped = self.doc.kind in ("text", "markdown")  # HTML and Word keep real paragraphs
            for t, _ in out:
                prev = paras[-1] if paras else ""
                heading = bool(_HEADING.match(prev)) and "。" not in prev
                if wrapped and prev and len(norm(prev)) >= 15 and not heading and not re.search(r"[。！？：；:.!?]$", prev):
                    paras[-1] += t
                else:
                    paras.append(t)
        text = "\n".join(paras).strip()
        # Spaces next to Chinese characters are layout artefacts ("2024 年"), not text.
        return _CJK_SPACE.sub("", text)


def digits_only(text: str) -> str:
    """Full-width digits to ASCII, nothing else (titles keep their punctuation)."""
    return str(text or "").translate(_FW_DIGITS)


_FW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _tok_value(t: Token):
    if t.kind != "num":
        return None
    return float(t.text) if "." in t.text else int(t.text)


def _sums_ok(tokens: list[Token], n_parts: int) -> bool:
    vals = [_tok_value(t) for t in tokens]
    return None in vals or sum(vals[:n_parts]) == vals[n_parts]


def partial_all(partial, vals: list) -> bool:
    return all(partial(vals[:k]) for k in range(1, len(vals) + 1))


_HEADING = re.compile(r"^\s*(（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、|\d+[.、．])")
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[ \t\u00a0\u3000]+|[ \t\u00a0\u3000]+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")


def _w(where: str, sep: str = "") -> str:
    """Optional location in brackets (or after a separator)."""
    if not where:
        return ""
    return f"{sep}{where}" if sep else f"（{where}）"


def _row_label(code: str) -> str:
    labels = dict(schema.REQUEST_ROWS)[code]
    leaf = labels[-1]
    if len(labels) >= 3:
        return f"{labels[-2]}{leaf}"
    return leaf


def infer_level(organ: str | None) -> str | None:
    """The organ's level from its name (reports do not print it); None when unclear."""
    if not organ:
        return None
    o = organ
    if re.search(r"(乡|镇)(人民政府)?$|街道(办事处)?$|(乡|镇)人民政府|街道办事处", o):
        return "乡镇（街道）"
    if re.match(r"^(北京|上海|天津|重庆)市", o) and not re.search(r"市.+?(区|县)", o):
        return "省级"
    if re.search(r"(省|自治区)", o) and not re.search(r"(省|自治区).+?(市|州|盟|县|区|旗)", o):
        return "省级"
    if re.search(r"(县|旗)", o) or re.search(r"(市|州|盟).+?区", o) or re.search(r"[^新]区(人民)?政府", o):
        return "县级"
    if re.search(r"(市|州|盟)", o):
        return "市级"
    return None


def parse(doc: Doc) -> AnnualReport:
    return Parser(doc).run()
