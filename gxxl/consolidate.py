"""汇总: collect every bureau's workbook — status, findings, totals, charts.

The per-file step is :func:`check_file` (read with python-calamine, validate,
return a small picklable :class:`FileResult`). It is the only work done in
parallel, so a province-scale run can map the very same function with Dask
(``dask.bag.from_sequence(paths).map(check_file)``) and hand the results to
:func:`assemble`. Everything after that (statuses that need every file, roster,
totals, DataFrames, the output workbook) runs once in the parent process.

pandas and openpyxl are imported inside functions: a worker that only reads
and validates never loads them.

The module is callable, so both ``gxxl.consolidate(paths)`` and
``from gxxl.consolidate import consolidate`` work.
"""
from __future__ import annotations

import csv
import difflib
import io
import os
import re
import shutil
import sys
import tempfile
import time
import types
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

from . import schema
from .errors import GxxlError, ReadError

# -- statuses ---------------------------------------------------------------
PASSED = "通过"
ERRORS = "有错误"
WARNINGS = "仅提示"
UNREADABLE = "无法读取"
DUPLICATE = "重复报送"
WRONG_YEAR = "年度不符"
NOT_LISTED = "不在名单"
MISSING = "未报送"
STATUSES = (PASSED, WARNINGS, ERRORS, UNREADABLE, DUPLICATE, WRONG_YEAR, NOT_LISTED)
# Summed by default: every current-year file of a listed organ that could be read
# (a file with errors still counts: leaving a bureau out would understate the totals more).
DEFAULT_INCLUDE = (PASSED, WARNINGS, ERRORS)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
ARCHIVE_SUFFIXES = (".zip",)
# Found in folders and taken as inputs so the office hears about them; they cannot be read.
FOREIGN_SUFFIXES = (".et", ".ett", ".numbers", ".wps", ".rar", ".7z", ".tar", ".gz", ".tgz")
ZIP_MAX_MEMBER = 50 * 1024 * 1024
ZIP_MAX_TOTAL = 2 * 1024 * 1024 * 1024
ZIP_MAX_MEMBERS = 100_000
ZIP_MAX_RATIO = 200
ZIP_MAX_DEPTH = 3

# Key figures for summaries, JSON and charts.
KEY_CODES = (
    "requests.new.total",
    "requests.carried_in.total",
    "requests.handled_total.total",
    "requests.carried_out.total",
    "requests.disclosed.total",
    "requests.partly_disclosed.total",
    "appeals.review.total",
    "appeals.litigation_direct.total",
    "appeals.litigation_after_review.total",
    "active.normative.issued",
    "active.normative.in_force",
    "active.licensing.decisions",
    "active.penalty.decisions",
    "active.coercion.decisions",
    "active.fees.amount",
)
# Year-on-year comparison: (label, codes summed)
COMPARE = (
    ("本年新收申请", ("requests.new.total",)),
    ("办结总计", ("requests.handled_total.total",)),
    ("结转下年度", ("requests.carried_out.total",)),
    ("行政复议", ("appeals.review.total",)),
    ("行政诉讼", ("appeals.litigation_direct.total", "appeals.litigation_after_review.total")),
    ("行政许可决定", ("active.licensing.decisions",)),
    ("行政处罚决定", ("active.penalty.decisions",)),
    ("现行有效规范性文件", ("active.normative.in_force",)),
)
MAX_SUGGESTIONS = 300  # "是否为…？" hints for organs not in the roster
LARGE_CHANGE_RATE = 0.5  # flagged when it changes by half or more …
LARGE_CHANGE_ABS = 5  # … and by at least this many items

INFO_COLUMNS = ("序号", "机关名称", "状态", "计入汇总", "说明", "文件", "年度", "层级", "错误数", "提示数", "保存时间")


