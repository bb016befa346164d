"""Compare an imported report with hand-read expected values (tests and scripts/import_accuracy.py).

An expected-values file (tests/data/import_expected/*.json) gives, per table row, the
cells as printed: numbers, "_" for a printed empty cell, "?" for a cell the document
prints but garbles, "n/a" for a row that cannot be compared (2019 layout). A row that
is absent from the file is not printed in the document at all.

Outcomes per cell: exact; unread (left blank, with a finding naming it); wrong (a
number that differs, with a finding); silent (a wrong or missing value that no finding
mentions — the one outcome that must never happen).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import schema
from ..model import AnnualReport

TABLE_ROWS = {
    "active": [(r, [f"active.{r}.{c}" for c, _ in b.columns]) for b in schema.ACTIVE_BLOCKS for r, _ in b.rows],
    "requests": [(r, [f"requests.{r}.{c}" for c, _ in schema.REQUEST_COLUMNS]) for r, _ in schema.REQUEST_ROWS],
    "appeals": [(g, [f"appeals.{g}.{c}" for c, _ in schema.APPEAL_COLUMNS]) for g, _ in schema.APPEAL_GROUPS],
}


@dataclass
class Expected:
    name: str
    document: str
    cells: dict[str, object]  # code -> number | "_" | "?" | "n/a" | "absent"
    meta: dict
    findings: list[str]


def load_expected(path) -> Expected:
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    cells: dict[str, object] = {}
    for table, rows in TABLE_ROWS.items():
        given = data.get(table, {})
        for row, codes in rows:
            spec = given.get(row)
            if spec is None:
                for c in codes:
                    cells[c] = "absent"
                continue
            if spec == "n/a":
                for c in codes:
                    cells[c] = "n/a"
                continue
            toks = spec.split()
            if len(toks) != len(codes):
                raise ValueError(f"{path.name}: {table}.{row} has {len(toks)} cells, expected {len(codes)}")
            for c, t in zip(codes, toks):
                cells[c] = t if t in ("_", "?") else (float(t) if "." in t else int(t))
    return Expected(path.stem, data["document"], cells, data.get("meta", {}), data.get("findings", []))


@dataclass
class Score:
    name: str
    printed: int = 0  # cells the document prints (numbers or empty cells)
    exact: int = 0
    unread: int = 0  # printed but left blank, with a finding
    wrong: int = 0  # a different number, with a finding
    silent: list[str] = field(default_factory=list)  # wrong or missing without any finding
    absent_ok: int = 0  # not printed, blank and reported
    missing_findings: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    @property
    def pct(self) -> float:
        return 100.0 * self.exact / self.printed if self.printed else 100.0


def _got(rep: AnnualReport, code: str):
    dv = rep.values.get(code)
    if dv is None:
        return None, None
    v = dv.stored if schema.POINTS[code].is_sum else dv.value
    return v, dv.raw


def compare(rep: AnnualReport, exp: Expected) -> Score:
    s = Score(exp.name)
    covered = {c for f in rep.findings for c in f.codes}
    for code, want in exp.cells.items():
        got, raw = _got(rep, code)
        flagged = code in covered
        if want == "n/a":
            if got is not None:
                s.silent.append(f"{code}: n/a but read {got}")
            continue
        if want in ("absent", "?"):
            if got is None and flagged:
                s.absent_ok += want == "absent"
                s.unread += want == "?"
            elif got is None:
                s.silent.append(f"{code}: not readable, left blank without a finding")
            else:
                (s.details if flagged else s.silent).append(f"{code}: not printed/unreadable but read {got}")
                s.wrong += flagged
            continue
        s.printed += 1
        if want == "_":
            if got is None and raw is None:
                s.exact += 1
            elif flagged:
                s.wrong += 1
                s.details.append(f"{code}: printed empty, read {got!r}")
            else:
                s.silent.append(f"{code}: printed empty, read {got!r}")
            continue
        if got is not None and abs(float(got) - float(want)) < 1e-9:
            s.exact += 1
        elif got is None:
            if flagged:
                s.unread += 1
                s.details.append(f"{code}: {want} not read (reported)")
            else:
                s.silent.append(f"{code}: {want} not read and not reported")
        else:
            if flagged:
                s.wrong += 1
                s.details.append(f"{code}: {want} read as {got} (reported)")
            else:
                s.silent.append(f"{code}: {want} read as {got}")
    rules = {f.rule for f in rep.findings}
    s.missing_findings = [r for r in exp.findings if r not in rules]
    return s


def expected_files(folder) -> list[Path]:
    return sorted(Path(folder).glob("*.json"))
