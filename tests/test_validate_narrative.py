"""Reading numbers out of the narrative: real sentences from published reports, both readings of
"收到", outcome counts and percentages, appeals and their outcome words, and the sentences that
must NOT produce a warning."""
from __future__ import annotations

import pytest

from gxxl import schema
from gxxl.model import AnnualReport
from gxxl.rules import validate
from gxxl.rules.narrative import cn_number, normalize, sentences, similarity

FEE_OK = "本机关未收取信息处理费。"


def report(values: dict, overview: str, other: str = FEE_OK, year: int = 2024) -> AnnualReport:
    v = {c: 0 for c in schema.INPUT_CODES}
    v.update(values)
    return AnnualReport.from_values(v, meta={"organ": "某市人民政府", "year": year, "level": "市级"},
                                    narrative={"overview": overview, "problems": "一是……；二是……。", "other": other})


def text_findings(rep):
    return [f for f in validate(rep).findings if f.rule.startswith("text.") or f.rule == "meta.year_text"]


# 淮安市 2024 (huaian_2024.pdf): the PDF's hard line breaks and spaces around numbers are kept.
HUAIAN = {"requests.new.natural": 3119, "requests.carried_in.natural": 34, "requests.disclosed.natural": 3050,
          "requests.carried_out.natural": 103,
          **{f"appeals.review.{c}": n for c, n in zip(("upheld", "corrected", "other", "pending"), (72, 64, 178, 37))},
          **{f"appeals.litigation_direct.{c}": n for c, n in zip(("upheld", "corrected", "other", "pending"), (13, 4, 8, 1))},
          **{f"appeals.litigation_after_review.{c}": n for c, n in zip(("upheld", "corrected", "other", "pending"), (12, 1, 1, 6))}}
HUAIAN_TEXT = """（二）依申请公开情况。定期对政府信息公开申请集中的领
域进行分析研判。2024 年，全市共受理政府信息公开申请 3119 件，答
复 3050 件（含上年度结转申请 34 件，另有 103 件顺延到下年度
答复），均在法定期限内予以答复。政府信息公开行政复议 351
件，其中结果维持 72 件，结果纠正 64 件，其他结果 178 件，尚
未审结 37 件；政府信息公开行政诉讼 46 件，其中结果维持 25件，结果纠正 5 件，其他结果 9 件，尚未审结 7 件。"""
HUAIAN_OTHER = "2024 年，市政府严格落实《政府信息公开信息处理费管理办法》，全年收取政府信息公开信息处理费 3940 元。"


def test_huaian_sentences_agree_with_its_tables():
    assert text_findings(report(HUAIAN, HUAIAN_TEXT, HUAIAN_OTHER)) == []


@pytest.mark.parametrize("change,rule,expected,actual", [
    ({"appeals.review.upheld": 70}, "text.review", 349, 351),
    ({"appeals.litigation_after_review.corrected": 2}, "text.litigation", 47, 46),
    ({"requests.carried_out.natural": 100, "requests.disclosed.natural": 3053}, "text.carried", 100, 103),
])
def test_huaian_mismatches(change, rule, expected, actual):
    fs = [f for f in text_findings(report({**HUAIAN, **change}, HUAIAN_TEXT, HUAIAN_OTHER)) if f.rule == rule]
    assert (fs[0].expected, fs[0].actual) == (expected, actual)
    assert fs[0].sheet == "正文" and fs[0].cell == "B4"
    assert "“" in fs[0].message and f"{actual}件" in fs[0].message  # quotes the sentence


def test_litigation_is_direct_plus_after_review():
    vals = {"appeals.litigation_direct.upheld": 4, "appeals.litigation_direct.pending": 1,
            "appeals.litigation_after_review.upheld": 1, "appeals.litigation_after_review.other": 1,
            "appeals.review.upheld": 1, "appeals.review.corrected": 1}
    s = "因政府信息公开引起的行政复议案件2件、行政诉讼案件7件。"
    assert text_findings(report(vals, s)) == []
    (f,) = text_findings(report(vals, s.replace("7件", "5件")))
    assert f.rule == "text.litigation" and "未经复议直接起诉5件＋复议后起诉2件" in f.message


