"""gxxl — 政府信息公开工作年度报告: the locked workbook, validation, reports, consolidation.

The public library API (the face of the package; the jobs live in sub-packages, see docs/architecture.md). Heavy imports stay inside the functions so that
``gxxl validate`` starts fast.
"""
from __future__ import annotations

from .util.version import __version__

__all__ = ["__version__", "read", "new_workbook", "validate", "report", "consolidate", "AnnualReport", "ReadError"]


def read(path, **kw):
    """Read a gxxl workbook (xlsx, xlsm, xls, ods) into an :class:`AnnualReport`."""
    from .workbook.read import read as _read

    return _read(path, **kw)


def new_workbook(path, *, organ=None, year=None, level=None, values=None, narrative=None, meta=None, force=False):
    """Write a new locked workbook to ``path`` (refuses to overwrite unless ``force``)."""
    from .workbook.api import new_workbook as _new

    return _new(path, organ=organ, year=year, level=level, values=values, narrative=narrative, meta=meta, force=force)


def validate(path_or_report, previous=None):
    """Check a report (an AnnualReport or a workbook path) against the rule catalogue.

    ``previous``: last year's report (object or path) for the cross-year checks.
    Returns a :class:`gxxl.rules.ValidationResult`.
    """
    from .api import read_any
    from .rules import validate as _validate

    return _validate(read_any(path_or_report), read_any(previous) if previous is not None else None)

def report(source, output=None, *, fmt=None, narrative=None, template=None, force=False):
    """Render the annual report (docx, html, pdf, md) from a workbook path or an AnnualReport.

    Validation errors raise ``gxxl.render.ReportRefused`` unless ``force`` (then the output is a marked draft).
    """
    from .render import render_report

    return render_report(source, output, fmt=fmt, narrative=narrative, template=template, force=force)


def consolidate(paths, roster=None, year=None, previous=None, jobs=None, **kw):
    """Consolidate bureaus' workbooks (files, folders, .zip) -> :class:`gxxl.consolidation.ConsolidationResult`.

    Keywords as :func:`gxxl.consolidation.consolidate` (include, exclude, name, level, outputs, progress).
    """
    from .consolidation import consolidate as _consolidate

    return _consolidate(paths, roster=roster, year=year, previous=previous, jobs=jobs, **kw)


def __getattr__(name):
    if name == "AnnualReport":
        from .model import AnnualReport

        return AnnualReport
    if name == "ReadError":
        from .errors import ReadError

        return ReadError
    raise AttributeError(name)
