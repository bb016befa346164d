"""Names shared by every step of a consolidation: statuses, limits, column headings, organ-name keys."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

# -- statuses ---------------------------------------------------------------
PASSED = "通过"
ERRORS = "有错误"
WARNINGS = "仅提示"
UNREADABLE = "无法读取"
DUPLICATE = "重复报送"
WRONG_YEAR = "年度不符"
NOT_LISTED = "不在名单"
MISSING = "未报送"
# A 汇总 (gxxl's own consolidated workbook, or a cover naming a 汇总) is never summed as a bureau of its own
# level; one level up (township 汇总 files into the county) only on request (level_up / --level-up).
CONSOLIDATED = "汇总文件"
STATUSES = (PASSED, WARNINGS, ERRORS, UNREADABLE, DUPLICATE, WRONG_YEAR, NOT_LISTED, CONSOLIDATED)
# Summed by default: every current-year file of a listed organ that could be read
# (a file with errors still counts: leaving a bureau out would understate the totals more).
DEFAULT_INCLUDE = (PASSED, WARNINGS, ERRORS)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
ARCHIVE_SUFFIXES = (".zip",)
# Found in folders and taken as inputs so the office hears about them; they cannot be read.
FOREIGN_SUFFIXES = (".et", ".ett", ".numbers", ".wps", ".rar", ".7z", ".tar", ".gz", ".tgz")
ZIP_MAX_MEMBER = 50 * 1024 * 1024
ZIP_MAX_TOTAL = 2 * 1024 * 1024 * 1024
ZIP_MAX_MEMBERS = 100_000  # files in one run: folders and every level of nested archives together
ZIP_MAX_RATIO = 200
ZIP_MAX_DEPTH = 3

# Key figures for summaries, JSON and charts.
KEY_CODES = (
    "requests.new.total",
    "requests.carried_in.total",
    "requests.handled_total.total",
    "requests.carried_out.total",
    "requests.disclosed.total",
    "requests.partly_disclosed.total",
    "appeals.review.total",
    "appeals.litigation_direct.total",
    "appeals.litigation_after_review.total",
    "active.normative.issued",
    "active.normative.in_force",
    "active.licensing.decisions",
    "active.penalty.decisions",
    "active.coercion.decisions",
    "active.fees.amount",
)
# Year-on-year comparison: (label, codes summed)
COMPARE = (
    ("本年新收申请", ("requests.new.total",)),
    ("办结总计", ("requests.handled_total.total",)),
    ("结转下年度", ("requests.carried_out.total",)),
    ("行政复议", ("appeals.review.total",)),
    ("行政诉讼", ("appeals.litigation_direct.total", "appeals.litigation_after_review.total")),
    ("行政许可决定", ("active.licensing.decisions",)),
    ("行政处罚决定", ("active.penalty.decisions",)),
    ("现行有效规范性文件", ("active.normative.in_force",)),
)
MAX_SUGGESTIONS = 300  # "是否为…？" hints for organs not in the roster
LARGE_CHANGE_RATE = 0.5  # flagged when it changes by half or more …
LARGE_CHANGE_ABS = 5  # … and by at least this many items

INFO_COLUMNS = ("序号", "机关名称", "状态", "计入汇总", "说明", "文件", "年度", "层级", "错误数", "提示数", "保存时间")


def norm_name(text: Any) -> str:
    """Organ names compared ignoring width, spaces and case."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"\s+", "", s).lower()


CSV_NAMES = ("明细.csv", "问题清单.csv", "报送情况.csv")
# 联系人/联系电话 from each bureau's cover: these are the lists the office phones from
FINDING_COLUMNS = ("机关名称", "联系人", "联系电话", "文件", "状态", "工作表", "单元格", "规则", "级别", "问题说明")
ROSTER_COLUMNS = ("序号", "机关名称", "代码", "报送情况", "状态", "联系人", "联系电话", "采用文件", "错误数", "提示数", "说明")
COMPARE_COLUMNS = ("机关名称", "指标", "本年", "上年", "增减", "增减率", "提示")


def local_time(iso: str | None) -> str:
    """A workbook's UTC save time as people read it: China time, a Chinese date ("2025年1月20日 17:30")."""
    from ..util.timefmt import chinese_datetime

    return chinese_datetime(iso)


def info_row(i: int, f) -> list:
    """One file as a row of 报送情况/明细 (f: a FileResult)."""
    return [i, f.organ or "", f.status, "是" if f.included else "否", f.detail or f.note, f.file, f.year,
            f.level or "", f.errors, f.warnings, local_time(f.saved_at)]
