"""Library entry points shared by every front end."""
from __future__ import annotations

from pathlib import Path

from .model import AnnualReport

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def read_any(path_or_report) -> AnnualReport:
    """An AnnualReport from a report object or a workbook path.

    Published documents (HTML, text, docx, PDF) go through the importer once it exists.
    """
    if isinstance(path_or_report, AnnualReport):
        return path_or_report
    p = Path(path_or_report)
    from .workbook.read import read

    return read(p)
