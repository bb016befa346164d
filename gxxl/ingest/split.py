"""Cutting run-together digits ("15130000154") back into table cells.

Web pages flattened to text lose cell boundaries. The digits of a row can be cut in
many ways; a cut is only accepted when it is the single one that yields the right
number of cells, no cell with a leading zero, and the row's sums (total = sum of the
parts). Whitespace that was printed is a boundary that is never crossed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

MAX_DIGITS = 7  # no count in a report has more than 7 digits (行政处罚 3985758)
MAX_CANDIDATES = 200


@dataclass(frozen=True)
class Token:
    """One printed item of a row: a number (maybe run-together), a blank cell or a text cell."""

    text: str
    kind: str = "num"  # num | blank | text
    fixed: bool = False  # a real table cell or a decimal: never cut


def _cuts(s: str, parts: int) -> list[list[str]]:
    """All ways to cut a digit string into ``parts`` numbers without leading zeros."""
    out: list[list[str]] = []

    def rec(i: int, left: int, acc: list[str]) -> None:
        if len(out) > 5000:
            return
        if left == 1:
            rest = s[i:]
            if rest and (rest == "0" or rest[0] != "0") and len(rest) <= MAX_DIGITS:
                out.append(acc + [rest])
            return
        for j in range(i + 1, min(len(s) - left + 1, i + MAX_DIGITS) + 1):
            piece = s[i:j]
            if piece != "0" and piece[0] == "0":
                break
            rec(j, left - 1, acc + [piece])

    rec(0, parts, [])
    return out


def _value(tok: Token) -> int | float | None:
    if tok.kind != "num":
        return None
    t = tok.text
    return float(t) if "." in t else int(t)


def candidates(tokens: Sequence[Token], n: int, ok: Callable[[list], bool] | None = None,
               partial_ok: Callable[[list], bool] | None = None) -> tuple[list[list[Token]], bool]:
    """Ways to read ``tokens`` as ``n`` cells; (list of cell lists, whether anything was cut).

    ``ok(values)`` checks a complete row (None for blank/text cells); ``partial_ok`` prunes early.
    If the tokens as printed already make ``n`` valid cells, that reading is the only one.
    """
    tokens = list(tokens)
    # Empty cells beyond the count are layout fillers (merged label columns, a trailing cell).
    while len(tokens) > n and tokens[0].kind == "blank":
        tokens.pop(0)
    while len(tokens) > n and tokens[-1].kind == "blank":
        tokens.pop()
    printed_ok = len(tokens) == n and all(
        t.kind != "num" or t.fixed or t.text == "0" or (t.text[0] != "0" and len(t.text) <= MAX_DIGITS) for t in tokens)
    if printed_ok:
        return [list(tokens)], False
    splittable = [t.kind == "num" and not t.fixed for t in tokens]
    if len(tokens) > n or (len(tokens) < n and not any(splittable)):
        return [], False
    results: list[list[Token]] = []

    def rec(i: int, acc: list[Token], vals: list) -> None:
        if len(results) >= MAX_CANDIDATES:
            return
        remaining_tokens = len(tokens) - i
        if i == len(tokens):
            if len(acc) == n and (ok is None or ok(vals)):
                results.append(list(acc))
            return
        tok = tokens[i]
        room = n - len(acc) - (remaining_tokens - 1)  # cells this token may take
        if room < 1:
            return
        options = [[tok]] if not splittable[i] else [
            [Token(p, "num") for p in cut] for k in range(1, min(room, len(tok.text)) + 1) for cut in _cuts(tok.text, k)]
        for opt in options:
            if not splittable[i] and len(acc) + 1 > n:
                continue
            nv = vals + [_value(t) for t in opt]
            if partial_ok is not None and not partial_ok(nv):
                continue
            rec(i + 1, acc + opt, nv)

    rec(0, [], [])
    return results, True


def sum_check(n_parts: int) -> Callable[[list], bool]:
    """Row check: the last cell equals the sum of the first ``n_parts`` (blank cells skip the check)."""

    def ok(vals: list) -> bool:
        if any(v is None for v in vals):
            return True
        return sum(vals[:n_parts]) == vals[n_parts]

    return ok


def group_checks(group: int, parts: int) -> tuple[Callable[[list], bool], Callable[[list], bool]]:
    """(complete check, partial check) for rows of groups of ``group`` cells whose last is the sum of ``parts``."""

    def partial(vals: list) -> bool:
        for g0 in range(0, len(vals) - group + 1, group):
            chunk = vals[g0:g0 + group]
            if len(chunk) == group and all(v is not None for v in chunk) and sum(chunk[:parts]) != chunk[parts]:
                return False
        return True

    return partial, partial
