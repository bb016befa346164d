"""ConsolidationResult: the DataFrames, totals, JSON, CSV and the workbook of one consolidation."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from .. import schema
from ..errors import GxxlError
from .check import FileResult
from .columns import (
    COMPARE,
    COMPARE_COLUMNS,
    CONSOLIDATED,
    CSV_NAMES,
    DUPLICATE,
    ERRORS,
    FINDING_COLUMNS,
    INFO_COLUMNS,
    KEY_CODES,
    LARGE_CHANGE_ABS,
    LARGE_CHANGE_RATE,
    MISSING,
    NOT_LISTED,
    PASSED,
    ROSTER_COLUMNS,
    STATUSES,
    UNREADABLE,
    WARNINGS,
    WRONG_YEAR,
    info_row,
    norm_name,
)
from .roster import RosterEntry

if TYPE_CHECKING:
    from .store import Store

# ===========================================================================
# The result: DataFrames, JSON, text, workbook, CSV
# ===========================================================================

_STATUS_RULES = {UNREADABLE: "consolidate.unreadable", WRONG_YEAR: "consolidate.wrong_year",
                 NOT_LISTED: "consolidate.not_listed", DUPLICATE: "consolidate.duplicate",
                 CONSOLIDATED: "consolidate.consolidated_file"}
# 报送情况 of an organ, by the status of its best file
ROSTER_STATE = {PASSED: "已报送", WARNINGS: "已报送", ERRORS: "已报送（有错误）", WRONG_YEAR: "报送年度不符",
                UNREADABLE: "已报送但无法读取", NOT_LISTED: "已报送", DUPLICATE: "已报送",
                CONSOLIDATED: "汇总文件（未计入）"}


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
        self.store = _store_of(files)
        # -- totals: inputs summed (a blank counts as nothing), sums recomputed; from the spool in chunks
        idx = {c: i for i, c in enumerate(schema.CODES)}
        got = self.store.sums([f.values.row for f in inc], [idx[c] for c in schema.INPUT_CODES])
        sums: dict[str, Any] = {c: _tidy(s) if isinstance(s, float) else s for c, s in zip(schema.INPUT_CODES, got)}
        from ..model import AnnualReport

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
        self.details_file: Path | None = None  # the 明细 beside the workbook (province scale), see to_xlsx
        self.extra_outputs: list[tuple[str, int, Path]] = []  # tables written to CSV by to_xlsx (too many rows)

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

            rows = [info + vals for info, vals in self.detail_rows()]
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

    def detail_rows(self) -> Iterator[tuple[list, list]]:
        """明细 rows one by one, (info columns, values by code), read from the spool in chunks."""
        blank = [None] * len(schema.CODES)
        rows = self.store.rows([f.values.row if f.values is not None else None for f in self.files])
        for i, (f, vals) in enumerate(zip(self.files, rows), start=1):
            yield info_row(i, f), (vals if vals is not None else blank)

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
            who = [organ, f.contact or "", f.phone or ""]
            if f.status in _STATUS_RULES:
                rows.append(who + [f.file, f.status, "", "", _STATUS_RULES[f.status],
                                   "错误" if f.status == UNREADABLE else "提示", f.detail])
            if f.status in (DUPLICATE, CONSOLIDATED):
                continue  # an older copy's or a 汇总's own findings are not what anyone will phone about
            for rule, severity, message, sheet, cell, explained in f.findings:
                rows.append(who + [f.file, f.status, sheet or "", cell or "", rule,
                                   "已说明" if explained else sev.get(severity, severity), message])
        for e in self.missing:
            rows.append([e.name, "", "", "", MISSING, "", "", "consolidate.missing", "错误", f"未收到{e.name}的年报工作簿"])
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
        order = {s: i for i, s in enumerate((PASSED, WARNINGS, ERRORS, WRONG_YEAR, UNREADABLE, NOT_LISTED, DUPLICATE,
                                              CONSOLIDATED))}
        if self.roster:
            entries = [(e.name, e.code or "", by_key.get(norm_name(e.name), [])) for e in self.roster.entries]
        else:
            entries = []
            for key, fs in by_key.items():
                entries.append((fs[0].organ or fs[0].roster_name or key, "", fs))
        for i, (name, code, fs) in enumerate(entries, start=1):
            if not fs:
                rows.append([i, name, code, MISSING, "", "", "", "", None, None, "未收到年报工作簿"])
                continue
            fs = sorted(fs, key=lambda f: order.get(f.status, 9))
            best = fs[0]
            state = ROSTER_STATE[best.status]
            others = [f.file for f in fs[1:]]
            note = best.detail or best.note
            if others and not best.note:
                note = (note + "；" if note else "") + "其他文件：" + "、".join(others)
            contact = next((f for f in fs if f.contact or f.phone), best)  # the newest copy may have left it blank
            rows.append([i, name, code, state, best.status, contact.contact or "", contact.phone or "", best.file,
                         best.errors, best.warnings, note])
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
        summaries = [f for f in self.files if f.status == CONSOLIDATED]
        if summaries:
            lines.append(f"另有{len(summaries)}个汇总文件未计入（不当作一个单位重复计算）："
                         + "、".join(f.file for f in summaries[:limit]) + ("等" if len(summaries) > limit else "")
                         + "。如要把下级单位的汇总文件汇总到上一级，请加 --level-up。")
        bad = [f for f in self.files if f.status not in (PASSED, WARNINGS, CONSOLIDATED)]
        if bad:
            lines.append("需要联系的文件：")
            for f in bad[:limit]:
                why = f.detail
                if f.status == ERRORS:
                    first = next((x for x in f.findings if x[1] == "error"), None)
                    why = f"错误{f.errors}处" + (f"，如：{_where(first)}{first[2]}" if first else "")
                who = " ".join(x for x in (f.contact, f.phone) if x)
                lines.append(f"  [{f.status}] {f.organ or f.roster_name or ''} {f.file}" + (f"（{who}）" if who else "")
                             + f"：{why}")
            if len(bad) > limit:
                lines.append(f"  ……另有{len(bad) - limit}个，见输出工作簿“问题清单”。")
        t = self.total_values
        lines.append(f"合计：本年新收申请{_fmt(t['requests.new.total'])}件，办结{_fmt(t['requests.handled_total.total'])}件，"
                     f"结转下年度{_fmt(t['requests.carried_out.total'])}件；行政复议{_fmt(t['appeals.review.total'])}件，"
                     f"行政诉讼{_fmt((t['appeals.litigation_direct.total'] or 0) + (t['appeals.litigation_after_review.total'] or 0))}件；"
                     f"行政许可{_fmt(t['active.licensing.decisions'])}件，行政处罚{_fmt(t['active.penalty.decisions'])}件。")
        return "\n".join(lines)

    # -- files -----------------------------------------------------------
    def to_xlsx(self, path, *, force: bool = False, details: str = "auto") -> Path:
        """The consolidated workbook. ``details``: where the 明细 goes — 'sheet' (in the workbook), 'parquet'
        or 'csv' (beside it, as ``<name>-明细.parquet/.csv``; the workbook's 明细 sheet then names the file),
        'auto' (the sheet up to 20,000 files, else Parquet, or CSV without pyarrow). The side file, if any,
        is ``self.details_file``."""
        from .details import choose, write_side
        from .xlsx import write_workbook

        t = time.perf_counter()
        inputs = tuple(f.path for f in self.files if f.path)
        where = choose(self, details)
        self.details_file = None
        self.extra_outputs = []  # (sheet, rows, csv path) of tables past Excel's row limit
        if where != "sheet":
            from .details import side_path

            from ..util.fileio import check_output

            check_output(path, force=force, inputs=inputs)  # refuse before writing anything
            check_output(side_path(Path(path), where), force=force, inputs=inputs)
            self.details_file = write_side(self, path, where, force=force, inputs=inputs)
            self.timings["write_details"] = time.perf_counter() - t
        out = write_workbook(self, path, force=force, inputs=inputs, extra=self.extra_outputs)
        self.timings["write_xlsx"] = time.perf_counter() - t - self.timings.get("write_details", 0.0)
        return out

    def to_csv(self, folder, *, force: bool = False) -> list[Path]:
        """明细.csv (codes as column names), 问题清单.csv and 报送情况.csv, UTF-8 with BOM for Excel."""
        from ..util.fileio import atomic_path
        from ..util.safety import neutralise

        d = Path(folder)
        if d.exists() and not d.is_dir():
            raise GxxlError(f"CSV输出位置“{d}”不是文件夹")
        d.mkdir(parents=True, exist_ok=True)
        out = []
        from .details import write_csv

        out.append(write_csv(self, d / CSV_NAMES[0], force=force))  # streamed: no DataFrame of every file
        for fname, df in zip(CSV_NAMES[1:], (self.findings, self.roster_status)):
            import pandas as pd

            safe = df.copy()
            for col in safe.columns:
                if not pd.api.types.is_numeric_dtype(safe[col]):  # object or (pandas 3) str columns
                    safe[col] = safe[col].map(neutralise)
            with atomic_path(d / fname, force=force) as tmp:
                safe.to_csv(tmp, index=False, encoding="utf-8-sig")
            out.append(d / fname)
        return out



def _store_of(files) -> "Store":
    """The store the files' values are spooled in (files assembled by hand are spooled here)."""
    from .store import SpooledValues, Store, spool

    stores = {id(f.values._store): f.values._store for f in files if isinstance(f.values, SpooledValues)}
    if len(stores) == 1 and all(f.values is None or isinstance(f.values, SpooledValues) for f in files):
        return next(iter(stores.values()))
    store = Store(len(schema.CODES))
    for f in files:
        if isinstance(f.values, SpooledValues):
            f.values = tuple(f.values)
        spool(store, f)
    store.finish()
    return store


def _where(finding) -> str:
    """"表三 D22：" for a finding with a place, unless its message already starts with it."""
    _rule, _sev, message, sheet, cell = finding[:5]
    place = " ".join(str(x) for x in (sheet, cell) if x)
    if not place or str(message).startswith(place):
        return ""
    return place + "："


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
