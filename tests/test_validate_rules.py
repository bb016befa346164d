"""Every rule of the catalogue: a failing case (the rule fires, on the right sheet and cell, with
expected and actual) and a passing case (a near miss that must not fire)."""
from __future__ import annotations

import copy
import re

import pytest

from gxxl import schema
from gxxl.samples import bureau as sample
from gxxl.model import AnnualReport, Explanation
from gxxl.rules import RULES, validate
from gxxl.rules.engine import engine_rule_ids

NARR = sample.SAMPLE_NARRATIVE


def make(values=None, meta=None, narrative=None, explanations=(), path=None, fmt=None) -> AnnualReport:
    v = sample.sample_values()
    v.update(values or {})
    m = dict(sample.SAMPLE_META)
    m.update(meta or {})
    n = dict(NARR)
    n.update(narrative or {})
    rep = AnnualReport.from_values(v, meta=m, narrative=n)
    rep.explanations = [Explanation(k, t, schema.SHEET_NOTES, f"A{schema.EXPLANATION_FIRST_ROW + i}")
                        for i, (k, t) in enumerate(explanations)]
    rep.source.path = path
    rep.source.format_version = fmt
    return rep


def prev(values=None, meta=None, narrative=None) -> AnnualReport:
    m = {"year": 2023}
    m.update(meta or {})
    values = {"requests.carried_out.natural": 0, "requests.disclosed.natural": 3, **(values or {})}  # balances, carries 0
    n = {"problems": "2023年存在的问题：一是网站栏目更新不够及时；二是依申请公开登记台账不够规范。改进措施：建立栏目更新责任清单，规范登记台账。"}
    n.update(narrative or {})
    return make(values, m, n)


def ov(extra: str) -> dict:
    """The sample overview with one more sentence (the sample's own sentences all agree with the tables;
    its "未发生…行政复议和行政诉讼" is dropped so that cases may have appeals)."""
    base = NARR["overview"].replace("，未发生因政府信息公开引起的行政复议和行政诉讼", "")
    assert base != NARR["overview"]
    return {"overview": base + "\n" + extra}


LONG = "（六）其他工作。" + "坚持以公开为常态、不公开为例外，持续推进决策、执行、管理、服务、结果公开。" * 30

