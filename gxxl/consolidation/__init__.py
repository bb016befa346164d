"""汇总: collect every bureau's workbook — statuses, findings, totals, the consolidated workbook.

The road, one file per step (none needs another's internals):

- ``inputs``   collect candidate files from files, folders and bounded .zip archives
- ``check``    the per-file step: read + validate one workbook into a small picklable
               :class:`FileResult` (the only parallel work; Dask maps the same function)
- ``roster``, ``previous``   the roster (名单) and last year's figures (同比)
- ``assemble`` everything that needs all files: duplicates, roster, statuses, totals;
               :func:`consolidate` is the entry point (``gxxl.consolidate`` is this function)
- ``result``   :class:`ConsolidationResult`: DataFrames, JSON, CSV
- ``xlsx``     the consolidated workbook (a valid gxxl workbook holding the totals + extra sheets)
- ``columns``  statuses, limits and headings shared by the steps

May import: schema, errors, model, util, workbook, rules. Imported by: excel, samples, serve, cli.
pandas and openpyxl are imported inside functions: a worker that only reads and validates never loads them.
"""
from __future__ import annotations

from .assemble import assemble, assign_statuses, consolidate, consolidation_level, load_previous
from .check import FileResult, check_file, check_item, run_checks
from .columns import (
    CONSOLIDATED,
    CSV_NAMES,
    DEFAULT_INCLUDE,
    DUPLICATE,
    ERRORS,
    FINDING_COLUMNS,
    INFO_COLUMNS,
    MISSING,
    NOT_LISTED,
    PASSED,
    ROSTER_COLUMNS,
    STATUSES,
    UNREADABLE,
    WARNINGS,
    WRONG_YEAR,
    norm_name,
)
from .inputs import Ignored, InputItem, collect_inputs
from .previous import Previous
from .result import ConsolidationResult
from .roster import Roster, RosterEntry, load_roster

__all__ = [
    "consolidate", "assemble", "assign_statuses", "check_file", "check_item", "run_checks", "collect_inputs",
    "load_roster", "load_previous", "ConsolidationResult", "FileResult", "InputItem", "Ignored", "Roster",
    "RosterEntry", "Previous", "STATUSES", "DEFAULT_INCLUDE", "PASSED", "WARNINGS", "ERRORS", "UNREADABLE",
    "DUPLICATE", "WRONG_YEAR", "CONSOLIDATED", "consolidation_level", "NOT_LISTED", "MISSING", "CSV_NAMES", "INFO_COLUMNS", "FINDING_COLUMNS",
    "ROSTER_COLUMNS", "norm_name",
]
