"""Cutting run-together digits ("15130000154") back into table cells.

Web pages flattened to text lose cell boundaries. The digits of a row can be cut in
many ways; a cut is only accepted when it is the single one that yields the right
number of cells, no cell with a leading zero, and the row's sums (total = sum of the
parts). Whitespace that was printed is a boundary that is never crossed. When there
are too many possible cuts to look at them all, the row counts as ambiguous: a
reading is never chosen from a partial search.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Sequence

MAX_DIGITS = 6  # a run-together count cell has at most 6 digits (single numbers are never cut)
MAX_CANDIDATES = 50
MAX_STEPS = 400_000  # search budget per row; beyond it the row is "ambiguous"


@dataclass(frozen=True)
class Token:
    """One printed item of a row: a number (maybe run-together), a blank cell or a text cell."""

    text: str
    kind: str = "num"  # num | blank | text
    fixed: bool = False  # a real table cell or a decimal: never cut
    col: int = field(default=-1, compare=False)  # character column in a PDF layout line (-1: unknown)


def _value(tok: Token) -> int | float | None:
    if tok.kind != "num":
        return None
    t = tok.text
    return float(t) if "." in t else int(t)


@lru_cache(maxsize=4096)
def _min_pieces(s: str) -> int:
    """Fewest numbers a digit string can be cut into (a piece may not start with 0 unless it is 0)."""
    n = len(s)
    best = [0] + [10 ** 6] * n
    for i in range(n):
        if best[i] >= 10 ** 6:
            continue
        if s[i] == "0":
            best[i + 1] = min(best[i + 1], best[i] + 1)
            continue
        for j in range(i + 1, min(n, i + MAX_DIGITS) + 1):
            best[j] = min(best[j], best[i] + 1)
    return best[n]


def _valid_piece(p: str) -> bool:
    return p == "0" or (p[0] != "0" and len(p) <= MAX_DIGITS)


class _Budget(Exception):
    pass


class Candidates(list):
    """Readings of a row; ``truncated`` when the search stopped early (then never a unique reading)."""

    truncated = False

    @property
    def unique(self) -> bool:
        return len(self) == 1 and not self.truncated


def sum_row_candidates(tokens: Sequence[Token], n: int) -> tuple[Candidates, bool]:
    """Readings of a row whose last cell is the sum of the others (table 3).

    When the total is cut from the end of a run of digits, each possible length of the
    total fixes its value, and the other cells must add up to exactly that: a much
    smaller search than trying every cut.
    """
    tokens = list(tokens)
    while len(tokens) > n and tokens[0].kind == "blank":
        tokens.pop(0)
    while len(tokens) > n and tokens[-1].kind == "blank":
        tokens.pop()
    last = tokens[-1] if tokens else None
    if last is None or last.kind != "num" or last.fixed or not last.text.isdigit() or len(tokens) > n:
        return candidates(tokens, n, sum_check(n - 1), row_partial(n - 1, tokens))
    plain, cut0 = candidates(tokens, n, sum_check(n - 1), row_partial(n - 1, tokens)) if len(tokens) == n else (None, False)
    if plain is not None and not cut0:
        return plain, False  # as printed
    out = Candidates()
    any_cut = False
    for k in range(1, min(MAX_DIGITS, len(last.text)) + 1):
        tail, head = last.text[-k:], last.text[:-k]
        if not _valid_piece(tail):
            continue
        total = int(tail)
        rest = tokens[:-1] + ([Token(head, "num")] if head else [])
        if not rest:
            continue

        def partial(vals: list, total=total) -> bool:
            return sum(v for v in vals if v is not None) <= total

        def ok(vals: list, total=total) -> bool:
            if any(v is None for v in vals):
                return True
            return sum(vals) == total

        cs, cut = candidates(rest, n - 1, ok, partial)
        any_cut = any_cut or cut or bool(head)
        out.extend(c + [Token(tail, "num")] for c in cs)
        if cs.truncated or len(out) > MAX_CANDIDATES:
            out.truncated = True
            break
    return out, True


def candidates(tokens: Sequence[Token], n: int, ok: Callable[[list], bool] | None = None,
               partial_ok: Callable[[list], bool] | None = None) -> tuple[Candidates, bool]:
    """Ways to read ``tokens`` as ``n`` cells; (list of cell lists, whether anything was cut).

    ``ok(values)`` checks a complete row (None for blank/text cells); ``partial_ok`` prunes
    as cells are added. If the tokens as printed already make ``n`` valid cells, that
    reading is the only one. More than MAX_CANDIDATES readings, or a search too large to
    finish, sets ``truncated`` on the result (never a unique reading then).
    """
    tokens = list(tokens)
    # Empty cells beyond the count are layout fillers (merged label columns, a trailing cell).
    while len(tokens) > n and tokens[0].kind == "blank":
        tokens.pop(0)
    while len(tokens) > n and tokens[-1].kind == "blank":
        tokens.pop()
    # As printed, a number of any length is one cell; only a leading zero ("023") proves a lost boundary.
    printed_ok = len(tokens) == n and all(t.kind != "num" or t.fixed or t.text == "0" or t.text[0] != "0"
                                          for t in tokens)
    if printed_ok:
        return Candidates([list(tokens)]), False
    split = [t.kind == "num" and not t.fixed and t.text.isdigit() for t in tokens]
    lo = [(_min_pieces(t.text) if s else 1) for t, s in zip(tokens, split)]
    hi = [(len(t.text) if s else 1) for t, s in zip(tokens, split)]
    if not (sum(lo) <= n <= sum(hi)) or not any(split):
        return Candidates(), False
    suffix_lo = [sum(lo[i:]) for i in range(len(tokens) + 1)]
    suffix_hi = [sum(hi[i:]) for i in range(len(tokens) + 1)]
    results = Candidates()
    steps = [0]

    def emit(acc: list[Token], vals: list) -> None:
        if ok is None or ok(vals):
            results.append(list(acc))
            if len(results) > MAX_CANDIDATES:
                raise _Budget

    def rec_token(i: int, acc: list[Token], vals: list) -> None:
        steps[0] += 1
        if steps[0] > MAX_STEPS:
            raise _Budget
        if i == len(tokens):
            if len(acc) == n:
                emit(acc, vals)
            return
        left = n - len(acc)
        if not (suffix_lo[i] <= left <= suffix_hi[i]):
            return
        tok = tokens[i]
        if not split[i]:
            nv = vals + [_value(tok)]
            if partial_ok is None or partial_ok(nv):
                rec_token(i + 1, acc + [tok], nv)
            return
        # cells this token may take, leaving room for the tokens after it
        kmin = max(lo[i], left - suffix_hi[i + 1])
        kmax = min(hi[i], left - suffix_lo[i + 1])
        rec_cut(i, tok.text, 0, kmin, kmax, 0, acc, vals)

    def rec_cut(i: int, s: str, pos: int, kmin: int, kmax: int, used: int, acc, vals) -> None:
        steps[0] += 1
        if steps[0] > MAX_STEPS:
            raise _Budget
        if pos == len(s):
            if kmin <= used <= kmax:
                rec_token(i + 1, acc, vals)
            return
        if used >= kmax:
            return
        rest = len(s) - pos
        if rest > (kmax - used) * MAX_DIGITS:
            return
        ends = [pos + 1] if s[pos] == "0" else range(pos + 1, min(len(s), pos + MAX_DIGITS) + 1)
        for j in ends:
            piece = s[pos:j]
            nv = vals + [int(piece)]
            if partial_ok is not None and not partial_ok(nv):
                continue
            rec_cut(i, s, j, kmin, kmax, used + 1, acc + [Token(piece, "num")], nv)

    try:
        rec_token(0, [], [])
    except _Budget:
        results.truncated = True  # too many readings to tell apart
    return results, True


def sum_check(n_parts: int) -> Callable[[list], bool]:
    """Row check: the last cell equals the sum of the first ``n_parts`` (blank cells skip the check)."""

    def ok(vals: list) -> bool:
        if any(v is None for v in vals):
            return True
        return sum(vals[:n_parts]) == vals[n_parts]

    return ok


def row_partial(n_parts: int, tokens: Sequence[Token] = ()) -> Callable[[list], bool]:
    """Prune while cutting: the parts may not add up to more than the largest total the
    row's last digits can hold, and once all parts are known the total must equal their sum."""
    tmax = None
    if tokens and tokens[-1].kind == "num" and tokens[-1].text.isdigit():
        last = tokens[-1]
        tmax = int(last.text) if last.fixed else int(last.text[-MAX_DIGITS:])

    def partial(vals: list) -> bool:
        k = len(vals)
        if tmax is not None and k <= n_parts and vals[-1] is not None:
            if sum(v for v in vals if v is not None) > tmax:
                return False
        if k == n_parts + 1 and all(v is not None for v in vals):
            return sum(vals[:n_parts]) == vals[n_parts]
        return True

    return partial


def group_checks(group: int, parts: int) -> tuple[Callable[[list], bool], Callable[[list], bool]]:
    """(complete check, partial check) for rows of groups of ``group`` cells whose last is the sum of ``parts``."""

    def partial(vals: list) -> bool:
        k = len(vals)
        if k and k % group == 0:
            chunk = vals[k - group:k]
            if all(v is not None for v in chunk) and sum(chunk[:parts]) != chunk[parts]:
                return False
        return True

    return partial, partial
