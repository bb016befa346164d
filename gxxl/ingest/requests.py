"""Table 3 (收到和处理政府信息公开申请情况): rows found by label in table order, cells of each row cut
by the row sum (总计＝前六列之和) and, where a cut is still open, by the column sums and the
balance 一＋二＝（七）＋四; rows a converter moved away from their labels put back in order."""
from __future__ import annotations

import itertools

from .. import schema
from . import labels as L
from .cells import Found, Row, sums_ok, tok_value
from .split import Token, candidates, sum_row_candidates
from .state import ReadState, row_label, w


def read_requests(st: ReadState) -> None:
    t = schema.TABLE_BY_KEY["requests"]
    s = st.s
    all_codes = [p.code for p in schema.DATA_POINTS if p.table == "requests"]
    if not st.b_found:
        st.finding("import.table_missing", "error", f"找不到表三“{t.title}”的任何数据行，表三数据未导入", all_codes)
        return
    order = [c for c, _ in schema.REQUEST_ROWS]
    cuts = sorted([f.start for f in st.b_found.values()] + [g.start for g in st.b_groups] + [st.b_end])
    ncols = len(schema.REQUEST_COLUMNS)

    def seg(f: Found) -> list[Row]:
        nxt = min((c for c in cuts if c >= f.end), default=st.b_end)
        return st.rows_between(f.end, nxt)

    def complete(r: Row) -> bool:
        return bool(candidates(r.tokens, ncols)[0])

    anchors: dict[str, Row] = {}
    orphans: list[Row] = []
    noise: list[Row] = []
    empty: set[str] = set()
    for code in order:
        f = st.b_found.get(code)
        if f is None:
            continue
        rows = seg(f)
        label_line = s.line_index(f.end - 1)
        data = [r for r in rows if r.has_data or (r.line == label_line and st.doc.lines[r.line].table)]
        if data and data[0].line == label_line and (complete(data[0]) or not st.doc.lines[label_line].table
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
    for g in st.b_groups:
        rows = [r for r in seg(g) if r.has_data]
        for r in rows:
            group_rows.setdefault(g.code, []).append(r)
            (orphans if complete(r) else noise).append(r)

    # Rows whose label a converter moved away from their numbers: between two anchored rows,
    # as many unlabelled rows as unanchored labels -> in order (the numbers keep the table's order).
    orphans.sort(key=lambda r: r.pos)
    anchored_idx = [i for i, c in enumerate(order) if c in anchors]
    bounds = [(-1, st.b_start or 0)] + [(i, anchors[order[i]].pos) for i in anchored_idx] + [(len(order), st.b_end)]
    used: set[int] = set()
    for (ia, pa), (ib, pb) in zip(bounds, bounds[1:]):
        gap = [order[i] for i in range(ia + 1, ib)]
        between = [k for k, r in enumerate(orphans) if pa < r.pos < pb and k not in used]
        if gap and len(gap) == len(between) and all(c in st.b_found or True for c in gap):
            for code, k in zip(gap, between):
                anchors[code] = orphans[k]
                used.add(k)
                st.realigned.add(code)
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
            st.finding("import.group_collapsed", "error",
                         f"表三“{g}”只印了一行数字“{r.chunk()}”{w(where)}，缺少分项 {kid_labels}"
                         + ("（这是2019年试行格式的写法）" if "其他处理" in g else "") + "；分项数据未导入",
                         codes, location=f"表三“{g}”{w(where)}", actual=r.chunk())
            collapsed.update(kids)

    # Cells of each row.
    cands: dict[str, list[list[Token]]] = {}
    cut_rows: set[str] = set()
    for code in order:
        r = anchors.get(code)
        if r is None:
            continue
        cs, cut = sum_row_candidates(r.tokens, ncols)
        if r.alt and not (cs.unique and sums_ok(cs[0], ncols - 1)):
            cs2, _ = sum_row_candidates(r.alt, ncols)
            if cs2.unique and sums_ok(cs2[0], ncols - 1):
                cs, cut = cs2, False
                r.used_alt = True
                frag = next((x for x in noise if x.fragment_of is r), None)
                st.wrapped.append(("表三", row_label(code), [f"requests.{code}.{c}" for c, _ in schema.REQUEST_COLUMNS], r, frag))
        if not cs and not cs.truncated:
            # No reading makes the total add up (a real defect, or a cut we cannot see): any reading.
            cs, cut = candidates(r.tokens, ncols)
        cands[code] = cs
        if cut:
            cut_rows.add(code)
    chosen = resolve_columns(cands)
    realign_ok = columns_add_up(chosen) if st.realigned else True
    # Runs of rows missing altogether: one finding per run, naming every row.
    missing_run: list[str] = []
    runs: list[list[str]] = []
    for code in order:
        if code not in anchors and code not in collapsed and st.b_found.get(code) is None:
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
        names = "、".join(f"“{row_label(r)}”" for r in run)
        st.finding("import.row_missing", "error",
                     f"表三缺少{len(run)}行（从“{row_label(run[0])}”到“{row_label(run[-1])}”，原文中找不到）：{names}；"
                     f"这{len(rcodes)}项数据未导入", rcodes, location=f"表三“{row_label(run[0])}”至“{row_label(run[-1])}”行")
    in_runs = {r for run in runs if len(run) >= 3 for r in run}
    for code in order:
        rcodes = [f"requests.{code}.{c}" for c, _ in schema.REQUEST_COLUMNS]
        label = row_label(code)
        f = st.b_found.get(code)
        if code in collapsed:
            continue
        if code not in anchors:
            if code in in_runs:
                continue
            if f is None:
                st.finding("import.row_missing", "error", f"表三缺少“{label}”行（原文中找不到这一行），该行{ncols}项数据未导入",
                             rcodes, location=f"表三“{label}”行")
            else:
                where = s.where(f.start)
                st.finding("import.row_empty", "error",
                             f"表三“{label}”行{w(where)}后面没有可对应的数字，该行{ncols}项数据未导入", rcodes,
                             location=f"表三“{label}”行{w(where)}")
            continue
        r = anchors[code]
        where = s.where(r.pos)
        cs = cands.get(code) or []
        pick = chosen.get(code)
        if not cs:
            st.finding("import.cells_count", "error",
                         f"表三“{label}”行应有{ncols}个数，原文为“{r.chunk()}”{w(where)}，无法对应到各列，该行未导入", rcodes,
                         location=f"表三“{label}”行{w(where)}", actual=r.chunk())
            continue
        if pick is None:
            alts = "；".join(" ".join(t.text for t in c) for c in cs[:4]) + ("……" if len(cs) > 4 or cs.truncated else "")
            st.finding("import.cells_ambiguous", "error",
                         f"表三“{label}”行的数字在原文中连写为“{r.chunk()}”{w(where)}，无法唯一拆分（可能是 {alts}），"
                         "该行未导入，请按原文件手工填写", rcodes, location=f"表三“{label}”行{w(where)}", actual=r.chunk())
            continue
        if code in st.realigned:
            check = "，归入后各列合计相符" if realign_ok else "，但归入后各列合计对不上（可能归错了行），请务必核对原文"
            st.finding("import.rows_realigned", "warning" if realign_ok else "error",
                         f"表三“{label}”行的数字“{' '.join(t.text or '□' for t in pick)}”在原文中与行名分开了（{where + '，' if where else ''}"
                         f"多为PDF转换造成），已按表格行序归入该行{check}" + ("，请核对原文" if realign_ok else ""),
                         rcodes, location=f"表三“{label}”行{w(where)}")
        if code in cut_rows:
            how = "（按各列合计关系选定）" if len(cs) > 1 else ""
            st.splits.append((label, rcodes, f"“{r.chunk()}”→{' '.join(t.text for t in pick)}{how}"))
        for c, tok in zip(rcodes, pick):
            st.put(c, tok, st.loc(c, where))
        st.blank_finding("表三", label, rcodes, where)
    noise = [r for r in noise if not (r.fragment_of is not None and r.fragment_of.used_alt)]
    if orphans or noise:
        st.stray("表三", sorted(orphans + noise, key=lambda r: r.pos))
    st.flush_wrapped()
    st.flush_splits("表三", "“总计＝前六列之和”（必要时再用各列合计关系）")
    st.flush_blanks()
    st.table_blank("requests")


def columns_add_up(chosen: dict) -> bool:
    """（七）总计 = the 21 outcome rows in every column where all of them were read."""
    for j in range(len(schema.REQUEST_COLUMNS)):
        rows = [chosen.get(r) for r in (*schema.OUTCOME_ROWS, "handled_total")]
        if any(r is None for r in rows):
            continue
        vals = [tok_value(r[j]) for r in rows]
        if None not in vals and sum(vals[:-1]) != vals[-1]:
            return False
    return True


def resolve_columns(cands: dict[str, list[list[Token]]]) -> dict[str, list[Token] | None]:
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
