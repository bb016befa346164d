"""Everything that needs all files: duplicates, roster matching, statuses, totals; the consolidate() entry point."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

from .. import schema
from ..errors import GxxlError
from .check import FileResult, iter_checks
from .columns import (
    CONSOLIDATED,
    DEFAULT_INCLUDE,
    DUPLICATE,
    ERRORS,
    MAX_SUGGESTIONS,
    NOT_LISTED,
    PASSED,
    STATUSES,
    UNREADABLE,
    WARNINGS,
    WRONG_YEAR,
    local_time,
    norm_name,
)
from .inputs import Ignored, collect_inputs
from .previous import Previous, from_result, load_previous_file
from .result import ConsolidationResult
from .roster import Roster, load_roster
from .store import Store, spool


def _when(f: FileResult) -> tuple[float, float]:
    """The workbook's own save time; the file time only when the workbook does not say (or to break a tie)."""
    mtime = f.mtime or 0.0
    if f.saved_at:
        try:
            dt = datetime.fromisoformat(f.saved_at.replace("Z", "+00:00"))
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=timezone.utc)
            return dt.timestamp(), mtime
        except ValueError:
            pass
    return mtime, mtime


def consolidation_level(files: list[FileResult], level: str | None = None) -> str | None:
    """The level of this consolidation: the one given, else the most common level of the bureaus' own files,
    else one above the 汇总 files' (a county office consolidating only its townships' 汇总 files)."""
    if level:
        return level
    own = Counter(f.level for f in files if f.status != UNREADABLE and f.level and not f.consolidated)
    if own:
        top = max(own.values())
        return min((lv for lv, n in own.items() if n == top), key=_rank)
    below = [f.level for f in files if f.status != UNREADABLE and f.level in schema.LEVELS and f.consolidated]
    if below:
        r = min(_rank(lv) for lv in below)
        return schema.LEVELS[r - 1] if r > 0 else schema.LEVELS[0]
    return None


def _rank(level: str | None) -> int:
    """Position in schema.LEVELS: a larger number is a lower level (乡镇（街道） is the lowest)."""
    return schema.LEVELS.index(level) if level in schema.LEVELS else -1


def _consolidated_status(f: FileResult, level: str | None, level_up: bool) -> str | None:
    """Why a 汇总 file is not summed (None: it is summed, one level up)."""
    why = f"汇总文件，未计入（{f.consolidated}）"
    if not level_up:
        return why + "：汇总文件不能当作一个单位再计入同级汇总，以免重复计算；如要把下级汇总文件汇总到上一级，请加 --level-up"
    if level is None:
        return None  # nothing says which level this is: the user asked to sum 汇总 files
    if f.level not in schema.LEVELS:
        return why + f"：该汇总文件未注明机关层级，无法确认是本次汇总（{level}）的下级汇总"
    if _rank(f.level) <= _rank(level):
        return why + f"：其层级（{f.level}）不低于本次汇总（{level}），计入会重复计算"
    return None


def _unsuffixed(name: str | None) -> str | None:
    """"城关镇（汇总）" -> "城关镇": how a 汇总 is named in a roster of the level below."""
    if not name:
        return name
    return re.sub(r"[（(]?汇总[）)]?$", "", name.strip()).strip() or name


def _key(name: str, keys: dict) -> str:
    k = keys.get(name)
    if k is None:
        k = norm_name(name)
        k = keys[name] = name if k == name else k
    return k


def assign_statuses(files: list[FileResult], *, roster: Roster | None = None, year: int | None = None,
                    include: Iterable[str] = DEFAULT_INCLUDE, level: str | None = None,
                    level_up: bool = False) -> int | None:
    """Final status of every file (汇总 files, year, roster, duplicates) and whether it is summed; returns the
    year used. ``level``: this consolidation's level (see consolidation_level); ``level_up``: sum the 汇总 files
    of lower levels (township 汇总 files into the county's), never one of this level."""
    readable = [f for f in files if f.status != UNREADABLE]
    level = consolidation_level(files, level)
    if year is None:
        years = Counter(f.year for f in readable if f.year and not f.consolidated)
        years = years or Counter(f.year for f in readable if f.year)
        if years:
            top = max(years.values())
            year = max(y for y, n in years.items() if n == top)
    suggested = 0
    keys: dict[str, str] = {}  # one key object per organ name, not one per file
    for f in files:
        f.key = _key(f.organ, keys) if f.organ else None
        if f.status == UNREADABLE:
            if roster:
                e = roster.match_filename(f.file)
                if e:
                    f.roster_name, f.key = e.name, _key(e.name, keys)
            continue
        if f.consolidated:
            why = _consolidated_status(f, level, level_up)
            if why:
                f.status, f.detail = CONSOLIDATED, why
                continue
            f.note = f"下级汇总文件（{f.consolidated}），按 --level-up 计入"
        if roster:
            e = roster.match(f.organ) or (roster.match(_unsuffixed(f.organ)) if f.consolidated else None)
            if e:
                f.roster_name, f.key = e.name, _key(e.name, keys)
        if year is not None and f.year is not None and f.year != year:
            f.status, f.detail = WRONG_YEAR, f"报告年度为{f.year}年，本次汇总的是{year}年度"
        elif roster is not None and f.organ and f.roster_name is None:
            suggested += 1  # a few ms each: with a wrong roster every file lands here
            hint = roster.suggest(f.organ) if suggested <= MAX_SUGGESTIONS else None
            f.status = NOT_LISTED
            f.detail = f"机关名称“{f.organ}”不在名单中" + (f"，是否为“{hint}”？" if hint else "")
    groups: dict[str, list[FileResult]] = {}
    for f in files:
        if f.status in (PASSED, WARNINGS, ERRORS) and f.key:
            groups.setdefault(f.key, []).append(f)
    for fs in groups.values():
        if len(fs) < 2:
            continue
        fs.sort(key=_when, reverse=True)
        keep = fs[0]
        keep.note = (keep.note + "；" if keep.note else "") + "另有较早版本：" + "、".join(x.file for x in fs[1:])
        for x in fs[1:]:
            x.status = DUPLICATE
            x.detail = f"同一机关报送了多份，已采用保存时间较新的“{keep.file}”" + (
                f"（{local_time(keep.saved_at)}）" if keep.saved_at else "")
    inc = set(include)
    for f in files:
        f.included = f.status in inc and f.values is not None
    return year