# rule: (failing report, previous) , (passing report, previous), expected sheet, expected cell
CASES = {
    "fill.blank": ((make({"requests.new.natural": None}), None), (make({"requests.new.natural": 4}), None),
                   "表三 依申请公开", "D6"),
    "fill.text": ((make({"requests.new.natural": "4件"}), None), (make({"requests.new.natural": 4}), None),
                  "表三 依申请公开", "D6"),
    "fill.number_as_text": ((make({"requests.new.natural": "4"}), None), (make({"requests.new.natural": 4}), None),
                            "表三 依申请公开", "D6"),
    "fill.negative": ((make({"appeals.review.upheld": -1}), None), (make({"appeals.review.upheld": 0}), None),
                      "表四 复议诉讼", "A6"),
    "fill.fraction": ((make({"active.normative.issued": 2.5}), None), (make({"active.fees.amount": 1.25}), None),
                      "表二 主动公开", "B6"),
    "fill.formula_error": ((make({"active.penalty.decisions": "#REF!"}), None), (make(), None), "表二 主动公开", "B12"),
    "B.row_total": ((make({"requests.new.total": 6}), None), (make({"requests.new.total": 5}), None),
                    "表三 依申请公开", "J6"),
    "B.handled_total": ((make({"requests.handled_total.natural": 4}), None),
                        (make({"requests.handled_total.natural": 3}), None), "表三 依申请公开", "D29"),
    "B.balance": ((make({"requests.carried_out.natural": 3}), None), (make({"requests.carried_out.natural": 1}), None),
                  "表三 依申请公开", "D30"),
    "C.total": ((make({"appeals.review.total": 1}), None), (make({"appeals.review.total": 0}), None),
                "表四 复议诉讼", "E6"),
    "A.rules_level": ((make({"active.rules.issued": 1, "active.rules.in_force": 1}), None),
                      (make({"active.rules.issued": 1, "active.rules.in_force": 1}, {"level": "市级"}), None),
                      "表二 主动公开", "B5"),
    "A.in_force_lt_issued": ((make({"active.normative.in_force": 1}), None),
                             (make({"active.normative.in_force": 2}), None), "表二 主动公开", "D6"),
    "prev.year": ((make(), prev(meta={"year": 2022})), (make(), prev()), "封面", "B5"),
    "prev.organ": ((make(), prev(meta={"organ": "示例县交通运输局"})),
                   (make(), prev(meta={"organ": " 示例县应急管理局(样例数据) "})), "封面", "B4"),
    "prev.carried_in": ((make(), prev({"requests.carried_out.natural": 2, "requests.handled_total.natural": 1})),
                        (make(), prev()), "表三 依申请公开", "D7"),
    "prev.in_force": ((make(), prev({"active.normative.in_force": 20})), (make(), prev({"active.normative.in_force": 14})),
                      "表二 主动公开", "D6"),
    "prev.problems_similar": ((make(), prev(narrative={"problems": NARR["problems"].replace("2025年", "2024年")})),
                              (make(), prev()), "正文", "B5"),
    "text.part_missing": ((make(narrative={"problems": ""}), None), (make(), None), "正文", "B5"),
    "text.received": ((make(narrative=ov("全年收到政府信息公开申请6件。")), None),
                      (make(narrative=ov("全年收到政府信息公开申请5件。")), None), "正文", "B4"),
    "text.handled": ((make(narrative=ov("依申请公开共办结3件。")), None), (make(narrative=ov("依申请公开共办结4件。")), None),
                     "正文", "B4"),
    "text.carried": ((make(narrative=ov("申请结转下年度继续办理2件。")), None),
                     (make(narrative=ov("申请结转下年度继续办理1件。")), None), "正文", "B4"),
    "text.outcome": ((make(narrative=ov("办结的申请中予以公开2件。")), None),
                     (make(narrative=ov("办结的申请中予以公开3件。")), None), "正文", "B4"),
    "text.percent": ((make(narrative=ov("办结的申请中予以公开3件，占70%。")), None),
                     (make(narrative=ov("办结的申请中予以公开3件，占75%。")), None), "正文", "B4"),
    "text.review": ((make(narrative=ov("本年发生政府信息公开行政复议2件。")), None),
                    (make({"appeals.review.upheld": 2}, narrative=ov("本年发生政府信息公开行政复议2件。")), None),
                    "正文", "B4"),
    "text.litigation": ((make({"appeals.litigation_direct.upheld": 1, "appeals.litigation_after_review.upheld": 1},
                              narrative=ov("本年发生政府信息公开行政诉讼1件。")), None),
                        (make({"appeals.litigation_direct.upheld": 1, "appeals.litigation_after_review.upheld": 1},
                              narrative=ov("本年发生政府信息公开行政诉讼2件。")), None), "正文", "B4"),
    "text.appeal_words": ((make({"appeals.review.corrected": 1},
                                narrative=ov("本年发生政府信息公开行政复议1件，均获维持。")), None),
                          (make({"appeals.review.upheld": 1}, narrative=ov("本年发生政府信息公开行政复议1件，均获维持。")), None),
                          "正文", "B4"),
    "text.normative": ((make(narrative=ov("本年制发行政规范性文件3件。")), None),
                       (make(narrative=ov("本年制发行政规范性文件2件。")), None), "正文", "B4"),
    "text.fee_statement": ((make(narrative={"other": "（一）人大代表建议和政协委员提案办理结果公开情况：无。"}), None),
                           (make(), None), "正文", "B6"),
    "text.fee_unclear": ((make(narrative={"other": "依据《政府信息公开信息处理费管理办法》收取信息处理费的情况见附件。"}), None),
                         (make(narrative={"other": "本机关全年收取信息处理费120元。"}), None), "正文", "B6"),
    "text.fee_notice": ((make({"requests.disclosed.natural": 1, "requests.other_no_fee.natural": 1}), None),
                        (make({"requests.disclosed.natural": 1, "requests.other_no_fee.natural": 1},
                              narrative={"other": NARR["other"] + "\n本年发出收费通知1份，申请人逾期未缴纳，未收取信息处理费。"}), None),
                        "正文", "B6"),
    "text.overview_length": ((make(narrative={"overview": NARR["overview"] + LONG}), None), (make(), None), "正文", "B4"),
    "text.placeholder": ((make(narrative={"overview": NARR["overview"] + "\n全年收到{{ 本年新收申请 }}件。"}), None),
                         (make(narrative={"overview": NARR["overview"] + "\n全年新收申请{{ 本年新收 }}件。"}), None),
                         "正文", "B4"),
    "text.placeholder_blank": ((make({"requests.new.business": None},
                                     narrative={"overview": NARR["overview"] + "\n商业企业申请{{ requests.new.business }}件。"}), None),
                               (make(narrative={"overview": NARR["overview"] + "\n商业企业申请{{ requests.new.business }}件。"}), None),
                               "正文", "B4"),
    "text.model_text": ((make(narrative={"problems": "【请具体写明本年度存在的主要问题】" + NARR["problems"]}), None),
                        (make(), None), "正文", "B5"),
    "meta.required": ((make(meta={"organ": None}), None), (make(), None), "封面", "B4"),
    "meta.level": ((make(meta={"level": "区级"}), None), (make(meta={"level": "乡镇（街道）"}), None), "封面", "B6"),
    "meta.year": ((make(meta={"year": "二〇二四"}), None), (make(meta={"year": "2024"}), None), "封面", "B5"),
    "meta.year_text": ((make(narrative={"preface": NARR["preface"].replace("2024年", "2023年")}), None),
                       (make(narrative=ov("2025年，我局将继续做好政务公开工作。")), None), "正文", "B3"),
    "meta.year_filename": ((make(path="/x/示例县应急管理局2023年政府信息公开工作年度报告.xlsx"), None),
                           (make(path="/x/示例县应急管理局2024年政府信息公开工作年度报告.xlsx"), None), "封面", "B5"),
    "format.version": ((make(fmt="2019"), None), (make(fmt="2021"), None), None, None),
    "notes.unknown_key": ((make(explanations=[("B.balanse", "口误")]), None),
                          (make(explanations=[("b．balance", "口误")]), None), "说明", f"A{schema.EXPLANATION_FIRST_ROW}"),
}
READER_RULES = {r.id for r in RULES if r.source in ("reader", "import")}  # covered in test_validate_structure.py / test_import_*