def norm_name(text: Any) -> str:
    """Organ names compared ignoring width, spaces and case."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"\s+", "", s).lower()


# ===========================================================================
# The per-file step (the function a Dask user maps)
# ===========================================================================


@dataclass
class FileResult:
    file: str  # as shown to the user (folder/file.xlsx, archive.zip!member.xlsx)
    path: str | None = None  # where it was read from (a temp copy for archive members)
    size: int | None = None
    mtime: float | None = None
    status: str = UNREADABLE
    detail: str = ""
    organ: str | None = None
    year: int | None = None
    level: str | None = None
    region: str | None = None
    saved_at: str | None = None
    values: tuple | None = None  # aligned with schema.CODES
    findings: list = field(default_factory=list)  # (rule, severity, message, sheet, cell, explained)
    errors: int = 0
    warnings: int = 0
    # set by assemble()
    included: bool = False
    key: str | None = None  # organ identity (roster name, else normalised organ)
    roster_name: str | None = None
    note: str = ""

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "organ": self.organ,
            "roster_name": self.roster_name,
            "year": self.year,
            "status": self.status,
            "detail": self.detail or self.note,
            "included": self.included,
            "errors": self.errors,
            "warnings": self.warnings,
            "saved_at": self.saved_at,
        }


def check_file(path, *, name: str | None = None, previous: dict | None = None) -> FileResult:
    """Read and validate one workbook; never raises for a bad file.

    ``previous`` maps normalised organ names to last year's values by code, for
    the cross-year rules.
    """
    p = Path(path)
    res = FileResult(file=name or str(path), path=str(path))
    try:
        st = p.stat()
        res.size, res.mtime = st.st_size, st.st_mtime
    except OSError:
        pass
    try:
        from .workbook.read import read

        rep = read(p)
    except ReadError as exc:
        res.detail = exc.reason + (f"（{exc.hint}）" if exc.hint else "")
        if exc.sheet or exc.cell:
            res.detail = f"{exc.sheet or ''} {exc.cell or ''}：".lstrip() + res.detail
        return res
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 — one bad file never stops the run
        res.detail = f"无法读取（{type(exc).__name__}），文件可能已损坏，请用Excel或WPS打开后另存为.xlsx"
        return res
    try:
        res.organ, res.year, res.level = rep.organ, rep.year, rep.level
        region = rep.meta.get("region")
        res.region = str(region).strip() if region not in (None, "") else None
        res.saved_at = rep.source.saved_at
        res.values = tuple(rep.get(c) for c in schema.CODES)
        prev = None
        if previous and rep.organ:
            pv = previous.get(norm_name(rep.organ))
            if pv is not None:
                from .model import AnnualReport

                prev = AnnualReport.from_values(pv, meta={"organ": rep.organ, "year": (rep.year or 1) - 1})
        findings = _validate(rep, prev)
        seen = set()
        for f in findings:
            k = (f.rule, f.sheet, f.cell, f.message)
            if k in seen:
                continue
            seen.add(k)
            res.findings.append((f.rule, f.severity, f.message, f.sheet, f.cell, bool(f.explained)))
        res.errors = sum(1 for f in res.findings if f[1] == "error")
        res.warnings = sum(1 for f in res.findings if f[1] != "error" and not f[5])
        res.status = ERRORS if res.errors else WARNINGS if res.warnings else PASSED
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001
        res.status = ERRORS
        res.errors += 1
        res.findings.append(("consolidate.validate_failed", "error",
                             f"校验时程序出错（{type(exc).__name__}），请单独运行 gxxl validate 查看", None, None, False))
    return res


def _validate(rep, prev) -> list:
    """Every finding: the validator includes what the reader found."""
    from .rules import validate

    return list(validate(rep, previous=prev).findings)


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
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
                for fn in sorted(files):
                    fp = Path(root) / fn
                    try:
                        disp = str(fp.relative_to(base)) if str(base) not in ("", ".") else str(fp)
                    except ValueError:
                        disp = str(fp)
                    self.add_file(fp, disp, explicit=False)
        elif p.exists():
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
        if real in self.seen:
            return  # the same file named twice (a file and its folder): count it once
        self.seen.add(real)
        skip = _skip_name(fp.name)
        kind = _kind(fp.name)
        if not explicit and (skip or kind == "other"):
            self.ignored.append(Ignored(disp, skip or "不是表格或压缩包"))
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
            if len(infos) > ZIP_MAX_MEMBERS:
                self.items.append(InputItem(disp, None, f"压缩包内文件过多（{len(infos)}个），已拒绝解压"))
                return
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
    from .workbook.guard import open_workbook, sheet_names

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


# ===========================================================================
# Roster (名单) and last year's figures
# ===========================================================================


@dataclass
class RosterEntry:
    name: str
    aliases: tuple[str, ...] = ()
    code: str | None = None


class Roster:
    def __init__(self, entries: Sequence[RosterEntry], source: str | None = None):
        self.entries = list(entries)
        self.source = source
        self._by_key: dict[str, RosterEntry] = {}
        self._bigrams: dict[str, list[str]] | None = None
        for e in self.entries:
            for n in (e.name, *e.aliases):
                self._by_key.setdefault(norm_name(n), e)
            if e.code:
                self._by_key.setdefault(norm_name(e.code), e)

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, organ: str | None) -> RosterEntry | None:
        if not organ:
            return None
        return self._by_key.get(norm_name(organ))

    def match_filename(self, file: str) -> RosterEntry | None:
        """For a file that could not be read: the longest roster name or alias in its file name."""
        stem = norm_name(Path(file.replace("!", "/")).stem)
        best, blen = None, 0
        for key, e in self._by_key.items():
            if len(key) >= 2 and key in stem and len(key) > blen:
                best, blen = e, len(key)
        return best

    def suggest(self, organ: str | None) -> str | None:
        """The roster name probably meant (for 不在名单), or None."""
        if not organ:
            return None
        q = norm_name(organ)
        if self._bigrams is None:  # a bigram index keeps this fast for a province-sized roster
            self._bigrams = {}
            for k in self._by_key:
                for bg in {k[i:i + 2] for i in range(len(k) - 1)}:
                    self._bigrams.setdefault(bg, []).append(k)
        limit = max(50, len(self._by_key) // 5)  # bigrams every name has (示例, 县人) say nothing
        hits: Counter = Counter()
        for bg in {q[i:i + 2] for i in range(len(q) - 1)}:
            ks = self._bigrams.get(bg, ())
            if len(ks) <= limit:
                hits.update(ks)
        cands = [k for k, _ in hits.most_common(10)]
        m = difflib.get_close_matches(q, cands, n=1, cutoff=0.6)
        return self._by_key[m[0]].name if m else None


_SPLIT = re.compile(r"[、,，;；/|]+")


def load_roster(path) -> Roster:
    """名单: .xlsx/.xls/.ods/.csv/.txt; columns 机关名称 [别名] [代码], header row optional."""
    p = Path(path)
    if not p.is_file():
        raise GxxlError(f"名单文件“{p}”不存在")
    rows: list[list[str]]
    low = p.suffix.lower()
    if low in (".csv", ".txt"):
        from .fileio import decode_text

        text = decode_text(p.read_bytes())
        if text is None:
            raise GxxlError(f"名单文件“{p}”编码无法识别，请另存为UTF-8编码的CSV或.xlsx")
        if low == ".txt":
            rows = [[line] for line in text.splitlines()]
        else:
            rows = [list(r) for r in csv.reader(io.StringIO(text))]
    elif low in WORKBOOK_SUFFIXES:
        from .workbook.guard import open_workbook, sheet_names, sheet_rows

        try:
            book = open_workbook(p).book
            rows = sheet_rows(book, sheet_names(book)[0], nrows=None, ncols=50)
        except ReadError as exc:
            raise GxxlError(f"名单文件无法读取：{exc}") from None
        except Exception:
            raise GxxlError(f"名单文件“{p}”无法读取，请确认是正常的Excel文件（第一张工作表第一列为机关名称）") from None
    else:
        raise GxxlError(f"名单文件“{p}”格式不支持，请使用.xlsx或.csv（第一列为机关名称）")
    rows = [[_cell_text(v) for v in r] for r in rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        raise GxxlError(f"名单文件“{p}”是空的")
    name_col, alias_col, code_col, start = 0, None, None, 0
    for i, head in enumerate(rows[:5]):  # a header row, possibly below a title row
        hits = {j: h for j, h in enumerate(head) if h}
        named = [j for j, h in hits.items() if _is_name_header(h)]
        if named:
            name_col, start = named[0], i + 1
            alias_col = next((j for j, h in hits.items() if any(k in h for k in ("别名", "简称", "曾用名"))), None)
            code_col = next((j for j, h in hits.items() if len(h) <= 12 and any(k in h for k in ("代码", "编码", "编号"))), None)
            break
    else:
        if len([v for v in rows[0] if v]) == 1 and "名单" in rows[0][0] and len(rows) > 1:
            start = 1  # a title such as "2024年度年报报送名单"
    entries, seen = [], set()
    for r in rows[start:]:
        name = r[name_col] if name_col < len(r) else ""
        if not name or name.startswith("#") or norm_name(name) in seen:
            continue
        seen.add(norm_name(name))
        aliases = tuple(a for a in _SPLIT.split(r[alias_col]) if a.strip()) if alias_col is not None and alias_col < len(r) and r[alias_col] else ()
        code = r[code_col] if code_col is not None and code_col < len(r) and r[code_col] else None
        entries.append(RosterEntry(name, tuple(a.strip() for a in aliases), code))
    if not entries:
        raise GxxlError(f"名单文件“{p}”中没有机关名称（第一列应为机关名称）")
    return Roster(entries, str(p))


def _is_name_header(h: str) -> bool:
    h = re.sub(r"[\s（）()]", "", h)
    return h in ("机关", "单位", "部门", "名称", "报送单位") or (len(h) <= 8 and h.endswith(("名称", "全称")))


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


@dataclass
class Previous:
    """Last year's figures: the total and, when known, each organ's values by code."""

    source: str
    year: int | None
    total: dict[str, Any]
    organs: dict[str, dict[str, Any]]  # normalised organ name -> values
    names: dict[str, str]  # normalised -> as written


def load_previous(path, *, jobs=None) -> Previous:
    """Last year's consolidated workbook (its 明细 gives each organ), a single workbook, or a folder/zip."""
    p = Path(path)
    if not p.exists():
        raise GxxlError(f"上年文件“{p}”不存在")
    if p.is_dir() or p.suffix.lower() == ".zip":
        res = consolidate([p], jobs=jobs, progress=False)
        organs, names = {}, {}
        for f in res.files:
            if f.included and f.organ:
                k = norm_name(f.organ)
                organs[k] = dict(zip(schema.CODES, f.values))
                names[k] = f.organ
        return Previous(str(p), res.year, dict(res.total_values), organs, names)
    from .workbook.read import read

    try:
        rep = read(p)
    except ReadError as exc:
        raise GxxlError(f"上年文件无法读取：{exc}") from None
    total = {c: rep.get(c) for c in schema.CODES}
    organs, names = _previous_details(p)
    return Previous(str(p), rep.year, total, organs, names)


