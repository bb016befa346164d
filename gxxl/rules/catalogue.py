"""The rule catalogue: every check gxxl makes, as data.

Rule IDs are stable (they are typed into the workbook's 说明 sheet and appear in JSON).
Scheme: ``<area>.<check>``, lower-case check names, areas:

=========  ==========================================================
fill       each data point: filled, a number, whole, ≥ 0
A          表二 主动公开政府信息情况 (table A of the spec)
B          表三 收到和处理政府信息公开申请情况 (table B)
C          表四 政府信息公开行政复议、行政诉讼情况 (table C)
prev       against last year's report (``--previous``)
text       正文 (narrative) against the tables and the format's requirements
meta       封面: organ, year, level; years used in the narrative and file name
format     the format version
structure  the workbook's fixed layout (raised by the reader)
notes      the 说明 sheet itself
=========  ==========================================================

Each rule has a severity (``error`` blocks the final report; a ``warning`` asks the
clerk to check and can be explained on the 说明 sheet), a short Chinese title, a
message template (``str.format`` fields filled by the check; every template shows
what was expected and what was found), and the codes involved as glob patterns
over the schema's codes. ``why`` is the reason shown with warnings.
"""
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    template: str
    codes: tuple[str, ...] = ()
    why: str = ""
    needs_previous: bool = False
    source: str = "engine"  # "reader": raised while reading the workbook, merged by the engine

    def involves(self, code: str) -> bool:
        return any(fnmatchcase(code, pat) for pat in self.codes)


R = Rule
E, W = ERROR, WARNING

