"""The 明细 (one row per file, every data-point code) streamed from the spool: CSV, Parquet, or rows for a sheet.

At province scale the 明细 does not go into the workbook (Excel's row limit, and a workbook of hundreds of MB
helps nobody): it is written beside it as Parquet (pyarrow, typed columns, compressed) or CSV, and the
workbook keeps the totals, 报送情况 and 问题清单 with a note naming the file. Nothing here holds more than one
chunk of rows.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable, Iterator

from .. import schema
from ..util.fileio import atomic_path
from ..util.safety import neutralise
from .columns import INFO_COLUMNS

# Files above which the 明细 goes beside the workbook (a 20,000-row sheet is ~20 MB of xlsx already).
SHEET_MAX_FILES = 20_000
EXCEL_MAX_ROWS = 1_048_576
DETAIL_FORMATS = ("auto", "sheet", "parquet", "csv")


class LazyRows:
    """A sized, re-iterable sequence of rows made on demand (what gxxl.util.xlsxfast.BigTable needs)."""

    def __init__(self, n: int, make: Callable[[], Iterator]):
        self._n, self._make = n, make

    def __len__(self) -> int:
        return self._n

    def __iter__(self):
        return iter(self._make())


def choose(res, details: str = "auto") -> str:
    """Where the 明细 goes: 'sheet', 'parquet' or 'csv'."""
    if details not in DETAIL_FORMATS:
        from ..errors import GxxlError

        raise GxxlError(f"明细输出方式“{details}”无效，可选：{'、'.join(DETAIL_FORMATS)}")
    if details == "sheet" and len(res.files) + 3 > EXCEL_MAX_ROWS:
        details = "auto"  # Excel cannot hold it
    if details != "auto":
        return details
    if len(res.files) <= SHEET_MAX_FILES:
        return "sheet"
    try:
        import pyarrow  # noqa: F401

        return "parquet"
    except ImportError:
        return "csv"


def side_path(workbook: Path, fmt: str) -> Path:
    """汇总.xlsx -> 汇总-明细.parquet (or .csv) in the same folder."""
    return workbook.with_name(f"{workbook.stem}-明细.{fmt}")


def write_csv(res, path, *, force: bool = False, inputs: tuple = ()) -> Path:
    """明细 as CSV (UTF-8 with BOM for Excel; codes as column names), streamed; text neutralised."""
    with atomic_path(path, force=force, inputs=inputs) as tmp:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(list(INFO_COLUMNS) + list(schema.CODES))
            for info, vals in res.detail_rows():
                w.writerow([_csv(v) for v in info] + [_csv(v) for v in vals])
    return Path(path)


def _csv(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return int(v) if v.is_integer() and abs(v) < 2 ** 53 else v
    return neutralise(v) if isinstance(v, str) else v


def write_parquet(res, path, *, force: bool = False, inputs: tuple = ()) -> Path:
    """明细 as Parquet: info columns as text/integers, each code column int64, float64 or (mixed) text."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .store import FLOAT, INT, NONE

    store = res.store
    kinds = store.col_kind
    info_types = {"序号": pa.int64(), "年度": pa.int64(), "错误数": pa.int64(), "提示数": pa.int64()}
    fields = [pa.field(c, info_types.get(c, pa.string())) for c in INFO_COLUMNS]
    ctypes = []
    for j, c in enumerate(schema.CODES):
        t = pa.int64() if kinds[j] <= INT else pa.float64() if kinds[j] == FLOAT else pa.string()
        ctypes.append(t)
        fields.append(pa.field(c, t))
    sch = pa.schema(fields, metadata={"gxxl": "明细", "year": str(res.year or "")})
    step = 8192
    with atomic_path(path, force=force, inputs=inputs) as tmp:
        with pq.ParquetWriter(tmp, sch, compression="zstd") as w:
            files = res.files
            for s in range(0, len(files), step):
                part = files[s:s + step]
                infos = [_info(i, f) for i, f in enumerate(part, start=s + 1)]
                cols = []
                for j, fld in enumerate(fields[:len(INFO_COLUMNS)]):
                    cols.append(pa.array([r[j] for r in infos], type=fld.type))
                rows = [f.values.row if f.values is not None else -1 for f in part]
                have = np.asarray([r >= 0 for r in rows], dtype=bool)
                idx = np.asarray([max(r, 0) for r in rows], dtype=np.int64)
                vv = np.zeros((len(part), store.ncols))
                kk = np.zeros((len(part), store.ncols), dtype=np.uint8)
                if have.any():
                    vv[have], kk[have] = store.take(idx[have])  # ascending: files are spooled in order
                for j, t in enumerate(ctypes):
                    missing = (kk[:, j] == NONE) | ~have
                    if t == pa.int64():
                        cols.append(pa.array(vv[:, j].astype(np.int64), mask=missing, type=t))
                    elif t == pa.float64():
                        cols.append(pa.array(vv[:, j], mask=missing, type=t))
                    else:
                        cols.append(pa.array([None if miss else _text(store.value(r, j))
                                              for r, miss in zip(idx.tolist(), missing.tolist())], type=t))
                w.write_batch(pa.record_batch(cols, schema=sch))
    return Path(path)


def _info(i, f) -> list:
    from .columns import info_row

    row = info_row(i, f)
    return [_int(v) if col in ("序号", "年度", "错误数", "提示数") else (None if v is None else str(v))
            for col, v in zip(INFO_COLUMNS, row)]


def _int(v):
    try:
        return None if v in (None, "") else int(v)
    except (TypeError, ValueError):
        return None


def _text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer() and abs(v) < 2 ** 53:
        return str(int(v))
    return str(v)


def write_side(res, workbook, fmt: str, *, force: bool = False, inputs: tuple = ()) -> Path:
    p = side_path(Path(workbook), fmt)
    return (write_parquet if fmt == "parquet" else write_csv)(res, p, force=force, inputs=inputs)