def _previous_details(p: Path) -> tuple[dict, dict]:
    """Per-organ rows from the 明细 sheet of a consolidated workbook (empty for a bureau's own file)."""
    from .workbook.guard import open_workbook, sheet_names, sheet_rows

    try:
        wb = open_workbook(p).book
        if "明细" not in sheet_names(wb):
            return {}, {}
        rows = sheet_rows(wb, "明细", nrows=None, ncols=None)
    except Exception:  # optional: a bureau's own workbook has no 明细
        return {}, {}
    hdr = next((i for i, r in enumerate(rows[:10]) if "机关名称" in r), None)
    code_row = next((i for i, r in enumerate(rows[:10]) if schema.CODES[0] in r), None)
    if hdr is None or code_row is None:
        return {}, {}
    head, codes = rows[hdr], rows[code_row]
    i_name, i_inc = head.index("机关名称"), head.index("计入汇总") if "计入汇总" in head else None
    cols = {c: j for j, c in enumerate(codes) if c in schema.POINTS}
    organs, names = {}, {}
    for r in rows[max(hdr, code_row) + 1:]:
        if i_name >= len(r) or not r[i_name] or (i_inc is not None and r[i_inc] != "是"):
            continue
        name = str(r[i_name]).lstrip("'")
        vals = {}
        for c, j in cols.items():
            v = r[j] if j < len(r) else None
            vals[c] = None if v in ("", None) else (int(v) if isinstance(v, float) and v.is_integer() else v)
        k = norm_name(name)
        organs[k], names[k] = vals, name
    return organs, names


