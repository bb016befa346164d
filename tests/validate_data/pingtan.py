"""The tables of the real 平潭综合实验区 reports 2022–2025 (tests/data/corpus/pingtan_YYYY.txt), typed in by hand,
and the narrative parts cut from the published page text. Nothing corrected."""
from __future__ import annotations

from pathlib import Path

from gxxl import schema

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
ORGAN = "平潭综合实验区管委会"
LEVEL = "市级"  # a province's 综合实验区 with prefecture-level powers; it reports no 规章 anyway

_COLS = schema.APPLICANT_COLUMNS  # natural, business, research, public_interest, legal_service, other_org


def _values(active: dict, requests: dict, appeals: dict) -> dict:
    v = {c: 0 for c in schema.INPUT_CODES}
    v.update({f"active.{k}": n for k, n in active.items()})
    for row, nums in requests.items():
        for col, n in zip(_COLS, nums):
            v[f"requests.{row}.{col}"] = n
    for group, nums in appeals.items():
        for (col, _), n in zip(schema.APPEAL_COLUMNS[:4], nums):
            v[f"appeals.{group}.{col}"] = n
    return v


TABLES = {
    2022: _values(
        {"normative.issued": 88, "normative.repealed": 55, "normative.in_force": 698, "licensing.decisions": 10690,
         "penalty.decisions": 2113, "coercion.decisions": 0, "fees.amount": 9116.36},
        {"new": (71, 3), "carried_in": (1,), "disclosed": (21,), "partly_disclosed": (8, 1),
         "withheld_internal_affairs": (1,), "withheld_process_info": (2,), "withheld_enforcement_file": (1,),
         "unavailable_not_held": (37,), "other_no_correction": (2,), "other_misc": (0, 2)},
        {"review": (0, 1, 1, 0), "litigation_direct": (1, 0, 0, 0)},
    ),
    2023: _values(
        {"normative.issued": 77, "normative.repealed": 132, "normative.in_force": 470, "licensing.decisions": 2629,
         "penalty.decisions": 1330, "coercion.decisions": 54, "fees.amount": 5949.088667},
        {"new": (80, 1), "disclosed": (22,), "partly_disclosed": (19, 1), "withheld_third_party": (1,),
         "withheld_process_info": (1,), "withheld_enforcement_file": (1,), "withheld_query_matter": (2,),
         "unavailable_not_held": (31,), "rejected_duplicate": (1,), "other_no_correction": (1,), "other_misc": (1,)},
        {"review": (1, 1, 0, 0), "litigation_direct": (4, 0, 0, 1), "litigation_after_review": (1, 0, 1, 0)},
    ),
    2024: _values(
        {"normative.issued": 62, "normative.repealed": 33, "normative.in_force": 440, "licensing.decisions": 4529,
         "penalty.decisions": 1100, "coercion.decisions": 65, "fees.amount": 18651.06},
        {"new": (217, 1), "disclosed": (71,), "partly_disclosed": (29,), "withheld_state_secret": (4,),
         "withheld_third_party": (3,), "withheld_internal_affairs": (32,), "unavailable_not_held": (75,),
         "rejected_duplicate": (1,), "other_no_correction": (1,), "other_misc": (1, 1)},
        {"review": (2, 1, 3, 1), "litigation_after_review": (13, 2, 4, 0)},
    ),
    2025: _values(
        {"normative.issued": 58, "normative.repealed": 45, "normative.in_force": 546, "licensing.decisions": 2418,
         "penalty.decisions": 644, "coercion.decisions": 64, "fees.amount": 4166.241619},
        {"new": (151, 3), "disclosed": (33,), "partly_disclosed": (38,), "withheld_internal_affairs": (3,),
         "withheld_process_info": (2,), "withheld_enforcement_file": (3,), "withheld_query_matter": (3,),
         "unavailable_not_held": (49, 1), "unavailable_needs_creation": (3,), "rejected_petition": (2,),
         "other_no_correction": (8,), "other_no_fee": (2,), "other_misc": (1,), "carried_out": (4, 2)},
        {"review": (25, 3, 8, 0), "litigation_direct": (3, 3, 0, 0), "litigation_after_review": (3, 0, 0, 0)},
    ),
}

# Totals as printed in the published tables (for checking the typing above).
PRINTED = {
    2022: {"requests.new.total": 74, "requests.handled_total.total": 75, "appeals.review.total": 2,
           "appeals.litigation_direct.total": 1},
    2023: {"requests.new.total": 81, "requests.handled_total.total": 81, "appeals.review.total": 2,
           "appeals.litigation_direct.total": 5, "appeals.litigation_after_review.total": 2},
    2024: {"requests.new.total": 218, "requests.handled_total.total": 218, "appeals.review.total": 7,
           "appeals.litigation_after_review.total": 19},
    2025: {"requests.new.total": 154, "requests.handled_total.total": 148, "requests.carried_out.total": 6,
           "appeals.review.total": 36, "appeals.litigation_direct.total": 6, "appeals.litigation_after_review.total": 3},
}


def narrative(year: int) -> dict[str, str]:
    """The four narrative parts of the published page text, cut at the official headings."""
    text = (CORPUS / f"pingtan_{year}.txt").read_text(encoding="utf-8").split("=" * 20 + " 正文 " + "=" * 20)[1]
    heads = [h for _, h in schema.PARTS]
    pos = [text.find(h) for h in heads]  # 三、四 may be misprinted (2022: "行政法复议"); only 一、二、五、六 are needed
    assert all(pos[i] >= 0 for i in (0, 1, 4, 5)), year
    return {
        "preface": text[:pos[0]].strip(),
        "overview": text[pos[0] + len(heads[0]):pos[1]].strip(),
        "problems": text[pos[4] + len(heads[4]):pos[5]].strip(),
        "other": text[pos[5] + len(heads[5]):].strip(),
    }


def meta(year: int) -> dict:
    return {"organ": ORGAN, "year": year, "level": LEVEL}
