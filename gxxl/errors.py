"""Errors that reach users carry a Chinese message naming the file and what to do."""
from __future__ import annotations


class GxxlError(Exception):
    """Base class; ``str(err)`` is the user-facing Chinese message."""

    exit_code = 2


class ReadError(GxxlError):
    """An input file cannot be used (exit code 2)."""

    def __init__(self, path, message: str, *, sheet: str | None = None, cell: str | None = None, hint: str | None = None):
        self.path = str(path) if path is not None else None
        self.sheet = sheet
        self.cell = cell
        self.hint = hint
        self.reason = message
        where = f"文件“{self.path}”" if self.path else "输入"
        if sheet:
            where += f"，工作表“{sheet}”"
        if cell:
            where += f"，单元格 {cell}"
        text = f"{where}：{message}"
        if hint:
            text += f"（{hint}）"
        super().__init__(text)


class OutputExistsError(GxxlError):
    def __init__(self, path):
        self.path = str(path)
        super().__init__(f"输出文件“{self.path}”已存在，未覆盖。如确需覆盖，请加 --force。")


class OutputError(GxxlError):
    pass
