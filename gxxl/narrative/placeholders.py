"""Names a narrative may use: every data-point code as a nested name, and Chinese aliases.

The alias table is defined once here, derived from the schema's labels
(``gxxl report --placeholders`` prints it). An alias stands for one code or
for the sum of several codes (e.g. 不予公开 = the eight 不予公开 rows, 总计 column).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .. import schema

ROOTS = ("active", "requests", "appeals", "meta")
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)")
_REMARK = re.compile(r"（[^（）]*）")
_GENERIC = {"其他", "总计"}


def clean(label: str) -> str:
    """A schema label as a placeholder name: numbering, remarks and punctuation dropped."""
    s = _NUMBERING.sub("", label)
    s = _REMARK.sub("", s)
    return "".join(ch for ch in s if ch.isidentifier() or ch.isdigit() or ("_" + ch).isidentifier())


@dataclass(frozen=True)
class Alias:
    name: str
    codes: tuple[str, ...]  # summed
    note: str  # what it means (Chinese, for the printed list)
    curated: bool = False


# Short names clerks actually write; everything else is derived from labels below.
CURATED: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("本年新收", ("requests.new.total",), "本年新收政府信息公开申请数量（总计列）"),
    ("上年结转", ("requests.carried_in.total",), "上年结转政府信息公开申请数量（总计列）"),
    ("本年办结", ("requests.handled_total.total",), "本年度办理结果（七）总计（总计列）"),
    ("结转下年度", ("requests.carried_out.total",), "结转下年度继续办理（总计列）"),
)


@lru_cache(maxsize=None)
def aliases() -> dict[str, Alias]:
    out: dict[str, Alias] = {}

    def add(name: str, codes: tuple[str, ...], note: str, curated: bool = False) -> None:
        assert name.isidentifier(), name
        if name in out:
            if out[name].codes != codes:
                raise AssertionError(f"alias {name} is ambiguous: {out[name].codes} vs {codes}")
            return
        out[name] = Alias(name, codes, note, curated)

    for name, codes, note in CURATED:
        add(name, codes, note, True)
    # meta fields by their cover labels
    for f in schema.META_FIELDS:
        add(clean(f.label), (f.code,), f"封面：{f.label}")
    # table 2: row + column, and the row alone where its block has one column
    for b in schema.ACTIVE_BLOCKS:
        for rcode, rlabel in b.rows:
            for ccode, clabel in b.columns:
                code = f"active.{rcode}.{ccode}"
                add(clean(rlabel) + clean(clabel), (code,), f"表二：{rlabel} · {clabel}")
                if len(b.columns) == 1:
                    add(clean(rlabel), (code,), f"表二：{rlabel} · {clabel}")
    # table 3: each row's 总计 column; each group (（三）不予公开 …) as the sum of its rows
    groups: dict[str, list[str]] = {}
    for rcode, labels in schema.REQUEST_ROWS:
        last = clean(labels[-1])
        name = (clean(labels[-2]) + last) if (last in _GENERIC and len(labels) > 1) else last
        add(name, (f"requests.{rcode}.total",), f"表三：{' · '.join(labels)}（总计列）")
        if len(labels) == 3:
            groups.setdefault(labels[1], []).append(f"requests.{rcode}.total")
    for glabel, codes in groups.items():
        add(clean(glabel), tuple(codes), f"表三：{glabel}各项之和（总计列）")
    # table 4: each group's columns; a shared top label (行政诉讼) sums its groups
    tops: dict[str, list[str]] = {}
    for gcode, glabels in schema.APPEAL_GROUPS:
        g = clean(glabels[-1])
        for ccode, clabel in schema.APPEAL_COLUMNS:
            code = f"appeals.{gcode}.{ccode}"
            add(g if ccode == "total" else g + clean(clabel), (code,), f"表四：{' · '.join(glabels)} · {clabel}")
            if len(glabels) > 1:
                tops.setdefault(clean(glabels[0]) + ("" if ccode == "total" else clean(clabel)), []).append(code)
    for name, codes in tops.items():
        add(name, tuple(codes), "表四：行政诉讼两组之和" + ("" if name == "行政诉讼" else f"（{name[4:]}）"))
    return out


HELPERS = {
    "total": "合计：total(a, b, …) 各数之和，如 total(requests.new.total, requests.carried_in.total)",
    "合计": "同 total",
    "pct": "百分比：pct(部分, 整体, 小数位数=1)，如 pct(予以公开, 本年办结) → 60.0%；整体为0时输出“—”",
    "百分比": "同 pct",
}


def code_tree() -> dict:
    """Nested dict of every code: {"requests": {"new": {"total": "requests.new.total", …}, …}, "meta": {…}}."""
    tree: dict = {}
    codes = list(schema.CODES) + [f.code for f in schema.META_FIELDS]
    for code in codes:
        node = tree
        parts = code.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = code
    return tree


def all_codes() -> tuple[str, ...]:
    return tuple(schema.CODES) + tuple(f.code for f in schema.META_FIELDS)


def describe() -> str:
    """The placeholder list as printed by ``gxxl report --placeholders``."""
    lines = ["正文中可用的占位符（两边各两个花括号，如 {{ 本年新收 }}、{{ requests.new.total }}）", "",
             "一、数据项代码（全部200个数据项及封面字段，完整列表见 gxxl schema）："]
    lines.append("  {{ active.licensing.decisions }}  {{ requests.new.natural }}  {{ appeals.review.total }}  "
                 "{{ meta.organ }}  {{ meta.year }}")
    lines += ["", "二、中文别名："]
    for a in aliases().values():
        target = " + ".join(a.codes) if len(a.codes) <= 3 else f"{a.codes[0]} + … 共{len(a.codes)}项"
        lines.append(f"  {{{{ {a.name} }}}}　{a.note}　＝ {target}")
    lines += ["", "三、计算："]
    lines += [f"  {k}：{v}" for k, v in HELPERS.items()]
    lines += ["  也可直接写算式，如 {{ 本年新收 + 上年结转 }}"]
    return "\n".join(lines)
