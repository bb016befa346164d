"""The roster (名单.xlsx/csv) and last year's consolidated workbook (上年汇总)."""
from __future__ import annotations

import csv
import difflib
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import GxxlError, ReadError

ROSTER_MAX_BYTES = 20 * 1024 * 1024  # a province's roster is well under 1 MB
from .columns import WORKBOOK_SUFFIXES, norm_name

# ===========================================================================
# Roster (名单) and last year's figures
# ===========================================================================


@dataclass
class RosterEntry:
    name: str
    aliases: tuple[str, ...] = ()
    code: str | None = None


class Roster:
    def __init__(self, entries: Sequence[RosterEntry], source: str | None = None):
        self.entries = list(entries)
        self.source = source
        self._by_key: dict[str, RosterEntry] = {}
        self._bigrams: dict[str, list[str]] | None = None
        for e in self.entries:
            for n in (e.name, *e.aliases):
                self._by_key.setdefault(norm_name(n), e)
            if e.code:
                self._by_key.setdefault(norm_name(e.code), e)

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, organ: str | None) -> RosterEntry | None:
        if not organ:
            return None
        return self._by_key.get(norm_name(organ))

    def match_filename(self, file: str) -> RosterEntry | None:
        """For a file that could not be read: the longest roster name or alias in its file name."""
        stem = norm_name(Path(file.replace("!", "/")).stem)
        best, blen = None, 0
        for key, e in self._by_key.items():
            if len(key) >= 2 and key in stem and len(key) > blen:
                best, blen = e, len(key)
        return best

    def suggest(self, organ: str | None) -> str | None:
        """The roster name probably meant (for 不在名单), or None."""
        if not organ:
            return None
        q = norm_name(organ)
        if self._bigrams is None:  # a bigram index keeps this fast for a province-sized roster
            self._bigrams = {}
            for k in self._by_key:
                for bg in {k[i:i + 2] for i in range(len(k) - 1)}:
                    self._bigrams.setdefault(bg, []).append(k)
        limit = max(50, len(self._by_key) // 5)  # bigrams every name has (示例, 县人) say nothing
        hits: Counter = Counter()
        for bg in {q[i:i + 2] for i in range(len(q) - 1)}:
            ks = self._bigrams.get(bg, ())
            if len(ks) <= limit:
                hits.update(ks)
        cands = [k for k, _ in hits.most_common(10)]
        m = difflib.get_close_matches(q, cands, n=1, cutoff=0.6)
        return self._by_key[m[0]].name if m else None


_SPLIT = re.compile(r"[、,，;；/|]+")


def load_roster(path) -> Roster:
    """名单: .xlsx/.xls/.ods/.csv/.txt; columns 机关名称 [别名] [代码], header row optional."""
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        raise GxxlError(f"名单文件“{p}”不存在")
    rows: list[list[str]]
    low = p.suffix.lower()
    if low in (".csv", ".txt"):
        from ..util.fileio import decode_text

        from ..util.readfile import read_regular

        try:  # a regular file of sane size only: a FIFO or /dev/zero named 名单.csv must not hang the run
            raw = read_regular(p, ROSTER_MAX_BYTES, too_big="名单文件过大（{size}）")
        except ReadError as exc:
            raise GxxlError(f"名单文件“{p}”：{exc.reason}") from None
        text = decode_text(raw)
        if text is None:
            raise GxxlError(f"名单文件“{p}”编码无法识别，请另存为UTF-8编码的CSV或.xlsx")
        if low == ".txt":
            rows = [[line] for line in text.splitlines()]
        else:
            rows = [list(r) for r in csv.reader(io.StringIO(text))]
    elif low in WORKBOOK_SUFFIXES:
        from ..workbook.guard import open_workbook, sheet_names, sheet_rows

        try:
            book = open_workbook(p).book
            rows = sheet_rows(book, sheet_names(book)[0], nrows=None, ncols=50)
        except ReadError as exc:
            raise GxxlError(f"名单文件无法读取：{exc}") from None
        except Exception:
            raise GxxlError(f"名单文件“{p}”无法读取，请确认是正常的Excel文件（第一张工作表第一列为机关名称）") from None
    else:
        raise GxxlError(f"名单文件“{p}”格式不支持，请使用.xlsx或.csv（第一列为机关名称）")
    rows = [[_cell_text(v) for v in r] for r in rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        raise GxxlError(f"名单文件“{p}”是空的")
    name_col, alias_col, code_col, start = 0, None, None, 0
    for i, head in enumerate(rows[:5]):  # a header row, possibly below a title row
        hits = {j: h for j, h in enumerate(head) if h}
        named = [j for j, h in hits.items() if _is_name_header(h)]
        if named:
            name_col, start = named[0], i + 1
            alias_col = next((j for j, h in hits.items() if any(k in h for k in ("别名", "简称", "曾用名"))), None)
            code_col = next((j for j, h in hits.items() if len(h) <= 12 and any(k in h for k in ("代码", "编码", "编号"))), None)
            break
    else:
        if len([v for v in rows[0] if v]) == 1 and "名单" in rows[0][0] and len(rows) > 1:
            start = 1  # a title such as "2024年度年报报送名单"
    entries, seen = [], set()
    for r in rows[start:]:
        name = r[name_col] if name_col < len(r) else ""
        if not name or name.startswith("#") or norm_name(name) in seen:
            continue
        seen.add(norm_name(name))
        aliases = tuple(a for a in _SPLIT.split(r[alias_col]) if a.strip()) if alias_col is not None and alias_col < len(r) and r[alias_col] else ()
        code = r[code_col] if code_col is not None and code_col < len(r) and r[code_col] else None
        entries.append(RosterEntry(name, tuple(a.strip() for a in aliases), code))
    if not entries:
        raise GxxlError(f"名单文件“{p}”中没有机关名称（第一列应为机关名称）")
    return Roster(entries, str(p))


def _is_name_header(h: str) -> bool:
    h = re.sub(r"[\s（）()]", "", h)
    return h in ("机关", "单位", "部门", "名称", "报送单位") or (len(h) <= 8 and h.endswith(("名称", "全称")))


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()
