"""Compact storage of per-file results: what keeps a consolidation's memory flat in the number of files.

Each :class:`FileResult` coming out of the per-file step is folded in as it arrives: its values go to a
spool file on disk as one fixed-size row (a float64 and a kind byte per data-point code, NumPy), its
findings to a second spool (one pickle record per file), and the FileResult keeps only small proxies
(:class:`SpooledValues`, :class:`SpooledFindings`) that read them back on demand. Totals and the 明细
are computed from the spool in chunks (:meth:`Store.sums`, :meth:`Store.rows`), never from Python
objects for every file. The spool lives in a temporary folder removed with the store.

Values are ``None``, ints and floats (gxxl.model); a float64 holds every int up to 2**53 exactly, and
anything else (larger ints, any other type) is kept aside, exactly, in ``extras``.
"""
from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import weakref
from array import array
from pathlib import Path
from typing import Any, Iterator, Sequence

NONE, INT, FLOAT, OTHER = 0, 1, 2, 3
_EXACT = 2 ** 53
_BLOCK = 1024  # rows buffered before they go to disk


class Store:
    """Spooled values and findings of every file, by position (the order files were added)."""

    def __init__(self, ncols: int):
        import numpy as np

        self.ncols = ncols
        self.dir = tempfile.mkdtemp(prefix="gxxl-consolidate-spool-")
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.dir, True)
        self._vpath, self._kpath = os.path.join(self.dir, "values.f8"), os.path.join(self.dir, "kinds.u1")
        self._fpath = os.path.join(self.dir, "findings.pickle")
        self._vfh, self._kfh = open(self._vpath, "wb"), open(self._kpath, "wb")
        self._ffh = open(self._fpath, "wb")
        self._buf_v = np.empty((_BLOCK, ncols), dtype=np.float64)
        self._buf_k = np.empty((_BLOCK, ncols), dtype=np.uint8)
        self._nbuf = 0
        self.n = 0  # rows (files with values)
        self.extras: dict[tuple[int, int], Any] = {}
        self.shared: dict[str, str] = {}
        self.col_kind = np.zeros(ncols, dtype=np.uint8)  # the widest kind seen per column (for Parquet types)
        self._foffsets = array("q")
        self._mm = None
        self._ffr = None

    # -- writing ---------------------------------------------------------------
    def add_values(self, values: Sequence[Any]) -> int:
        """Spool one file's values (aligned with the codes); returns its row."""
        row = self.n
        bv, bk = self._buf_v[self._nbuf], self._buf_k[self._nbuf]
        for j, v in enumerate(values):
            t = type(v)
            if v is None:
                bk[j], bv[j] = NONE, 0.0
            elif t is int and -_EXACT <= v <= _EXACT:
                bk[j], bv[j] = INT, v
            elif t is float and v == v:
                bk[j], bv[j] = FLOAT, v
            else:
                bk[j], bv[j] = OTHER, 0.0
                self.extras[(row, j)] = v
        self._nbuf += 1
        self.n += 1
        if self._nbuf == _BLOCK:
            self._flush()
        return row

    def add_findings(self, findings: Sequence[tuple]) -> int:
        """Spool one file's findings; returns its record number."""
        self._foffsets.append(self._ffh.tell())
        pickle.dump(list(findings), self._ffh, protocol=pickle.HIGHEST_PROTOCOL)
        return len(self._foffsets) - 1

    def _flush(self) -> None:
        if self._nbuf:
            k = self._buf_k[:self._nbuf]
            import numpy as np

            np.maximum(self.col_kind, k.max(axis=0), out=self.col_kind)
            self._vfh.write(self._buf_v[:self._nbuf].tobytes())
            self._kfh.write(k.tobytes())
            self._nbuf = 0

    def finish(self) -> None:
        """No more rows: flush and open the spool for reading."""
        self._flush()
        for fh in (self._vfh, self._kfh, self._ffh):
            if not fh.closed:
                fh.close()

    # -- reading ---------------------------------------------------------------
    def _readable(self) -> None:
        if not self._vfh.closed:
            self.finish()
        if self._mm is None:
            # plain reads, not a memory map: mapped pages would count as this process's memory
            self._mm = (open(self._vpath, "rb"), open(self._kpath, "rb"))

    def chunk(self, start: int, stop: int):
        """(values float64[rows, cols], kinds uint8[rows, cols]) of rows start..stop, read from the spool."""
        import numpy as np

        self._readable()
        stop = min(stop, self.n)
        rows = max(0, stop - start)
        vfh, kfh = self._mm
        vfh.seek(start * self.ncols * 8)
        kfh.seek(start * self.ncols)
        v = np.frombuffer(vfh.read(rows * self.ncols * 8), dtype=np.float64).reshape(rows, self.ncols)
        k = np.frombuffer(kfh.read(rows * self.ncols), dtype=np.uint8).reshape(rows, self.ncols)
        return v, k

    def take(self, rows):
        """(values, kinds) of the given rows (ascending), read in runs."""
        import numpy as np

        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return np.zeros((0, self.ncols)), np.zeros((0, self.ncols), dtype=np.uint8)
        lo, hi = int(rows.min()), int(rows.max()) + 1
        if hi - lo <= 4 * rows.size:
            v, k = self.chunk(lo, hi)
            return v[rows - lo], k[rows - lo]
        parts = [self.chunk(int(r), int(r) + 1) for r in rows]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def row(self, i: int) -> tuple:
        v, k = self.chunk(i, i + 1)
        return tuple(self._decode(i, v[0].tolist(), k[0].tolist()))

    def value(self, i: int, j: int) -> Any:
        v, k = self.chunk(i, i + 1)
        kind = int(k[0, j])
        if kind == NONE:
            return None
        if kind == INT:
            return int(v[0, j])
        if kind == FLOAT:
            return float(v[0, j])
        return self.extras[(i, j)]

    def _decode(self, i: int, vs: list, ks: list) -> list:
        out = [None] * len(vs)
        for j, kind in enumerate(ks):
            if kind == INT:
                out[j] = int(vs[j])
            elif kind == FLOAT:
                out[j] = vs[j]
            elif kind == OTHER:
                out[j] = self.extras[(i, j)]
        return out

    def rows(self, indices: Sequence[int | None] | None = None, step: int = 1024) -> Iterator[list | None]:
        """Decoded rows in order (``indices``: the rows wanted, None for a file without values)."""
        if indices is None:
            indices = range(self.n)
        buf: list = []
        for i in indices:
            buf.append(i)
            if len(buf) >= step:
                yield from self._rows_of(buf)
                buf = []
        if buf:
            yield from self._rows_of(buf)

    def _rows_of(self, idx: list) -> Iterator[list | None]:
        real = sorted({i for i in idx if i is not None})
        if not real:
            yield from (None for _ in idx)
            return
        v, k = self.take(real)
        pos = {r: n for n, r in enumerate(real)}
        vs, ks = v.tolist(), k.tolist()
        for i in idx:
            yield None if i is None else self._decode(i, vs[pos[i]], ks[pos[i]])

    def findings(self, rec: int) -> list:
        if self._ffr is None:
            if not self._ffh.closed:
                self._ffh.flush()
            self._ffr = open(self._fpath, "rb")
        self._ffr.seek(self._foffsets[rec])
        return pickle.load(self._ffr)

    def sums(self, rows: Sequence[int], cols: Sequence[int]) -> list:
        """Per column in ``cols``, the sum of the numbers in ``rows`` (blanks count as nothing), exactly as
        Python's ``0 + v1 + v2 + …`` in row order would give it: pure-int columns in NumPy (exact), columns
        with a float or an oversized value by Python addition in order."""
        import numpy as np

        rows = np.asarray(sorted(rows), dtype=np.int64)
        cols = list(cols)
        out: list = [0] * len(cols)
        if rows.size == 0:
            return out
        carr = np.asarray(cols, dtype=np.int64)
        exact = [True] * len(cols)  # every value so far an int: summed in NumPy
        for s in range(0, rows.size, 1024):
            r = rows[s:s + 1024]
            v, k = self.take(r)
            vk, vv = k[:, carr], v[:, carr]
            for c in range(len(cols)):
                kc = vk[:, c]
                if exact[c] and not (kc > INT).any():
                    col = np.where(kc == INT, vv[:, c], 0.0).astype(np.int64)
                    # each |v| <= 2**53, so a block of 512 fits in int64; the blocks add up as Python ints
                    out[c] += sum(int(x) for x in np.add.reduceat(col, np.arange(0, col.size, 512)))
                    continue
                exact[c] = False  # from here on in row order, as Python adds (ints so far: the same in any order)
                for i, row in enumerate(r.tolist()):
                    kind = kc[i]
                    if kind == INT:
                        out[c] += int(vv[i, c])
                    elif kind == FLOAT:
                        out[c] += float(vv[i, c])
                    elif kind == OTHER:
                        x = self.extras[(row, cols[c])]
                        if isinstance(x, (int, float)):
                            out[c] += x
        return out

    def close(self) -> None:
        for fh in (self._vfh, self._kfh, self._ffh, self._ffr, *(self._mm or ())):
            if fh is not None and not fh.closed:
                fh.close()
        self._mm = None
        self._cleanup()


