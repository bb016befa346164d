"""Validation and consolidation in worker processes, away from the web server's threads.

A hostile file that makes a reader spin or crash costs one worker, not the server: the pool is
rebuilt and the upload refused. Workers are started with "spawn" on every OS (the only start
method Windows has, and never a fork of a threaded server). Only library calls run here:
``gxxl.validate`` and ``gxxl.consolidate``/``gxxl.report``; no Django.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

VALIDATE_TIMEOUT = 120
CONSOLIDATE_TIMEOUT = 900
MACRO_RULE = "structure.macros_ignored"


class WorkerFailed(Exception):
    """The worker crashed or ran out of time; ``str()`` is a Chinese message for the user."""


def _warm() -> None:
    _exit_with_parent()
    import gxxl.rules  # noqa: F401
    import gxxl.workbook.read  # noqa: F401


def _exit_with_parent() -> None:
    """A worker whose server died (kill -9, a closed console window) exits instead of lingering:
    the pool's queues cannot tell it, since every worker holds their write ends too."""
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch():
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="gxxl-parent-watch").start()


def _unusable(display: str, exc) -> str:
    from gxxl.errors import ReadError

    if isinstance(exc, ReadError):
        text = f"文件“{display}”"
        if exc.sheet:
            text += f"，工作表“{exc.sheet}”"
        if exc.cell:
            text += f"，单元格 {exc.cell}"
        text += f"：{exc.reason}"
        if exc.hint:
            text += f"（{exc.hint}）"
        return text
    return f"文件“{display}”无法使用：{exc}"


def validate_file(path: str, display: str) -> dict:
    """``gxxl.validate`` of a stored upload (the reader's guard and its limits included), as plain data."""
    from gxxl.api import read_any
    from gxxl.errors import GxxlError
    from gxxl.rules import validate

    try:
        res = validate(read_any(path))  # what gxxl.validate(path) does (the package root is a layer above)
    except GxxlError as exc:
        return {"usable": False, "error": _unusable(display, exc)}
    except (MemoryError, RecursionError):
        return {"usable": False, "error": f"文件“{display}”过于复杂，无法读取"}
    data = res.to_json(display)
    rep = res.report
    meta = {k: (v if isinstance(v, (str, int, float, bool)) or v is None else str(v)) for k, v in rep.meta.items()}
    return {"usable": True, "findings": data["findings"], "organ": data["organ"], "year": data["year"],
            "errors": data["errors"], "warnings": data["warnings"], "notes": list(res.notes), "meta": meta,
            "macros": any(f["rule"] == MACRO_RULE for f in data["findings"]), "kind": rep.source.kind}


def consolidate_files(items: list, roster_rows: list, year: int, name: str, board_rows: list | None, xlsx: str,
                      docx: str | None) -> dict:
    """``gxxl.consolidate`` over the counted submissions → xlsx (and the draft report .docx from it).

    items: (stored path, file name shown in 明细) per organ; published reports are imported into a
    workbook first. roster_rows: (name, aliases, code) of every organ on the roster."""
    import csv
    import shutil
    import tempfile

    from gxxl.consolidation import consolidate

    with tempfile.TemporaryDirectory(prefix="gxxl-serve-inbox-") as tmp:
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        for src, disp in items:
            target = inbox / disp
            if target.suffix.lower() in (".xlsx", ".xls", ".ods"):
                shutil.copyfile(src, target)
            else:
                from gxxl.ingest import import_to_workbook

                import_to_workbook(src, target.with_suffix(".xlsx"))
        roster = Path(tmp) / "名单.csv"
        with open(roster, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["机关名称", "别名", "代码"])
            w.writerows(roster_rows)
        res = consolidate([inbox], roster=roster, year=year, name=name, include=("通过", "仅提示", "有错误"),
                          jobs=1, progress=False)
        if board_rows is not None and hasattr(res, "_roster_rows"):
            # 报送情况 shows the board's states (退回, 待说明 …), not only what the files alone say; "未报送"
            # (header count, 问题清单) is only who never uploaded, as on the board
            res._roster_rows = lambda: board_rows
            never = {r[1] for r in board_rows if r[3] == "未报送"}
            res.missing = [e for e in res.missing if e.name in never]
        res.to_xlsx(xlsx, force=True)
        out = {"included": len(res.included), "missing": [e.name for e in res.missing]}
    if docx:
        from gxxl.render import render_report

        render_report(xlsx, docx, fmt="docx", force=True)
    return out


class Pool:
    def __init__(self, workers: int | None = None):
        self.workers = workers or int(os.environ.get("GXXL_SERVE_WORKERS", 0)) or max(1, min(4, os.cpu_count() or 1))
        self._lock = threading.Lock()
        self._ex: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._ex is None:
                self._ex = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                               initializer=_warm)
            return self._ex

    def _reset(self, ex: ProcessPoolExecutor, kill: bool) -> None:
        with self._lock:
            if self._ex is ex:
                self._ex = None
        if kill:
            for p in list(getattr(ex, "_processes", {}).values()):  # no public API kills a stuck worker
                try:
                    p.kill()
                except Exception:  # noqa: BLE001 — already gone
                    pass
        ex.shutdown(wait=False, cancel_futures=True)

    def start(self) -> None:
        """Start the workers now rather than on the first upload."""
        ex = self._executor()
        list(ex.map(_noop, range(self.workers)))

    def run(self, fn, *args, timeout: float):
        """fn(*args) in a worker. A pool broken by another request's file is rebuilt and the job retried
        once, so only the file that breaks it twice is refused."""
        for attempt in (1, 2):
            ex = self._executor()
            try:
                fut = ex.submit(fn, *args)
                return fut.result(timeout=timeout)
            except FutureTimeout:
                self._reset(ex, kill=True)
                raise WorkerFailed(f"处理超过{int(timeout)}秒仍未完成，已中止") from None
            except (BrokenProcessPool, RuntimeError) as exc:
                if isinstance(exc, RuntimeError) and "shutdown" not in str(exc):
                    raise
                self._reset(ex, kill=False)
                if attempt == 2:
                    raise WorkerFailed("文件导致读取程序异常退出") from None

    def close(self) -> None:
        with self._lock:
            ex, self._ex = self._ex, None
        if ex is not None:
            ex.shutdown(wait=True, cancel_futures=True)


def _noop(_):
    return os.getpid()


_POOL: Pool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> Pool:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = Pool()
        return _POOL
