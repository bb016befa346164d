"""Library entry points shared by every front end."""
from __future__ import annotations

from pathlib import Path

from .model import AnnualReport

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def read_any(path_or_report) -> AnnualReport:
    """An AnnualReport from a report object, a workbook path, or a published report
    (.txt .md .html .htm .docx .pdf), which goes through the importer (gxxl.ingest)."""
    if isinstance(path_or_report, AnnualReport):
        return path_or_report
    p = Path(path_or_report)
    if p.suffix.lower() not in WORKBOOK_SUFFIXES:
        from .ingest.sources import kind_of

        if kind_of(p):
            from .ingest import import_report

            return import_report(p)
    from .workbook.read import read

    return read(p)
