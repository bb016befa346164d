"""The official 2021 report format (国办公开办函〔2021〕30号) as data.

This module is the single source of every label, code, merge and sum relation.
The workbook builder, reader, rules, renderers, importer and consolidator all
derive from it. It imports nothing from gxxl.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

FORMAT_VERSION = "2021"
FORMAT_NAME = "国办公开办函〔2021〕30号"
WORKBOOK_KIND = "gxxl-annual-report"
# "role" row of the hidden sheet: a consolidated workbook (汇总) is never summed as one more bureau
ROLE_CONSOLIDATED = "consolidated"
# Bump when the workbook layout (sheets, cells) changes.
LAYOUT_VERSION = 1

LEVELS = ("国务院部门", "省级", "市级", "县级", "乡镇（街道）")
# Only these levels make 规章 (State Council departments, provinces, 设区的市/自治州).
LEVELS_WITHOUT_RULES = ("县级", "乡镇（街道）")

# ---------------------------------------------------------------------------
# Table A — 二、主动公开政府信息情况
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ActiveBlock:
    header: str
    columns: tuple[tuple[str, str], ...]  # (code part, label)
    rows: tuple[tuple[str, str], ...]  # (code part, label)
    kind: str = "count"


ACTIVE_CORNER = "信息内容"
ACTIVE_BLOCKS: tuple[ActiveBlock, ...] = (
    ActiveBlock(
        "第二十条第（一）项",
        (("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")),
        (("rules", "规章"), ("normative", "行政规范性文件")),
    ),
    ActiveBlock("第二十条第（五）项", (("decisions", "本年处理决定数量"),), (("licensing", "行政许可"),)),
    ActiveBlock(
        "第二十条第（六）项",
        (("decisions", "本年处理决定数量"),),
        (("penalty", "行政处罚"), ("coercion", "行政强制")),
    ),
    ActiveBlock(
        "第二十条第（八）项",
        (("amount", "本年收费金额（单位：万元）"),),
        (("fees", "行政事业性收费"),),
        kind="amount",
    ),
)

# ---------------------------------------------------------------------------
# Table B — 三、收到和处理政府信息公开申请情况
# ---------------------------------------------------------------------------

REQUESTS_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
REQUESTS_HEAD = "申请人情况"
REQUESTS_ORG_GROUP = "法人或其他组织"
# (code, label path as printed in the official header)
REQUEST_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("natural", ("自然人",)),
    ("business", (REQUESTS_ORG_GROUP, "商业企业")),
    ("research", (REQUESTS_ORG_GROUP, "科研机构")),
    ("public_interest", (REQUESTS_ORG_GROUP, "社会公益组织")),
    ("legal_service", (REQUESTS_ORG_GROUP, "法律服务机构")),
    ("other_org", (REQUESTS_ORG_GROUP, "其他")),
    ("total", ("总计",)),
)
APPLICANT_COLUMNS = tuple(c for c, _ in REQUEST_COLUMNS if c != "total")

_R3 = "三、本年度办理结果"
_W = "（三）不予公开"
_U = "（四）无法提供"
_J = "（五）不予处理"
_O = "（六）其他处理"
REQUEST_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("new", ("一、本年新收政府信息公开申请数量",)),
    ("carried_in", ("二、上年结转政府信息公开申请数量",)),
    ("disclosed", (_R3, "（一）予以公开")),
    ("partly_disclosed", (_R3, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）")),
    ("withheld_state_secret", (_R3, _W, "1.属于国家秘密")),
    ("withheld_law_prohibited", (_R3, _W, "2.其他法律行政法规禁止公开")),
    ("withheld_security_stability", (_R3, _W, "3.危及“三安全一稳定”")),
    ("withheld_third_party", (_R3, _W, "4.保护第三方合法权益")),
    ("withheld_internal_affairs", (_R3, _W, "5.属于三类内部事务信息")),
    ("withheld_process_info", (_R3, _W, "6.属于四类过程性信息")),
    ("withheld_enforcement_file", (_R3, _W, "7.属于行政执法案卷")),
    ("withheld_query_matter", (_R3, _W, "8.属于行政查询事项")),
    ("unavailable_not_held", (_R3, _U, "1.本机关不掌握相关政府信息")),
    ("unavailable_needs_creation", (_R3, _U, "2.没有现成信息需要另行制作")),
    ("unavailable_unclear", (_R3, _U, "3.补正后申请内容仍不明确")),
    ("rejected_petition", (_R3, _J, "1.信访举报投诉类申请")),
    ("rejected_duplicate", (_R3, _J, "2.重复申请")),
    ("rejected_publication", (_R3, _J, "3.要求提供公开出版物")),
    ("rejected_mass_repeated", (_R3, _J, "4.无正当理由大量反复申请")),
    ("rejected_confirm_reissue", (_R3, _J, "5.要求行政机关确认或重新出具已获取信息")),
    ("other_no_correction", (_R3, _O, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请")),
    ("other_no_fee", (_R3, _O, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请")),
    ("other_misc", (_R3, _O, "3.其他")),
    ("handled_total", (_R3, "（七）总计")),
    ("carried_out", ("四、结转下年度继续办理",)),
)
OUTCOME_ROWS = tuple(r for r, _ in REQUEST_ROWS[2:23])
assert len(OUTCOME_ROWS) == 21 and OUTCOME_ROWS[-1] == "other_misc"

# ---------------------------------------------------------------------------
# Table C — 四、政府信息公开行政复议、行政诉讼情况
# ---------------------------------------------------------------------------

APPEAL_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("review", ("行政复议",)),
    ("litigation_direct", ("行政诉讼", "未经复议直接起诉")),
    ("litigation_after_review", ("行政诉讼", "复议后起诉")),
)
APPEAL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)

# ---------------------------------------------------------------------------
# Report structure, meta and narrative
# ---------------------------------------------------------------------------

PARTS: tuple[tuple[str, str], ...] = (
    ("一", "一、总体情况"),
    ("二", "二、主动公开政府信息情况"),
    ("三", "三、收到和处理政府信息公开申请情况"),
    ("四", "四、政府信息公开行政复议、行政诉讼情况"),
    ("五", "五、存在的主要问题及改进情况"),
    ("六", "六、其他需要报告的事项"),
)


@dataclass(frozen=True)
class MetaField:
    code: str
    label: str
    required: bool = False
    hint: str = ""


META_FIELDS: tuple[MetaField, ...] = (
    MetaField("meta.organ", "机关名称", True, "填写机关全称，如：某某县应急管理局"),
    MetaField("meta.year", "报告年度", True, "填写四位年份，如：2024"),
    MetaField("meta.level", "机关层级", True, "从下拉列表选择"),
    MetaField("meta.region", "所在地区", False, "如：某某省某某市某某县"),
    MetaField("meta.contact", "联系人", False, ""),
    MetaField("meta.phone", "联系电话", False, ""),
    MetaField("meta.address", "通讯地址", False, ""),
    MetaField("meta.website", "年报发布网站", False, "电子版查阅或下载的网址"),
)


@dataclass(frozen=True)
class NarrativeField:
    code: str
    key: str
    label: str
    part: str | None  # part number in PARTS, None for the preface


NARRATIVE_FIELDS: tuple[NarrativeField, ...] = (
    NarrativeField("narrative.preface", "preface", "前言（编制依据、统计期限、电子版查阅地址、联系方式）", None),
    NarrativeField("narrative.overview", "overview", "一、总体情况", "一"),
    NarrativeField("narrative.problems", "problems", "五、存在的主要问题及改进情况", "五"),
    NarrativeField("narrative.other", "other", "六、其他需要报告的事项", "六"),
)

# ---------------------------------------------------------------------------
# The superseded 2019 trial format (国办公开办函〔2019〕60号): fingerprints only
# ---------------------------------------------------------------------------

OLD_FORMAT_2019_MARKERS: tuple[str, ...] = (
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "第二十条第（九）项",
    "政府集中采购",
    "其他对外管理服务事项",
)
OLD_FORMAT_2019_NOTE = (
    "使用的是已废止的2019年试行格式（国办公开办函〔2019〕60号）：表二含“本年新制作数量”“第二十条第（九）项”等，"
    "表三“（六）其他处理”为单行。2021年度及以后的年报应使用国办公开办函〔2021〕30号格式。"
)

# ---------------------------------------------------------------------------
# Data points
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DataPoint:
    code: str
    table: str  # "active" | "requests" | "appeals"
    labels: tuple[str, ...]  # label path: row labels, then column labels
    kind: str  # "count" | "amount"
    parts: tuple[str, ...] = ()  # codes summed, for sum cells
    row: str = ""
    column: str = ""

    @property
    def is_sum(self) -> bool:
        return bool(self.parts)

    @property
    def unit(self) -> str:
        return "万元" if self.kind == "amount" else "件"

    @property
    def label(self) -> str:
        return " · ".join(self.labels)


def _build_points() -> tuple[DataPoint, ...]:
    pts: list[DataPoint] = []
    for b in ACTIVE_BLOCKS:
        for rcode, rlabel in b.rows:
            for ccode, clabel in b.columns:
                pts.append(
                    DataPoint(f"active.{rcode}.{ccode}", "active", (b.header, rlabel, clabel), b.kind, row=rcode, column=ccode)
                )
    for rcode, rlabels in REQUEST_ROWS:
        for ccode, clabels in REQUEST_COLUMNS:
            if ccode == "total":
                parts = tuple(f"requests.{rcode}.{c}" for c in APPLICANT_COLUMNS)
            elif rcode == "handled_total":
                parts = tuple(f"requests.{r}.{ccode}" for r in OUTCOME_ROWS)
            else:
                parts = ()
            pts.append(
                DataPoint(f"requests.{rcode}.{ccode}", "requests", rlabels + clabels, "count", parts, rcode, ccode)
            )
    for gcode, glabels in APPEAL_GROUPS:
        for ccode, clabel in APPEAL_COLUMNS:
            parts = tuple(f"appeals.{gcode}.{c}" for c, _ in APPEAL_COLUMNS[:4]) if ccode == "total" else ()
            pts.append(DataPoint(f"appeals.{gcode}.{ccode}", "appeals", glabels + (clabel,), "count", parts, gcode, ccode))
    return tuple(pts)


DATA_POINTS: tuple[DataPoint, ...] = _build_points()
POINTS: dict[str, DataPoint] = {p.code: p for p in DATA_POINTS}
CODES: tuple[str, ...] = tuple(POINTS)
INPUT_CODES: tuple[str, ...] = tuple(p.code for p in DATA_POINTS if not p.is_sum)
SUM_CODES: tuple[str, ...] = tuple(p.code for p in DATA_POINTS if p.is_sum)
assert len(DATA_POINTS) == 10 + 175 + 15


@lru_cache(maxsize=None)  # called for every sum of every report read
def inputs_of(code: str) -> tuple[str, ...]:
    """The input codes a (possibly nested) sum ultimately adds up."""
    p = POINTS[code]
    if not p.parts:
        return (code,)
    out: list[str] = []
    for part in p.parts:
        out.extend(inputs_of(part))
    return tuple(out)


# ---------------------------------------------------------------------------
# The official table grids (one model for workbook, docx and HTML)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GridCell:
    row: int  # 0-based within the table
    col: int
    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    role: str = "label"  # "head" (column header) | "label" (row label) | "data" | "note"
    code: str | None = None


@dataclass(frozen=True)
class Table:
    key: str  # "active" | "requests" | "appeals"
    part: str  # 二 / 三 / 四
    title: str
    sheet: str  # workbook sheet name
    nrows: int
    ncols: int
    cells: tuple[GridCell, ...]
    header_rows: int  # rows repeated when printing
    col_widths: tuple[float, ...] = field(default=())

    def data_cells(self) -> tuple[GridCell, ...]:
        return tuple(c for c in self.cells if c.role == "data")


def _grid_active() -> Table:
    cells: list[GridCell] = []
    r = 0
    for b in ACTIVE_BLOCKS:
        cells.append(GridCell(r, 0, b.header, colspan=4, role="head"))
        r += 1
        cells.append(GridCell(r, 0, ACTIVE_CORNER, role="head"))
        span = 3 // len(b.columns)
        for i, (_, clabel) in enumerate(b.columns):
            cells.append(GridCell(r, 1 + i * span, clabel, colspan=span, role="head"))
        r += 1
        for rcode, rlabel in b.rows:
            cells.append(GridCell(r, 0, rlabel, role="label"))
            for i, (ccode, _) in enumerate(b.columns):
                cells.append(GridCell(r, 1 + i * span, "", colspan=span, role="data", code=f"active.{rcode}.{ccode}"))
            r += 1
    return Table("active", "二", "二、主动公开政府信息情况", "表二 主动公开", r, 4, tuple(cells), 0, (22, 20, 20, 20))


def _grid_requests() -> Table:
    cells: list[GridCell] = [
        GridCell(0, 0, REQUESTS_NOTE, rowspan=3, colspan=3, role="note"),
        GridCell(0, 3, REQUESTS_HEAD, colspan=7, role="head"),
        GridCell(1, 3, "自然人", rowspan=2, role="head"),
        GridCell(1, 4, REQUESTS_ORG_GROUP, colspan=5, role="head"),
        GridCell(1, 9, "总计", rowspan=2, role="head"),
    ]
    for i, (_, labels) in enumerate(REQUEST_COLUMNS[1:6]):
        cells.append(GridCell(2, 4 + i, labels[-1], role="head"))
    first = 3
    # Row-label spans derived from the label paths.
    for i, (rcode, labels) in enumerate(REQUEST_ROWS):
        r = first + i
        for level, text in enumerate(labels):
            if i > 0 and REQUEST_ROWS[i - 1][1][: level + 1] == labels[: level + 1]:
                continue  # covered by the span started above
            span_rows = 1
            while i + span_rows < len(REQUEST_ROWS) and REQUEST_ROWS[i + span_rows][1][: level + 1] == labels[: level + 1]:
                span_rows += 1
            colspan = 3 - level if level == len(labels) - 1 else 1
            cells.append(GridCell(r, level, text, rowspan=span_rows, colspan=colspan, role="label"))
        for j, (ccode, _) in enumerate(REQUEST_COLUMNS):
            cells.append(GridCell(r, 3 + j, "", role="data", code=f"requests.{rcode}.{ccode}"))
    return Table(
        "requests", "三", "三、收到和处理政府信息公开申请情况", "表三 依申请公开",
        first + len(REQUEST_ROWS), 10, tuple(cells), 3, (8, 12, 40, 9, 9, 9, 9, 9, 9, 9),
    )


def _grid_appeals() -> Table:
    cells: list[GridCell] = [
        GridCell(0, 0, "行政复议", colspan=5, role="head"),
        GridCell(0, 5, "行政诉讼", colspan=10, role="head"),
    ]
    for g, (gcode, glabels) in enumerate(APPEAL_GROUPS):
        c0 = g * 5
        if len(glabels) > 1:
            cells.append(GridCell(1, c0, glabels[-1], colspan=5, role="head"))
        for k, (ccode, clabel) in enumerate(APPEAL_COLUMNS):
            if len(glabels) == 1:
                cells.append(GridCell(1, c0 + k, clabel, rowspan=2, role="head"))
            else:
                cells.append(GridCell(2, c0 + k, clabel, role="head"))
            cells.append(GridCell(3, c0 + k, "", role="data", code=f"appeals.{gcode}.{ccode}"))
    return Table("appeals", "四", "四、政府信息公开行政复议、行政诉讼情况", "表四 复议诉讼", 4, 15, tuple(cells), 3, (7,) * 15)


TABLES: tuple[Table, ...] = (_grid_active(), _grid_requests(), _grid_appeals())
TABLE_BY_KEY: dict[str, Table] = {t.key: t for t in TABLES}

# ---------------------------------------------------------------------------
# Workbook layout (the cells behind the defined names)
# ---------------------------------------------------------------------------

SHEET_COVER = "封面"
SHEET_NARRATIVE = "正文"
SHEET_NOTES = "说明"
SHEET_META = "_gxxl"
TABLE_ORIGIN = (3, 1)  # 1-based (row, col) of a table's top-left cell; row 1 title, row 2 hint
COVER_FIRST_ROW = 4  # meta fields start here, label in A, value in B
NARRATIVE_FIRST_ROW = 3  # label in A, text in B
EXPLANATION_FIRST_ROW = 22  # first explanation row on the notes sheet (A: key, B: text)
EXPLANATION_ROWS = 30


def col_letter(col: int) -> str:
    """1-based column number -> letters."""
    s = ""
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


def a1(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


@dataclass(frozen=True)
class Location:
    sheet: str
    row: int  # 1-based
    col: int  # 1-based

    @cached_property  # read for every value of every report
    def cell(self) -> str:
        return a1(self.row, self.col)


@lru_cache(maxsize=None)
def layout() -> dict[str, Location]:
    """Code -> workbook location for every data point, meta field and narrative field."""
    out: dict[str, Location] = {}
    r0, c0 = TABLE_ORIGIN
    for t in TABLES:
        for gc in t.data_cells():
            out[gc.code] = Location(t.sheet, r0 + gc.row, c0 + gc.col)
    for i, f in enumerate(META_FIELDS):
        out[f.code] = Location(SHEET_COVER, COVER_FIRST_ROW + i, 2)
    for i, f in enumerate(NARRATIVE_FIELDS):
        out[f.code] = Location(SHEET_NARRATIVE, NARRATIVE_FIRST_ROW + i, 2)
    return out


_LABEL_CELLS: dict[str, tuple] = {}  # by table key: hashing a whole Table for lru_cache costs more than the work


def label_cells(table: Table) -> tuple[tuple[Location, str], ...]:
    """Where each fixed label of a table sits in the workbook (for the structure check)."""
    got = _LABEL_CELLS.get(table.key)
    if got is None or got[0] is not table:
        r0, c0 = TABLE_ORIGIN
        got = (table, tuple((Location(table.sheet, r0 + gc.row, c0 + gc.col), gc.text)
                            for gc in table.cells if gc.role != "data"))
        _LABEL_CELLS[table.key] = got
    return got[1]


def to_json() -> dict:
    """The schema as plain data (``gxxl schema --format json``)."""
    loc = layout()
    return {
        "format": FORMAT_VERSION,
        "format_name": FORMAT_NAME,
        "layout_version": LAYOUT_VERSION,
        "data_points": [
            {
                "code": p.code,
                "table": p.table,
                "labels": list(p.labels),
                "kind": p.kind,
                "unit": p.unit,
                "sum_of": list(p.parts),
                "sheet": loc[p.code].sheet,
                "cell": loc[p.code].cell,
            }
            for p in DATA_POINTS
        ],
        "meta": [{"code": f.code, "label": f.label, "required": f.required, "sheet": loc[f.code].sheet,
                  "cell": loc[f.code].cell} for f in META_FIELDS],
        "narrative": [{"code": f.code, "label": f.label, "sheet": loc[f.code].sheet, "cell": loc[f.code].cell}
                      for f in NARRATIVE_FIELDS],
        "levels": list(LEVELS),
    }
