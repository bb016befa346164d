"""Checks on the tables, the cover and last year's report (the narrative is in narrative.py)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import PurePath

from .. import schema
from .base import Ctx, check, column_label, fmt_num, group_label, row_label, same
from .catalogue import BY_ID

_FILL_RULES = {
    "blank": "fill.blank",
    "text": "fill.text",
    "text_number": "fill.number_as_text",
    "negative": "fill.negative",
    "fraction": "fill.fraction",
    "error": "fill.formula_error",
}
_ZERO_WORDS = {"—", "-", "－", "／", "/", "无", "空", "——", "…", "0件", "零"}


@check(*_FILL_RULES.values())
def fill(ctx: Ctx):
    for code in schema.INPUT_CODES:
        dv = ctx.report.values.get(code)
        problem = dv.problem if dv is not None else "blank"
        if problem is None and dv.value is None:
            problem = "blank"
        if problem is None:
            continue
        p = schema.POINTS[code]
        raw = "" if dv is None or dv.raw is None else str(dv.raw).strip()
        value = dv.value if dv is not None else None
        sugg = dv.suggestion if dv is not None else None
        rule = _FILL_RULES.get(problem, "fill.text")
        if problem == "blank":
            yield ctx.hit(rule, [code], expected="数字（没有请填0）", actual=None, label=p.label)
        elif problem == "text":
            if sugg is None:
                hint = ""
            elif sugg == 0 and raw in _ZERO_WORDS:
                hint = "（没有发生请填0）"
            else:
                hint = f"（是否为{fmt_num(sugg)}？）"
            yield ctx.hit(rule, [code], expected=sugg if sugg is not None else "数字", actual=raw, label=p.label,
                          raw=raw, hint=hint)
        elif problem == "text_number":
            yield ctx.hit(rule, [code], expected=value, actual=raw, label=p.label, raw=raw)
        elif problem == "negative":
            yield ctx.hit(rule, [code], expected="≥0", actual=value, label=p.label)
        elif problem == "fraction":
            yield ctx.hit(rule, [code], expected=sugg, actual=value, label=p.label)
        else:
            yield ctx.hit(rule, [code], expected="数字", actual=raw, label=p.label, raw=raw)


@check("B.row_total", "B.handled_total", "C.total")
def sums(ctx: Ctx):
    """A sum cell whose stated value differs from the sum of its (filled) inputs."""
    for code in schema.SUM_CODES:
        dv = ctx.report.values.get(code)
        if dv is None or dv.stored is None or dv.value is None:
            continue
        if same(dv.stored, dv.value):
            continue
        p = schema.POINTS[code]
        codes = [code, *p.parts]
        if p.table == "appeals":
            yield ctx.hit("C.total", codes, expected=dv.value, actual=dv.stored, group=group_label(p.row))
        elif p.column == "total":
            yield ctx.hit("B.row_total", codes, expected=dv.value, actual=dv.stored, row=row_label(p.row))
        else:
            yield ctx.hit("B.handled_total", codes, expected=dv.value, actual=dv.stored, column=column_label(p.column))


def _balance(get, col: str):
    vals = [get(f"requests.{r}.{col}") for r in ("new", "carried_in", "handled_total", "carried_out")]
    if any(v is None for v in vals):
        return None
    return vals


@check("B.balance")
def balance(ctx: Ctx):
    failed = False
    for col, _ in schema.REQUEST_COLUMNS:
        if col == "total" and failed:
            continue  # the total column only repeats the applicant columns' differences
        vals = _balance(ctx.value, col)
        if vals is None:
            continue
        new, cin, ht, cout = vals
        if same(new + cin, ht + cout):
            continue
        failed = True
        codes = [f"requests.{r}.{col}" for r in ("new", "carried_in", "handled_total", "carried_out")]
        yield ctx.hit("B.balance", codes, at=f"requests.carried_out.{col}", expected=new + cin, actual=ht + cout,
                      column=column_label(col), new=fmt_num(new), carried_in=fmt_num(cin), handled=fmt_num(ht),
                      carried_out=fmt_num(cout), diff=fmt_num(abs(new + cin - ht - cout)))


def _active_label(code: str) -> tuple[str, str]:
    p = schema.POINTS[code]
    return p.labels[1], p.labels[2]  # row label (规章), column label (本年制发件数)


@check("A.rules_level")
def rules_level(ctx: Ctx):
    level = ctx.report.level
    if level not in schema.LEVELS_WITHOUT_RULES:
        return
    for code in (p.code for p in schema.DATA_POINTS if p.table == "active" and p.row == "rules"):
        v = ctx.value(code)
        if v is not None and v > 0:
            yield ctx.hit("A.rules_level", [code], expected=0, actual=v, level=level, what=_active_label(code)[1],
                          why=BY_ID["A.rules_level"].why)


@check("A.in_force_lt_issued")
def in_force_lt_issued(ctx: Ctx):
    for row in ("rules", "normative"):
        issued, in_force = ctx.value(f"active.{row}.issued"), ctx.value(f"active.{row}.in_force")
        if issued is None or in_force is None or in_force >= issued:
            continue
        code = f"active.{row}.in_force"
        yield ctx.hit("A.in_force_lt_issued", [code, f"active.{row}.issued"], expected=issued, actual=in_force,
                      row=_active_label(code)[0], why=BY_ID["A.in_force_lt_issued"].why)


def _norm_organ(s: str | None) -> str:
    return re.sub(r"[\s\u3000（）()]", "", s or "")


@check("prev.year", "prev.organ", "prev.carried_in", "prev.in_force")
def previous_year(ctx: Ctx):
    last = ctx.previous
    if last is None:
        return
    rep = ctx.report
    year, lyear = rep.year, last.year
    if year is None or lyear is None or lyear != year - 1:
        yield ctx.hit("prev.year", ["meta.year"], expected=year - 1 if year else "上一",
                      actual=lyear if lyear is not None else "（未填）")
        return
    if rep.organ and last.organ and _norm_organ(rep.organ) != _norm_organ(last.organ):
        yield ctx.hit("prev.organ", ["meta.organ"], expected=rep.organ, actual=last.organ)
    failed = False
    for col, _ in schema.REQUEST_COLUMNS:
        if col == "total" and failed:
            continue
        now, before = ctx.value(f"requests.carried_in.{col}"), last.get(f"requests.carried_out.{col}")
        if now is None or before is None or same(now, before):
            continue
        failed = True
        yield ctx.hit("prev.carried_in", [f"requests.carried_in.{col}", f"requests.carried_out.{col}"],
                      expected=before, actual=now, column=column_label(col))
    for row in ("rules", "normative"):
        lf = last.get(f"active.{row}.in_force")
        iss, rep_, now = (ctx.value(f"active.{row}.{c}") for c in ("issued", "repealed", "in_force"))
        if None in (lf, iss, rep_, now):
            continue
        expected = lf + iss - rep_
        if same(now, expected):
            continue
        diff = abs(now - expected)
        if now < expected:
            note = f"少{fmt_num(diff)}件：如有文件因有效期届满等原因自然失效而未计入本年废止，请在“说明”页写明（如“含自然失效{fmt_num(diff)}件”）"
        else:
            note = f"多{fmt_num(diff)}件：现行有效不应超过上年现行有效加本年制发减本年废止，请核实"
        code = f"active.{row}.in_force"
        yield ctx.hit("prev.in_force", [code, f"active.{row}.issued", f"active.{row}.repealed"], expected=expected,
                      actual=now, row=_active_label(code)[0], last=fmt_num(lf), issued=fmt_num(iss),
                      repealed=fmt_num(rep_), note=note)


_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d{2})\s*年")


@check("meta.required", "meta.level", "meta.year", "meta.year_filename")
def meta(ctx: Ctx):
    rep = ctx.report
    for f in schema.META_FIELDS:
        if not f.required:
            continue
        key = f.code.split(".", 1)[1]
        v = rep.meta.get(key)
        if v is None or str(v).strip() == "":
            yield ctx.hit("meta.required", [f.code], expected=f.label, actual=None, label=f.label)
    level = rep.meta.get("level")
    if level not in (None, "") and str(level).strip() not in schema.LEVELS:
        yield ctx.hit("meta.level", ["meta.level"], expected="、".join(schema.LEVELS), actual=str(level))
    raw_year = rep.meta.get("year")
    year = rep.year
    if raw_year not in (None, "") and (year is None or not 2021 <= year <= 2100):
        yield ctx.hit("meta.year", ["meta.year"], expected="2021年及以后", actual=str(raw_year))
        year = None
    if year and rep.source.path:
        name = PurePath(rep.source.path).name
        for m in _YEAR_IN_NAME.finditer(name):
            if int(m.group(1)) != year:
                yield ctx.hit("meta.year_filename", ["meta.year"], expected=year, actual=int(m.group(1)), name=name)
                break


@check("format.version")
def format_version(ctx: Ctx):
    v = ctx.report.source.format_version
    if v is None or str(v) == schema.FORMAT_VERSION:
        return
    note = "：" + schema.OLD_FORMAT_2019_NOTE if str(v).startswith("2019") else ""
    yield ctx.hit("format.version", [], expected=schema.FORMAT_VERSION, actual=str(v), note=note)


@check("notes.unknown_key")
def unknown_keys(ctx: Ctx):
    known = _known_keys()
    for ex in ctx.report.explanations:
        key = normalize_key(ex.key)
        if key and key in known:
            continue
        h = ctx.hit("notes.unknown_key", [], expected="规则编号或数据项代码", actual=ex.key or "（空）",
                    cell=ex.cell or "")
        h.sheet, h.cell = ex.sheet or schema.SHEET_NOTES, ex.cell
        yield h


def normalize_key(key: str | None) -> str:
    """Explanation keys as clerks type them: full-width dots, spaces, any case."""
    s = (key or "").strip().replace("．", ".").replace("。", ".").replace(" ", "").replace("\u3000", "")
    return s.casefold()


@lru_cache(maxsize=None)
def _known_keys() -> frozenset[str]:
    keys = {r.id.casefold() for r in BY_ID.values()}
    keys.update(c.casefold() for c in schema.layout())
    return frozenset(keys)
