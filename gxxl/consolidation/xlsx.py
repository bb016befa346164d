"""The consolidated workbook (``res`` below is always a result.ConsolidationResult, which calls in here): the official tables (a valid gxxl workbook holding the
totals) plus 报送情况, 问题清单, 明细, 图表 and 同比.

The official part comes from gxxl.workbook.build.build_workbook, so gxxl show /
validate / report read it like any bureau's workbook and it can be consolidated
again one level up. Big sheets go through gxxl.util.xlsxfast.
"""
from __future__ import annotations

import re
from copy import copy
from pathlib import Path

from .. import schema
from ..schema import col_letter
from ..util.fileio import atomic_path, check_output
from ..util.safety import neutralise
from ..util.xlsxfast import BigTable, save, write_template_rows
from .details import LazyRows


EXTRA_SHEETS = ("报送情况", "问题清单", "明细", "图表", "同比")
CHART_TOP = 30  # organs shown in a by-organ chart
EXCEL_MAX_ROWS = 1_048_576  # rows per sheet in Excel (and WPS, LibreOffice): beyond it a table goes to CSV


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="A6A6A6")
    return {
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "head_fill": PatternFill("solid", fgColor="DDEBF7"),
        "total_fill": PatternFill("solid", fgColor="F2F2F2"),
        "font": Font(name="宋体", size=10),
        "bold": Font(name="宋体", size=10, bold=True),
        "title": Font(name="黑体", size=14, bold=True),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "left": Alignment(horizontal="left", vertical="center", wrap_text=False),
        "wrap": Alignment(horizontal="left", vertical="center", wrap_text=True),
    }


def _header(ws, row: int, labels, st, *, height: float | None = None) -> None:
    first = None
    for c, text in enumerate(labels, start=1):
        cell = ws.cell(row, c, neutralise(text))
        if first is None:
            cell.font, cell.fill, cell.border, cell.alignment = st["bold"], st["head_fill"], st["border"], st["center"]
            first = cell
        else:  # setting styles one by one costs openpyxl a hash each; 明细 has 400 header cells
            cell._style = copy(first._style)
    if height:
        ws.row_dimensions[row].height = height


def _col_styles(kinds, st, *, bold=False, fill=None, wrap_cols=()) -> list[dict]:
    out = []
    for i, k in enumerate(kinds):
        d = {"font": st["bold"] if bold else st["font"], "border": st["border"]}
        if k != "n":
            d["alignment"] = st["wrap"] if i in wrap_cols else st["left"]
        if fill is not None:
            d["fill"] = fill
        out.append(d)
    return out


def _status_colors(ws, rng: str) -> None:
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill

    red = PatternFill("solid", fgColor="FFC7CE")
    orange = PatternFill("solid", fgColor="FFE0B2")
    yellow = PatternFill("solid", fgColor="FFF59D")
    for words, fill in ((("有错误", "无法读取", "未报送", "错误", "已报送（有错误）", "已报送但无法读取"), red),
                        (("重复报送", "年度不符", "不在名单", "报送年度不符"), orange),
                        (("仅提示", "提示"), yellow)):
        for w in words:
            ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=[f'"{w}"'], fill=fill))
    ws.conditional_formatting.add(rng, CellIsRule(operator="equal", formula=['"通过"'], font=Font(color="006100", bold=True)))


def _widths(ws, widths) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[col_letter(i)].width = w