def load_previous(path, *, jobs=None, scheduler: str | None = None) -> Previous:
    """Last year's consolidated workbook, a single workbook, or a folder/zip consolidated on the fly."""
    p = Path(path)
    if not p.exists():
        raise GxxlError(f"上年文件“{p}”不存在")
    if p.is_dir() or p.suffix.lower() == ".zip":
        return from_result(consolidate([p], jobs=jobs, progress=False, scheduler=scheduler), p)
    return load_previous_file(p)


def consolidate(paths, roster=None, year: int | None = None, previous=None, jobs: int | None = None, *,
                include: Iterable[str] = DEFAULT_INCLUDE, name: str | None = None, level: str | None = None,
                progress: bool | None = None, exclude: Iterable = (), output=None,
                level_up: bool = False, scheduler: str | None = None) -> "ConsolidationResult":
    """Consolidate workbooks from files, folders (recursive) and .zip archives.

    roster: path of a 名单 (.xlsx/.csv) or a :class:`Roster`; year: the reporting year (default: the
    year most files state); previous: last year's consolidated workbook (or folder) for 同比 and the
    cross-year checks; include: statuses summed into the totals (default 通过、仅提示、有错误);
    name/level: the consolidated workbook's organ name and level.
    level_up: also sum 汇总 files of lower levels (townships' 汇总 into the county's); without it every 汇总
    file gets the status 汇总文件 and is left out (so a re-run never counts an earlier result). "汇总文件" in
    include means the same.
    exclude: files to leave out; output: the file the caller will write (left out too, and refused if it is
    one of the bureaus' files rather than an earlier consolidated workbook).
    scheduler: ``tcp://host:port`` of a Dask cluster that runs the per-file step (files reach the workers
    by path: shared storage); the result is the same as a local run.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    if not paths:
        raise GxxlError("没有给出要汇总的文件或文件夹")
    include = tuple(include)
    bad = [s for s in include if s not in STATUSES]
    if bad:
        raise GxxlError(f"计入汇总的状态“{'、'.join(bad)}”无效，可选：{'、'.join(STATUSES)}")
    if CONSOLIDATED in include:
        level_up = True
        include = tuple(s for s in include if s != CONSOLIDATED) or DEFAULT_INCLUDE
    excl = list(exclude)
    outputs = [output] if output is not None else []  # what the caller will write: never one of the bureaus' files
    excl += outputs
    if roster is not None and not isinstance(roster, Roster):
        excl.append(roster)
        roster = load_roster(roster)
    prev = None
    if previous is not None:
        excl.append(previous)
        prev = previous if isinstance(previous, Previous) else load_previous(previous, jobs=jobs, scheduler=scheduler)
    timings = {}
    t0 = time.perf_counter()
    tmp = tempfile.mkdtemp(prefix="gxxl-consolidate-")
    try:
        items, ignored = collect_inputs(paths, tmp, exclude=excl, outputs=outputs)
        t1 = time.perf_counter()
        timings["collect"] = t1 - t0
        if not items:
            raise GxxlError(f"在“{'、'.join(map(str, paths))}”中没有找到任何表格文件（.xlsx、.xls、.et或.zip）"
                            + (f"；另有{len(ignored)}个其他文件未处理" if ignored else ""))
        lookup = None
        if prev and prev.organs:
            lookup = dict(prev.organs)
            if roster:  # last year's name may be this year's alias
                for k, v in prev.organs.items():
                    e = roster.match(prev.names.get(k))
                    if e:
                        for n in (e.name, *e.aliases):
                            lookup.setdefault(norm_name(n), v)
        store = Store(len(schema.CODES))
        files = []
        for f in iter_checks(items, jobs=jobs, previous=lookup, progress=progress, scheduler=scheduler):
            spool(store, f)  # values and findings to disk as they come: memory stays flat
            files.append(f)
        store.finish()
        del items
        timings["read_validate"] = time.perf_counter() - t1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t2 = time.perf_counter()
    res = assemble(files, roster=roster, year=year, previous=prev, include=include, name=name, level=level,
                   ignored=ignored, level_up=level_up)
    timings["assemble"] = time.perf_counter() - t2
    res.timings.update(timings)
    return res


def assemble(files: list[FileResult], *, roster: Roster | None = None, year: int | None = None,
             previous: Previous | None = None, include: Iterable[str] = DEFAULT_INCLUDE, name: str | None = None,
             level: str | None = None, ignored: Sequence[Ignored] = (), level_up: bool = False) -> "ConsolidationResult":
    """Everything after the per-file step (also the entry point after a Dask map)."""
    year_given = year is not None
    level = consolidation_level(files, level)
    year = assign_statuses(files, roster=roster, year=year, include=include, level=level, level_up=level_up)
    return ConsolidationResult(files, roster=roster, year=year, year_given=year_given, previous=previous,
                               include=tuple(include), name=name, level=level, ignored=list(ignored))
