"""Table 2 (主动公开政府信息情况): each block's rows found by label, each row's cells by count, run-together
digits cut by the rule that no column starts with 0 (or by numbers the narrative states)."""
from __future__ import annotations

import re

from .. import schema
from ..model import DataValue
from . import labels as L
from .cells import Row
from .doc import norm
from .split import candidates
from .state import ReadState, w


def read_active(st: ReadState, start: int, end: int) -> None:
    t = schema.TABLE_BY_KEY["active"]
    if st.old_format:
        for p in schema.DATA_POINTS:
            if p.table == "active":
                st.rep.values[p.code] = DataValue(p.code, problem="blank", location="2019年格式，未导入")
        return
    s = st.s
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
        hint = "（标题“二、主动公开政府信息情况”也找不到）" if "二" not in st.h else ""
        st.finding("import.table_missing", "error", f"找不到表二“{t.title}”的任何数据行{hint}，表二数据未导入",
                     [p.code for p in schema.DATA_POINTS if p.table == "active"])
        return
    cuts = sorted([h[0] for h in heads] + [v[0] for v in found.values()] + [end])
    paths = st.label_paths("active", start, end)
    covered: set[int] = set()
    for bi, b in enumerate(schema.ACTIVE_BLOCKS):
        codes = [f"active.{r}.{c}" for r, _ in b.rows for c, _ in b.columns]
        if not any(r in found for r, _ in b.rows):
            head_seen = any(s.search(L.label(b.header).full, start, end) for _ in (0,))
            what = "只有标题、没有数据行" if head_seen else "整块缺失"
            st.finding("import.block_missing", "error",
                         f"表二“{b.header}”{what}（应有：{'、'.join(l for _, l in b.rows)}），这{len(codes)}项数据未导入",
                         codes, location=f"表二“{b.header}”")
            continue
        for rcode, rlabel in b.rows:
            rcodes = [f"active.{rcode}.{c}" for c, _ in b.columns]
            if rcode not in found:
                st.finding("import.row_missing", "error", f"表二“{b.header}”缺少“{rlabel}”行，该行数据未导入", rcodes,
                             location=f"表二“{rlabel}”行")
                continue
            if all(c in paths for c in rcodes):  # one line per cell, labelled with row and column
                for c in rcodes:
                    tok, li = paths[c]
                    st.put(c, tok, st.loc(c, st.s.where(st.s.line_starts[li])))
                    covered.add(li)
                st.blank_finding("表二", rlabel, rcodes, s.where(found[rcode][0]))
                continue
            hs, he = found[rcode]
            seg_end = min(c for c in cuts if c >= he) if any(c >= he for c in cuts) else end
            rows = [r for r in st.rows_between(he, seg_end) if r.has_data or r.line == s.line_index(hs)]
            covered.update(range(s.line_index(hs), s.line_index(max(he, seg_end - 1)) + 1))
            where = s.where(hs)
            _active_row(st, b, rcode, rlabel, rcodes, rows, where)
    # Numbers in table 2 that belong to no row (e.g. floating above a garbled table): say so.
    st.stray("表二", [r for r in st.rows_between(start, end) if r.line not in covered and r.has_data])
    st.flush_splits("表二", "各列不能以0开头的规则")
    st.flush_blanks()
    st.table_blank("active")


def _active_row(st, b, rcode, rlabel, rcodes, rows, where) -> None:
    n = len(b.columns)
    if not rows:
        st.finding("import.row_empty", "error", f"表二“{rlabel}”行后面没有数字{w(where)}，该行数据未导入", rcodes,
                     location=f"表二“{rlabel}”行{w(where)}")
        return
    row = rows[0]
    if row.alt and len(rows) > 1 and rows[1].fragment_of is row:
        row.used_alt = True
        st.wrapped.append(("表二", rlabel, rcodes, row, rows[1]))
        row = Row(row.alt, row.line, row.pos, row.text)
        rows = [row] + rows[2:]
    cands, cut = candidates(row.tokens, n)
    hinted = False
    if len(cands) > 1 or cands.truncated:
        best = _hint(st, rlabel, b, cands)
        if best is not None and not cands.truncated:
            st.finding("import.cells_split", "warning",
                         f"表二“{rlabel}”行的数字在原文中连写为“{row.chunk()}”，按正文中提到的数字拆分为"
                         f"{'、'.join(t.text for t in best)}{w(where)}，请核对原文", rcodes,
                         location=f"表二“{rlabel}”行{w(where)}")
            cands = [best]
            hinted = True
        else:
            shown = sorted(cands, key=lambda c: (max(len(t.text) for t in c), [len(t.text) for t in c]))
            alts = "；".join("/".join(t.text for t in c) for c in shown[:6]) + ("……" if len(cands) > 6 or cands.truncated else "")
            st.finding("import.cells_ambiguous", "error",
                         f"表二“{rlabel}”行的数字在原文中连写为“{row.chunk()}”，无法确定各列的分界（可能是 {alts}），"
                         f"该行未导入，请按原网页或原文件手工填写{w(where)}", rcodes,
                         location=f"表二“{rlabel}”行{w(where)}", actual=row.chunk())
            return
    if not cands:
        st.finding("import.cells_count", "error",
                     f"表二“{rlabel}”行应有{n}个数，原文为“{row.chunk()}”，无法对应到各列，该行未导入{w(where)}", rcodes,
                     location=f"表二“{rlabel}”行{w(where)}", actual=row.chunk())
        return
    if cut and not hinted:
        st.splits.append((rlabel, rcodes, f"“{row.chunk()}”→{' '.join(t.text for t in cands[0])}"))
    for code, tok in zip(rcodes, cands[0]):
        st.put(code, tok, st.loc(code, where))
    st.blank_finding("表二", rlabel, rcodes, where)
    if len(rows) > 1:
        st.stray("表二", rows[1:])
    st.flush_wrapped()


def _hint(st, rlabel, b, cands):
    """Pick the one cut that agrees with numbers the narrative states for this row."""
    text = norm(narrative_source(st))
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

def narrative_source(st) -> str:
    end = st.h["二"][0] if "二" in st.h else (st.b_start or 0)
    return st.s.text[: max(end, 0)]
