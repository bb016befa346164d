"""Running one per-file function over many files: a local process pool or an existing Dask cluster.

The consolidation (``gxxl.consolidation.check``) and the audit map their per-file step through
:func:`map_ordered`; results come back in input order, one at a time, so the caller can fold them
into compact storage instead of holding them all.

- local: a ``ProcessPoolExecutor`` (fork where available) whose workers die with their parent
  (Linux: ``PR_SET_PDEATHSIG``; everywhere: a thread that watches the parent's pid), so a killed
  run never leaves workers behind;
- Dask: ``scheduler="tcp://host:port"`` submits batches of items to a running
  ``dask scheduler`` / ``dask worker`` cluster (``pip install 'gxxl[cluster]'``). The function
  is imported by the workers from their own installed gxxl and files are opened there by path:
  every worker must see the same paths (shared storage).

May import: errors. Imported by: consolidation, audit.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from collections import deque
from typing import Any, Callable, Iterator, Sequence

from ..errors import GxxlError

_PARENT: int | None = None


def die_with_parent() -> None:
    """In a pool worker: exit as soon as the process that started it is gone (even after SIGKILL)."""
    global _PARENT
    _PARENT = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != _PARENT:  # the parent died before prctl took effect
        os._exit(1)

    def watch():
        import time

        while True:
            time.sleep(1.0)
            if os.getppid() != _PARENT:  # re-parented: the parent is gone
                os._exit(1)

    threading.Thread(target=watch, name="gxxl-parent-watch", daemon=True).start()


def _pool_init(init, initargs) -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: no traceback per worker
    if init is not None:
        init(*initargs)


def _batch(fn, items):
    return [fn(x) for x in items]


def map_ordered(fn: Callable[[Any], Any], items: Sequence, *, jobs: int | None = None, scheduler: str | None = None,
                init: Callable | None = None, initargs: tuple = (), crashed: Callable[[Any], Any] | None = None,
                chunk: int | None = None) -> Iterator[Any]:
    """``fn(item)`` for every item, yielded in input order.

    Local: ``jobs`` processes (default: every core), ``init(*initargs)`` once per worker, and a worker
    that crashes (a file that kills the process) costs only that item: the rest are redone one by one
    and ``crashed(item)`` stands for the lost one. With ``scheduler`` the same runs on a Dask cluster;
    ``init`` then runs once per batch on the worker (it must be cheap or idempotent).
    """
    if scheduler:
        yield from _map_dask(fn, items, scheduler, init, initargs, chunk, crashed)
        return
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(items) < 2 * jobs + 4:
        if init is not None:
            init(*initargs)
        for x in items:
            yield fn(x)
        return
    yield from _map_pool(fn, items, jobs, init, initargs, crashed, chunk)


def _context():
    import multiprocessing

    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def _map_pool(fn, items, jobs, init, initargs, crashed, chunk) -> Iterator[Any]:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    n = len(items)
    chunk = chunk or max(1, min(32, n // (jobs * 16)))  # small enough that no worker idles long at the end
    ctx = _context()
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_pool_init, initargs=(init, initargs)) as ex:
            # A bounded window of batches in flight: results are handed on as they come, never all held.
            window: deque = deque()
            starts = iter(range(0, n, chunk))
            try:
                for _ in range(jobs * 4):
                    s = next(starts, None)
                    if s is None:
                        break
                    window.append(ex.submit(_batch, fn, items[s:s + chunk]))
                while window:
                    for r in window.popleft().result():
                        done += 1
                        yield r
                    s = next(starts, None)
                    if s is not None:
                        window.append(ex.submit(_batch, fn, items[s:s + chunk]))
            except (KeyboardInterrupt, GeneratorExit):
                ex.shutdown(wait=False, cancel_futures=True)
                raise
    except BrokenProcessPool:
        # Some item crashed a worker process: redo the rest one by one so only that item is lost.
        for x in items[done:]:
            try:
                with ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_pool_init,
                                         initargs=(init, initargs)) as ex1:
                    r = ex1.submit(fn, x).result()
            except BrokenProcessPool:
                if crashed is None:
                    raise
                r = crashed(x)
            yield r


def _with_init(fn, init, initargs, items):
    if init is not None:
        init(*initargs)
    return [fn(x) for x in items]


def cluster_client(scheduler: str):
    """A dask.distributed Client for ``scheduler`` (tcp://host:port), or a Chinese GxxlError."""
    try:
        from distributed import Client
    except ImportError:
        raise GxxlError("使用 --scheduler 需要安装 Dask 分布式组件：pip install \"dask[distributed]\"（或 pip install \"gxxl[cluster]\"）") from None
    try:
        return Client(scheduler, timeout=15, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise GxxlError(f"无法连接 Dask 调度器“{scheduler}”（{type(exc).__name__}），"
                        "请确认调度器已启动、地址和端口正确，本机能访问该端口") from None


def _map_dask(fn, items, scheduler, init, initargs, chunk, crashed) -> Iterator[Any]:
    client = cluster_client(scheduler)
    try:
        nworkers = max(1, len(client.scheduler_info().get("workers", {})))
        n = len(items)
        chunk = chunk or max(1, min(64, n // (nworkers * 8) or 1))
        # initargs (e.g. last year's figures) travel once to every worker, not with every batch
        args = client.scatter(initargs, broadcast=True, hash=False) if init is not None and initargs else initargs
        window: deque = deque()
        starts = iter(range(0, n, chunk))

        def submit(batch):
            return batch, client.submit(_with_init, fn, init, args, batch, pure=False, retries=1)

        for _ in range(nworkers * 8):  # batches in flight; results stream back in order
            s = next(starts, None)
            if s is None:
                break
            window.append(submit(list(items[s:s + chunk])))
        while window:
            batch, fut = window.popleft()
            try:
                rs = fut.result()
            except Exception:  # a worker died on this batch (KilledWorker …): one by one, so only that item is lost
                rs = []
                for x in batch:
                    try:
                        rs.append(client.submit(_with_init, fn, init, args, [x], pure=False).result()[0])
                    except Exception:
                        rs.append(crashed(x) if crashed is not None else _raise())
            finally:
                fut.release()
            yield from rs
            s = next(starts, None)
            if s is not None:
                window.append(submit(list(items[s:s + chunk])))
    finally:
        client.close()


def _raise():
    raise GxxlError("Dask 集群上的任务失败")
