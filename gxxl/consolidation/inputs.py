"""Collect the candidate files: folders, .zip archives (bounded), names to skip, outputs to protect."""
from __future__ import annotations

import os
import time
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable

from ..errors import GxxlError
from ..util.readfile import os_reason, regular_problem
from .columns import (
    ARCHIVE_SUFFIXES,
    FOREIGN_SUFFIXES,
    WORKBOOK_SUFFIXES,
    ZIP_MAX_DEPTH,
    ZIP_MAX_MEMBER,
    ZIP_MAX_MEMBERS,
    ZIP_MAX_RATIO,
    ZIP_MAX_TOTAL,
)

# ===========================================================================
# Inputs: files, folders, zip archives
# ===========================================================================


@dataclass
class InputItem:
    file: str  # display name
    path: str | None  # readable path, None when the item failed before reading
    error: str | None = None


@dataclass
class Ignored:
    file: str
    reason: str


def _skip_name(name: str) -> str | None:
    base = name.rsplit("/", 1)[-1]
    if not base:
        return "文件夹"
    if base.startswith("~$"):
        return "Office临时锁定文件"
    if base.startswith(".") or "__MACOSX/" in name or base in ("Thumbs.db", "desktop.ini"):
        return "隐藏文件或系统文件"
    return None


def _kind(name: str) -> str:
    low = name.lower()
    if low.endswith(WORKBOOK_SUFFIXES):
        return "workbook"
    if low.endswith(ARCHIVE_SUFFIXES):
        return "zip"
    if low.endswith(FOREIGN_SUFFIXES):
        return "foreign"
    return "other"


