"""Built-in sample data for ``gxxl demo`` and the tests.

The numbers follow the seed report (a 2024 county emergency-management bureau)
where it prints them (行政许可 167; 4 applications from natural persons, none
carried over); the rest are plausible and balance. The organ is clearly a sample.
"""
from __future__ import annotations

from .. import schema

SAMPLE_ORGAN = "示例县应急管理局（样例数据）"

SAMPLE_META = {
    "organ": SAMPLE_ORGAN,
    "year": 2024,
    "level": "县级",
    "region": "示例省示例市示例县",
    "contact": "王某某",
    "phone": "0000-1234567",
    "address": "示例县光明路1号",
    "website": "http://www.example.gov.cn/",
}


def sample_values() -> dict[str, int | float]:
    """Input values by code for a clean report (every input filled, every relation holds)."""
    v: dict[str, int | float] = {c: 0 for c in schema.INPUT_CODES}
    v.update({
        "active.normative.issued": 2,
        "active.normative.repealed": 1,
        "active.normative.in_force": 15,
        "active.licensing.decisions": 167,
        "active.penalty.decisions": 35,
        "active.coercion.decisions": 3,
        "active.fees.amount": 0,
        "requests.new.natural": 4,
        "requests.new.business": 1,
        "requests.disclosed.natural": 2,
        "requests.disclosed.business": 1,
        "requests.unavailable_not_held.natural": 1,
        "requests.carried_out.natural": 1,
        "requests.carried_in.natural": 0,
    })
    return v


SAMPLE_NARRATIVE = {
    "preface": (
        "本报告由示例县应急管理局按照《中华人民共和国政府信息公开条例》（以下简称《条例》）和《中华人民共和国政府信息公开工作年度报告格式》"
        "（国办公开办函〔2021〕30号）要求编制。本报告内容包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
        "政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项等六部分内容。"
        "本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止。本报告电子版可在示例县人民政府门户网站查阅或下载。"
        "如对本报告有疑问，请与示例县应急管理局联系（地址：示例县光明路1号，联系电话：0000-1234567）。"
    ),
    "overview": (
        "2024年，示例县应急管理局坚持“人民至上、生命至上”，坚持以公开为常态、不公开为例外，充分保障公众知情权、参与权、表达权和监督权。\n"
        "（一）主动公开情况。全年通过政府门户网站发布信息53条，微信公众号发布信息533条，持续推动极端天气、森林火险、防汛等预警信息公开。\n"
        "（二）依申请公开情况。全年新收政府信息公开申请5件，办结4件，其中予以公开3件、本机关不掌握相关政府信息1件，结转下年度继续办理1件。\n"
        "（三）政府信息管理情况。严把内容质量关、保密审查关和发布流程关。\n"
        "（四）政府信息公开平台建设情况。依托县政府门户网站和微信公众号公开各项工作。\n"
        "（五）监督保障情况。全年组织政务公开培训2次，未发生因政府信息公开引起的行政复议和行政诉讼。"
    ),
    "problems": (
        "2024年，我局政务公开工作存在的问题：一是政策解读形式较为单一，图解、视频解读偏少；二是依申请公开答复文书的说理性有待加强。"
        "改进措施：一是2025年每项重要政策均配发图解解读；二是组织答复文书专题培训，建立答复文书合法性审核清单。"
    ),
    "other": (
        "（一）依据《政府信息公开信息处理费管理办法》收取信息处理费的情况：2024年度，本单位未收取信息处理费。\n"
        "（二）人大代表建议和政协委员提案办理结果公开情况：2024年，承办县人大建议、县政协提案0件。"
    ),
}


def broken_values() -> dict[str, object]:
    """The clean sample with typical mistakes from published reports."""
    v: dict[str, object] = dict(sample_values())
    v["active.rules.issued"] = 1  # a county bureau does not make 规章
    v["requests.carried_out.natural"] = 3  # breaks 一+二 = （七）+四 for 自然人
    v["appeals.review.upheld"] = None  # left blank instead of 0
    v["requests.rejected_duplicate.business"] = "无"  # text instead of 0 (another column, so 自然人 still shows the balance)
    v["active.penalty.decisions"] = "35件"  # a unit typed into a number cell
    return v
