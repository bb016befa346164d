"""Sample bureaus of a fictitious county: balanced, plausible figures for the demo,
the tests and scripts/gen_workbooks.py. Names say 示例 so nobody mistakes them for data."""
from __future__ import annotations

import random

from .. import schema

DEPARTMENTS = (
    "人民政府办公室", "发展和改革局", "教育局", "科学技术局", "工业和信息化局", "公安局", "民政局", "司法局", "财政局",
    "人力资源和社会保障局", "自然资源局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
    "文化和旅游局", "卫生健康局", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
    "林业局", "城市管理局", "行政审批局", "信访局", "乡村振兴局", "数据资源局",
)
TOWNSHIPS = ("城关镇", "东关镇", "西河镇", "南山乡", "北岭乡", "新城街道", "青石镇", "柳树乡", "白沙镇", "长岗乡")
# Busy departments get more applications, licences and penalties.
BUSY = {"自然资源局": 8.0, "住房和城乡建设局": 5.0, "公安局": 3.0, "人力资源和社会保障局": 3.0, "市场监督管理局": 3.0,
        "人民政府办公室": 4.0, "行政审批局": 2.0, "农业农村局": 1.5}

_OUTCOME_WEIGHTS = {
    "disclosed": 50, "partly_disclosed": 8, "withheld_state_secret": 0.3, "withheld_law_prohibited": 0.5,
    "withheld_security_stability": 0.3, "withheld_third_party": 1.5, "withheld_internal_affairs": 1.5,
    "withheld_process_info": 2, "withheld_enforcement_file": 1, "withheld_query_matter": 1,
    "unavailable_not_held": 15, "unavailable_needs_creation": 3, "unavailable_unclear": 2,
    "rejected_petition": 3, "rejected_duplicate": 2, "rejected_publication": 0.5, "rejected_mass_repeated": 0.5,
    "rejected_confirm_reissue": 1, "other_no_correction": 2, "other_misc": 3,
    # other_no_fee stays 0: it would need a sentence on fee notices in part 六 (rule text.fee_notice)
}
_APPLICANT_MEANS = {"natural": 6.0, "business": 1.0, "research": 0.05, "public_interest": 0.05, "legal_service": 0.4,
                    "other_org": 0.3}


def organs(county: str, n_departments: int = len(DEPARTMENTS), n_townships: int = 0) -> list[tuple[str, str, str]]:
    """(organ name, level, department) for a county."""
    out = [(f"{county}{d}", "县级", d) for d in DEPARTMENTS[:n_departments]]
    out += [(f"{county}{t}人民政府" if not t.endswith("街道") else f"{county}{t}办事处", "乡镇（街道）", t)
            for t in TOWNSHIPS[:n_townships]]
    return out


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:  # normal approximation
        return max(0, int(round(rng.gauss(lam, lam ** 0.5))))
    import math

    L, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= L:
            return k
        k += 1


def bureau_values(rng: random.Random, *, scale: float = 1.0, level: str = "县级") -> dict[str, int | float]:
    """Every input filled, every relation of the official format holds."""
    v: dict[str, int | float] = {c: 0 for c in schema.INPUT_CODES}
    # 表二
    if level not in schema.LEVELS_WITHOUT_RULES:
        v["active.rules.issued"] = _poisson(rng, 0.5 * scale)
        v["active.rules.repealed"] = _poisson(rng, 0.3)
        v["active.rules.in_force"] = v["active.rules.issued"] + _poisson(rng, 6)
    v["active.normative.issued"] = _poisson(rng, 2 * min(scale, 3))
    v["active.normative.repealed"] = _poisson(rng, 1)
    v["active.normative.in_force"] = v["active.normative.issued"] + _poisson(rng, 12)
    v["active.licensing.decisions"] = _poisson(rng, 60 * scale) if rng.random() < 0.7 else 0
    v["active.penalty.decisions"] = _poisson(rng, 25 * scale) if rng.random() < 0.6 else 0
    v["active.coercion.decisions"] = _poisson(rng, 2 * scale) if rng.random() < 0.3 else 0
    v["active.fees.amount"] = round(rng.uniform(0, 50) * scale, 2) if rng.random() < 0.15 else 0
    # 表三: per applicant column, new + carried in = handled + carried out
    outcomes = list(_OUTCOME_WEIGHTS)
    weights = [_OUTCOME_WEIGHTS[o] for o in outcomes]
    for col in schema.APPLICANT_COLUMNS:
        new = _poisson(rng, _APPLICANT_MEANS[col] * scale)
        cin = _poisson(rng, 0.3 * _APPLICANT_MEANS[col] * min(scale, 3))
        avail = new + cin
        cout = min(avail, _poisson(rng, 0.1 * avail))
        v[f"requests.new.{col}"] = new
        v[f"requests.carried_in.{col}"] = cin
        v[f"requests.carried_out.{col}"] = cout
        for o in rng.choices(outcomes, weights, k=avail - cout):
            v[f"requests.{o}.{col}"] += 1
    # 表四
    for g, _ in schema.APPEAL_GROUPS:
        if rng.random() < 0.12 * min(scale, 4):
            for c in ("upheld", "corrected", "other", "pending"):
                v[f"appeals.{g}.{c}"] = _poisson(rng, {"upheld": 1.0, "corrected": 0.2, "other": 0.3, "pending": 0.3}[c])
    return v


def scale_for(department: str, rng: random.Random) -> float:
    return BUSY.get(department, 1.0) * rng.uniform(0.5, 1.5)


def narrative(organ: str, year: int) -> dict[str, str]:
    return {
        "preface": (f"本报告由{organ}按照《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开工作年度报告格式》"
                    f"（国办公开办函〔2021〕30号）要求编制。所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。（示例数据）"),
        "overview": f"{year}年，{organ}坚持以公开为常态、不公开为例外，依法做好政府信息公开工作。（示例数据）",
        "problems": "政策解读形式较为单一。下一步将丰富图解、视频等解读形式。（示例数据）",
        "other": f"{year}年度，本单位未收取信息处理费。（示例数据）",
    }


def demo_county(outdir, *, force: bool = False, echo=print, year: int = 2024) -> dict:
    """``gxxl demo`` step: six sample bureaus of 示例县 — five send a workbook (one with errors), one sends nothing."""
    from pathlib import Path

    from . import bureau as sample
    from ..consolidation import consolidate
    from ..util.fileio import write_text
    from ..workbook.api import new_workbook

    out = Path(outdir)
    inbox = out / "示例县收件箱"
    rng = random.Random(2024)
    names = organs("示例县", 6)
    for i, (name, level, dept) in enumerate(names[:5]):
        meta = {"organ": name, "year": year, "level": level, "region": "示例省示例市示例县", "contact": "王某某",
                "phone": "0000-1234567"}
        values = bureau_values(rng, scale=scale_for(dept, rng), level=level) if i != 3 else sample.broken_values()
        new_workbook(inbox / f"{dept}.xlsx", meta=meta, values=values, narrative=narrative(name, year), force=force)
    roster = out / "示例县名单.csv"
    write_text(roster, "机关名称\n" + "\n".join(n for n, _, _ in names) + "\n", force=force)
    res = consolidate([inbox], roster=roster, year=year, name="示例县（汇总）", progress=False)
    target = out / "示例县汇总.xlsx"
    res.to_xlsx(target, force=force)
    for line in res.summary_text().splitlines():
        echo("    " + line)
    echo(f"    汇总工作簿：{target}（报送情况、问题清单、明细、图表；前几张表即全县合计，可直接 gxxl show/validate）")
    return {"inbox": str(inbox), "roster": str(roster), "output": str(target), "result": res}