# ===========================================================================
# Running: parallel per-file step, then assembly
# ===========================================================================

_WORKER_PREVIOUS: dict | None = None


def _init_worker(previous) -> None:
    global _WORKER_PREVIOUS
    _WORKER_PREVIOUS = previous
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: no traceback per worker


def check_item(item: InputItem, previous: dict | None = None) -> FileResult:
    """check_file for an item of collect_inputs (an item that already failed, e.g. a zip bomb, stays failed)."""
    if item.error is not None or item.path is None:
        return FileResult(file=item.file, path=item.path, detail=item.error or "无法读取")
    return check_file(item.path, name=item.file, previous=previous)


def _check_item(item: InputItem) -> FileResult:
    return check_item(item, _WORKER_PREVIOUS)


def run_checks(items: Sequence[InputItem], *, jobs: int | None = None, previous: dict | None = None,
               progress: bool | None = None) -> list[FileResult]:
    """check_file over every item, in parallel, in input order; a crashing worker costs one file, not the run."""
    todo = [i for i, it in enumerate(items) if it.error is None]
    out: list[FileResult | None] = [None if it.error is None else check_item(it) for it in items]
    jobs = jobs or os.cpu_count() or 1
    if progress is None:
        progress = sys.stderr.isatty() and len(todo) > 20
    if progress:
        from tqdm import tqdm  # 0.1 s to import: only when a bar is shown

        bar = tqdm(total=len(todo), desc="读取并校验", unit="份", file=sys.stderr, dynamic_ncols=True, mininterval=0.3)
    else:
        bar = _NoBar()
    try:
        if jobs <= 1 or len(todo) < 2 * jobs + 4:
            for i in todo:
                out[i] = check_file(items[i].path, name=items[i].file, previous=previous)
                bar.update()
        else:
            _run_pool(items, todo, out, jobs, previous, bar)
    finally:
        bar.close()
    return out  # type: ignore[return-value]


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _run_pool(items, todo, out, jobs, previous, bar) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # imported once here, shared by the forked workers
    from . import rules as _rules  # noqa: F401
    from .workbook import read as _preload  # noqa: F401

    ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    chunk = max(1, min(32, len(todo) // (jobs * 16)))  # small enough that no worker idles long at the end
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker, initargs=(previous,)) as ex:
            try:
                for i, res in zip(todo, ex.map(_check_item, [items[i] for i in todo], chunksize=chunk)):
                    out[i] = res
                    bar.update()
            except KeyboardInterrupt:
                ex.shutdown(wait=False, cancel_futures=True)
                raise
    except BrokenProcessPool:
        # Some file crashed a worker process: redo the rest one by one so only that file is lost.
        for i in todo:
            if out[i] is not None:
                continue
            try:
                with ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_init_worker, initargs=(previous,)) as ex1:
                    out[i] = ex1.submit(_check_item, items[i]).result()
            except BrokenProcessPool:
                out[i] = FileResult(file=items[i].file, path=items[i].path,
                                    detail="读取时程序崩溃，文件可能已损坏，请用Excel或WPS打开后另存为.xlsx")
            bar.update()


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


def assign_statuses(files: list[FileResult], *, roster: Roster | None = None, year: int | None = None,
                    include: Iterable[str] = DEFAULT_INCLUDE) -> int | None:
    """Final status of every file (year, roster, duplicates) and whether it is summed; returns the year used."""
    readable = [f for f in files if f.status != UNREADABLE]
    if year is None:
        years = Counter(f.year for f in readable if f.year)
        if years:
            top = max(years.values())
            year = max(y for y, n in years.items() if n == top)
    suggested = 0
    for f in files:
        f.key = norm_name(f.organ) if f.organ else None
        if f.status == UNREADABLE:
            if roster:
                e = roster.match_filename(f.file)
                if e:
                    f.roster_name, f.key = e.name, norm_name(e.name)
            continue
        if roster:
            e = roster.match(f.organ)
            if e:
                f.roster_name, f.key = e.name, norm_name(e.name)
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
        keep.note = "另有较早版本：" + "、".join(x.file for x in fs[1:])
        for x in fs[1:]:
            x.status = DUPLICATE
            x.detail = f"同一机关报送了多份，已采用保存时间较新的“{keep.file}”" + (f"（{keep.saved_at}）" if keep.saved_at else "")
    inc = set(include)
    for f in files:
        f.included = f.status in inc and f.values is not None
    return year


def consolidate(paths, roster=None, year: int | None = None, previous=None, jobs: int | None = None, *,
                include: Iterable[str] = DEFAULT_INCLUDE, name: str | None = None, level: str | None = None,
                progress: bool | None = None, exclude: Iterable = (), output=None) -> "ConsolidationResult":
    """Consolidate workbooks from files, folders (recursive) and .zip archives.

    roster: path of a 名单 (.xlsx/.csv) or a :class:`Roster`; year: the reporting year (default: the
    year most files state); previous: last year's consolidated workbook (or folder) for 同比 and the
    cross-year checks; include: statuses summed into the totals (default 通过、仅提示、有错误);
    name/level: the consolidated workbook's organ name and level.
    exclude: files to leave out; output: the file the caller will write (left out too, and refused if it is
    one of the bureaus' files rather than an earlier consolidated workbook).
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
    excl = list(exclude)
    outputs = [output] if output is not None else []  # what the caller will write: never one of the bureaus' files
    excl += outputs
    if roster is not None and not isinstance(roster, Roster):
        excl.append(roster)
        roster = load_roster(roster)
    prev = None
    if previous is not None:
        excl.append(previous)
        prev = previous if isinstance(previous, Previous) else load_previous(previous, jobs=jobs)
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
        files = run_checks(items, jobs=jobs, previous=lookup, progress=progress)
        timings["read_validate"] = time.perf_counter() - t1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t2 = time.perf_counter()
    res = assemble(files, roster=roster, year=year, previous=prev, include=include, name=name, level=level,
                   ignored=ignored)
    timings["assemble"] = time.perf_counter() - t2
    res.timings.update(timings)
    return res


def assemble(files: list[FileResult], *, roster: Roster | None = None, year: int | None = None,
             previous: Previous | None = None, include: Iterable[str] = DEFAULT_INCLUDE, name: str | None = None,
             level: str | None = None, ignored: Sequence[Ignored] = ()) -> "ConsolidationResult":
    """Everything after the per-file step (also the entry point after a Dask map)."""
    year_given = year is not None
    year = assign_statuses(files, roster=roster, year=year, include=include)
    return ConsolidationResult(files, roster=roster, year=year, year_given=year_given, previous=previous,
                               include=tuple(include), name=name, level=level, ignored=list(ignored))


# ===========================================================================
# The result: DataFrames, JSON, text, workbook, CSV
# ===========================================================================


def _local_time(iso: str | None) -> str:
    """A workbook's UTC save time as local time for people ("2025-01-20 09:30")."""
    if not iso:
        return ""
    try:
        dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if dt.tzinfo is not None:
        dt = dt.astimezone()
    return dt.strftime("%Y-%m-%d %H:%M")


