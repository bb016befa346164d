"""Atomic, non-clobbering output."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError, OutputExistsError


def check_output(path: str | os.PathLike, *, force: bool = False, inputs: tuple = ()) -> Path:
    p = Path(path)
    for i in inputs:
        try:
            if Path(i).resolve() == p.resolve():
                raise OutputError(f"输出文件“{p}”与输入文件相同，不能覆盖输入文件。请换一个输出路径。")
        except OSError:
            pass
    if p.exists() and not force:
        raise OutputExistsError(p)
    if p.exists() and p.is_dir():
        raise OutputError(f"输出路径“{p}”是一个文件夹，请给出文件名。")
    return p


@contextmanager
def atomic_path(path: str | os.PathLike, *, force: bool = False, inputs: tuple = ()):
    """Yield a temporary path beside ``path``; rename it into place on success."""
    p = check_output(path, force=force, inputs=inputs)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~" + p.stem + ".", suffix=p.suffix, dir=p.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        if p.exists() and not force:  # appeared meanwhile
            raise OutputExistsError(p)
        os.replace(tmp, p)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_bytes(path, data: bytes, *, force: bool = False, inputs: tuple = ()) -> Path:
    with atomic_path(path, force=force, inputs=inputs) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path, text: str, *, force: bool = False, inputs: tuple = ()) -> Path:
    return write_bytes(path, text.encode("utf-8"), force=force, inputs=inputs)
