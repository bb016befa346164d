"""Search patterns for every official label, derived from gxxl.schema (never re-typed).

Each label becomes a pattern on the normalised search text (see doc.norm): its numbering
prefix ("1." "（三）" "一、") is optional unless the rest is too short to be safe; a
trailing remark in brackets is optional; 规范性文件 is accepted for 行政规范性文件. A
"key" pattern (prefix plus the first characters) finds labels that a PDF or a converter
broke apart or misspelt (e.g. "2.其他法律行政止公开").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .. import schema
from .doc import norm

_CN = "一二三四五六七八九十"
_PREFIX = re.compile(rf"^(\([{_CN}]{{1,3}}\)|[{_CN}]{{1,3}},|\d{{1,2}}\.)")
KEY_LEN = 5
SHORT = 3  # bodies this short need their numbering prefix to count as the label


@dataclass(frozen=True)
class Label:
    text: str  # the official label
    full: re.Pattern
    key: re.Pattern | None  # looser fallback, or None


def _prefix_pattern(prefix: str) -> str:
    if prefix.startswith("("):
        return rf"\({prefix[1:-1]}\)"
    return rf"{re.escape(prefix[:-1])}[.,]?"


def _core_pattern(core: str) -> str:
    # 规范性文件 is the pre-2021 name (and a common shorthand) for 行政规范性文件.
    if core.startswith("行政") and core.endswith("规范性文件"):
        return "(?:行政)?" + re.escape(core[2:])
    return re.escape(core)


@lru_cache(maxsize=None)
def label(text: str) -> Label:
    n = norm(text)
    m = _PREFIX.match(n)
    prefix, body = (m.group(1), n[m.end():]) if m else ("", n)
    tail = ""
    t = re.match(r"^(.+?)(\(.+\))$", body)
    if t:
        body, tail = t.group(1), t.group(2)
    core = _core_pattern(body)
    pat = core + (f"(?:{re.escape(tail)})?" if tail else "")
    if prefix:
        pp = _prefix_pattern(prefix)
        full = f"{pp}{pat}" if len(body) <= SHORT else f"(?:{pp})?{pat}"
    else:
        full = pat
    key = None
    if prefix and len(body) > KEY_LEN:
        key = re.compile(_prefix_pattern(prefix) + re.escape(body[:KEY_LEN]))
    elif not prefix and len(body) > KEY_LEN + 2:
        key = re.compile(re.escape(body[:KEY_LEN + 2]))
    return Label(text, re.compile(full), key)


@lru_cache(maxsize=None)
def heading(part: str) -> re.Pattern:
    """A part heading ("五、存在的主要问题及改进情况"): any Chinese numeral, then the key words.

    Published headings vary ("五、政府信息公开工作存在的主要问题及改进情况", "…及整改措施",
    "四、政府信息公开行政法复议…"), so a few filler characters are allowed before the key.
    """
    text = dict(schema.PARTS)[part]
    body = norm(text).split(",", 1)[1]
    key = body[:7] if len(body) > 7 else body
    return re.compile(rf"[{_CN}]{{1,2}}[,.][^()。;:]{{0,10}}?{re.escape(key)}")


def leaf(labels: tuple[str, ...]) -> str:
    return labels[-1]


@lru_cache(maxsize=None)
def request_groups() -> tuple[str, ...]:
    """Group labels of table B (三、本年度办理结果, （三）不予公开 …), in order."""
    out: list[str] = []
    for _, labels in schema.REQUEST_ROWS:
        for g in labels[:-1]:
            if g not in out:
                out.append(g)
    return tuple(out)


@lru_cache(maxsize=None)
def group_children() -> dict[str, tuple[str, ...]]:
    """Group label -> row codes it spans."""
    out: dict[str, list[str]] = {}
    for code, labels in schema.REQUEST_ROWS:
        for g in labels[:-1]:
            out.setdefault(g, []).append(code)
    return {k: tuple(v) for k, v in out.items()}


REQUESTS_NOTE_KEY = re.compile(re.escape(norm(schema.REQUESTS_NOTE)[1:10]))
OLD_MARKERS = tuple(re.compile(re.escape(norm(m))) for m in schema.OLD_FORMAT_2019_MARKERS)
