"""What the table readers share while reading one document: the document and its search stream,
the report being filled, the part headings found, and the findings helpers (one finding per
row, or per table when many rows share a defect)."""
from __future__ import annotations

from .. import schema
from ..model import AnnualReport, DataValue, Finding, Source, parse_number
from . import labels as L
from .cells import Found, Row, cell_tokens, rows_between
from .doc import Doc, Stream, norm
from .split import Token


class ReadState:
    def __init__(self, doc: Doc):
        self.doc = doc
        self.s = Stream(doc)
        self.rep = AnnualReport(source=Source(path=doc.path, kind=doc.kind, format_version=None))
        self.h: dict[str, tuple[int, int]] = {}
        self.old_format = False
        self.realigned: set[str] = set()
        self.splits: list[tuple[str, list[str], str]] = []  # (row label, codes, "printed -> cells")
        self.blank_rows: list[tuple[str, str, list[str], str]] = []
        self.wrapped: list[tuple] = []  # (table, row label, codes, row, fragment)
        self.b_found: dict[str, Found] = {}  # table 3 row labels found
        self.b_groups: list[Found] = []  # table 3 group labels ((三)…, (六)…)
        self.b_start: int | None = None
        self.b_end: int = 0
        self.title_lines: list[int] = []  # line indexes of the title's last line
        self.pdf_width: int | None = None  # typical full line of running text (PDF), computed once

    # -- helpers ---------------------------------------------------------------
    def finding(self, rule: str, severity: str, message: str, codes=(), *, location=None, expected=None, actual=None):
        self.rep.findings.append(Finding(rule, severity, message, list(codes), None, None, expected, actual,
                                         location=location))

    def rows_between(self, start: int, end: int) -> list[Row]:
        return rows_between(self.doc, self.s, start, end)

    def loc(self, code: str, where: str, extra: str = "") -> str:
        p = schema.POINTS[code]
        t = schema.TABLE_BY_KEY[p.table]
        short = t.sheet.split()[0]
        if p.table == "active":
            s = f"{short}“{p.labels[1]}”行·{p.labels[2]}"
        elif p.table == "requests":
            s = f"{short}“{row_label(p.row)}”行·{p.labels[-1]}"
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

    def flush_wrapped(self) -> None:
        for short, label, codes, row, frag in self.wrapped:
            where = self.s.where(row.pos)
            extra = f"和下一行的“{frag.chunk()}”" if frag is not None else ""
            self.finding("import.cells_wrapped", "warning",
                         f"{short}“{label}”行的数字“{row.chunk()}”{extra}是PDF排版时被折行的同一组数字"
                         f"（上下对齐{w(where, '，')}），已拼接为“{' '.join(t.text for t in row.alt)}”，请核对原文",
                         codes, location=f"{short}“{label}”行{w(where)}")
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

    def blank_finding(self, short, rlabel, codes, where):
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
                             f"{short}“{rlabel}”行有{len(blanks)}格为空（{colnames}；原文未填数字{w(where, '，')}）；"
                             "空白不等于0，应填0或实际数字", blanks, location=f"{short}“{rlabel}”行{w(where)}")
        self.blank_rows = []

    def table_blank(self, table: str) -> None:
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

    def stray(self, short, rows: list[Row], note: str = "") -> None:
        for r in rows:
            if not any(t.kind == "num" for t in r.tokens) or (r.fragment_of is not None and r.fragment_of.used_alt):
                continue
            where = self.s.where(r.pos)
            self.finding("import.stray_numbers", "warning",
                         f"{short}中有数字“{r.chunk()}”{w(where)}不能对应到任何一行，未导入{note}",
                         location=f"{short}{w(where)}", actual=r.chunk())


def w(where: str, sep: str = "") -> str:
    """Optional location in brackets (or after a separator)."""
    if not where:
        return ""
    return f"{sep}{where}" if sep else f"（{where}）"


def row_label(code: str) -> str:
    labels = dict(schema.REQUEST_ROWS)[code]
    leaf = labels[-1]
    if len(labels) >= 3:
        return f"{labels[-2]}{leaf}"
    return leaf
