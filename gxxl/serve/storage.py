"""Uploads kept as received, content-addressed: files/<2 hex>/<sha256><suffix> in the data folder.

A file is written to files/.tmp, flushed and fsynced, then renamed into place (and the folder
fsynced where the OS allows it), all before the database row that lists it is written. An existing
file is never overwritten: the same bytes have the same name. Nothing here ever opens an upload
other than to copy or hash it.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
TMP = ".tmp"


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    relpath: str  # relative to the data folder, "/"-separated
    path: Path


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable. Windows cannot open a folder for fsync (its rename is journalled by NTFS)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def files_root(data_dir: Path) -> Path:
    return Path(data_dir) / "files"


def clean_tmp(data_dir: Path) -> int:
    """Remove half-written uploads left by a crash (never listed anywhere). Returns how many."""
    tmp = files_root(data_dir) / TMP
    n = 0
    if tmp.is_dir():
        for p in tmp.iterdir():
            try:
                p.unlink()
                n += 1
            except OSError:
                pass
    return n


def store(data_dir: Path, chunks, suffix: str) -> Stored:
    """Write the byte chunks durably into the store; returns where they are."""
    suffix = suffix.lower()
    root = files_root(data_dir)
    tmpdir = root / TMP
    tmpdir.mkdir(parents=True, exist_ok=True)
    tmp = tmpdir / f"{secrets.token_hex(8)}.part"
    h = hashlib.sha256()
    size = 0
    try:
        with open(tmp, "xb") as fh:
            for chunk in chunks:
                h.update(chunk)
                size += len(chunk)
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        digest = h.hexdigest()
        folder = root / digest[:2]
        folder.mkdir(exist_ok=True)
        final = folder / f"{digest}{suffix}"
        if final.exists() and final.stat().st_size == size:
            tmp.unlink()  # the same bytes are already kept: never overwrite
        else:
            os.replace(tmp, final)  # atomic on POSIX and Windows (same volume)
            _fsync_dir(folder)
        return Stored(digest, size, f"files/{digest[:2]}/{digest}{suffix}", final)
    finally:
        if tmp.exists():
            tmp.unlink()


def iter_file(f, size: int = CHUNK):
    while True:
        b = f.read(size)
        if not b:
            return
        yield b