def test_received_accepts_new_or_new_plus_carried_and_says_which():
    vals = {"requests.new.natural": 71, "requests.new.business": 3, "requests.carried_in.natural": 1,
            "requests.disclosed.natural": 72, "requests.disclosed.business": 3}
    s = "2024年，全区收到政府信息公开申请75件，涉及自然人72件、商业企业3件，均在法定期限内予以答复，办结率100%。"
    res = validate(report(vals, s))
    assert [f.rule for f in res.findings] == []
    assert res.notes and "新收＋上年结转" in res.notes[0] and "75件" in res.notes[0]
    res = validate(report(vals, s.replace("75件", "74件")))
    assert [f.rule for f in res.findings] == [] and res.notes == []
    (f,) = text_findings(report(vals, s.replace("75件", "76件")))
    assert f.rule == "text.received" and "本年新收为74件、新收＋上年结转为75件" in f.message


@pytest.mark.parametrize("sentence", [
    "2024年全区接收通过邮寄、网络提交的各类政府信息公开申请共计81件。",
    "今年，我局收到的政府信息依申请公开数量为81件，均已按时按要求答复。",   # the seed report's wording
    "全年共收到81件政府信息公开申请。",
    "全年办理政府信息公开申请81件。",
    "本年度共受理政府信息公开申请八十一件。",
])
def test_received_wordings(sentence):
    vals = {"requests.new.natural": 81, "requests.disclosed.natural": 81}
    assert text_findings(report(vals, sentence)) == []
    fs = text_findings(report({"requests.new.natural": 80, "requests.disclosed.natural": 80}, sentence))
    assert [f.rule for f in fs] == ["text.received"] and fs[0].actual == 81


def test_outcomes_and_percentages_pingtan_2023():
    vals = {"requests.new.natural": 80, "requests.new.business": 1, "requests.disclosed.natural": 22,
            "requests.partly_disclosed.natural": 19, "requests.partly_disclosed.business": 1,
            "requests.withheld_third_party.natural": 1, "requests.withheld_process_info.natural": 1,
            "requests.withheld_enforcement_file.natural": 1, "requests.withheld_query_matter.natural": 2,
            "requests.unavailable_not_held.natural": 31, "requests.rejected_duplicate.natural": 1,
            "requests.other_no_correction.natural": 1, "requests.other_misc.natural": 1}
    s = ("办结依申请公开81件，其中：予以公开及部分公开42件，占51.85%；不予公开5件，占6.17%；无法提供31件，占38.27%；"
         "不予处理1件，占1.23%；其他处理2件，占2.47%。")
    assert text_findings(report(vals, s)) == []
    fs = text_findings(report(vals, s.replace("占6.17%", "占6.71%")))
    assert [(f.rule, f.expected, f.actual) for f in fs] == [("text.percent", 6.17, 6.71)]
    assert "5÷（七）总计81" in fs[0].message
    fs = text_findings(report(vals, s.replace("无法提供31件，占38.27%", "无法提供30件，占37.04%")))
    assert [(f.rule, f.expected, f.actual) for f in fs] == [("text.outcome", 31, 30)]


def test_percent_in_brackets_shanghai_2025():
    vals = {"requests.new.natural": 10, "requests.disclosed.natural": 2, "requests.partly_disclosed.natural": 1,
            "requests.unavailable_not_held.natural": 7}
    s = "市政府共受理政府信息公开申请10件，办结10件。其中，予以公开及部分公开3件（30.00%），无法提供7件（70%）。"
    assert text_findings(report(vals, s)) == []
    (f,) = text_findings(report(vals, s.replace("70%", "60%")))
    assert (f.rule, f.expected, f.actual) == ("text.percent", 70.0, 60.0)