def _fired(rep, previous):
    return validate(rep, previous).findings


def test_clean_sample_is_clean():
    res = validate(make())
    assert res.findings == [] and res.ok


def test_every_rule_has_cases():
    assert set(CASES) | READER_RULES == {r.id for r in RULES}
    assert engine_rule_ids() == {r.id for r in RULES} - READER_RULES


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fails_and_passes(rule):
    (bad, bad_prev), (good, good_prev), sheet, cell = CASES[rule]
    hits = [f for f in _fired(bad, bad_prev) if f.rule == rule]
    assert hits, f"{rule} did not fire"
    f = hits[0]
    r = next(x for x in RULES if x.id == rule)
    assert f.severity == r.severity and f.title == r.title
    assert (f.sheet, f.cell) == (sheet, cell)
    assert f.message and ("{" not in f.message or rule.startswith("text.placeholder"))  # these quote the placeholder
    assert f.expected is not None or f.actual is not None
    assert all(r.involves(c) for c in f.codes if not c.startswith(("narrative.", "meta."))) or rule.startswith("text.")
    assert not [x for x in _fired(good, good_prev) if x.rule == rule], f"{rule} fired on its passing case"


def test_messages_show_expected_and_actual():
    f = {x.rule: x for x in _fired(make({"requests.new.natural": "4件"}), None)}["fill.text"]
    assert "应填数字（是否为4？）" in f.message and (f.expected, f.actual) == (4, "4件")
    f = {x.rule: x for x in _fired(make({"requests.new.natural": "无"}), None)}["fill.text"]
    assert "没有发生请填0" in f.message
    f = {x.rule: x for x in _fired(make({"requests.carried_out.natural": 3}), None)}["B.balance"]
    assert (f.expected, f.actual) == (4, 6) and "相差2" in f.message and "自然人" in f.message
    assert f.codes == ["requests.new.natural", "requests.carried_in.natural", "requests.handled_total.natural",
                       "requests.carried_out.natural"]
    f = {x.rule: x for x in _fired(make({"requests.new.total": 6}), None)}["B.row_total"]
    assert (f.expected, f.actual) == (5, 6) and "一、本年新收" in f.message


def test_balance_reports_total_column_only_when_columns_balance():
    fs = [f for f in _fired(make({"requests.carried_out.natural": 3}), None) if f.rule == "B.balance"]
    assert [f.cell for f in fs] == ["D30"]  # not J30 too: the total only repeats 自然人's difference
    # stored totals that disagree with themselves: only the total column is off
    rep = make({"requests.carried_out.total": 3})
    assert {f.rule for f in validate(rep).findings} == {"B.row_total"}


def test_rules_level_reason_and_all_cells():
    fs = [f for f in _fired(make({"active.rules.issued": 1, "active.rules.in_force": 1}, {"level": "乡镇（街道）"}), None)
          if f.rule == "A.rules_level"]
    assert [f.cell for f in fs] == ["B5", "D5"]
    assert "设区的市" in fs[0].message and "乡镇（街道）" in fs[0].message