RULES: tuple[Rule, ...] = (
    # -- every data point ------------------------------------------------------------------
    R("fill.blank", E, "未填写", "“{label}”未填写：空白不等于0，没有发生请填0", ("active.*", "requests.*", "appeals.*"),
      "官方表格每一格都要有数字，留空会被视为漏报"),
    R("fill.text", E, "填了文字", "“{label}”填的是文字“{raw}”，应填数字{hint}", ("active.*", "requests.*", "appeals.*")),
    R("fill.number_as_text", E, "文本格式的数字", "“{label}”的“{raw}”是文本格式的数字，Excel合计时会漏算，请删除后重新输入数字{actual}",
      ("active.*", "requests.*", "appeals.*")),
    R("fill.negative", E, "负数", "“{label}”为{actual}，应为0或正数", ("active.*", "requests.*", "appeals.*")),
    R("fill.fraction", E, "件数不是整数", "“{label}”为{actual}，件数应为整数（是否为{expected}？）",
      ("active.*", "requests.*", "appeals.*"), "只有行政事业性收费金额（万元）可以有小数"),
    R("fill.formula_error", E, "公式错误", "“{label}”显示公式错误“{raw}”，应为数字", ("active.*", "requests.*", "appeals.*")),
    # -- table B ---------------------------------------------------------------------------
    R("B.row_total", E, "表三行总计", "“{row}”的总计应为{expected}（自然人至其他六列之和），表中为{actual}", ("requests.*",)),
    R("B.handled_total", E, "表三（七）总计", "“{column}”列的（七）总计应为{expected}（（一）至（六）各项之和），表中为{actual}",
      ("requests.handled_total.*", "requests.*")),
    R("B.balance", E, "表三勾稽关系", "“{column}”列不满足勾稽关系“一＋二＝（七）＋四”：一＋二＝{new}＋{carried_in}＝{expected}，"
      "（七）＋四＝{handled}＋{carried_out}＝{actual}，相差{diff}",
      ("requests.new.*", "requests.carried_in.*", "requests.handled_total.*", "requests.carried_out.*"),
      "官方表格注明：第一项加第二项之和，等于第三项加第四项之和"),
    # -- table C ---------------------------------------------------------------------------
    R("C.total", E, "表四总计", "“{group}”的总计应为{expected}（结果维持＋结果纠正＋其他结果＋尚未审结），表中为{actual}",
      ("appeals.*",)),
    # -- table A ---------------------------------------------------------------------------
    R("A.rules_level", W, "县乡机关填了规章", "机关层级为“{level}”，但规章{what}为{actual}件（应为{expected}）：{why}",
      ("active.rules.*",),
      "只有国务院部门和省、自治区、直辖市、设区的市、自治州人民政府有权制定规章，县级和乡镇（街道）机关的规章一般应全部填0"),
    R("A.in_force_lt_issued", W, "现行有效少于本年制发", "{row}现行有效{actual}件，少于本年制发{expected}件：{why}",
      ("active.rules.*", "active.normative.*"), "本年制发的文件一般仍然有效，现行有效件数通常不少于本年制发件数"),
    # -- against last year -----------------------------------------------------------------
    R("prev.year", W, "上年报告年度不符", "上年报告的年度为{actual}，应为{expected}年度；跨年度检查未进行", ("meta.year",),
      needs_previous=True),
    R("prev.organ", W, "上年报告机关不符", "上年报告的机关为“{actual}”，与本年“{expected}”不同，请确认是否选错了文件", ("meta.organ",),
      needs_previous=True),
    R("prev.carried_in", E, "上年结转与上年报告不符", "“{column}”列的上年结转应等于上年报告的结转下年度{expected}件，表中为{actual}件",
      ("requests.carried_in.*", "requests.carried_out.*"), needs_previous=True),
    R("prev.in_force", W, "现行有效与上年不衔接", "{row}现行有效应为上年现行有效{last}＋本年制发{issued}－本年废止{repealed}＝{expected}件，"
      "表中为{actual}件，{note}", ("active.rules.*", "active.normative.*"), needs_previous=True),
    R("prev.problems_similar", W, "五与上年雷同", "“五、存在的主要问题及改进情况”与上年报告的相似度为{actual}（超过{expected}）：{why}",
      ("narrative.problems",), "格式要求查找问题要有针对性，不得出现敷衍了事甚至年年雷同现象", needs_previous=True),
    # -- narrative -------------------------------------------------------------------------
    R("text.part_missing", E, "正文缺少部分", "正文“{part}”未填写（应为：{expected}）", ("narrative.*",)),
    R("text.received", W, "正文申请数与表三不符", "正文称“{quote}”（{number}件），表三本年新收为{new}件、新收＋上年结转为{both}件，都不一致",
      ("narrative.*", "requests.new.total", "requests.carried_in.total"),
      "正文的收到、受理申请数应与表三一致（按本年新收或新收加上年结转计算均可）"),
    R("text.handled", W, "正文办结数与表三不符", "正文称“{quote}”（{number}件），表三（七）总计为{expected}件",
      ("narrative.*", "requests.handled_total.total")),
    R("text.carried", W, "正文结转数与表三不符", "正文称“{quote}”（{number}件），表三{what}为{expected}件",
      ("narrative.*", "requests.carried_in.total", "requests.carried_out.total")),
    R("text.outcome", W, "正文办理结果与表三不符", "正文称“{quote}”（{what}{number}件），表三{what}为{expected}件",
      ("narrative.*", "requests.*.total")),
    R("text.percent", W, "正文百分比与表三不符", "正文称“{quote}”（{what}占{number}%），按表三应为{expected}%（{count}÷（七）总计{total}）",
      ("narrative.*", "requests.*.total")),
    R("text.review", W, "正文行政复议数与表四不符", "正文称“{quote}”（行政复议{what}{number}件），表四为{expected}件",
      ("narrative.*", "appeals.review.*")),
    R("text.litigation", W, "正文行政诉讼数与表四不符", "正文称“{quote}”（行政诉讼{what}{number}件），表四为{expected}件"
      "（未经复议直接起诉{direct}件＋复议后起诉{after}件）",
      ("narrative.*", "appeals.litigation_direct.*", "appeals.litigation_after_review.*")),
    R("text.appeal_words", W, "正文复议诉讼结果表述与表四不符", "正文称“{quote}”，但表四{actual}", ("narrative.*", "appeals.*")),
    R("text.normative", W, "正文文件数与表二不符", "正文称“{quote}”（{what}{number}件），表二为{expected}件",
      ("narrative.*", "active.rules.*", "active.normative.*")),
    R("text.fee_statement", E, "六未说明信息处理费", "“六、其他需要报告的事项”未说明信息处理费收取情况{hint}：{why}",
      ("narrative.other",),
      "格式要求在第六部分专门报告依据《政府信息公开信息处理费管理办法》收取信息处理费的情况（如“本机关未收取信息处理费”或“全年收取信息处理费X元”）"),
    R("text.fee_unclear", W, "信息处理费表述不明确", "“六、其他需要报告的事项”提到信息处理费，但没有写明收取金额或未收取：“{quote}”",
      ("narrative.other",)),
    R("text.fee_notice", W, "发过收费通知但六未说明", "表三“申请人逾期未按收费通知要求缴纳费用”为{actual}件，说明本年发出过收费通知，"
      "请在“六、其他需要报告的事项”中说明收费通知和信息处理费情况", ("narrative.other", "requests.other_no_fee.*")),
    R("text.overview_length", W, "总体情况超过一千字", "“一、总体情况”共{actual}字，超过{expected}字：{why}", ("narrative.overview",),
      "格式要求总体情况重在聚焦主题、简明客观，篇幅原则上不超过一千字"),
    R("text.placeholder", E, "正文占位符有误", "{message}", ("narrative.*",)),
    R("text.placeholder_blank", E, "正文占位符引用的数据未填", "{where}：占位符“{{{{ {name} }}}}”引用的数据未填写，报告中将显示“【未填】”",
      ("narrative.*",)),
    R("text.model_text", E, "正文仍是示例文字", "{where}：正文仍有示例提示“{mark}”，请改写为本机关的实际情况", ("narrative.*",)),
    # -- meta ------------------------------------------------------------------------------
    R("meta.required", E, "封面必填项未填", "封面“{label}”未填写", ("meta.organ", "meta.year", "meta.level")),
    R("meta.level", E, "机关层级无效", "机关层级“{actual}”无效，应为：{expected}", ("meta.level",)),
    R("meta.year", E, "报告年度无效", "报告年度“{actual}”无效：应为{expected}的四位年份（本格式自2021年度起使用）", ("meta.year",)),
    R("meta.year_text", W, "正文年份与报告年度不符", "正文“{part}”中的年份{actual}与报告年度{expected}不一致：“{quote}”",
      ("meta.year", "narrative.*")),
    R("meta.year_filename", W, "文件名年份与报告年度不符", "文件名“{name}”中的年份{actual}与报告年度{expected}不一致", ("meta.year",)),
    # -- format and structure --------------------------------------------------------------
    R("format.version", E, "格式版本", "报告使用的格式版本为“{actual}”，应为{expected}（国办公开办函〔2021〕30号）{note}"),
    # -- raised by the importer of published reports (gxxl.ingest) ---------------------------
    R("import.table_missing", E, "缺整张表", "{message}", source="import"),
    R("import.block_missing", E, "表二缺块", "{message}", source="import"),
    R("import.row_missing", E, "缺行", "{message}", source="import"),
    R("import.row_empty", E, "行无数字", "{message}", source="import"),
    R("import.group_collapsed", E, "其他处理未分项", "{message}", source="import"),
    R("import.cells_blank", E, "空白格", "{message}", source="import"),
    R("import.table_blank", E, "整表空白", "{message}", source="import"),
    R("import.cells_count", E, "格数不符", "{message}", source="import"),
    R("import.cells_ambiguous", E, "连写无法拆分", "{message}", source="import"),
    R("import.cells_split", W, "数字连写（已拆分）", "{message}", source="import"),
    R("import.rows_realigned", W, "行错位（已归位）", "{message}", source="import"),
    R("import.cells_wrapped", W, "数字折行（已拼接）", "{message}", source="import"),
    R("import.stray_numbers", W, "多余数字", "{message}", source="import"),
    R("import.format_2019", E, "使用2019年旧格式", "{message}", source="import"),
    R("import.meta_missing", W, "缺机关或年度", "{message}", source="import"),
    R("import.part_missing", W, "缺正文部分", "{message}", source="import"),
    R("structure.label", E, "表格文字被改动", "{message}", source="reader"),
    R("structure.sheet_missing", E, "缺少工作表", "{message}", source="reader"),
    R("structure.sheet_renamed", W, "工作表被改名", "{message}", source="reader"),
    R("structure.meta_sheet", W, "缺少隐藏信息页", "{message}", source="reader"),
    R("structure.macros_ignored", W, "含有宏（未运行）", "{message}", source="reader"),
    R("structure.outside_ignored", W, "表格以外的内容已忽略", "{message}", source="reader"),
    R("notes.unknown_key", W, "说明页编号无效", "“说明”页{cell}的“{actual}”既不是规则编号也不是数据项代码，这条说明不会生效"),
)

BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
assert len(BY_ID) == len(RULES), "duplicate rule ID"


def rule(rule_id: str) -> Rule:
    return BY_ID[rule_id]


def to_json() -> list[dict]:
    """The catalogue as plain data (``gxxl rules --format json``)."""
    return [
        {"id": r.id, "severity": r.severity, "title": r.title, "template": r.template, "codes": list(r.codes),
         "why": r.why, "needs_previous": r.needs_previous, "source": r.source}
        for r in RULES
    ]


AREAS = {  # rule-ID area -> Chinese heading of the rules guide (docs/校验规则.md)
    "fill": "每个数据项（fill）", "A": "表二 主动公开（A）", "B": "表三 依申请公开（B）", "C": "表四 复议诉讼（C）",
    "prev": "与上年报告衔接（prev，需 --previous）", "text": "正文（text）", "meta": "封面与年份（meta）",
    "format": "格式版本（format）", "structure": "工作簿结构（structure，读取时发现）", "notes": "说明页（notes）",
    "import": "导入已公开的年报（import）",
}


def to_markdown() -> str:
    """The rules guide for users (docs/校验规则.md is this text; a test keeps the two equal)."""
    out = ["# 校验规则", "",
           "本页由规则目录 `gxxl/rules/catalogue.py` 生成（`python3 scripts/gen_docs.py`），与程序始终一致；命令行 `gxxl rules` 列出同样的内容。", "",
           "- **错误**必须改正：有错误时 `gxxl validate` 退出码为1，`gxxl report` 不生成正式报告。错误不能通过说明消除。",
           "- **提示**请核实：确属正常的，在工作簿“说明”页的说明表A列写规则编号（或数据项代码），B列写理由，"
           "校验时显示为“已说明”。",
           "- 规则编号固定不变（写在“说明”页、出现在JSON输出中），格式为“范围.检查”。", ""]
    seen = []
    for r in RULES:
        area = r.id.split(".")[0]
        if area not in seen:
            seen.append(area)
    for area in seen:
        out += [f"## {AREAS.get(area, area)}", "", "| 规则编号 | 级别 | 含义 | 说明 |", "|---|---|---|---|"]
        for r in RULES:
            if r.id.split(".")[0] != area:
                continue
            sev = "错误" if r.severity == ERROR else "提示"
            extra = "（需 --previous）" if r.needs_previous and area != "prev" else ""
            note = r.why or ("读取工作簿时发现" if r.source == "reader" else "导入已公开的年报时" if r.source == "import" else "")
            out.append(f"| `{r.id}` | {sev} | {r.title}{extra} | {note} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