def test_percent_accepts_truncation_and_rounding():
    vals = {"requests.new.natural": 3, "requests.disclosed.natural": 2, "requests.unavailable_not_held.natural": 1}
    for p in ("66.67%", "66.66%", "67%", "66.7%"):
        assert text_findings(report(vals, f"收到政府信息公开申请3件，其中予以公开2件，占{p}。")) == [], p
    assert text_findings(report(vals, "收到政府信息公开申请3件，其中予以公开2件，占60%。"))


def test_handled_and_carried_pingtan_2025():
    vals = {"requests.new.natural": 151, "requests.new.business": 3, "requests.disclosed.natural": 147,
            "requests.disclosed.business": 1, "requests.carried_out.natural": 4, "requests.carried_out.business": 2}
    s = "2025年，全区共收到政府信息公开申请154件，共办结148件，结转至2026年6件。"
    assert text_findings(report(vals, s, year=2025)) == []
    fs = text_findings(report(vals, s.replace("148件", "150件").replace("6件", "4件"), year=2025))
    assert [(f.rule, f.expected, f.actual) for f in fs] == [("text.handled", 148, 150), ("text.carried", 6, 4)]


def test_outcome_words():
    base = {"appeals.review.upheld": 2, "appeals.litigation_direct.upheld": 1}
    s = "2022年，全区政府信息公开工作方面共有行政诉讼案件1件、行政复议案件2件，均已结案。"
    assert text_findings(report(base, s, year=2022)) == []
    (f,) = text_findings(report({**base, "appeals.litigation_direct.upheld": 0, "appeals.litigation_direct.pending": 1},
                                s, year=2022))
    assert f.rule == "text.appeal_words" and "尚未审结1件" in f.message and "均已结案" in f.message
    s2 = "因政府信息公开被申请行政复议2件，均获维持；被提起行政诉讼1件，尚在审理中。"
    vals = {"appeals.review.upheld": 2, "appeals.litigation_direct.pending": 1}
    assert text_findings(report(vals, s2)) == []  # 均获维持 speaks of 复议 only
    (f,) = text_findings(report({**vals, "appeals.review.upheld": 1, "appeals.review.corrected": 1}, s2))
    assert f.rule == "text.appeal_words" and "行政复议结果纠正1件" in f.message


def test_negated_appeals():
    s = "全年未发生因政府信息公开引起的行政复议和行政诉讼。"
    assert text_findings(report({}, s)) == []
    (f,) = text_findings(report({"appeals.litigation_after_review.other": 1}, s))
    assert f.rule == "text.appeal_words" and "复议后起诉总计1件" in f.message
    s2 = "全年政府信息公开行政复议1件，未发生行政复议被纠错的情况。"
    assert text_findings(report({"appeals.review.upheld": 1}, s2)) == []
    assert [f.rule for f in text_findings(report({"appeals.review.corrected": 1}, s2))] == ["text.appeal_words"]


@pytest.mark.parametrize("sentence", [
    # a 司法局's own caseload: the disclosure cases are a subset
    "全年办理行政复议案件120件，其中涉及政府信息公开的2件。",
    # numbers that are not counts of the table's items
    "组织政务公开和行政复议业务培训3次，发布政策解读12篇。",
    "收到人大代表建议和政协委员提案12件，均已按期办结并公开答复。",
    "受理行政许可申请1200件，全部在网上公开。",
    "全年收到自然人提出的政府信息公开申请2件。",
    "延长答复期限的申请3件。",
    "（一）主动公开情况。全年主动公开政府信息3562条，其中予以公开的规范性文件解读12篇。",
    "累计制发行政规范性文件300件，现行有效的规范性文件清理工作已完成。",
    "无一例行政复议被纠错。",
    "结转2023年度申请2件，均已办结。",          # carried in from last year, not out
    "部分项目结转下一年度继续实施3个。",         # not about applications
    # shanghai_kewei_2024: "公开答复9件" is an outcome, not the number handled
    "所有办结的信息公开申请中同意公开答复5件，转下一年度办理答复的有1件。",
])
def test_sentences_that_must_not_warn(sentence):
    vals = {"requests.new.natural": 5, "requests.disclosed.natural": 5, "appeals.review.upheld": 2}
    assert text_findings(report(vals, sentence)) == []


