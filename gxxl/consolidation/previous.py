"""Last year's figures for the 同比 sheet: a consolidated workbook (上年汇总) or a folder consolidated on the fly."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import schema
from ..errors import GxxlError, ReadError
from .columns import norm_name


@dataclass
class Previous:
    """Last year's figures: the total and, when known, each organ's values by code."""

    source: str
    year: int | None
    total: dict[str, Any]
    organs: dict[str, dict[str, Any]]  # normalised organ name -> values
    names: dict[str, str]  # normalised -> as written


def from_result(res, source) -> Previous:
    """Last year's figures from a consolidation run over last year's folder or zip."""
    organs, names = {}, {}
    for f in res.files:
        if f.included and f.organ:
            k = norm_name(f.organ)
            organs[k] = dict(zip(schema.CODES, f.values))
            names[k] = f.organ
    return Previous(str(source), res.year, dict(res.total_values), organs, names)


def load_previous_file(p: Path) -> Previous:
    """Last year's consolidated workbook (its 明细 gives each organ) or a single workbook."""
    from ..workbook.read import read

    try:
        rep = read(p)
    except ReadError as exc:
        raise GxxlError(f"上年文件无法读取：{exc}") from None
    total = {c: rep.get(c) for c in schema.CODES}
    organs, names = _previous_details(p)
    return Previous(str(p), rep.year, total, organs, names)


def _previous_details(p: Path) -> tuple[dict, dict]:
    """Per-organ rows from the 明细 sheet of a consolidated workbook (empty for a bureau's own file)."""
    from ..workbook.guard import open_workbook, sheet_names, sheet_rows

    try:
        wb = open_workbook(p).book
        if "明细" not in sheet_names(wb):
            return {}, {}
        rows = sheet_rows(wb, "明细", nrows=None, ncols=None)
    except Exception:  # optional: a bureau's own workbook has no 明细
        return {}, {}
    side = _side_file(p, rows)
    if side is not None:
        return side
    hdr = next((i for i, r in enumerate(rows[:10]) if "机关名称" in r), None)
    code_row = next((i for i, r in enumerate(rows[:10]) if schema.CODES[0] in r), None)
    if hdr is None or code_row is None:
        return {}, {}
    head, codes = rows[hdr], rows[code_row]
    i_name, i_inc = head.index("机关名称"), head.index("计入汇总") if "计入汇总" in head else None
    cols = {c: j for j, c in enumerate(codes) if c in schema.POINTS}
    organs, names = {}, {}
    for r in rows[max(hdr, code_row) + 1:]:
        if i_name >= len(r) or not r[i_name] or (i_inc is not None and r[i_inc] != "是"):
            continue
        name = str(r[i_name]).lstrip("'")
        vals = {}
        for c, j in cols.items():
            v = r[j] if j < len(r) else None
            vals[c] = None if v in ("", None) else (int(v) if isinstance(v, float) and v.is_integer() else v)
        k = norm_name(name)
        organs[k], names[k] = vals, name
    return organs, names


def _side_file(p: Path, rows) -> tuple[dict, dict] | None:
    """A province-scale 汇总 keeps its 明细 beside the workbook (its 明细 sheet names the file): read that."""
    import re

    for r in rows[:6]:
        for v in r:
            m = re.search(r"明细共\d+行.*见同一文件夹中的“([^”/\\]+\.(?:parquet|csv))”", str(v or ""))
            if m:
                f = p.parent / m.group(1)
                return _side_rows(f) if f.is_file() else ({}, {})
    return None


def _side_rows(f: Path) -> tuple[dict, dict]:
    organs, names = {}, {}

    def add(rec: dict) -> None:
        name = rec.get("机关名称")
        if not name or rec.get("计入汇总") != "是":
            return
        name = str(name).lstrip("'")
        vals = {}
        for c in schema.CODES:
            v = rec.get(c)
            if v in ("", None):
                vals[c] = None
            elif isinstance(v, str):
                try:
                    x = float(v)
                    vals[c] = int(x) if x.is_integer() and abs(x) < 2 ** 53 else x
                except ValueError:
                    vals[c] = v
            else:
                vals[c] = int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 2 ** 53 else v
        k = norm_name(name)
        organs[k], names[k] = vals, name

    try:
        if f.suffix == ".parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(f).iter_batches(batch_size=4096):
                for rec in batch.to_pylist():
                    add(rec)
        else:
            import csv

            with open(f, encoding="utf-8-sig", newline="") as fh:
                for rec in csv.DictReader(fh):
                    add(rec)
    except Exception:  # optional, like the 明细 sheet: without it only the totals are compared
        return {}, {}
    return organs, names