def _print_wide(ws, title_rows: str | None = None, *, note: str = "") -> None:
    """Landscape A4, all columns on one page width, header rows on every page, the sheet and page in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.gridLines = False
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "&A　第&P页，共&N页"
    ws.oddFooter.center.size = 9
    if note:
        ws.oddHeader.center.text = note
        ws.oddHeader.center.size = 9


# ---------------------------------------------------------------------------


def _sheet_roster(wb, res, st, idx: int) -> BigTable:
    from .columns import MISSING, ROSTER_COLUMNS, STATUSES

    ws = wb.create_sheet("报送情况", idx)
    ws.cell(1, 1, f"报送情况（{res.year or '年度不明'}年度）" if res.year else "报送情况").font = st["title"]
    c = res.counts
    n_missing = len(res.missing)
    line = f"共找到{len(res.files)}个文件；计入汇总{len(res.included)}个（计入的状态：{'、'.join(res.include)}）"
    if res.roster:
        line += f"；名单{len(res.roster)}个机关，未报送{n_missing}个"
    ws.cell(2, 1, line).font = st["font"]
    heads = list(STATUSES) + ([MISSING] if res.roster else []) + ["文件合计"]
    nums = [c[s] for s in STATUSES] + ([n_missing] if res.roster else []) + [len(res.files)]
    _header(ws, 3, heads, st)
    for j, v in enumerate(nums, start=1):
        cell = ws.cell(4, j, v)
        cell.font, cell.border, cell.alignment = st["bold"], st["border"], st["center"]
    _status_colors(ws, f"A3:{col_letter(len(heads))}3")
    hr = 6
    _header(ws, hr, ROSTER_COLUMNS, st, height=22)
    rows = res._roster_rows()
    extra = _unattributed_rows(res, start=len(rows) + 1)
    kinds = ("n", "s", "s", "s", "s", "s", "s", "s", "n", "n", "s")
    t = BigTable("报送情况", hr + 1, kinds, [(0, r) for r in rows + extra])
    write_template_rows(ws, t, [_col_styles(kinds, st, wrap_cols=(1, 7, 10))])
    last = hr + max(1, len(rows) + len(extra))
    ws.auto_filter.ref = f"A{hr}:{col_letter(len(kinds))}{last}"
    ws.freeze_panes = ws.cell(hr + 1, 3)
    _status_colors(ws, f"D{hr + 1}:E{last}")
    _widths(ws, (6, 28, 8, 16, 9, 9, 14, 30, 7, 7, 50))
    _print_wide(ws, f"{hr}:{hr}")
    return t


def _unattributed_rows(res, start: int) -> list[list]:
    """Files no 报送情况 row accounts for, and files that were not spreadsheets."""
    from .columns import norm_name

    covered = set()
    if res.roster:
        covered = {norm_name(e.name) for e in res.roster.entries}
    else:
        covered = {f.key for f in res.files if f.key}
    rows = []
    i = start
    for f in res.files:
        if f.key and f.key in covered:
            continue
        from .columns import CONSOLIDATED

        state = ("汇总文件（未计入）" if f.status == CONSOLIDATED else "名单外" if res.roster and f.organ
                 else "无法识别机关")
        rows.append([i, f.organ or "（未能识别）", "", state, f.status, f.contact or "", f.phone or "", f.file,
                     f.errors, f.warnings, f.detail or f.note])
        i += 1
    for x in res.ignored:
        rows.append([i, "", "", "未处理", "不是表格", "", "", x.file, None, None, x.reason])
        i += 1
    return rows


def _sheet_findings(wb, res, st, idx: int) -> BigTable:
    from .columns import FINDING_COLUMNS

    ws = wb.create_sheet("问题清单", idx)
    _header(ws, 1, FINDING_COLUMNS, st, height=22)
    rows = res._finding_rows()
    kinds = ("s",) * len(FINDING_COLUMNS)
    t = BigTable("问题清单", 2, kinds, [(0, r) for r in rows])
    write_template_rows(ws, t, [_col_styles(kinds, st, wrap_cols=(0, 3, 9))])
    last = 1 + max(1, len(rows))
    ws.auto_filter.ref = f"A1:{col_letter(len(kinds))}{last}"
    ws.freeze_panes = "B2"
    _status_colors(ws, f"E2:E{last}")
    _status_colors(ws, f"I2:I{last}")
    _widths(ws, (24, 9, 14, 28, 9, 15, 8, 22, 6, 66))
    _print_wide(ws, "1:1")
    return t


def _sheet_details(wb, res, st, idx: int) -> BigTable:
    from .columns import INFO_COLUMNS

    ws = wb.create_sheet("明细", idx)
    labels = list(INFO_COLUMNS) + [schema.POINTS[c].label + ("（万元）" if schema.POINTS[c].kind == "amount" else "")
                                   for c in schema.CODES]
    codes = [""] * len(INFO_COLUMNS) + list(schema.CODES)
    _header(ws, 1, labels, st, height=96)
    _header(ws, 2, codes, st)
    for c in range(1, len(INFO_COLUMNS) + 1):  # info headers span both rows
        ws.merge_cells(start_row=1, start_column=c, end_row=2, end_column=c)
    kinds = ("n", "s", "s", "s", "s", "s", "n", "s", "n", "n", "s") + ("n",) * len(schema.CODES)
    total = ["", f"合计（计入汇总的{len(res.included)}个文件）", "", "", "", "", res.year, "", None, None, ""]
    total_row = (1, total + [res.total_values[c] for c in schema.CODES])
    side = getattr(res, "details_file", None)
    if side is not None:  # province scale: the rows are in the file beside the workbook
        note = ["", f"明细共{len(res.files)}行（每个文件一行），见同一文件夹中的“{side.name}”", "", "", "", "", None, "",
                None, None, ""]
        rows = LazyRows(2, lambda: iter([(0, note + [None] * len(schema.CODES)), total_row]))
    else:
        rows = LazyRows(len(res.files) + 1, lambda: _detail_rows(res, total_row))
    t = BigTable("明细", 3, kinds, rows, variants=2)
    st_rows = _col_styles(kinds, st)
    st_total = _col_styles(kinds, st, bold=True, fill=st["total_fill"])
    write_template_rows(ws, t, [st_rows, st_total])
    last = 2 + len(rows)
    ws.auto_filter.ref = f"A2:{col_letter(len(kinds))}{last - 1}"
    ws.freeze_panes = "D3"
    _status_colors(ws, f"C3:C{last}")
    _widths(ws, (6, 28, 9, 6, 36, 36, 7, 10, 7, 7, 21) + (11,) * len(schema.CODES))
    # on paper only the file columns: hundreds of data columns would print as dozens of unreadable pages
    ws.print_area = f"A1:{col_letter(len(INFO_COLUMNS))}{last}"
    _print_wide(ws, "1:2", note="明细（打印只含各文件的基本信息；各数据项请在电子表格中查看，或用 --csv 导出）")
    return t


def _detail_rows(res, total_row):
    for info, vals in res.detail_rows():
        yield 0, info + vals
    yield total_row


def _sheet_compare(wb, res, st, idx: int) -> BigTable:
    from .columns import COMPARE_COLUMNS

    ws = wb.create_sheet("同比", idx)
    _header(ws, 1, COMPARE_COLUMNS, st, height=22)
    rows = res._comparison_rows()
    kinds = ("s", "s", "n", "n", "n", "n", "s")
    t = BigTable("同比", 2, kinds, [(0 if r[0] != "合计" else 1, r) for r in rows], variants=2)
    s0 = _col_styles(kinds, st)
    s1 = _col_styles(kinds, st, bold=True, fill=st["total_fill"])
    for s in (s0, s1):
        s[5]["number_format"] = "0.0%"
    write_template_rows(ws, t, [s0, s1])
    last = 1 + max(1, len(rows))
    ws.auto_filter.ref = f"A1:G{last}"
    ws.freeze_panes = "C2"
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill

    ws.conditional_formatting.add(f"A2:G{last}", FormulaRule(formula=['$G2<>""'], fill=PatternFill("solid", fgColor="FFE0B2")))
    _widths(ws, (30, 24, 10, 10, 10, 10, 44))
    _print_wide(ws, "1:1")
    return t


def _count_step(top: float) -> int:
    """A whole-number axis step (1, 2, 5, 10, 20, …) giving at most 8 gridlines: counts are never 2.5 items."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if top / (step * m) <= 8:
                return step * m
        step *= 10


