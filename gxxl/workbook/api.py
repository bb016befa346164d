"""Writing workbooks to disk."""
from __future__ import annotations

from pathlib import Path

from .. import schema
from ..errors import GxxlError
from ..util.fileio import atomic_path
from .build import build_workbook


def new_workbook(path, *, organ=None, year=None, level=None, values=None, narrative=None, meta=None,
                 explanations=None, force=False, model_text=True) -> Path:
    if level is not None and level not in schema.LEVELS:
        raise GxxlError(f"机关层级“{level}”无效，应为：{'、'.join(schema.LEVELS)}")
    m = dict(meta or {})
    for k, v in (("organ", organ), ("year", year), ("level", level)):
        if v is not None:
            m[k] = v
    wb = build_workbook(m, values, narrative, explanations, model_text=model_text)
    with atomic_path(path, force=force) as tmp:
        wb.save(tmp)
    return Path(path)
