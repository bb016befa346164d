"""Organ, year, level and contact details of a published report."""
from __future__ import annotations

import re

from .doc import digits, norm
from .state import ReadState

# On the title with only spaces removed: the organ keeps its printed brackets (（样例数据）).
_TITLE_A = re.compile(r"^(?:标题[:：]|名称)?#*(?P<organ>[^,，。:：;；]{2,40}?)(?P<year>(?:19|20)\d\d)年度?"
                      r"(?:政府信息公开|政务公开)(?:工作)?年度?报告")
_TITLE_B = re.compile(r"^(?:标题[:：]|名称)?#*(?P<year>(?:19|20)\d\d)年度?(?P<organ>[^,，。:：;；]{2,40}?)"
                      r"(?:政府信息公开|政务公开)(?:工作)?年度?报告")


def title_match(text: str):
    n = re.sub(r"[\s\u3000*]+", "", digits_only(text))
    for rx in (_TITLE_A, _TITLE_B):
        m = rx.match(n)
        if m:
            organ = re.sub(r"^(关于|本报告|报告)", "", m.group("organ")).strip("-_#*")
            return organ, int(m.group("year"))
    return None


def read_meta(st: ReadState) -> None:
    lines = ["".join(c for c in ln.cells) for ln in st.doc.lines]
    hits: list[tuple[int, str, int]] = []  # (line index after the title, organ, year)
    for i in range(min(len(lines), 80)):
        for j in (0, 1):
            if i + j >= len(lines):
                continue
            text = "".join(lines[i:i + j + 1])
            if j and len(norm(lines[i])) > 60:
                continue
            m = title_match(text[:120])
            if m:
                hits.append((i + j, m[0], m[1]))  # index of the title's last line
                break
    organ = year = None
    for src in (st.doc.header.get("标题"), st.doc.title):
        m = title_match(src) if src else None
        if m:
            organ, year = m
            break
    if hits:
        if organ is None:
            organ, year = hits[0][1], hits[0][2]
        st.title_lines = [h[0] for h in hits]
    else:
        st.title_lines = []
    if year is None:
        m = re.search(r"((?:19|20)\d\d)年1月1日", norm(st.s.text[:20000]))
        if m:
            year = int(m.group(1))
    meta = st.rep.meta
    meta["organ"] = organ
    meta["year"] = year
    level = infer_level(organ)
    meta["level"] = level
    if level:
        st.rep.source.notes.append(f"机关层级年报中未写明，按机关名称推断为“{level}”，请核对")
    if not organ or not year:
        missing = "、".join(x for x, v in (("机关名称", organ), ("报告年度", year)) if not v)
        st.finding("import.meta_missing", "warning", f"未能从标题或前言中识别{missing}，请在工作簿封面补填",
                     [f"meta.{k}" for k, v in (("organ", organ), ("year", year)) if not v])


def contact_meta(rep, preface: str) -> None:
    n = digits(preface)
    m = re.search(r"电话[:：]?\s*([0-9][0-9\-—－–（）() ]{6,20}[0-9])", n)
    if m:
        rep.meta["phone"] = re.sub(r"\s+", "", m.group(1)).replace("—", "-").replace("－", "-")
    m = re.search(r"地址[:：]\s*([^，,；;。)）]{4,60})", n)
    if m:
        rep.meta["address"] = re.sub(r"\s+", "", m.group(1))
    m = re.search(r"(https?://[^\s）)，,<>“”]+|www\.[A-Za-z0-9.\-/]+)", preface)
    if m:
        rep.meta["website"] = m.group(1).rstrip(".。/") + ("/" if m.group(1).endswith("/") else "")


def digits_only(text: str) -> str:
    """Full-width digits to ASCII, nothing else (titles keep their punctuation)."""
    return str(text or "").translate(_FW_DIGITS)


_FW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def infer_level(organ: str | None) -> str | None:
    """The organ's level from its name (reports do not print it); None when unclear."""
    if not organ:
        return None
    o = organ
    if re.search(r"(乡|镇)(人民政府)?$|街道(办事处)?$|(乡|镇)人民政府|街道办事处", o):
        return "乡镇（街道）"
    if re.match(r"^(北京|上海|天津|重庆)市", o) and not re.search(r"市.+?(区|县)", o):
        return "省级"
    if re.search(r"(省|自治区)", o) and not re.search(r"(省|自治区).+?(市|州|盟|县|区|旗)", o):
        return "省级"
    if re.search(r"(县|旗)", o) or re.search(r"(市|州|盟).+?区", o) or re.search(r"[^新]区(人民)?政府", o):
        return "县级"
    if re.search(r"(市|州|盟)", o):
        return "市级"
    return None