def _info_row(i: int, f: FileResult) -> list:
    return [i, f.organ or "", f.status, "是" if f.included else "否", f.detail or f.note, f.file, f.year,
            f.level or "", f.errors, f.warnings, _local_time(f.saved_at)]


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _tidy(x):
    if isinstance(x, float):
        return int(x) if x.is_integer() and abs(x) < 2 ** 53 else round(x, 6)
    return x


class ConsolidationResult:
    """Statuses, findings and totals; pandas DataFrames ``details`` (明细), ``findings`` (问题清单),
    ``roster_status`` (报送情况), ``comparison`` (同比) and the Series ``totals``."""

    def __init__(self, files, *, roster, year, year_given, previous, include, name, level, ignored):
        self.files: list[FileResult] = files
        self.roster = roster
        self.year = year
        self.year_given = year_given
        self.previous = previous
        self.include = include
        self.ignored = ignored
        self.counts = {s: 0 for s in STATUSES}
        for f in files:
            self.counts[f.status] += 1
        inc = [f for f in files if f.included]
        self.included = inc
        # -- totals: inputs summed (a blank counts as nothing), sums recomputed
        idx = {c: i for i, c in enumerate(schema.CODES)}
        sums: dict[str, Any] = {}
        for c in schema.INPUT_CODES:
            i = idx[c]
            s = 0
            for f in inc:
                v = f.values[i]
                if isinstance(v, (int, float)):
                    s += v
            sums[c] = _tidy(s) if isinstance(s, float) else s
        from .model import AnnualReport

        levels = Counter(f.level for f in inc if f.level)
        regions = {f.region for f in inc if f.region}
        region = regions.pop() if len(regions) == 1 else None
        self.name = name or (f"{region}（汇总）" if region else "汇总")
        self.level = level or (levels.most_common(1)[0][0] if levels else None)
        self.meta = {"organ": self.name, "year": year, "level": self.level, "region": region}
        self.report = AnnualReport.from_values(sums, meta=self.meta)
        self.total_values: dict[str, Any] = {c: self.report.get(c) for c in schema.CODES}
        self.missing: list[RosterEntry] = []
        if roster:
            got = {f.roster_name for f in files if f.roster_name}  # unreadable or last year's file: not "missing"
            self.missing = [e for e in roster.entries if e.name not in got]
        self._frames: dict[str, Any] = {}
        self.timings: dict[str, float] = {}  # seconds per phase, for benchmarks

    # -- DataFrames (pandas is imported only when one is asked for) -------
    @property
    def totals(self):
        """合计 of every data-point code over the included files (pandas Series)."""
        import pandas as pd

        return pd.Series(self.total_values, name="合计", dtype=object)

    @property
    def details(self):
        """明细: one row per file (an organ's duplicates too), info columns then every data-point code."""
        if "details" not in self._frames:
            import pandas as pd

            rows = []
            for i, f in enumerate(self.files, start=1):
                rows.append(_info_row(i, f) + list(f.values if f.values is not None else (None,) * len(schema.CODES)))
            df = pd.DataFrame(rows, columns=list(INFO_COLUMNS) + list(schema.CODES))
            import warnings

            for col in ("年度",) + schema.CODES:  # counts as nullable integers, not 68.0
                try:
                    with warnings.catch_warnings():  # numpy warns before pandas refuses an infinite value
                        warnings.simplefilter("ignore", RuntimeWarning)
                        df[col] = df[col].astype("Int64")
                except (TypeError, ValueError, OverflowError):  # text, fractions, or beyond 64 bits (1E+20 typed in)
                    pass
            self._frames["details"] = df
        return self._frames["details"]

    @property
    def findings(self):
        """问题清单: every finding of every file, plus status problems and organs that sent nothing."""
        if "findings" not in self._frames:
            import pandas as pd

            self._frames["findings"] = pd.DataFrame(self._finding_rows(), columns=FINDING_COLUMNS)
        return self._frames["findings"]

    def _finding_rows(self) -> list[list]:
        rows = []
        sev = {"error": "错误", "warning": "提示"}
        for f in self.files:
            organ = f.organ or f.roster_name or ""
            if f.status in (UNREADABLE, WRONG_YEAR, NOT_LISTED, DUPLICATE):
                rule = {UNREADABLE: "consolidate.unreadable", WRONG_YEAR: "consolidate.wrong_year",
                        NOT_LISTED: "consolidate.not_listed", DUPLICATE: "consolidate.duplicate"}[f.status]
                rows.append([organ, f.file, f.status, "", "", rule, "错误" if f.status == UNREADABLE else "提示", f.detail])
            if f.status == DUPLICATE:
                continue  # the older copy's own findings are not what anyone will phone about
            for rule, severity, message, sheet, cell, explained in f.findings:
                rows.append([organ, f.file, f.status, sheet or "", cell or "", rule,
                             "已说明" if explained else sev.get(severity, severity), message])
        for e in self.missing:
            rows.append([e.name, "", MISSING, "", "", "consolidate.missing", "错误", f"未收到{e.name}的年报工作簿"])
        return rows

    @property
    def roster_status(self):
        """报送情况: one row per roster organ (or per organ found when there is no roster)."""
        if "roster" not in self._frames:
            import pandas as pd

            self._frames["roster"] = pd.DataFrame(self._roster_rows(), columns=ROSTER_COLUMNS)
        return self._frames["roster"]

    def _roster_rows(self) -> list[list]:
        by_key: dict[str, list[FileResult]] = {}
        for f in self.files:
            if f.key:
                by_key.setdefault(f.key, []).append(f)
        rows = []
        order = {s: i for i, s in enumerate((PASSED, WARNINGS, ERRORS, WRONG_YEAR, UNREADABLE, NOT_LISTED, DUPLICATE))}
        if self.roster:
            entries = [(e.name, e.code or "", by_key.get(norm_name(e.name), [])) for e in self.roster.entries]
        else:
            entries = []
            for key, fs in by_key.items():
                entries.append((fs[0].organ or fs[0].roster_name or key, "", fs))
        for i, (name, code, fs) in enumerate(entries, start=1):
            if not fs:
                rows.append([i, name, code, MISSING, "", "", None, None, "未收到年报工作簿"])
                continue
            fs = sorted(fs, key=lambda f: order.get(f.status, 9))
            best = fs[0]
            state = {PASSED: "已报送", WARNINGS: "已报送", ERRORS: "已报送（有错误）", WRONG_YEAR: "报送年度不符",
                     UNREADABLE: "已报送但无法读取", NOT_LISTED: "已报送", DUPLICATE: "已报送"}[best.status]
            others = [f.file for f in fs[1:]]
            note = best.detail or best.note
            if others and not best.note:
                note = (note + "；" if note else "") + "其他文件：" + "、".join(others)
            rows.append([i, name, code, state, best.status, best.file, best.errors, best.warnings, note])
        return rows

    @property
    def comparison(self):
        """同比 (with ``previous``): per organ and total, key indicators this year against last."""
        if self.previous is None:
            return None
        if "comparison" not in self._frames:
            import pandas as pd

            self._frames["comparison"] = pd.DataFrame(self._comparison_rows(), columns=COMPARE_COLUMNS)
        return self._frames["comparison"]

    def _comparison_rows(self) -> list[list]:
        prev = self.previous
        idx = {c: i for i, c in enumerate(schema.CODES)}
        rows = []

        def add(organ, cur: dict, old: dict | None):
            for label, codes in COMPARE:
                a = _sum_codes(cur, codes)
                b = _sum_codes(old, codes) if old is not None else None
                rows.append([organ, label, a, b, *_change(a, b)])
            if old is not None:
                ci, co = cur.get("requests.carried_in.total"), old.get("requests.carried_out.total")
                flag = "" if ci is None or co is None or ci == co else f"本年上年结转{_fmt(ci)}件，与上年报告的结转下年度{_fmt(co)}件不一致"
                rows.append([organ, "上年结转＝上年结转下年度", ci, co, None if ci is None or co is None else ci - co, None, flag])

        add("合计", dict(self.total_values), prev.total)
        for f in self.included:
            cur = {c: f.values[idx[c]] for c in schema.CODES}
            old = None
            for n in (f.organ, f.roster_name):
                if n and norm_name(n) in prev.organs:
                    old = prev.organs[norm_name(n)]
                    break
            if old is None and self.roster and f.roster_name:
                e = self.roster.match(f.roster_name)
                for n in (e.aliases if e else ()):
                    if norm_name(n) in prev.organs:
                        old = prev.organs[norm_name(n)]
                        break
            add(f.organ or f.roster_name or f.file, cur, old)
        return rows

    # -- exit code, JSON, text -------------------------------------------
    @property
    def exit_code(self) -> int:
        """1 when anything needs the office's action (errors, unreadable, wrong year, organs missing)."""
        if self.counts[ERRORS] or self.counts[UNREADABLE] or self.counts[WRONG_YEAR] or self.missing:
            return 1
        return 0

    def to_json(self) -> dict:
        return {
            "year": self.year,
            "files_found": len(self.files),
            "counts": dict(self.counts),
            "included_statuses": list(self.include),
            "included": len(self.included),
            "roster": len(self.roster) if self.roster else None,
            "missing": [e.name for e in self.missing],
            "totals": {c: self.total_values[c] for c in KEY_CODES},
            "name": self.name,
            "files": [f.to_json() for f in self.files],
            "ignored": [{"file": x.file, "reason": x.reason} for x in self.ignored],
            "seconds": {k: round(v, 3) for k, v in self.timings.items()},
        }

    def summary_text(self, *, limit: int = 30) -> str:
        c = self.counts
        year = f"{self.year}年度" + ("" if self.year_given or self.year is None else "（按多数文件推断）") if self.year else "年度不明"
        lines = [f"汇总{year}：共找到{len(self.files)}个文件，"
                 + "、".join(f"{s}{c[s]}个" for s in STATUSES if c[s]) + "。" if self.files else f"汇总{year}：没有找到任何表格文件。"]
        lines.append(f"计入汇总：{len(self.included)}个（{'、'.join(self.include)}）。")
        if self.roster:
            lines.append(f"名单共{len(self.roster)}个机关，未报送{len(self.missing)}个" +
                         ("：" + "、".join(e.name for e in self.missing[:limit]) + ("等" if len(self.missing) > limit else "") if self.missing else "") + "。")
        if self.ignored:
            lines.append(f"另有{len(self.ignored)}个文件不是表格，未处理（见报送情况表）。")
        bad = [f for f in self.files if f.status not in (PASSED, WARNINGS)]
        if bad:
            lines.append("需要联系的文件：")
            for f in bad[:limit]:
                why = f.detail
                if f.status == ERRORS:
                    first = next((x for x in f.findings if x[1] == "error"), None)
                    why = f"错误{f.errors}处" + (f"，如：{first[2]}" if first else "")
                lines.append(f"  [{f.status}] {f.organ or f.roster_name or ''} {f.file}：{why}")
            if len(bad) > limit:
                lines.append(f"  ……另有{len(bad) - limit}个，见输出工作簿“问题清单”。")
        t = self.total_values
        lines.append(f"合计：本年新收申请{_fmt(t['requests.new.total'])}件，办结{_fmt(t['requests.handled_total.total'])}件，"
                     f"结转下年度{_fmt(t['requests.carried_out.total'])}件；行政复议{_fmt(t['appeals.review.total'])}件，"
                     f"行政诉讼{_fmt((t['appeals.litigation_direct.total'] or 0) + (t['appeals.litigation_after_review.total'] or 0))}件；"
                     f"行政许可{_fmt(t['active.licensing.decisions'])}件，行政处罚{_fmt(t['active.penalty.decisions'])}件。")
        return "\n".join(lines)

    # -- files -----------------------------------------------------------
    def to_xlsx(self, path, *, force: bool = False) -> Path:
        from .consolidate_xlsx import write_workbook

        t = time.perf_counter()
        out = write_workbook(self, path, force=force, inputs=tuple(f.path for f in self.files if f.path))
        self.timings["write_xlsx"] = time.perf_counter() - t
        return out

    def to_csv(self, folder, *, force: bool = False) -> list[Path]:
        """明细.csv (codes as column names), 问题清单.csv and 报送情况.csv, UTF-8 with BOM for Excel."""
        from .fileio import atomic_path
        from .safety import neutralise

        d = Path(folder)
        if d.exists() and not d.is_dir():
            raise GxxlError(f"CSV输出位置“{d}”不是文件夹")
        d.mkdir(parents=True, exist_ok=True)
        out = []
        for fname, df in zip(CSV_NAMES, (self.details, self.findings, self.roster_status)):
            import pandas as pd

            safe = df.copy()
            for col in safe.columns:
                if not pd.api.types.is_numeric_dtype(safe[col]):  # object or (pandas 3) str columns
                    safe[col] = safe[col].map(neutralise)
            with atomic_path(d / fname, force=force) as tmp:
                safe.to_csv(tmp, index=False, encoding="utf-8-sig")
            out.append(d / fname)
        return out


CSV_NAMES = ("明细.csv", "问题清单.csv", "报送情况.csv")
FINDING_COLUMNS = ("机关名称", "文件", "状态", "工作表", "单元格", "规则", "级别", "问题说明")
ROSTER_COLUMNS = ("序号", "机关名称", "代码", "报送情况", "状态", "采用文件", "错误数", "提示数", "说明")
COMPARE_COLUMNS = ("机关名称", "指标", "本年", "上年", "增减", "增减率", "提示")


def _sum_codes(vals: dict | None, codes) -> Any:
    if vals is None:
        return None
    xs = [vals.get(c) for c in codes]
    if any(x is None or isinstance(x, str) for x in xs):
        return None
    return _tidy(sum(xs))


def _change(a, b) -> tuple:
    if a is None or b is None:
        return None, None, "" if b is not None or a is None else "上年无数据"
    d = _tidy(a - b)
    rate = None if b == 0 else round(d / b, 4)
    big = abs(d) >= LARGE_CHANGE_ABS and (b == 0 or abs(d) / abs(b) >= LARGE_CHANGE_RATE)
    return d, rate, ("变化较大，请核实" if big else "")


# -- make the module callable: gxxl.consolidate(paths) -------------------------
class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return consolidate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
