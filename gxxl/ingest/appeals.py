"""Table 4 (政府信息公开行政复议、行政诉讼情况): 15 cells, one printed row (or one labelled line per
cell), cut by 总计＝前四列之和 in each of its three groups."""
from __future__ import annotations

from .. import schema
from .cells import Row, partial_all, tok_value
from .split import Token, candidates, group_checks
from .state import ReadState, w


def read_appeals(st: ReadState, c_start) -> None:
    t = schema.TABLE_BY_KEY["appeals"]
    codes = [p.code for p in schema.DATA_POINTS if p.table == "appeals"]
    if c_start is None:
        st.finding("import.table_missing", "error", f"找不到表四“{t.title}”，表四数据未导入", codes)
        return
    end = st.h["五"][0] if "五" in st.h else (st.h["六"][0] if "六" in st.h else st.s.end)
    paths = st.label_paths("appeals", c_start, end)
    if all(c in paths for c in codes):
        for c in codes:
            tok, li = paths[c]
            st.put(c, tok, st.loc(c, st.s.where(st.s.line_starts[li])))
        for gcode, glabels in schema.APPEAL_GROUPS:
            st.blank_finding("表四", "·".join(glabels), [f"appeals.{gcode}.{c}" for c, _ in schema.APPEAL_COLUMNS], "")
        st.flush_blanks()
        st.table_blank("appeals")
        return
    rows = st.rows_between(c_start, end)
    n = len(codes)
    data = [r for r in rows if r.has_data or (st.doc.lines[r.line].table and len(r.tokens) == n)]
    where = st.s.where(c_start)
    if not data:
        st.finding("import.row_empty", "error", f"表四“{t.title}”中没有数字{w(where)}，表四数据未导入", codes,
                     location=f"表四{w(where)}")
        return
    partial, _ = group_checks(len(schema.APPEAL_COLUMNS), len(schema.APPEAL_COLUMNS) - 1)
    r0 = data[0]
    if r0.alt and len(data) > 1 and data[1].fragment_of is r0:
        as_printed = [tok_value(t) for t in r0.tokens]
        merged = [tok_value(t) for t in r0.alt]
        if len(merged) == n and not partial_all(partial, as_printed) and partial_all(partial, merged):
            r0.used_alt = True
            st.wrapped.append(("表四", "行政复议、行政诉讼", codes, r0, data[1]))
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
    wh = st.s.where(data[0].pos)
    if picked is None:
        st.finding("import.cells_count", "error",
                     f"表四应有{n}个数（行政复议、直接起诉、复议后起诉各5个），原文为“{chunk}”{w(wh)}，无法对应到各列，表四未导入",
                     codes, location=f"表四{w(wh)}", actual=chunk)
        return
    cs, cut = picked
    if len(cs) > 1 or cs.truncated:
        alts = "；".join(" ".join(t.text for t in c) for c in cs[:3])
        st.finding("import.cells_ambiguous", "error",
                     f"表四的数字在原文中连写为“{chunk}”{w(wh)}，无法唯一拆分（可能是 {alts}），表四未导入，请按原文件手工填写",
                     codes, location=f"表四{w(wh)}", actual=chunk)
        return
    if cut:
        st.finding("import.cells_split", "warning",
                     f"表四的数字在原文中连写为“{chunk}”，已按“总计＝前四列之和”拆分为{' '.join(t.text for t in cs[0])}{w(wh)}，请核对原文",
                     codes, location=f"表四{w(wh)}")
    for code, tok in zip(codes, cs[0]):
        st.put(code, tok, st.loc(code, wh))
    for gcode, glabels in schema.APPEAL_GROUPS:
        gc = [f"appeals.{gcode}.{c}" for c, _ in schema.APPEAL_COLUMNS]
        st.blank_finding("表四", "·".join(glabels), gc, wh)
    if data[used:]:
        st.stray("表四", data[used:])
    st.flush_wrapped()
    st.flush_blanks()
    st.table_blank("appeals")
