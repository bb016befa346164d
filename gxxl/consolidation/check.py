"""The per-file step: read and validate one workbook into a small picklable FileResult (what Dask maps)."""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from .. import schema
from ..errors import ReadError
from ..util.timefmt import local_iso
from .columns import ERRORS, PASSED, UNREADABLE, WARNINGS, local_time, norm_name
from .inputs import InputItem

# ===========================================================================
# The per-file step (the function a Dask user maps)
# ===========================================================================


@dataclass(slots=True)  # one per file stays in memory: no per-instance dict
class FileResult:
    file: str  # as shown to the user (folder/file.xlsx, archive.zip!member.xlsx)
    path: str | None = None  # where it was read from (a temp copy for archive members)
    size: int | None = None
    mtime: float | None = None
    status: str = UNREADABLE
    detail: str = ""
    organ: str | None = None
    year: int | None = None
    level: str | None = None
    region: str | None = None
    saved_at: str | None = None
    contact: str | None = None  # 联系人 and 联系电话 from the cover: the office phones from its lists
    phone: str | None = None
    consolidated: str | None = None  # why this workbook is a 汇总 (never summed at its own level), else None
    values: tuple | None = None  # aligned with schema.CODES
    findings: list = field(default_factory=list)  # (rule, severity, message, sheet, cell, explained)
    errors: int = 0
    warnings: int = 0
    # set by assemble()
    included: bool = False
    key: str | None = None  # organ identity (roster name, else normalised organ)
    roster_name: str | None = None
    note: str = ""

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "organ": self.organ,
            "roster_name": self.roster_name,
            "year": self.year,
            "status": self.status,
            "detail": self.detail or self.note,
            "included": self.included,
            "errors": self.errors,
            "warnings": self.warnings,
            "saved_at": local_iso(self.saved_at),  # China time with its offset
            "saved": local_time(self.saved_at),
            "contact": self.contact,
            "phone": self.phone,
            "consolidated": self.consolidated is not None,
        }


def check_file(path, *, name: str | None = None, previous: dict | None = None) -> FileResult:
    """Read and validate one workbook; never raises for a bad file.

    ``previous`` maps normalised organ names to last year's values by code, for
    the cross-year rules.
    """
    p = Path(path)
    res = FileResult(file=name or str(path), path=str(path))
    try:
        st = p.stat()
        res.size, res.mtime = st.st_size, st.st_mtime
    except OSError:
        pass
    try:
        from ..workbook.read import read

        rep = read(p)
    except ReadError as exc:
        res.detail = exc.reason + (f"（{exc.hint}）" if exc.hint else "")
        if exc.sheet or exc.cell:
            res.detail = f"{exc.sheet or ''} {exc.cell or ''}：".lstrip() + res.detail
        return res
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 — one bad file never stops the run
        res.detail = f"无法读取（{type(exc).__name__}），文件可能已损坏，请用Excel或WPS打开后另存为.xlsx"
        return res
    try:
        res.organ, res.year, res.level = rep.organ, rep.year, rep.level
        region = rep.meta.get("region")
        res.region = str(region).strip() if region not in (None, "") else None
        res.saved_at = rep.source.saved_at
        res.contact, res.phone = _meta_text(rep, "contact"), _meta_text(rep, "phone")
        res.consolidated = consolidated_reason(rep)
        res.values = tuple(rep.get(c) for c in schema.CODES)
        prev = None
        if previous and rep.organ:
            pv = previous.get(norm_name(rep.organ))
            if pv is not None:
                from ..model import AnnualReport

                prev = AnnualReport.from_values(pv, meta={"organ": rep.organ, "year": (rep.year or 1) - 1})
        findings = _validate(rep, prev)
        seen = set()
        for f in findings:
            k = (f.rule, f.sheet, f.cell, f.message)
            if k in seen:
                continue
            if res.consolidated and f.rule.startswith("text."):
                continue  # a 汇总's 正文 is nobody's published report: only its figures are summed
            seen.add(k)
            res.findings.append((f.rule, f.severity, f.message, f.sheet, f.cell, bool(f.explained)))
        res.errors = sum(1 for f in res.findings if f[1] == "error")
        res.warnings = sum(1 for f in res.findings if f[1] != "error" and not f[5])
        res.status = ERRORS if res.errors else WARNINGS if res.warnings else PASSED
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001
        res.status = ERRORS
        res.errors += 1
        res.findings.append(("consolidate.validate_failed", "error",
                             f"校验时程序出错（{type(exc).__name__}），请单独运行 gxxl validate 查看", None, None, False))
    return res