def _foreign_error(name: str) -> str:
    low = name.lower()
    if low.endswith((".rar", ".7z", ".tar", ".gz", ".tgz")):
        return "不支持此压缩格式（只支持.zip），请解压后放入文件夹再汇总"
    return "不是gxxl能读取的表格格式，请在Excel或WPS中另存为.xlsx后再报送"


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    """Chinese Windows zips store GBK names without the UTF-8 flag; zipfile decodes them as cp437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


class _Collector:
    def __init__(self, tmpdir: Path, exclude: Iterable[Path] = (), outputs: Iterable[Path] = ()):
        self.tmpdir = tmpdir
        self.items: list[InputItem] = []
        self.ignored: list[Ignored] = []
        self.seen: set = set()
        self.exclude = {self._real(p) for p in exclude if p is not None}
        self.outputs = {self._real(p) for p in outputs if p is not None and os.path.exists(p)}
        self.extracted = 0
        self.counter = 0
        self.total = 0  # files seen in folders and archives, for the run-wide ZIP_MAX_MEMBERS

    def _count(self, n: int) -> None:
        self.total += n
        if self.total > ZIP_MAX_MEMBERS:
            raise GxxlError(f"输入的文件超过{ZIP_MAX_MEMBERS}个（含压缩包内的文件），超过一次汇总的上限。"
                            "请分批汇总（例如按地区分文件夹各汇总一次，再用 --level-up 汇总各地区的汇总结果）")

    @staticmethod
    def _real(p):
        """File identity (device, inode): the same file reached twice counts once."""
        try:
            st = os.stat(p)
            return (st.st_dev, st.st_ino)
        except OSError:
            return os.path.abspath(p)

    def add_input(self, arg) -> None:
        p = Path(arg)
        if p.is_dir():
            base = p.parent

            def shown(fp: Path) -> str:
                try:
                    return str(fp.relative_to(base)) if str(base) not in ("", ".") else str(fp)
                except ValueError:
                    return str(fp)

            def unreadable(exc: OSError) -> None:  # os.walk would skip such a folder silently
                where = Path(exc.filename) if exc.filename else p
                self.items.append(InputItem(shown(where), None, f"文件夹{os_reason(exc)}，其中的文件未汇总"
                                            "（请检查文件夹权限，或把文件复制到可读的文件夹）"))

            for root, dirs, files in os.walk(p, onerror=unreadable):
                keep = []
                for d in sorted(dirs):
                    if d.startswith(".") or d == "__MACOSX":
                        continue
                    if os.path.islink(os.path.join(root, d)):  # not followed: it may lead anywhere, even in circles
                        self.ignored.append(Ignored(shown(Path(root) / d), "文件夹快捷方式（符号链接），未进入"))
                        continue
                    keep.append(d)
                dirs[:] = keep
                for fn in sorted(files):
                    fp = Path(root) / fn
                    self.add_file(fp, shown(fp), explicit=False)
        elif p.exists() or p.is_symlink():
            self.add_file(p, str(arg), explicit=True)
        else:
            raise GxxlError(f"输入“{arg}”不存在，请检查文件或文件夹路径")

    def add_file(self, fp: Path, disp: str, *, explicit: bool) -> None:
        real = self._real(fp)
        if real in self.outputs and not _is_consolidated(fp):
            # only a previous consolidated workbook may be replaced; a bureau's file never
            raise GxxlError(f"输出文件“{disp}”是待汇总的报送文件之一，不能覆盖它。请换一个输出路径。")
        if real in self.exclude:
            self.ignored.append(Ignored(disp, "本次汇总的输出、名单或上年文件"))
            return
        skip = _skip_name(fp.name)
        kind = _kind(fp.name)
        candidate = explicit or not (skip or kind == "other")
        problem = regular_problem(fp) if candidate else None  # a FIFO would hang the reader, /dev/zero never ends
        if real in self.seen and not problem:
            return  # the same file named twice (a file and its folder): count it once
        self.seen.add(real)
        self._count(1)
        if not candidate:
            self.ignored.append(Ignored(disp, skip or "不是表格或压缩包"))
            return
        if problem:
            self.items.append(InputItem(disp, None, problem))
            return
        if kind == "zip":
            self.add_zip(fp, disp, depth=1)
        elif kind == "foreign":
            self.items.append(InputItem(disp, None, _foreign_error(fp.name)))
        else:
            self.items.append(InputItem(disp, str(fp)))

    def add_zip(self, zpath: Path, disp: str, depth: int) -> None:
        try:
            zf = zipfile.ZipFile(zpath)
        except (zipfile.BadZipFile, OSError, ValueError):
            self.items.append(InputItem(disp, None, "压缩包已损坏或不是zip格式，无法解压"))
            return
        with zf:
            infos = zf.infolist()
            n = sum(1 for i in infos if not i.is_dir())
            if n > ZIP_MAX_MEMBERS:
                self.items.append(InputItem(disp, None, f"压缩包内文件过多（{n}个），已拒绝解压"))
                return
            if self.total + n > ZIP_MAX_MEMBERS:  # the limit is for the whole run: nested archives add up
                self.items.append(InputItem(disp, None, f"压缩包内有{n}个文件，本次汇总的文件总数将超过上限"
                                            f"（{ZIP_MAX_MEMBERS}个，含各层压缩包内的文件），已拒绝解压；请解压后分批汇总"))
                return
            self.total += n
            found = False
            for info in infos:
                if info.is_dir():
                    continue
                name = _zip_member_name(info)
                mdisp = f"{disp}!{name}"
                skip = _skip_name(name)
                kind = _kind(name)
                if skip or kind == "other":
                    self.ignored.append(Ignored(mdisp, skip or "不是表格或压缩包"))
                    continue
                found = True
                if kind == "foreign":
                    self.items.append(InputItem(mdisp, None, _foreign_error(name)))
                    continue
                if kind == "zip" and depth >= ZIP_MAX_DEPTH:
                    self.items.append(InputItem(mdisp, None, "压缩包嵌套层数过多，已拒绝解压"))
                    continue
                err = self._member_guard(info)
                if err:
                    self.items.append(InputItem(mdisp, None, err))
                    continue
                # Our own file name: a member called ../../x cannot escape the temp folder.
                self.counter += 1
                suffix = Path(name).suffix.lower()
                target = self.tmpdir / f"{self.counter:07d}{suffix}"
                try:
                    written = self._extract(zf, info, target)
                except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError, NotImplementedError) as exc:
                    msg = "压缩包中的文件已损坏，无法解压"
                    if isinstance(exc, RuntimeError) and "encrypted" in str(exc).lower():
                        msg = "压缩包设置了密码，无法解压"
                    self.items.append(InputItem(mdisp, None, msg))
                    continue
                if written is None:
                    self.items.append(InputItem(mdisp, None, "解压后文件异常巨大（疑似压缩炸弹），已拒绝"))
                    continue
                os.utime(target, (time.time(), _zip_mtime(info)))
                if kind == "zip":
                    self.add_zip(target, mdisp, depth + 1)
                else:
                    self.items.append(InputItem(mdisp, str(target)))
            if not found:
                self.ignored.append(Ignored(disp, "压缩包中没有表格文件"))

    def _member_guard(self, info: zipfile.ZipInfo) -> str | None:
        if info.flag_bits & 0x1:
            return "压缩包设置了密码，无法解压（请发送未加密的文件）"
        if info.file_size > ZIP_MAX_MEMBER:
            return f"压缩包中的文件过大（{info.file_size // 1024 // 1024} MB），不是年报工作簿"
        if info.compress_size and info.file_size / info.compress_size > ZIP_MAX_RATIO and info.file_size > 10 * 1024 * 1024:
            return "压缩比异常（疑似压缩炸弹），已拒绝解压"
        if self.extracted + info.file_size > ZIP_MAX_TOTAL:
            return "压缩包解压总量超过上限，已停止解压其余文件"
        return None

    def _extract(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> int | None:
        """Stream out at most ZIP_MAX_MEMBER bytes; the declared size may lie."""
        n = 0
        with zf.open(info) as src, open(target, "wb") as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                n += len(chunk)
                if n > ZIP_MAX_MEMBER or self.extracted + n > ZIP_MAX_TOTAL:
                    dst.close()
                    target.unlink(missing_ok=True)
                    return None
                dst.write(chunk)
        self.extracted += n
        return n


def _zip_mtime(info: zipfile.ZipInfo) -> float:
    try:
        return datetime(*info.date_time).timestamp()
    except (ValueError, OverflowError):
        return time.time()


def _is_consolidated(p: Path) -> bool:
    """A consolidated workbook written by gxxl (it has the 报送情况 and 明细 sheets)."""
    from ..workbook.guard import open_workbook, sheet_names

    try:
        names = set(sheet_names(open_workbook(p).book))
    except Exception:  # unreadable: not ours to replace
        return False
    return {"报送情况", "明细"} <= names


def collect_inputs(inputs, tmpdir, exclude=(), outputs=()) -> tuple[list[InputItem], list[Ignored]]:
    """Every candidate file under ``inputs`` (archive members extracted into ``tmpdir``)."""
    Path(tmpdir).mkdir(parents=True, exist_ok=True)
    c = _Collector(Path(tmpdir), exclude, outputs)
    for arg in inputs:
        c.add_input(arg)
    return c.items, c.ignored