class SpooledValues(Sequence):
    """A file's values, read back from the store when asked for (what FileResult.values holds after spooling)."""

    __slots__ = ("_store", "_row")

    def __init__(self, store: Store, row: int):
        self._store, self._row = store, row

    def __len__(self) -> int:
        return self._store.ncols

    def __getitem__(self, j):
        if isinstance(j, slice):
            return self._store.row(self._row)[j]
        if j < 0:
            j += self._store.ncols
        if not 0 <= j < self._store.ncols:
            raise IndexError(j)
        return self._store.value(self._row, j)

    def __iter__(self):
        return iter(self._store.row(self._row))

    def __eq__(self, other):
        return tuple(self) == tuple(other) if isinstance(other, (tuple, list, SpooledValues)) else NotImplemented

    def __hash__(self):
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"SpooledValues(row={self._row})"

    def __reduce__(self):  # pickled (e.g. to a worker) as the plain tuple
        return tuple, (tuple(self),)

    @property
    def row(self) -> int:
        return self._row


class SpooledFindings(Sequence):
    """A file's findings, read back from the store when asked for."""

    __slots__ = ("_store", "_rec", "_n")

    def __init__(self, store: Store, rec: int, n: int):
        self._store, self._rec, self._n = store, rec, n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        return self._store.findings(self._rec)[i]

    def __iter__(self):
        return iter(self._store.findings(self._rec))

    def __eq__(self, other):
        return list(self) == list(other) if isinstance(other, (list, tuple, SpooledFindings)) else NotImplemented

    def __repr__(self) -> str:
        return f"SpooledFindings({self._n})"

    def __reduce__(self):
        return list, (list(self),)


_SHARED_FIELDS = ("status", "level", "region", "detail", "note", "consolidated")


def spool(store: Store, f) -> None:
    """Move a FileResult's values and findings into the store; the FileResult keeps proxies (and texts that
    repeat from file to file, such as levels and reasons, are shared rather than held once per file)."""
    shared = store.shared
    if f.path is not None and f.path == f.file:
        f.path = f.file  # one string, not two equal ones
    for name in _SHARED_FIELDS:
        v = getattr(f, name, None)
        if type(v) is str and len(shared) < 50_000:
            setattr(f, name, shared.setdefault(v, v))
    if f.values is not None and not isinstance(f.values, SpooledValues):
        f.values = SpooledValues(store, store.add_values(f.values))
    if f.findings and not isinstance(f.findings, SpooledFindings):
        f.findings = SpooledFindings(store, store.add_findings(f.findings), len(f.findings))
    elif not f.findings:
        f.findings = ()  # shared by every file without findings (nothing appends after the per-file step)


def spool_path(store: Store) -> Path:
    return Path(store.dir)
