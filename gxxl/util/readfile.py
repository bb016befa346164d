"""Read an input file without trusting what it is: only regular files, never more bytes than a limit.

``st_size`` lies for everything that is not a regular file: a FIFO says 0 and blocks the reader forever, a
symlink to ``/dev/zero`` says 0 and never ends. So the kind is checked before opening (``os.stat`` follows
links), the file is opened non-blocking and checked again on the open descriptor, and at most ``limit + 1``
bytes are read whatever the size says.
"""
from __future__ import annotations

import errno
import os
import stat

from ..errors import ReadError


def kind_name(mode: int) -> str:
    """What a non-regular file is, in words a clerk can pass on."""
    if stat.S_ISDIR(mode):
        return "文件夹"
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "特殊文件"


def irregular_reason(mode: int) -> str:
    return f"不是普通文件（而是{kind_name(mode)}），无法读取"


def os_reason(exc: OSError) -> str:
    """An OSError in Chinese (its strerror is English)."""
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM):
        return "没有读取权限，无法打开"
    if code == errno.ENOENT:
        return "文件不存在（或快捷方式、链接指向的文件已不存在）"
    if code == errno.ELOOP:
        return "链接循环指向自身，无法打开"
    if code == errno.EISDIR:
        return "这是一个文件夹，不是文件"
    if code in (errno.EBUSY, getattr(errno, "ETXTBSY", -1)):
        return "文件正被其他程序占用，无法打开"
    if code == errno.ENAMETOOLONG:
        return "文件路径过长，无法打开"
    name = errno.errorcode.get(code, type(exc).__name__) if code is not None else type(exc).__name__
    return f"文件无法打开（系统错误 {name}）"


def regular_problem(path) -> str | None:
    """None for a regular file (links followed), else why it cannot be read — without opening it."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return os_reason(exc)
    if not stat.S_ISREG(st.st_mode):
        return irregular_reason(st.st_mode)
    return None


def read_regular(path, limit: int, *, too_big: str = "文件过大（{size}）") -> bytes:
    """The bytes of a regular file, at most ``limit`` of them; a ReadError (Chinese, naming the file) otherwise.

    ``too_big``: the message for a file over the limit, ``{size}`` becomes "60 MB" or "超过50 MB"."""
    problem = regular_problem(path)
    if problem:
        raise ReadError(path, problem)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ReadError(path, os_reason(exc), hint="请确认文件没有被其他程序占用、有读取权限") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):  # replaced between the check and the open
            raise ReadError(path, irregular_reason(st.st_mode))
        if st.st_size > limit:
            raise ReadError(path, too_big.format(size=f"{st.st_size // 1024 // 1024} MB"))
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise ReadError(path, os_reason(exc)) from None
    if len(data) > limit:  # it grew, or its size was wrong
        raise ReadError(path, too_big.format(size=f"超过{limit // 1024 // 1024} MB"))
    return data
