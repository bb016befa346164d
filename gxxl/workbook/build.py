"""Build the locked gxxl workbook from the schema (openpyxl).

Everything placed here comes from ``gxxl.schema``: labels, merges, the cells
behind the defined names and the sum relations. Live checks are plain
formulas with conditional formatting, so they work without macros in Excel,
WPS and LibreOffice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from .. import schema
from ..util.version import __version__
from ..errors import GxxlError
from ..util.safety import EXCEL_CELL_MAX, set_text
from ..schema import a1, col_letter

PASSWORD = "gxxl"  # documented in the README and the 说明 sheet: protection prevents accidents, not tampering

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
SUM_FILL = PatternFill("solid", fgColor="E7E6E6")
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
CHECK_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
FONT = Font(name="宋体", size=10)
BOLD = Font(name="宋体", size=10, bold=True)
TITLE = Font(name="黑体", size=14, bold=True)
HINT = Font(name="宋体", size=9, color="595959")

RED = PatternFill("solid", fgColor="FFC7CE")
ORANGE = PatternFill("solid", fgColor="FFE0B2")
YELLOW = PatternFill("solid", fgColor="FFF59D")
GREEN_FONT = Font(color="006100", bold=True)

INPUT_HINT = "浅黄色格子为填写区（只能填0或正整数，没有请填0，不要留空）；灰色格子为自动合计，不能修改。"
NOTES_TITLE = "填写说明"
EXPLANATION_HEAD = ("规则编号或数据项代码", "情况说明（对“提示”项的解释，校验时显示为“已说明”）")

NOTES_LINES = (
    "1. 本工作簿按《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）制作，表格与官方格式逐格对应。",
    "2. 先在“封面”填写机关名称、报告年度和机关层级（下拉选择），再依次填写表二、表三、表四的浅黄色格子。",
    "3. 所有数量填0或正整数，没有发生请填0，不要留空，不要写“无”“—”或“4件”这样的文字；行政事业性收费金额以万元为单位，可以有小数。",
    "4. 表三的“总计”列、“（七）总计”行和表四的“总计”列自动计算，不能修改。",
    "5. 每张表下方有“自动检查”：显示“通过”为正确；“错误”“待填”为必须改正的问题，“提示”为需要核实的情况。封面汇总显示尚有几处问题。",
    "6. 表三每一列必须满足官方勾稽关系：第一项加第二项之和，等于第三项（（七）总计）加第四项之和。",
    "7. “正文”填写前言、一、总体情况，五、存在的主要问题及改进情况，六、其他需要报告的事项（必须说明信息处理费收取情况）。"
    "已预填的示范文字中，{{ 本年新收 }} 这样的占位符在生成报告时自动换成表中数字，请保留（也可自己添加，列表见 gxxl report --placeholders）；"
    "【请……】处请改写为本机关的实际情况，否则不能生成正式报告。",
    "8. 对确属正常的“提示”（例如现行有效件数减少是因为文件自然失效），请在下方表格写明规则编号（或数据项代码）和理由，校验时将显示为“已说明”。",
    f"9. 工作表已保护以防误改，保护密码为“{PASSWORD}”。请勿增删行列或改名工作表，否则汇总时无法识别。",
    "10. 不需要启用宏：本表的合计与检查均为普通公式，Excel、WPS、LibreOffice均可使用。",
)
NOTES_EXPLANATION_HEADER_ROW = schema.EXPLANATION_FIRST_ROW - 1
assert NOTES_EXPLANATION_HEADER_ROW > len(NOTES_LINES) + 3


@dataclass
class _Checks:
    """Check cells per sheet, for the cover's summary formula."""

    ranges: list[tuple[str, str]]

    def add(self, sheet: str, rng: str) -> None:
        self.ranges.append((sheet, rng))