def test_normative_counts():
    vals = {"active.normative.issued": 88, "active.normative.repealed": 55, "active.normative.in_force": 698}
    s = "设立规范性文件库，集中公开现行有效行政规范性文件698件，动态更新本年度制发的规范性文件88件。"
    assert text_findings(report(vals, s)) == []
    fs = text_findings(report(vals, s.replace("698件", "393件")))
    assert [(f.rule, f.expected, f.actual) for f in fs] == [("text.normative", 698, 393)]
    assert "现行有效" in fs[0].message
    assert [f.actual for f in text_findings(report(vals, "本年度废止行政规范性文件50件。"))] == [50]


def test_fee_notice_needs_a_word_in_part_six():
    vals = {"requests.new.natural": 2, "requests.other_no_fee.natural": 2}
    assert [f.rule for f in text_findings(report(vals, "收到政府信息公开申请2件。"))] == ["text.fee_notice"]
    other = "本年向2名申请人发出收费通知，申请人均逾期未缴纳费用，本机关未收取信息处理费。"
    assert text_findings(report(vals, "收到政府信息公开申请2件。", other)) == []


@pytest.mark.parametrize("other,ok", [
    ("2023年，无收取信息处理费情况。", True),                                 # pingtan
    ("（一）依据《政府信息公开信息处理费管理办法》收取信息处理费的情况：\n2024年度，本单位未收取相关信息处理费。", True),  # seed
    ("全年收取政府信息公开信息处理费 3940 元。", True),                          # huaian
    ("信息处理费收取情况：0元。", True),
    ("2023\n年度，县发展和改革局政府信息公开未发生收费情况。", True),           # shuyang_fgj_2023.html
    ("本年度信息公开处理费收费情况\n2024 年，市科委未发生政府信息公开收费事项。", True),  # shanghai_kewei_2024
    ("依据《政府信息公开信息处理费管理办法》收取信息处理费的情况。", False),
])
def test_fee_statement_wordings(other, ok):
    rep = report({}, "本年无申请。", other, year=2023 if "2023" in other else 2024)
    rules = [f.rule for f in text_findings(rep)]
    assert (rules == []) is ok, rules


def test_year_in_period_and_sentence_starts():
    rep = report({}, "2023年，本机关坚持……。2025年，将继续……。", year=2024)
    rep.narrative["preface"] = "本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止。"
    fs = text_findings(rep)
    assert [(f.rule, f.cell, f.actual) for f in fs] == [("meta.year_text", "B4", "2023")]
    rep.narrative["preface"] = "本报告中所列数据统计时限为2023年1月1日至2023年12月31日。"
    assert [(f.cell, f.actual) for f in text_findings(rep)] == [("B3", "2023"), ("B4", "2023")]


def test_helpers():
    assert [cn_number(s) for s in ("两", "十", "十二", "二十", "一百零五", "三百")] == [2, 10, 12, 20, 105, 300]
    assert normalize("2024 年 收到 **5** 件") == "2024年收到5件"
    assert normalize("Word 文档 PDF file") == "Word文档PDF file"
    assert sentences("（一）主动公开情况\n全年发布信息53条。办结4件！\n\n第二段") == ["（一）主动公开情况", "全年发布信息53条。",
                                                                   "办结4件！", "第二段"]
    assert similarity("一是政策解读形式单一", "一是政策解读形式单一") == 1.0
    assert similarity("一是政策解读形式单一", "网站栏目更新不及时") < 0.2