def _organ_chart(ws, title: str, *, cats: tuple[int, int], series: tuple[int, int, int], top: float, n: int,
                 legend: bool = False, labels: bool = False):
    """A horizontal bar chart: one readable label per category (every organ named), a whole-number count axis."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.data_source import AxDataSource, StrRef
    from openpyxl.chart.label import DataLabelList

    ch = BarChart()
    ch.type = "bar"
    ch.grouping = "clustered"
    ch.title = title
    c1, c2, head = series
    ch.add_data(Reference(ws, min_col=c1, max_col=c2, min_row=head, max_row=cats[1]), titles_from_data=True)
    ref = f"{_quote(ws.title)}!$A${cats[0]}:$A${cats[1]}"
    for s in ch.series:  # text categories as strRef: a numRef shows 1, 2, 3 instead of the names in some programs
        s.cat = AxDataSource(strRef=StrRef(f=ref))
    ch.x_axis.scaling.orientation = "maxMin"  # the largest on top, in table order
    ch.x_axis.tickLblSkip = 1  # every organ labelled, however many
    ch.x_axis.tickMarkSkip = 1
    ch.x_axis.delete = False
    ch.y_axis.delete = False
    ch.y_axis.title = "件"
    ch.y_axis.number_format = "0"
    ch.y_axis.majorUnit = _count_step(top)
    ch.y_axis.scaling.min = 0
    if top <= 0:
        ch.y_axis.scaling.max = 1
    ch.y_axis.crosses = "max"  # with the categories top-down, this keeps the count axis at the bottom
    if labels:  # the number only (LibreOffice adds series and category names unless told not to)
        ch.dataLabels = DataLabelList(showVal=True, showCatName=False, showSerName=False, showLegendKey=False,
                                      showPercent=False)
    if legend:
        ch.legend.position = "b"
    else:
        ch.legend = None
    ch.x_axis.txPr = _small_text(800)  # 8 pt: room for every label (LibreOffice hides labels that would overlap)
    ch.width = 18
    ch.height = min(18.5, max(7.5, 0.5 * n * (c2 - c1 + 1) ** 0.5 + 3.5))  # one landscape page at most
    return ch


def _small_text(size: int):
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RichTextProperties

    cp = CharacterProperties(sz=size)
    return RichText(bodyPr=RichTextProperties(), p=[Paragraph(pPr=ParagraphProperties(defRPr=cp), endParaRPr=cp)])


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _sheet_charts(wb, res, st, idx: int) -> None:
    """图表: each small table with its bar chart beside it, one printed page each (no pie: its labels overlap)."""
    from openpyxl.worksheet.pagebreak import Break

    ws = wb.create_sheet("图表", idx)
    ci = {c: i for i, c in enumerate(schema.CODES)}

    def organ(f):
        return neutralise(f.organ or f.roster_name or f.file)

    def val(f, code):
        v = f.values[ci[code]]
        return v if isinstance(v, (int, float)) else 0

    blocks = []
    # 1. applications received by organ
    top = sorted(res.included, key=lambda f: -val(f, "requests.new.total"))[:CHART_TOP]
    blocks.append((f"本年新收政府信息公开申请（前{CHART_TOP}个机关）", ("机关名称", "本年新收申请"),
                   [[organ(f), val(f, "requests.new.total")] for f in top], "本年新收申请（按机关）", False))
    # 2. outcome mix
    groups: dict[str, int] = {}
    for rcode, labels in schema.REQUEST_ROWS:
        if rcode in schema.OUTCOME_ROWS:
            g = re.match(r"（[一二三四五六七]）[^（]*", labels[1]).group(0)  # without the long parenthetical
            groups[g] = groups.get(g, 0) + (res.total_values[f"requests.{rcode}.total"] or 0)
    blocks.append(("办理结果构成（合计）", ("办理结果", "件数"),
                   [[g, n] for g, n in groups.items()] if any(groups.values()) else [], "办理结果构成（合计）", False))
    # 3. reviews and lawsuits by organ
    codes = [f"appeals.{g[0]}.total" for g in schema.APPEAL_GROUPS]
    busy = [f for f in res.included if sum(val(f, c) for c in codes) > 0]
    busy = sorted(busy, key=lambda f: -sum(val(f, c) for c in codes))[:CHART_TOP]
    blocks.append((f"行政复议、行政诉讼（前{CHART_TOP}个机关）", ("机关名称",) + tuple(" ".join(g[1]) for g in schema.APPEAL_GROUPS),
                   [[organ(f)] + [val(f, c) for c in codes] for f in busy], "行政复议、行政诉讼（按机关）", True))
    _widths(ws, (30, 14, 16, 16, 2))
    row = 1
    drawn = 0
    for title, heads, data, chart_title, legend in blocks:
        ws.cell(row, 1, title).font = st["bold"]
        _header(ws, row + 1, heads, st)
        for i, r in enumerate(data, start=row + 2):
            for j, v in enumerate(r, start=1):
                ws.cell(i, j, v)
        end = row + 1 + len(data)
        if data:
            ch = _organ_chart(ws, chart_title, cats=(row + 2, end), series=(2, len(heads), row + 1),
                              top=max(max(r[1:]) for r in data), n=len(data), legend=legend, labels=not legend)
            ws.add_chart(ch, f"F{row}")
            end = max(end, row + int(ch.height / 0.53) + 1)  # a default row is 15 pt = 0.53 cm
            drawn += 1
        else:
            ws.cell(row + 2, 1, "（没有数据）")
            end = max(end, row + 2)
        ws.row_breaks.append(Break(id=end + 1))  # each table with its chart on a page of its own
        row = end + 3
    if not drawn:
        ws.cell(1, 6, "没有计入汇总的数据，未生成图表。")
    ws.print_area = f"A1:P{row}"
    _print_wide(ws)


def _cover_as_summary(wb, res: "ConsolidationResult") -> None:
    """The cover and table hints of a 汇总: totals to read, not cells to fill in."""
    from openpyxl.styles import Alignment, Font

    from ..util.timefmt import now_chinese

    n = len(res.included)
    year = f"{res.year}年度" if res.year else ""
    cover = wb[schema.SHEET_COVER]
    cover["A1"].value = f"政府信息公开工作年度报告 汇总（{year}）" if year else "政府信息公开工作年度报告 汇总"
    cover["A2"].value = (f"本工作簿是汇总结果，不是填报表：表二、表三、表四是计入汇总的{n}个单位的合计数，"
                         "各单位的数字见“明细”页，报送情况见“报送情况”页，问题见“问题清单”页。请勿在此修改数字。")
    hint = f"本表为汇总数：计入汇总的{n}个单位之和（各单位数字见“明细”页）。灰色格子为自动合计。"
    for t in schema.TABLES:
        wb[t.sheet]["A2"].value = hint
    r = cover.max_row + 2
    c = res.counts
    line = f"共收到{len(res.files)}个文件，计入汇总{n}个"
    if res.roster:
        line += f"；名单{len(res.roster)}个机关，未报送{len(res.missing)}个"
    others = [f"{s}{c[s]}个" for s in c if c[s] and s not in res.include]
    if others:
        line += "；未计入：" + "、".join(others)
    for i, (label, text) in enumerate((("汇总情况", line + "（详见“报送情况”页）"),
                                        ("汇总时间", now_chinese()),
                                        ("汇总方式", "gxxl consolidate 自动汇总（各单位的输入数相加，合计重新计算）"))):
        cover.cell(r + i, 1, label).font = Font(name="宋体", size=10, bold=True)
        cell = cover.cell(r + i, 2, text)
        cell.font = Font(name="宋体", size=10)
        cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        cover.merge_cells(start_row=r + i, start_column=2, end_row=r + i, end_column=3)
        cover.row_dimensions[r + i].height = 30


def build(res):
    """(openpyxl Workbook, big tables) for the consolidated workbook."""
    from ..workbook.build import build_workbook

    meta = {k: neutralise(v) for k, v in res.meta.items() if v not in (None, "")}
    values = {c: res.report.values[c].value for c in schema.INPUT_CODES}
    wb = build_workbook(meta, values, role=schema.ROLE_CONSOLIDATED)  # the hidden sheet says: a 汇总
    _cover_as_summary(wb, res)
    st = _styles()
    idx = wb.sheetnames.index(schema.SHEET_META)  # new sheets go before the hidden meta sheet
    tables = [_sheet_roster(wb, res, st, idx)]
    tables.append(_sheet_findings(wb, res, st, idx + 1))
    tables.append(_sheet_details(wb, res, st, idx + 2))
    _sheet_charts(wb, res, st, idx + 3)
    if res.previous is not None:
        tables.append(_sheet_compare(wb, res, st, idx + 4))
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    wb.active = wb.sheetnames.index("报送情况")
    wb["报送情况"].sheet_view.tabSelected = True
    wb.properties.title = f"{res.name}政府信息公开工作年度报告汇总"
    return wb, tables


def _overflowing(wb, tables) -> list[tuple[str, list, list]]:
    """Tables longer than Excel's row limit: (sheet, header, rows) taken out, a note left in the sheet."""
    out = []
    for t in tables:
        if t.first_row - 1 + len(t.rows) <= EXCEL_MAX_ROWS:
            continue
        ws = wb[t.sheet]
        header = []
        for c in range(1, t.ncols + 1):  # the row above the data, or the label above a merged cell (明细)
            above = [ws.cell(r, c).value for r in range(t.first_row - 1, max(0, t.first_row - 3), -1)]
            header.append(next((v for v in above if v not in (None, "")), f"列{c}"))
        out.append((t.sheet, header, [r for _, r in t.rows]))
        note = (f"本表共{len(t.rows)}行，超过Excel每张工作表的行数上限（{EXCEL_MAX_ROWS}行），没有写在这里；"
                "完整内容已另存为与本工作簿同名、同文件夹的CSV文件（文件名以“_" + t.sheet + ".csv”结尾）")
        t.rows = [(0, [note] + [None] * (t.ncols - 1))]
    return out


def overflow_path(path, sheet: str) -> Path:
    p = Path(path)
    return p.with_name(f"{p.stem}_{sheet}.csv")


def write_workbook(res, path, *, force: bool = False, inputs: tuple = (), extra: list | None = None) -> Path:
    """The workbook at ``path``; a table past Excel's row limit goes to ``<name>_<sheet>.csv`` beside it
    (appended to ``extra`` as (sheet, rows, csv path)) instead of making a file Excel cannot open."""
    import csv

    wb, tables = build(res)
    big = _overflowing(wb, tables)
    for sheet, _, _ in big:
        check_output(overflow_path(path, sheet), force=force, inputs=inputs)  # before anything is written
    with atomic_path(path, force=force, inputs=inputs) as tmp:
        save(wb, tmp, tables)
    for sheet, header, rows in big:
        target = overflow_path(path, sheet)
        with atomic_path(target, force=force, inputs=inputs) as tmp:
            with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                w = csv.writer(fh)
                w.writerow([neutralise(h) for h in header])
                for r in rows:
                    w.writerow([neutralise(v) if isinstance(v, str) else ("" if v is None else v) for v in r])
        if extra is not None:
            extra.append((sheet, len(rows), target))
    return Path(path)