def _q(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _ref(sheet: str, row: int, col: int, absolute: bool = True) -> str:
    c = f"${col_letter(col)}${row}" if absolute else a1(row, col)
    return f"{_q(sheet)}!{c}"


def _style_range(ws, r1: int, c1: int, r2: int, c2: int, *, border=True, fill=None) -> None:
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            cell = ws.cell(r, c)
            if border:
                cell.border = BORDER
            if fill is not None:
                cell.fill = fill


def _check_rules(ws, rng: str) -> None:
    first = rng.split(":")[0].replace("$", "")
    ws.conditional_formatting.add(rng, FormulaRule(formula=[f'LEFT({first},2)="错误"'], fill=RED, stopIfTrue=True))
    ws.conditional_formatting.add(rng, FormulaRule(formula=[f'LEFT({first},2)="待填"'], fill=ORANGE, stopIfTrue=True))
    ws.conditional_formatting.add(rng, FormulaRule(formula=[f'LEFT({first},2)="提示"'], fill=YELLOW, stopIfTrue=True))
    ws.conditional_formatting.add(rng, FormulaRule(formula=[f'{first}="通过"'], font=GREEN_FONT, stopIfTrue=True))


def _fill_check(refs: list[str], n: int) -> str:
    """Formula text: 待填 for blanks, 错误 for non-numbers or negatives, else 通过."""
    lst = ",".join(refs)
    return (
        f'=IF(COUNTA({lst})<{n},"待填："&({n}-COUNTA({lst}))&"格未填",'
        f'IF(COUNT({lst})<{n},"错误："&(COUNTA({lst})-COUNT({lst}))&"格不是数字",'
        f'IF(COUNTIF({lst},"<0")>0,"错误：有负数","通过")))'
        if len(refs) == 1
        else f'=IF(COUNTA({lst})<{n},"待填："&({n}-COUNTA({lst}))&"格未填",'
        f'IF(COUNT({lst})<{n},"错误："&(COUNTA({lst})-COUNT({lst}))&"格不是数字","通过"))'
    )


class WorkbookBuilder:
    def __init__(self) -> None:
        self.wb = Workbook()
        self.loc = schema.layout()
        self.checks = _Checks([])
        self.validations: dict[str, DataValidation] = {}

    # -- helpers -----------------------------------------------------------
    def _name(self, name: str, sheet: str, ref: str) -> None:
        self.wb.defined_names[name] = DefinedName(name, attr_text=f"{_q(sheet)}!{ref}")

    def _dv(self, ws, key: str) -> DataValidation:
        k = (ws.title, key)
        if k not in self.validations:
            if key == "count":
                dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
                dv.error = "这里只能填0或正整数（单位：件）。没有发生请填0。"
            else:
                dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
                dv.error = "这里只能填0或正数（单位：万元，可有小数）。没有收费请填0。"
            dv.errorTitle = "输入有误"
            dv.promptTitle = "填写提示"
            dv.prompt = "填0或正整数" if key == "count" else "单位：万元，可有小数"
            dv.showErrorMessage = True
            dv.showInputMessage = True
            ws.add_data_validation(dv)
            self.validations[k] = dv
        return self.validations[k]

    def _title(self, ws, text: str, ncols: int, hint: str = INPUT_HINT) -> None:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
        ws.cell(1, 1, text).font = TITLE
        ws.cell(1, 1).alignment = CENTER
        ws.row_dimensions[1].height = 28
        if hint:
            ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
            ws.cell(2, 1, hint).font = HINT
            ws.cell(2, 1).alignment = LEFT
            ws.row_dimensions[2].height = 30

    # -- sheets ------------------------------------------------------------
    def cover(self) -> None:
        ws = self.wb.active
        ws.title = schema.SHEET_COVER
        self._title(ws, "政府信息公开工作年度报告 填报工作簿", 3, "请先填写本页浅黄色格子，再填写各表。")
        ws.column_dimensions["A"].width = 16
        ws.column_dimensions["B"].width = 44
        ws.column_dimensions["C"].width = 36
        ws.cell(3, 1, "项目").font = BOLD
        ws.cell(3, 2, "填写内容").font = BOLD
        ws.cell(3, 3, "说明").font = BOLD
        for f in schema.META_FIELDS:
            loc = self.loc[f.code]
            ws.cell(loc.row, 1, f.label + ("（必填）" if f.required else "")).font = FONT
            c = ws.cell(loc.row, 2)
            c.fill = INPUT_FILL
            c.protection = Protection(locked=False)
            c.alignment = LEFT
            if f.code != "meta.year":
                c.number_format = "@"  # typed text stays text, even "=…" (gxxl.util.safety)
            ws.cell(loc.row, 3, f.hint).font = HINT
            _style_range(ws, loc.row, 1, loc.row, 3)
            self._name(f.code, ws.title, f"${col_letter(loc.col)}${loc.row}")
            if f.code == "meta.level":
                dv = DataValidation(type="list", formula1='"' + ",".join(schema.LEVELS) + '"', allow_blank=True)
                dv.error = "请从下拉列表中选择机关层级。"
                dv.errorTitle = "输入有误"
                dv.showErrorMessage = True
                ws.add_data_validation(dv)
                dv.add(c.coordinate)
            elif f.code == "meta.year":
                dv = DataValidation(type="whole", operator="between", formula1="2021", formula2="2100", allow_blank=True)
                dv.error = "请填写四位年份，2021年及以后（本格式自2021年度起使用）。"
                dv.errorTitle = "输入有误"
                dv.showErrorMessage = True
                ws.add_data_validation(dv)
                dv.add(c.coordinate)
        last = schema.COVER_FIRST_ROW + len(schema.META_FIELDS) - 1
        self.cover_check_row = last + 2
        # meta completeness check
        req = [self.loc[f.code] for f in schema.META_FIELDS if f.required]
        refs = ",".join(f"B{l.row}" for l in req)
        r = self.cover_check_row
        ws.cell(r, 1, "封面检查").font = BOLD
        ws.cell(r, 2, f'=IF(COUNTA({refs})<{len(req)},"待填：机关名称、报告年度、机关层级须填写","通过")')
        self.checks.add(ws.title, f"$B${r}")
        _check_rules(ws, f"B{r}")
        ws.cell(r + 1, 1, "自动检查结果").font = BOLD
        ws.cell(r + 2, 1, "填写进度").font = BOLD
        self.summary_cell = (r + 1, 2)
        self.progress_cell = (r + 2, 2)
        for rr in (r, r + 1, r + 2):
            _style_range(ws, rr, 1, rr, 2, fill=None)
            ws.cell(rr, 2).alignment = LEFT

    def table_sheet(self, t: schema.Table) -> None:
        ws = self.wb.create_sheet(t.sheet)
        self._title(ws, t.title, t.ncols)
        r0, c0 = schema.TABLE_ORIGIN
        for i, w in enumerate(t.col_widths):
            ws.column_dimensions[col_letter(c0 + i)].width = w
        for gc in t.cells:
            r, c = r0 + gc.row, c0 + gc.col
            if gc.rowspan > 1 or gc.colspan > 1:
                ws.merge_cells(start_row=r, start_column=c, end_row=r + gc.rowspan - 1, end_column=c + gc.colspan - 1)
            _style_range(ws, r, c, r + gc.rowspan - 1, c + gc.colspan - 1)
            cell = ws.cell(r, c)
            if gc.role == "data":
                p = schema.POINTS[gc.code]
                self._name(gc.code, ws.title, f"${col_letter(c)}${r}")
                cell.alignment = CENTER
                cell.font = FONT
                if p.is_sum:
                    refs = [self.loc[x] for x in p.parts]
                    cell.value = "=SUM(" + ",".join(_span(refs)) + ")"
                    _style_range(ws, r, c, r + gc.rowspan - 1, c + gc.colspan - 1, fill=SUM_FILL)
                else:
                    _style_range(ws, r, c, r + gc.rowspan - 1, c + gc.colspan - 1, fill=INPUT_FILL)
                    cell.protection = Protection(locked=False)
                    self._dv(ws, p.kind).add(cell.coordinate)
                    if p.kind == "amount":
                        cell.number_format = "0.######"
            else:
                cell.value = gc.text
                cell.font = BOLD if gc.role in ("head", "note") else FONT
                cell.alignment = CENTER if gc.role != "label" else LEFT
                if gc.role in ("head", "note"):
                    _style_range(ws, r, c, r + gc.rowspan - 1, c + gc.colspan - 1, fill=HEAD_FILL)
        for i in range(t.nrows):
            ws.row_dimensions[r0 + i].height = 30 if t.key != "requests" else 24
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if t.ncols > 4 else "portrait"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        if t.header_rows:
            ws.print_title_rows = f"{r0}:{r0 + t.header_rows - 1}"
            ws.freeze_panes = ws.cell(r0 + t.header_rows, 1)
        getattr(self, f"_checks_{t.key}")(ws, t, r0 + t.nrows + 1)

    def _check_header(self, ws, row: int, ncols: int) -> None:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        ws.cell(row, 1, "自动检查（通过＝正确；错误、待填＝必须改正；提示＝请核实，确属正常可在“说明”页写明理由）").font = BOLD
        ws.cell(row, 1).alignment = LEFT
        ws.row_dimensions[row].height = 30

    def _check_row(self, ws, row: int, label: str, formula: str, c1: int, c2: int, label_span: int = 1) -> None:
        if label_span > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=label_span)
        ws.cell(row, 1, label).font = FONT
        ws.cell(row, 1).alignment = LEFT
        if c2 > c1:
            ws.merge_cells(start_row=row, start_column=c1, end_row=row, end_column=c2)
        cell = ws.cell(row, c1, formula)
        cell.alignment = LEFT
        _style_range(ws, row, 1, row, c2, fill=CHECK_FILL)
        rng = f"${col_letter(c1)}${row}"
        self.checks.add(ws.title, rng)
        _check_rules(ws, f"{col_letter(c1)}{row}")

    def _checks_active(self, ws, t: schema.Table, row: int) -> None:
        self._check_header(ws, row, 4)
        codes = [p.code for p in schema.DATA_POINTS if p.table == "active"]
        refs = [self.loc[c].cell for c in codes]
        self._check_row(ws, row + 1, "填写完整", _fill_check(refs, len(refs)), 2, 4)
        level = _ref(schema.SHEET_COVER, self.loc["meta.level"].row, 2)
        rules = [self.loc[f"active.rules.{c}"].cell for c in ("issued", "repealed", "in_force")]
        lv = " ,".join(f'{level}="{x}"' for x in schema.LEVELS_WITHOUT_RULES).replace(" ,", ",")
        self._check_row(
            ws, row + 2, "规章（县级、乡镇）",
            f'=IF(AND(OR({lv}),SUM({",".join(rules)})>0),"提示：县级和乡镇（街道）机关无权制定规章，规章一般应填0","通过")',
            2, 4,
        )
        for i, (rc, label) in enumerate((("rules", "规章"), ("normative", "行政规范性文件"))):
            iss, inf = self.loc[f"active.{rc}.issued"].cell, self.loc[f"active.{rc}.in_force"].cell
            self._check_row(
                ws, row + 3 + i, f"{label}现行有效",
                f'=IF(AND(ISNUMBER({iss}),ISNUMBER({inf}),{inf}<{iss}),"提示：现行有效件数少于本年制发件数","通过")',
                2, 4,
            )

    def _checks_requests(self, ws, t: schema.Table, row: int) -> None:
        self._check_header(ws, row, t.ncols)
        r_fill, r_bal = row + 1, row + 2
        for r, label in ((r_fill, "填写完整（每列）"), (r_bal, "勾稽关系：一＋二＝（七）＋四")):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
            ws.cell(r, 1, label).font = FONT
            ws.cell(r, 1).alignment = LEFT
            _style_range(ws, r, 1, r, t.ncols, fill=CHECK_FILL)
        for col_code, _ in schema.REQUEST_COLUMNS:
            col = self.loc[f"requests.new.{col_code}"].col
            if col_code == "total":
                codes = [f"requests.{r}.{c}" for c in schema.APPLICANT_COLUMNS for r, _ in schema.REQUEST_ROWS
                         if r != "handled_total"]
            else:
                codes = [f"requests.{r}.{col_code}" for r, _ in schema.REQUEST_ROWS if r != "handled_total"]
            f = _fill_check(_span([self.loc[c] for c in codes]), len(codes))
            ws.cell(r_fill, col, f).alignment = CENTER
            new, cin, ht, cout = (self.loc[f"requests.{r}.{col_code}"].cell for r in ("new", "carried_in", "handled_total", "carried_out"))
            ws.cell(r_bal, col, f'=IF(({new}+{cin})=({ht}+{cout}),"通过","错误：差"&(({new}+{cin})-({ht}+{cout})))').alignment = CENTER
        c1 = col_letter(self.loc["requests.new.natural"].col)
        c2 = col_letter(self.loc["requests.new.total"].col)
        for r in (r_fill, r_bal):
            self.checks.add(ws.title, f"${c1}${r}:${c2}${r}")
            _check_rules(ws, f"{c1}{r}:{c2}{r}")
            ws.row_dimensions[r].height = 30

    def _checks_appeals(self, ws, t: schema.Table, row: int) -> None:
        self._check_header(ws, row, t.ncols)
        r = row + 1
        for g, (gcode, glabels) in enumerate(schema.APPEAL_GROUPS):
            codes = [f"appeals.{gcode}.{c}" for c, _ in schema.APPEAL_COLUMNS[:4]]
            locs = [self.loc[c] for c in codes]
            c1, c2 = locs[0].col, locs[-1].col + 1
            for rr in (r, r + 1):
                ws.merge_cells(start_row=rr, start_column=c1, end_row=rr, end_column=c2)
                _style_range(ws, rr, c1, rr, c2, fill=CHECK_FILL)
                ws.cell(rr, c1).alignment = CENTER
            ws.cell(r, c1, f"{glabels[-1]} 填写检查").font = FONT
            ws.cell(r + 1, c1, _fill_check(_span(locs), 4))
            self.checks.add(ws.title, f"${col_letter(c1)}${r + 1}")
            _check_rules(ws, f"{col_letter(c1)}{r + 1}")
        ws.row_dimensions[r + 1].height = 30

    def narrative(self) -> None:
        ws = self.wb.create_sheet(schema.SHEET_NARRATIVE)
        self._title(ws, "年度报告正文", 2, "在右侧浅黄色大格中填写正文（可从Word粘贴）。表格数据会由系统自动生成，无需在此重复填写表格。"
                    "文中 {{ 本年新收 }} 这样的占位符生成报告时自动换成表中数字；【请……】处请改写。")
        ws.column_dimensions["A"].width = 22
        ws.column_dimensions["B"].width = 100
        for f in schema.NARRATIVE_FIELDS:
            loc = self.loc[f.code]
            ws.cell(loc.row, 1, f.label).font = BOLD
            ws.cell(loc.row, 1).alignment = TOP_LEFT
            c = ws.cell(loc.row, 2)
            c.fill = INPUT_FILL
            c.alignment = TOP_LEFT
            c.protection = Protection(locked=False)
            c.font = FONT
            c.number_format = "@"
            ws.row_dimensions[loc.row].height = 260 if f.key != "preface" else 120
            _style_range(ws, loc.row, 1, loc.row, 2)
            self._name(f.code, ws.title, f"${col_letter(loc.col)}${loc.row}")

    def notes(self) -> None:
        ws = self.wb.create_sheet(schema.SHEET_NOTES)
        self._title(ws, NOTES_TITLE, 2, "")
        ws.column_dimensions["A"].width = 28
        ws.column_dimensions["B"].width = 90
        for i, line in enumerate(NOTES_LINES):
            r = 3 + i
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
            ws.cell(r, 1, line).alignment = LEFT
            ws.cell(r, 1).font = FONT
            ws.row_dimensions[r].height = max(32, 16 * (len(line) // 70 + 1))
        h = NOTES_EXPLANATION_HEADER_ROW
        ws.cell(h - 1, 1, "对“提示”的情况说明").font = BOLD
        for j, text in enumerate(EXPLANATION_HEAD):
            ws.cell(h, 1 + j, text).font = BOLD
            ws.cell(h, 1 + j).fill = HEAD_FILL
            ws.cell(h, 1 + j).border = BORDER
            ws.cell(h, 1 + j).alignment = CENTER
        for r in range(h + 1, h + 1 + schema.EXPLANATION_ROWS):
            for c in (1, 2):
                cell = ws.cell(r, c)
                cell.fill = INPUT_FILL
                cell.border = BORDER
                cell.protection = Protection(locked=False)
                cell.alignment = LEFT
                cell.number_format = "@"
        self._name("explanations", ws.title, f"$A${h + 1}:$B${h + schema.EXPLANATION_ROWS}")

    def meta_sheet(self) -> None:
        ws = self.wb.create_sheet(schema.SHEET_META)
        rows = (
            ("kind", schema.WORKBOOK_KIND),
            ("format_version", schema.FORMAT_VERSION),
            ("layout_version", schema.LAYOUT_VERSION),
            ("gxxl_version", __version__),
            ("format_name", schema.FORMAT_NAME),
        )
        for i, (k, v) in enumerate(rows, start=1):
            ws.cell(i, 1, k)
            ws.cell(i, 2, v)
            self._name(f"meta.{k}", ws.title, f"$B${i}")
        ws.sheet_state = "hidden"

    def summary(self) -> None:
        ws = self.wb[schema.SHEET_COVER]
        parts = {k: "+".join(f'COUNTIF({_q(s)}!{rng},"{k}*")' for s, rng in self.checks.ranges) for k in ("错误", "待填", "提示")}
        e, p, h = parts["错误"], parts["待填"], parts["提示"]
        r, c = self.summary_cell
        ws.cell(r, c, f'=IF(({e})+({p})=0,IF(({h})=0,"全部通过","通过（另有"&({h})&"条提示请核实）"),'
                      f'"尚有"&(({e})+({p}))&"处问题（错误"&({e})&"处、待填"&({p})&"处、提示"&({h})&"处）")')
        _check_rules_summary(ws, f"{col_letter(c)}{r}")
        inputs = [self.loc[x] for x in schema.INPUT_CODES]
        by_sheet: dict[str, list] = {}
        for l in inputs:
            by_sheet.setdefault(l.sheet, []).append(l)
        cnt = "+".join(f"COUNT({','.join(f'{_q(s)}!{x}' for x in _span(ls))})" for s, ls in by_sheet.items())
        r2, c2 = self.progress_cell
        ws.cell(r2, c2, f'="已填"&({cnt})&"格，共{len(inputs)}格"')
        self._name("check.summary", ws.title, f"${col_letter(c)}${r}")

    def protect(self) -> None:
        for ws in self.wb.worksheets:
            ws.protection.sheet = True
            ws.protection.password = PASSWORD
            ws.protection.formatColumns = False  # let clerks widen columns
            ws.protection.formatRows = False
        self.wb.security = WorkbookProtection(workbookPassword=PASSWORD, lockStructure=True)

    def build(self) -> Workbook:
        self.cover()
        for t in schema.TABLES:
            self.table_sheet(t)
        self.narrative()
        self.notes()
        self.meta_sheet()
        self.summary()
        self.protect()
        return self.wb


def _check_rules_summary(ws, ref: str) -> None:
    ws.conditional_formatting.add(ref, FormulaRule(formula=[f'LEFT({ref},2)="尚有"'], fill=RED, stopIfTrue=True))
    ws.conditional_formatting.add(ref, FormulaRule(formula=[f'LEFT({ref},2)="通过"'], font=GREEN_FONT, stopIfTrue=True))
    ws.conditional_formatting.add(ref, FormulaRule(formula=[f'{ref}="全部通过"'], font=GREEN_FONT, stopIfTrue=True))


def _span(locs: list) -> list[str]:
    """Compress locations on one sheet into A1 ranges (vertical or horizontal runs)."""
    out: list[str] = []
    locs = list(locs)
    i = 0
    while i < len(locs):
        j = i
        while j + 1 < len(locs) and locs[j + 1].col == locs[i].col and locs[j + 1].row == locs[j].row + 1:
            j += 1
        if j == i:
            while j + 1 < len(locs) and locs[j + 1].row == locs[i].row and locs[j + 1].col == locs[j].col + 1:
                j += 1
        out.append(locs[i].cell if j == i else f"{locs[i].cell}:{locs[j].cell}")
        i = j + 1
    return out


def _fits(value: Any, what: str) -> Any:
    if isinstance(value, str) and len(value) > EXCEL_CELL_MAX:
        raise GxxlError(f"“{what}”有{len(value)}字，超过Excel单元格上限{EXCEL_CELL_MAX}字，无法写入工作簿；请精简后再试")
    return value


def build_workbook(
    meta: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    narrative: dict[str, str] | None = None,
    explanations: list[tuple[str, str]] | None = None,
    model_text: bool = True,
    role: str | None = None,
) -> Workbook:
    """A locked gxxl workbook; optional meta (keys organ/year/level/…), input values by code,
    narrative (keys preface/overview/problems/other) and explanations (key, text).

    With ``model_text`` the narrative cells not given are prefilled with the model text
    (placeholders for every number, 【请…】 where the clerk writes), see gxxl/narrative/model_text.py.
    ``role`` (schema.ROLE_CONSOLIDATED for a 汇总) goes into the hidden sheet, where readers look for it."""
    b = WorkbookBuilder()
    wb = b.build()
    if role:
        ws = wb[schema.SHEET_META]
        r = ws.max_row + 1
        ws.cell(r, 1, "role")
        ws.cell(r, 2, role)
        b._name("meta.role", ws.title, f"$B${r}")
    loc = schema.layout()
    # Text from users goes in as text cells (gxxl.util.safety.set_text): openpyxl would make "=…" a formula.
    for k, v in (meta or {}).items():
        code = k if k.startswith("meta.") else f"meta.{k}"
        if code in loc and v is not None:
            l = loc[code]
            set_text(wb[l.sheet].cell(l.row, l.col), _fits(v, code))
    for code, v in (values or {}).items():
        p = schema.POINTS.get(code)
        if p is None:
            raise KeyError(f"未知的数据项代码：{code}")
        if p.is_sum:
            continue  # sum cells are formulas
        l = loc[code]
        set_text(wb[l.sheet].cell(l.row, l.col), _fits(v, code))
    model: dict[str, str] = {}
    if model_text and narrative is None:
        from ..narrative.model_text import MODEL_NARRATIVE as model
    for f in schema.NARRATIVE_FIELDS:
        text = (narrative or {}).get(f.key) or model.get(f.key)
        if text:
            l = loc[f.code]
            set_text(wb[l.sheet].cell(l.row, l.col), _fits(text, f.label))
    ws = wb[schema.SHEET_NOTES]
    for i, (key, text) in enumerate(explanations or []):
        if i >= schema.EXPLANATION_ROWS:
            break
        set_text(ws.cell(NOTES_EXPLANATION_HEADER_ROW + 1 + i, 1), _fits(key, "说明"))
        set_text(ws.cell(NOTES_EXPLANATION_HEADER_ROW + 1 + i, 2), _fits(text, "说明"))
    wb.properties.creator = "gxxl"
    wb.properties.title = "政府信息公开工作年度报告填报工作簿"
    wb.properties.modified = datetime.now(timezone.utc).replace(tzinfo=None)
    return wb
