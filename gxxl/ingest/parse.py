"""Read the three official tables, meta and narrative out of a :class:`Doc` — by label.

Every row is found by its official label (gxxl.schema), never by counting numbers; the
numbers printed after a label, up to the next label, are that row's cells. What cannot be
read with certainty is left blank and reported as a finding (rule IDs ``import.*``):
a missing table, block or row, cells that cannot be split or counted, stray numbers.
Recoveries that are certain enough to use — run-together digits split by the row sums,
rows whose label a converter moved away from its numbers — are reported too.
"""
from __future__ import annotations

from .. import schema
from ..model import AnnualReport, DataValue
from . import labels as L
from .active import read_active
from .appeals import read_appeals
from .cells import Found, Row, cell_tokens, free_groups  # noqa: F401 (public names)
from .doc import Doc, norm
from .meta import contact_meta, infer_level, read_meta  # noqa: F401
from .narrative import read_narrative
from .requests import read_requests
from .state import ReadState

__all__ = ["Parser", "parse", "infer_level", "cell_tokens", "free_groups"]


class Parser(ReadState):
    """Reads one :class:`Doc`: meta, part headings, the tables, the narrative."""

    # -- run -------------------------------------------------------------------
    def run(self) -> AnnualReport:
        read_meta(self)
        self.headings()
        b_start, b_end, c_start = self.requests_region()
        a_start = self.h["二"][1] if "二" in self.h else self.first_block_or(b_start)
        self.detect_old(a_start, b_start if b_start is not None else (c_start or self.s.end))
        read_active(self, a_start, b_start if b_start is not None else (c_start if c_start is not None else self.s.end))
        read_requests(self)
        read_appeals(self, c_start)
        read_narrative(self, a_start, b_start)
        contact_meta(self.rep, self.rep.narrative.get("preface", ""))
        for code in schema.CODES:
            if code not in self.rep.values:
                self.rep.values[code] = DataValue(code, problem="blank", location="原文中没有")
        self.rep.recompute()
        return self.rep

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
        if self.title_lines:
            idx = self.title_lines[0]
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


def parse(doc: Doc) -> AnnualReport:
    return Parser(doc).run()