def test_in_force_note_says_natural_expiry_or_suspicious():
    short = {f.rule: f for f in _fired(make(), prev({"active.normative.in_force": 20}))}["prev.in_force"]
    assert "自然失效" in short.message and (short.expected, short.actual) == (21, 15) and "少6件" in short.message
    more = {f.rule: f for f in _fired(make(), prev({"active.normative.in_force": 10}))}["prev.in_force"]
    assert "多4件" in more.message and "自然失效" not in more.message


def test_previous_of_wrong_year_skips_cross_checks():
    fs = _fired(make(), prev({"requests.carried_out.natural": 2, "requests.handled_total.natural": 1}, {"year": 2021}))
    assert [f.rule for f in fs] == ["prev.year"] and fs[0].expected == 2023


def test_carried_in_per_column_and_cells():
    last = prev({"requests.carried_out.business": 1, "requests.handled_total.business": 0,
                 "requests.disclosed.business": 0})
    fs = [f for f in _fired(make(), last) if f.rule == "prev.carried_in"]
    assert [(f.cell, f.expected, f.actual) for f in fs] == [("E7", 1, 0)] and "商业企业" in fs[0].message
    assert fs[0].severity == "error"


def test_fee_statement_mentions_other_part():
    rep = make(narrative={"other": "（一）人大代表建议办理情况：无。", "overview": NARR["overview"] + "全年未收取信息处理费。"})
    f = {x.rule: x for x in validate(rep).findings}["text.fee_statement"]
    assert f.severity == "error" and "一、总体情况" in f.message


def test_fee_never_compared_with_administrative_fees():
    # 行政事业性收费 is 万元 of charges in table 2; 信息处理费 is yuan charged to applicants: unrelated.
    rep = make({"active.fees.amount": 35.5}, narrative={"other": "本机关全年收取信息处理费120元。"})
    assert validate(rep).findings == []


def test_year_text_allows_next_year_plans_and_flags_leftovers():
    rep = make(narrative={"problems": "2025年，我局将继续改进。" + NARR["problems"],
                          "other": "（一）收取信息处理费的情况：2023年度，本单位未收取信息处理费。"})
    fs = [f for f in validate(rep).findings if f.rule == "meta.year_text"]
    assert [(f.cell, f.actual) for f in fs] == [("B6", "2023")] and "2023年度" in fs[0].message


def test_explained_warning_is_reported_not_hidden():
    rep = make({"active.normative.in_force": 1}, explanations=[("A.in_force_lt_issued", "本年制发的1件已于年内废止")])
    res = validate(rep)
    (f,) = res.warnings
    assert f.explained and f.explanation == "本年制发的1件已于年内废止"
    assert res.unexplained_warnings == [] and res.ok
    assert f.to_json()["explained"] is True


def test_explanation_by_code_and_errors_cannot_be_explained():
    rep = make({"active.normative.in_force": 1, "requests.carried_out.natural": 3},
               explanations=[("active.normative.in_force", "年内废止"), ("B.balance", "数字没错")])
    res = validate(rep)
    assert [(f.rule, f.explained) for f in res.warnings] == [("A.in_force_lt_issued", True), ("text.carried", False)]
    assert [f.explained for f in res.errors] == [False] and not res.ok
    assert any("B.balance" in n and "不能通过说明消除" in n for n in res.notes)


def test_reader_findings_are_merged():
    rep = make()
    from gxxl.model import Finding

    rep.findings.append(Finding("structure.label", "error", "表三 依申请公开 C11：表格文字被改动", sheet="表三 依申请公开",
                                cell="C11", expected="2.其他法律行政法规禁止公开", actual="2.其他法律法规禁止公开"))
    res = validate(rep)
    assert [(f.rule, f.cell, f.title) for f in res.findings] == [("structure.label", "C11", "表格文字被改动")]
    assert rep.findings[0].title is None  # the report itself is not modified


def test_validate_does_not_modify_the_report():
    rep = make({"requests.carried_out.natural": 3})
    before = copy.deepcopy(rep.to_json())
    validate(rep, prev())
    assert rep.to_json() == before


def test_rule_ids_follow_the_scheme():
    for r in RULES:
        assert re.fullmatch(r"(fill|A|B|C|prev|text|meta|format|structure|notes|import)\.[a-z_0-9]+", r.id), r.id
        assert r.severity in ("error", "warning") and r.title
        assert r.source in ("reader", "import") or "{" in r.template


def test_rules_guide_lists_every_rule():
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[1] / "docs" / "校验规则.md").read_text(encoding="utf-8")
    missing = [r.id for r in RULES if f"`{r.id}`" not in guide]
    assert missing == []