def _meta_text(rep, key: str) -> str | None:
    from ..model import cell_text

    return cell_text(rep.meta.get(key))


def consolidated_reason(rep) -> str | None:
    """Why a workbook is a 汇总 rather than one bureau's report (None when it is a bureau's)."""
    if rep.source.role == schema.ROLE_CONSOLIDATED:
        return "gxxl生成的汇总工作簿"
    organ = _meta_text(rep, "organ") or ""
    if re.search(r"汇总[)）]?$", norm_name(organ)):  # "某县（汇总）", "某县各部门汇总"; not "某县数据汇总中心"
        return f"封面机关名称“{organ}”标明是汇总"
    return None


def _validate(rep, prev) -> list:
    """Every finding: the validator includes what the reader found."""
    from ..rules import validate

    return list(validate(rep, previous=prev).findings)


# ===========================================================================
# Running: parallel per-file step, then assembly
# ===========================================================================

_WORKER_PREVIOUS: dict | None = None


def _init_worker(previous) -> None:
    global _WORKER_PREVIOUS
    _WORKER_PREVIOUS = previous


def check_item(item: InputItem, previous: dict | None = None) -> FileResult:
    """check_file for an item of collect_inputs (an item that already failed, e.g. a zip bomb, stays failed)."""
    if item.error is not None or item.path is None:
        return FileResult(file=item.file, path=item.path, detail=item.error or "无法读取")
    return check_file(item.path, name=item.file, previous=previous)


def _check_item(item: InputItem) -> FileResult:
    return check_item(item, _WORKER_PREVIOUS)


def _crashed(item: InputItem) -> FileResult:
    return FileResult(file=item.file, path=item.path, detail="读取时程序崩溃，文件可能已损坏，请用Excel或WPS打开后另存为.xlsx")


def iter_checks(items: Sequence[InputItem], *, jobs: int | None = None, previous: dict | None = None,
                progress: bool | None = None, scheduler: str | None = None) -> Iterator[FileResult]:
    """check_file over every item, in parallel (local processes, or a Dask cluster with ``scheduler``),
    yielded in input order one at a time; a crashing worker costs one file, not the run."""
    from ..util.parallel import map_ordered

    todo = [it for it in items if it.error is None]
    if progress is None:
        progress = sys.stderr.isatty() and len(todo) > 20
    if progress:
        from tqdm import tqdm  # 0.1 s to import: only when a bar is shown

        bar = tqdm(total=len(todo), desc="读取并校验", unit="份", file=sys.stderr, dynamic_ncols=True, mininterval=0.3)
    else:
        bar = _NoBar()
    if not scheduler and (jobs or os.cpu_count() or 1) > 1:
        # imported once here, shared by the forked workers
        from .. import rules as _rules  # noqa: F401
        from ..workbook import read as _preload  # noqa: F401
    try:
        checked = map_ordered(_check_item, todo, jobs=jobs, scheduler=scheduler, init=_init_worker,
                              initargs=(previous,), crashed=_crashed)
        for it in items:
            if it.error is not None:
                yield check_item(it)
                continue
            res = next(checked)
            bar.update()
            yield res
    finally:
        bar.close()
        _init_worker(None)  # a serial run set it in this process


def run_checks(items: Sequence[InputItem], *, jobs: int | None = None, previous: dict | None = None,
               progress: bool | None = None, scheduler: str | None = None) -> list[FileResult]:
    """iter_checks as a list (small runs and tests; consolidate() folds the stream into a compact store)."""
    return list(iter_checks(items, jobs=jobs, previous=previous, progress=progress, scheduler=scheduler))


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass
