"""The report's narrative parts (前言, 一, 五, 六) as paragraphs, without page furniture."""
from __future__ import annotations

import re

from .. import schema
from .doc import norm
from .state import ReadState

_FOOTER = re.compile(r"(版权所有|主办单位|网站标识码|ICP备|打印本页|关闭窗口|扫一扫在手机|【打印】|【关闭】)")
_HEADING = re.compile(r"^\s*(（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、|\d+[.、．])")
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[ \t\u00a0\u3000]+|[ \t\u00a0\u3000]+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")


def read_narrative(st: ReadState, a_start, b_start) -> None:
    s = st.s
    h = st.h
    title_line = None
    if st.title_lines:
        first1 = s.line_index(h["一"][0]) if "一" in h else len(st.doc.lines)
        before = [i for i in st.title_lines if i <= first1]
        title_line = before[-1] if before else None
    pre_start = 0
    if title_line is not None and title_line < len(s.line_starts):
        # The preface starts after the title (which may share its line with the text, or span two lines).
        a = s.line_starts[title_line]  # the title's last line
        z = s.line_starts[title_line + 1] if title_line + 1 < len(s.line_starts) else s.end
        m = None
        for m in re.finditer(r"报\s*告", s.text[a:z]):
            break
        pre_start = a + m.end() if m else z
    parts: dict[str, str] = {}
    if "一" in h:
        parts["preface"] = clean(st, pre_start, h["一"][0])
        end = h["二"][0] if "二" in h else (a_start if a_start and a_start > h["一"][1] else (b_start or h["一"][1]))
        parts["overview"] = clean(st, h["一"][1], end)
    if "五" in h:
        parts["problems"] = clean(st, h["五"][1], h["六"][0] if "六" in h else s.end)
    if "六" in h:
        parts["other"] = clean(st, h["六"][1], s.end)
    for f in schema.NARRATIVE_FIELDS:
        st.rep.narrative[f.key] = parts.get(f.key, "")
    for part in ("一", "五", "六"):
        if part not in h and st.b_found:
            heading = dict(schema.PARTS)[part]
            st.finding("import.part_missing", "warning",
                         f"找不到正文“{heading}”这一部分的标题，该部分文字未导入（年报应包含六个部分）",
                         [f.code for f in schema.NARRATIVE_FIELDS if f.part == part], location=heading)


def line_width(st) -> int:
    """Typical length of a full line of running text in a PDF (0 for other documents)."""
    if st.doc.kind != "pdf":
        return 0
    if st.pdf_width is None:
        lens = sorted(len(norm(c)) for ln in st.doc.lines for c in ln.cells
                      if "。" in c or "，" in c)
        st.pdf_width = lens[int(len(lens) * 0.8)] if len(lens) >= 5 else 0
    return st.pdf_width

def clean(st, start: int, end: int) -> str:
    if end <= start:
        return ""
    s = st.s
    out: list[tuple[str, int]] = []  # (text, indentation)
    li = s.line_index(start)
    while li < len(st.doc.lines) and s.line_starts[li] < end:
        ls = s.line_starts[li]
        a, b = max(ls, start), min(end, ls + len(s.text[ls:].split("\n", 1)[0]))
        raw = s.text[a:b].replace("\t", " ")
        indent = len(raw) - len(raw.lstrip(" \u3000")) if a == ls else 0
        text = re.sub(r"^#+\s*", "", raw.strip()).replace("**", "").strip()
        if _FOOTER.search(text):
            break
        if text and not set(text) <= set("|-: "):
            out.append((text, indent))
        li += 1
    paras: list[str] = []
    if st.doc.kind == "pdf":
        # A PDF paragraph starts indented; its wrapped lines start at the margin.
        base = min((i for _, i in out), default=0)
        width = line_width(st)
        for t, ind in out:
            prev = paras[-1] if paras else ""
            ended = re.search(r"[。！？!?]$", prev) and not (width and len(norm(prev.splitlines()[-1] if prev else "")) >= 0.85 * width)
            if prev and ind <= base + 1 and not ended:
                paras[-1] += t
            else:
                paras.append(t)
    else:
        # Text converted from PDF or Word may be wrapped mid-sentence too; short lines are headings.
        wrapped = st.doc.kind in ("text", "markdown")  # HTML and Word keep real paragraphs
        for t, _ in out:
            prev = paras[-1] if paras else ""
            heading = bool(_HEADING.match(prev)) and "。" not in prev
            if wrapped and prev and len(norm(prev)) >= 15 and not heading and not re.search(r"[。！？：；:.!?]$", prev):
                paras[-1] += t
            else:
                paras.append(t)
    text = "\n".join(paras).strip()
    # Spaces next to Chinese characters are layout artefacts ("2024 年"), not text.
    return _CJK_SPACE.sub("", text)
