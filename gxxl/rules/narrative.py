"""Checks on the narrative (正文): numbers quoted in the text against the tables, and what the
format requires the text to say.

Every pattern is deliberately narrow: a warning quotes the sentence and must be right, so a
sentence we cannot read with confidence is skipped rather than guessed at.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from .. import schema
from .base import Ctx, check, fmt_num, same
from .catalogue import BY_ID

PART_TITLE = {f.key: f.label for f in schema.NARRATIVE_FIELDS}
REQUIRED_PARTS = {
    "overview": "主动公开、依申请公开、政府信息管理、平台建设、监督保障等总体情况",
    "problems": "存在的主要问题及改进情况",
    "other": "其他需要报告的事项，至少说明信息处理费收取情况",
}
# Parts whose sentences are compared with the tables.
TABLE_PARTS = ("overview", "other")
OVERVIEW_MAX = 1000
SIMILARITY_MAX = 0.5

# -- numbers -----------------------------------------------------------------------------
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
NUM = r"(?P<n>\d[\d,，]*(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)"
UNIT = r"\s*(?:件|起|宗|个|份)"
GAP = r"[^。；;，,！？!?\d]"  # inside one clause, no Arabic digit


def cn_number(s: str) -> int | None:
    """Small Chinese numerals: 两 → 2, 十二 → 12, 一百零五 → 105. None if not one."""
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (cur or 1) * _CN_UNITS[ch]
            cur = 0
        else:
            return None
    return total + cur


def to_number(s: str):
    s = s.replace(",", "").replace("，", "")
    if s[:1].isdigit():
        try:
            f = float(s)
        except ValueError:
            return None
        return int(f) if f.is_integer() else f
    return cn_number(s)


# -- text --------------------------------------------------------------------------------
_HWS = re.compile(r"[ \t\u3000\xa0]+")
_SENT_END = "。！？!?"


def normalize(text: str) -> str:
    """Drop markup and the spaces PDF and Word conversions put around numbers ("2024 年")."""
    text = text.replace("**", "").replace("\r\n", "\n").replace("\r", "\n")

    def space(m: re.Match) -> str:
        a = m.string[m.start() - 1] if m.start() else ""
        b = m.string[m.end()] if m.end() < len(m.string) else ""
        return " " if (a.isascii() and a.isalpha() and b.isascii() and b.isalpha()) else ""

    return _HWS.sub(space, text)


def sentences(text: str) -> list[str]:
    """Sentences of a part. A line break ends a sentence unless the line looks hard-wrapped
    (a long line without final punctuation, as in text taken from a PDF)."""
    lines = [ln.strip() for ln in normalize(text).split("\n")]
    paras: list[str] = []
    buf = ""
    for ln in lines:
        if not ln:
            if buf:
                paras.append(buf)
                buf = ""
            continue
        if buf and len(buf) >= 25 and buf[-1] not in _SENT_END + "；;：:）)" and not re.match(r"[（(][一二三四五六七八九十]+[）)]", ln):
            buf += ln
        else:
            if buf:
                paras.append(buf)
            buf = ln
    if buf:
        paras.append(buf)
    out: list[str] = []
    for p in paras:
        out.extend(s for s in re.split(r"(?<=[。！？!?])", p) if s.strip())
    return out


def quote(sentence: str, start: int = 0, end: int | None = None, limit: int = 80) -> str:
    s = sentence.strip()
    if len(s) <= limit:
        return s
    end = len(s) if end is None else end
    a, b = max(0, start - 30), min(len(s), end + 20)
    return ("…" if a > 0 else "") + s[a:b] + ("…" if b < len(s) else "")


def part_sentences(ctx: Ctx, key: str) -> list[str]:
    c = ctx.cache.setdefault("sentences", {})
    if key not in c:
        c[key] = sentences(ctx.report.narrative.get(key) or "")
    return c[key]


def normalized(ctx: Ctx, key: str) -> str:
    c = ctx.cache.setdefault("normalized", {})
    if key not in c:
        c[key] = normalize(ctx.report.narrative.get(key) or "")
    return c[key]


def _hit(ctx: Ctx, rule: str, key: str, codes, sentence: str, m: re.Match | None, expected, actual, **fields):
    code = f"narrative.{key}"
    q = quote(sentence, m.start() if m else 0, m.end() if m else None)
    return ctx.hit(rule, [code, *codes], at=code, expected=expected, actual=actual, quote=q, **fields)


def _total(ctx: Ctx, *codes: str):
    vals = [ctx.value(c) for c in codes]
    return None if any(v is None for v in vals) else sum(vals)


# -- applications (table B) ------------------------------------------------------------
_RECV_VERBS = "收到|受理|接收|新收|办理"
RECEIVED = re.compile(rf"(?P<verb>{_RECV_VERBS})(?P<span>{GAP}{{0,40}}?)申请(?P<gap>{GAP}{{0,10}}?){NUM}{UNIT}")
RECEIVED_REV = re.compile(rf"(?P<verb>收到|受理|接收)了?(?P<span>{GAP}{{0,4}}?){NUM}{UNIT}(?P<gap>{GAP}{{0,20}}?)申请")
_RECV_SKIP = re.compile(r"结转|自然人|企业|法人|组织|机构|人大|政协|建议|提案|复议|诉讼|行政许可|来信|来访|信访|咨询|其中")
HANDLED = re.compile(rf"(?P<verb>办结|答复)(?P<span>{GAP}{{0,20}}?){NUM}{UNIT}")
_HANDLED_SKIP = re.compile(r"结转|率|人大|政协|建议|提案|复议|诉讼|自然人|企业|法人|延|期限|超期|逾期|其中")
CARRIED_OUT = (
    re.compile(rf"结转(?:至|到)?(?:下一?年度?|(?P<y>\d{{4}})年度?)(?:继续)?(?:办理)?(?:的)?(?P<gap>{GAP}{{0,6}}?){NUM}{UNIT}"),
    re.compile(rf"{NUM}{UNIT}(?P<gap>{GAP}{{0,8}}?)(?:结转|顺延|转入)(?:至|到)?(?:下一?年|(?P<y>\d{{4}})年)"),
)
CARRIED_IN = (
    re.compile(rf"上一?年度?结转(?:的|而来的)?(?P<gap>{GAP}{{0,10}}?){NUM}{UNIT}"),
    re.compile(rf"{NUM}{UNIT}(?P<gap>)(?:为|系|是|属)上一?年度?结转"),
)


@lru_cache(maxsize=None)
def outcome_groups() -> dict[str, tuple[str, ...]]:
    """Narrative word → the table B rows it adds up (derived from the schema's row labels)."""
    groups: dict[str, list[str]] = {}
    for row in schema.OUTCOME_ROWS:
        head = dict(schema.REQUEST_ROWS)[row][1]  # e.g. （三）不予公开
        word = re.sub(r"^（.）|（.*）$", "", head)
        groups.setdefault(word, []).append(row)
    out = {k: tuple(v) for k, v in groups.items()}
    out["予以公开及部分公开"] = out["予以公开"] + out["部分公开"]
    out["不掌握相关政府信息"] = ("unavailable_not_held",)
    return out


OUTCOME = re.compile(
    r"(?P<kw>(?<![不分])予以公开(?P<both>(?:及|和|与|、|或)部分公开)?|(?<![及和与、或])部分公开|不予以?公开|无法提供|不予处理|其他处理"
    r"|(?:本机关)?不掌握(?:相关)?(?:政府)?信息)"
    rf"(?P<gap>[^。；;，,！？!?\d（(]{{0,6}}?){NUM}{UNIT}"
    r"(?:(?:[，,、]?\s*(?:占(?:比)?(?:为)?|比例为)|[（(])\s*(?P<p>\d+(?:\.\d+)?)\s*[%％])?"
)


def _outcome_word(m: re.Match) -> str:
    kw = m.group("kw")
    if m.group("both"):
        return "予以公开及部分公开"
    if kw.startswith("不予") and kw.endswith("公开"):
        return "不予公开"
    if "不掌握" in kw:
        return "不掌握相关政府信息"
    return kw


@check("text.received", "text.handled", "text.carried", "text.outcome", "text.percent")
def requests_text(ctx: Ctx):
    new, cin = ctx.value("requests.new.total"), ctx.value("requests.carried_in.total")
    handled, cout = ctx.value("requests.handled_total.total"), ctx.value("requests.carried_out.total")
    year = ctx.report.year
    notes = ctx.cache.setdefault("notes", [])
    for key in TABLE_PARTS:
        after_request = False  # "…受理申请1295件，办结1191件。其中，予以公开…" continues the sentence before
        for s in part_sentences(ctx, key):
            continues = after_request and s.lstrip().startswith("其中")
            after_request = "申请" in s
            if "申请" in s and new is not None and cin is not None:
                for rx in (RECEIVED, RECEIVED_REV):
                    for m in rx.finditer(s):
                        span = m.group("span") + m.group("gap")
                        if _RECV_SKIP.search(span) or not re.search("信息|公开", span + s[m.end():m.end() + 6]):
                            continue
                        n = to_number(m.group("n"))
                        accepted = {"本年新收": new, "本年新收＋上年结转": new + cin}
                        if m.group("verb") == "办理" and handled is not None:
                            accepted["（七）总计（办结）"] = handled
                        matched = [k for k, v in accepted.items() if same(n, v)]
                        if not matched:
                            yield _hit(ctx, "text.received", key, ["requests.new.total", "requests.carried_in.total"], s, m,
                                       expected=new, actual=n, number=fmt_num(n), new=fmt_num(new), both=fmt_num(new + cin))
                        elif "本年新收" not in matched:
                            notes.append(f"正文“{quote(s, m.start(), m.end())}”中的{fmt_num(n)}件与表三{matched[0]}"
                                         f"（{fmt_num(new)}＋{fmt_num(cin)}）一致，已按此理解。")
            if "申请" in s and handled is not None:
                for m in HANDLED.finditer(s):
                    if m.group("verb") == "答复" and (len(m.group("span")) > 2 or re.search(
                            "公开|处理|提供|予以|同意|转|下一?年", s[max(0, m.start() - 8):m.start()])):
                        continue  # "同意公开答复9件" is an outcome, "转下一年度办理答复1件" a carry-over
                    span = m.group("span").replace("依申请公开", "").replace("信息公开", "")
                    if _HANDLED_SKIP.search(span) or re.search("公开|答复|处理|提供|中", span):
                        continue  # "办结的申请中同意公开答复9件" counts an outcome
                    n = to_number(m.group("n"))
                    if not same(n, handled):
                        yield _hit(ctx, "text.handled", key, ["requests.handled_total.total"], s, m,
                                   expected=handled, actual=n, number=fmt_num(n))
            if "结转" in s and ("申请" in s or "办理" in s):
                for rxs, code, what, val in ((CARRIED_OUT, "requests.carried_out.total", "结转下年度继续办理", cout),
                                             (CARRIED_IN, "requests.carried_in.total", "上年结转", cin)):
                    if val is None:
                        continue
                    seen: set[int] = set()
                    for rx in rxs:
                        for m in rx.finditer(s):
                            if m.start("n") in seen or re.search("复议|诉讼|建议|提案|含|包括|[（(]", m.group("gap")):
                                continue
                            y = m.groupdict().get("y")
                            if y and (not year or int(y) <= year):
                                continue  # "结转2023年度申请" in a 2024 report: carried in, not out
                            seen.add(m.start("n"))
                            n = to_number(m.group("n"))
                            if not same(n, val):
                                yield _hit(ctx, "text.carried", key, [code], s, m, expected=val, actual=n,
                                           number=fmt_num(n), what=what)
            if "申请" in s or continues:
                yield from _outcomes(ctx, key, s, handled)


def _outcomes(ctx: Ctx, key: str, s: str, handled):
    groups = outcome_groups()
    for m in OUTCOME.finditer(s):
        if re.search("复议|诉讼|主动", m.group("gap")):
            continue
        word = _outcome_word(m)
        rows = groups[word]
        codes = [f"requests.{r}.total" for r in rows]
        val = _total(ctx, *codes)
        if val is None:
            continue
        n = to_number(m.group("n"))
        if not same(n, val):
            yield _hit(ctx, "text.outcome", key, codes, s, m, expected=val, actual=n, number=fmt_num(n), what=word)
            continue
        p = m.group("p")
        if p is None or not handled:
            continue
        printed = float(p)
        exact = val / handled * 100
        decimals = len(p.split(".")[1]) if "." in p else 0
        if abs(printed - exact) >= 10 ** -decimals:  # accepts rounding and truncation to the printed decimals
            yield _hit(ctx, "text.percent", key, [*codes, "requests.handled_total.total"], s, m,
                       expected=round(exact, max(decimals, 2)), actual=printed, number=p, what=word,
                       count=fmt_num(val), total=fmt_num(handled))


# -- appeals (table C) -------------------------------------------------------------------
KW = re.compile(r"行政复议|行政诉讼")
JOINER = re.compile(r"^(?:案件)?(?:和|及|与|、|或|以及)$")
APPEAL_TOTAL = re.compile(rf"^(?P<gap>{GAP}{{0,12}}?){NUM}{UNIT}")
_APPEAL_GAP_SKIP = re.compile(r"维持|纠正|纠错|结果|审结|其中|涉及|次|培训|决定书|答复书")
APPEAL_SUB = re.compile(rf"(?P<kw>(?:结果)?维持|(?:结果)?纠正|其他结果|尚未审结|未审结)(?P<gap>{GAP}{{0,3}}?){NUM}{UNIT}")
LITIGATION_KIND = re.compile(rf"(?P<kind>(?:未经复议)?直接(?:提起)?(?:行政)?起诉|复议后(?:提起)?(?:行政)?起诉)(?P<gap>{GAP}{{0,4}}?){NUM}{UNIT}")
NEGATED = re.compile(
    rf"(?P<neg>未发生|没有发生|未出现|未产生|未收到|未有|未被提起|没有|无(?=因|涉及|相关|政府|行政|信息))(?P<span>{GAP}{{0,25}}?)"
    r"(?P<kw>行政复议|行政诉讼)(?:(?:和|及|与|、|或)(?P<kw2>行政复议|行政诉讼))?(?P<tail>.{0,8})"
)
_NEG_SKIP = re.compile(r"纠|败诉|撤销|维持|违法|一例|论")
_CORRECTION = re.compile(r"纠错|纠正|撤销|败诉|确认违法")
UPHELD_ALL = re.compile(r"均(?:获|被|予以|得到|为)?维持|全部(?:被|获)?维持|均(?:已)?胜诉|全部胜诉")
CONCLUDED_ALL = re.compile(r"均已?(?:结案|审结|办结|办理完毕)|(?:已)?全部(?:结案|审结|办结)")
NO_CORRECTION = re.compile(r"无一?被?纠错|未被纠错|没有被纠错|未被纠正|没有被纠正|纠错率(?:为)?(?:0|零)|零纠错|无败诉|未败诉")
_SUB_COL = {"维持": "upheld", "纠正": "corrected", "其他结果": "other", "未审结": "pending"}


def _groups(word: str) -> tuple[str, ...]:
    return ("review",) if word == "行政复议" else ("litigation_direct", "litigation_after_review")


def _appeal_value(ctx: Ctx, groups, col: str):
    return _total(ctx, *(f"appeals.{g}.{col}" for g in groups))


def _appeal_rule(groups) -> str:
    return "text.review" if groups == ("review",) else "text.litigation"


def _appeal_fields(ctx: Ctx, groups) -> dict:
    if groups == ("review",):
        return {}
    return {"direct": fmt_num(ctx.value("appeals.litigation_direct.total")),
            "after": fmt_num(ctx.value("appeals.litigation_after_review.total"))}


@check("text.review", "text.litigation", "text.appeal_words")
def appeals_text(ctx: Ctx):
    for key in TABLE_PARTS:
        for s in part_sentences(ctx, key):
            if "行政复议" not in s and "行政诉讼" not in s and "起诉" not in s:
                continue
            if "公开" not in s:
                continue  # e.g. a 司法局's own review caseload, not about information disclosure
            yield from _appeal_counts(ctx, key, s)
            yield from _appeal_words(ctx, key, s)


def _appeal_counts(ctx: Ctx, key: str, s: str):
    kws = list(KW.finditer(s))
    pending: list[str] = []  # keywords joined to the next one ("行政复议和行政诉讼各1件")
    for i, k in enumerate(kws):
        end = kws[i + 1].start() if i + 1 < len(kws) else len(s)
        seg = s[k.end():end]
        if JOINER.match(seg.strip()):
            pending.append(k.group())
            continue
        words = [*pending, k.group()]
        pending = []
        m = APPEAL_TOTAL.match(seg)
        if m and not _APPEAL_GAP_SKIP.search(m.group("gap")) and not re.search(r"其中.{0,12}公开", seg[m.end():m.end() + 20]):
            n = to_number(m.group("n"))
            each = len(words) == 1 or "各" in m.group("gap") or same(n, 0)
            if each:
                for w in dict.fromkeys(words):
                    groups = _groups(w)
                    val = _appeal_value(ctx, groups, "total")
                    if val is not None and not same(n, val):
                        yield _hit(ctx, _appeal_rule(groups), key, [f"appeals.{g}.total" for g in groups], s,
                                   _Span(k.start(), k.end() + m.end()), expected=val, actual=n, number=fmt_num(n),
                                   what="", **_appeal_fields(ctx, groups))
        if len(words) == 1:
            groups = _groups(words[0])
            for sm in APPEAL_SUB.finditer(seg):
                col = next(v for w, v in _SUB_COL.items() if w in sm.group("kw"))
                val = _appeal_value(ctx, groups, col)
                n = to_number(sm.group("n"))
                if val is not None and not same(n, val):
                    label = dict(schema.APPEAL_COLUMNS)[col]
                    yield _hit(ctx, _appeal_rule(groups), key, [f"appeals.{g}.{col}" for g in groups], s,
                               _Span(k.start(), k.end() + sm.end()), expected=val, actual=n, number=fmt_num(n),
                               what=label, **_appeal_fields(ctx, groups))
    for m in LITIGATION_KIND.finditer(s):
        g = "litigation_direct" if "直接" in m.group("kind") else "litigation_after_review"
        val = ctx.value(f"appeals.{g}.total")
        n = to_number(m.group("n"))
        if val is not None and not same(n, val):
            yield _hit(ctx, "text.litigation", key, [f"appeals.{g}.total"], s, m, expected=val, actual=n,
                       number=fmt_num(n), what="（" + dict(schema.APPEAL_GROUPS)[g][-1] + "）",
                       **_appeal_fields(ctx, ("litigation_direct", "litigation_after_review")))


class _Span:
    """A match-like (start, end) for quoting."""

    def __init__(self, start: int, end: int):
        self._s, self._e = start, end

    def start(self, *_):
        return self._s

    def end(self, *_):
        return self._e


def _clause_groups(s: str, pos: int) -> tuple[str, ...]:
    """The table C groups a word at ``pos`` speaks about: the keywords in its clause (since the last ；)."""
    start = max(s.rfind("；", 0, pos), s.rfind(";", 0, pos)) + 1
    words = set(KW.findall(s[start:pos]))
    out: list[str] = []
    for w in ("行政复议", "行政诉讼"):
        if w in words:
            out.extend(_groups(w))
    return tuple(out)


def _describe(ctx: Ctx, groups, cols) -> tuple[str, list[str]]:
    parts, codes = [], []
    for col in cols:
        for g in groups:
            v = ctx.value(f"appeals.{g}.{col}")
            if v:
                parts.append(f"{'·'.join(dict(schema.APPEAL_GROUPS)[g])}{dict(schema.APPEAL_COLUMNS)[col]}{fmt_num(v)}件")
                codes.append(f"appeals.{g}.{col}")
    return "、".join(parts), codes


def _appeal_words(ctx: Ctx, key: str, s: str):
    checks = ((UPHELD_ALL, ("corrected", "pending")), (CONCLUDED_ALL, ("pending",)), (NO_CORRECTION, ("corrected",)))
    for rx, cols in checks:
        for m in rx.finditer(s):
            groups = _clause_groups(s, m.start())
            if not groups:
                continue
            if rx is CONCLUDED_ALL and "申请" in s[s.rfind("行政", 0, m.start()):m.start()]:
                continue  # "…申请…均已办结" speaks of applications
            if "胜诉" in m.group() or "败诉" in m.group():
                groups = tuple(g for g in groups if g != "review")
            desc, codes = _describe(ctx, groups, cols)
            if desc:
                yield _hit(ctx, "text.appeal_words", key, codes, s, m, expected="0", actual=desc)
    for m in NEGATED.finditer(s):
        if _NEG_SKIP.search(m.group("span")):
            continue
        words = [m.group("kw")] + ([m.group("kw2")] if m.group("kw2") else [])
        groups = tuple(g for w in words for g in _groups(w))
        if _CORRECTION.search(m.group("tail")):
            desc, codes = _describe(ctx, groups, ("corrected",))
        else:
            desc, codes = _describe(ctx, groups, ("total",))
        if desc:
            yield _hit(ctx, "text.appeal_words", key, codes, s, m, expected="0", actual=desc)


# -- table A: 规章 and 行政规范性文件 ------------------------------------------------------
DOC = r"(?P<doc>行政规范性文件|规范性文件|规章)"
NORMATIVE = (
    ("issued", "本年制发", re.compile(
        rf"(?P<verb>新?制发|印发|出台|新?制定)了?的?(?P<span>{GAP}{{0,10}}?){DOC}(?P<gap>{GAP}{{0,4}}?){NUM}{UNIT}")),
    ("in_force", "现行有效", re.compile(rf"现行有效的?(?P<span>{GAP}{{0,6}}?){DOC}(?P<gap>{GAP}{{0,4}}?){NUM}{UNIT}")),
    ("in_force", "现行有效", re.compile(rf"{DOC}(?P<span>{GAP}{{0,2}}?)现行有效的?(?P<gap>{GAP}{{0,4}}?){NUM}{UNIT}")),
    ("repealed", "本年废止", re.compile(rf"废止了?的?(?P<span>{GAP}{{0,10}}?){DOC}(?P<gap>{GAP}{{0,4}}?){NUM}{UNIT}")),
)
_DOC_SKIP = re.compile(r"现行|有效|废止|失效|清理|累计|历年|以来|至今|规章|规范性文件|修订|修改|解读|备案|审查|审核|征求|草案")


@check("text.normative")
def normative_text(ctx: Ctx):
    for key in TABLE_PARTS:
        for s in part_sentences(ctx, key):
            if "规范性文件" not in s and "规章" not in s:
                continue
            seen: set[int] = set()
            for col, what, rx in NORMATIVE:
                for m in rx.finditer(s):
                    if _DOC_SKIP.search(m.group("span") + m.group("gap")):
                        continue
                    if col == "issued" and re.search("累计|历年|以来|至今|现行", s[max(0, m.start() - 8):m.start()]):
                        continue
                    if m.start("n") in seen:
                        continue
                    seen.add(m.start("n"))
                    row = "rules" if m.group("doc") == "规章" else "normative"
                    code = f"active.{row}.{col}"
                    val = ctx.value(code)
                    n = to_number(m.group("n"))
                    if val is not None and not same(n, val):
                        doc = "规章" if row == "rules" else "行政规范性文件"
                        yield _hit(ctx, "text.normative", key, [code], s, m, expected=val, actual=n, number=fmt_num(n),
                                   what=f"{doc}{what}")


# -- what the format requires the text to say --------------------------------------------
FEE = re.compile(r"信息处理费|处理费")
# "政府信息公开未发生收费情况" also states that no 信息处理费 was charged
FEE_OTHER_WORDS = re.compile(r"(?:信息公开|依申请|申请人)[^。；]{0,20}?(?:收费|收取费用|收取.{0,4}费)")
FEE_ANY = re.compile(r"处理费|收费|收取.{0,6}费|费用")
FEE_AMOUNT = re.compile(rf"{NUM}\s*(?:元|万元)")
FEE_NONE = re.compile(r"未|没有|无|不收取|免收|免于|免予|零|暂不")
FEE_NOTICE = re.compile(r"收费通知|缴费通知|缴纳|缴费|逾期未缴")


@check("text.part_missing", "text.fee_statement", "text.fee_unclear", "text.fee_notice", "text.overview_length")
def required_text(ctx: Ctx):
    narr = ctx.report.narrative
    for key, expected in REQUIRED_PARTS.items():
        if not (narr.get(key) or "").strip():
            yield ctx.hit("text.part_missing", [f"narrative.{key}"], expected=expected, actual=None,
                          part=PART_TITLE[key])
    other = (narr.get("other") or "").strip()
    if other:
        if not FEE.search(other) and not FEE_OTHER_WORDS.search(normalized(ctx, "other")):
            elsewhere = [PART_TITLE[k] for k in ("overview", "problems", "preface") if FEE.search(narr.get(k) or "")]
            hint = f"（“{elsewhere[0]}”中提到了信息处理费，但格式要求在第六部分专门报告）" if elsewhere else ""
            yield ctx.hit("text.fee_statement", ["narrative.other"], expected="说明信息处理费收取情况", actual=None,
                          hint=hint, why=BY_ID["text.fee_statement"].why)
        else:
            fee_sents = [s for s in part_sentences(ctx, "other") if FEE_ANY.search(s)]
            if fee_sents and not any(FEE_AMOUNT.search(s) or FEE_NONE.search(s) for s in fee_sents):
                yield _hit(ctx, "text.fee_unclear", "other", [], fee_sents[0], None,
                           expected="收取金额或“未收取”", actual=None)
    no_fee = ctx.value("requests.other_no_fee.total")
    if no_fee and not FEE_NOTICE.search(other):
        yield ctx.hit("text.fee_notice", ["narrative.other", "requests.other_no_fee.total"], at="narrative.other",
                      expected="说明收费通知情况", actual=no_fee)
    overview = narr.get("overview") or ""
    n = len(re.sub(r"\s", "", overview))
    if n > OVERVIEW_MAX:
        yield ctx.hit("text.overview_length", ["narrative.overview"], expected=OVERVIEW_MAX, actual=n,
                      why=BY_ID["text.overview_length"].why)


# -- years -------------------------------------------------------------------------------
PERIOD = re.compile(r"统计(?:期限|时限|期间|区间|范围|时间|周期)[^。]{0,12}?(?P<a>\d{4})年1月1日[^。]{0,12}?(?P<b>\d{4})年12月31日")
LEAD_YEAR = re.compile(
    r"(?P<y>\d{4})年度?(?=[，,]|全年|全区|全县|全市|全镇|全乡|全街道|本机关|本单位|本部门|我局|我委|我办|我区|我县|我市|我镇|我乡|我街道|我单位|我部门)"
)
_SENTENCE_START = set("。；;！？!?：:\n")  # a year here opens a sentence (checked by hand: faster than a look-behind)


@check("meta.year_text")
def years_text(ctx: Ctx):
    year = ctx.report.year
    if not year:
        return
    for f in schema.NARRATIVE_FIELDS:
        text = normalized(ctx, f.key)
        if not text:
            continue
        found = None
        for m in (PERIOD.finditer(text) if "统计" in text else ()):
            bad = sorted({int(y) for y in (m.group("a"), m.group("b")) if int(y) != year})
            if bad:
                found = (m, bad)
                break
        if found is None:
            for m in LEAD_YEAR.finditer(text):
                if m.start() and text[m.start() - 1] not in _SENTENCE_START:
                    continue
                y = int(m.group("y"))
                if y not in (year, year + 1):
                    found = (m, [y])
                    break
        if found:
            m, bad = found
            s = _sentence_at(text, m.start())
            yield ctx.hit("meta.year_text", ["meta.year", f.code], at=f.code, expected=year,
                          actual="、".join(str(b) for b in bad), part=f.label.split("（")[0], quote=s)


def _sentence_at(text: str, pos: int) -> str:
    a = max(text.rfind(c, 0, pos) for c in "。！？\n") + 1
    ends = [i for i in (text.find(c, pos) for c in "。！？\n") if i >= 0]
    b = min(ends) if ends else len(text)
    return quote(text[a:b], pos - a, pos - a + 6)


# -- last year's part 五 -------------------------------------------------------------------
def similarity(a: str, b: str) -> float:
    """Dice coefficient over character bigrams (ignoring whitespace and punctuation)."""
    a, b = (re.sub(r"[\s，。；、：“”（）,.;:()!?！？]", "", x) for x in (a, b))
    if len(a) < 2 or len(b) < 2:
        return 0.0
    A = Counter(a[i:i + 2] for i in range(len(a) - 1))
    B = Counter(b[i:i + 2] for i in range(len(b) - 1))
    return 2 * sum((A & B).values()) / (sum(A.values()) + sum(B.values()))


@check("prev.problems_similar")
def problems_similar(ctx: Ctx):
    last = ctx.previous
    if last is None or not ctx.report.year or last.year != ctx.report.year - 1:
        return
    now, before = ctx.report.narrative.get("problems") or "", last.narrative.get("problems") or ""
    if len(now.strip()) < 30 or len(before.strip()) < 30:
        return
    sim = similarity(now, before)
    if sim > SIMILARITY_MAX:
        yield ctx.hit("prev.problems_similar", ["narrative.problems"], expected=f"{SIMILARITY_MAX:.0%}",
                      actual=f"{sim:.0%}", why=BY_ID["prev.problems_similar"].why)
