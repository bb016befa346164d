"""Atomic, non-clobbering output."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..errors import OutputError, OutputExistsError


def check_output(path: str | os.PathLike, *, force: bool = False, inputs: tuple = ()) -> Path:
    p = Path(path)
    for i in inputs:
        try:
            if Path(i).resolve() == p.resolve():
                raise OutputError(f"输出文件“{p}”与输入文件相同，不能覆盖输入文件。请换一个输出路径。")
        except OSError:
            pass
    if p.is_dir():
        raise OutputError(f"输出路径“{p}”是一个文件夹，请给出文件名。")
    if p.exists() and not force:
        raise OutputExistsError(p)
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
        _set_mode(Path(tmp), p)
        os.replace(tmp, p)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    old = os.umask(0o022)
    os.umask(old)
    return old


def _set_mode(tmp: Path, final: Path) -> None:
    """mkstemp makes 0600 files; give the output the mode a plain open() would (or the replaced file's)."""
    try:
        mode = final.stat().st_mode & 0o777 if final.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
    except OSError:  # e.g. a file system without modes; the content is what matters
        pass


def write_bytes(path, data: bytes, *, force: bool = False, inputs: tuple = ()) -> Path:
    with atomic_path(path, force=force, inputs=inputs) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path, text: str, *, force: bool = False, inputs: tuple = ()) -> Path:
    return write_bytes(path, text.encode("utf-8"), force=force, inputs=inputs)


def decode_text(raw: bytes) -> str | None:
    """Text files from Chinese offices: UTF-8 (with or without BOM) or GB18030 (GBK); None if neither."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None
