"""User text on its way into spreadsheets and CSV files: never a formula, never a crash.

Text from bureaus and web pages (organ names, narrative, explanations, sheet names)
may begin with = + - @. Two ways to keep it from running as a formula:

* ``set_text(cell, value)`` — our own workbooks (openpyxl): the string is stored as a
  *text cell*, exactly as written. openpyxl would otherwise turn "=…" into a formula.
  Narrative legitimately starts with "—" or "-" now and then, and the round trip
  workbook → read → report must give back the same words, so nothing is added.
  The editable text cells also get the Text number format ("@"), so a clerk who opens
  the cell and presses Enter does not turn it into a formula either.
* ``neutralise(value)`` — CSV files, and listings whose cells are written as values a
  spreadsheet program will parse (xlwings ranges) or that people copy out: a leading
  = + - @ tab or CR gets an apostrophe (OWASP's advice for CSV injection).
"""
from __future__ import annotations

import re
from typing import Any

INJECTION_CHARS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_MAX = 32767  # characters Excel keeps in one cell
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(INJECTION_CHARS)


def neutralise(value: Any) -> Any:
    """For CSV and parsed listings: a leading = + - @ (or tab, CR) gets an apostrophe;
    control characters that XML cannot hold are dropped (openpyxl raises on them)."""
    if isinstance(value, str):
        value = clean_xml_text(value)
        if value.startswith(INJECTION_CHARS):
            return "'" + value
    return value


def clean_xml_text(text: str) -> str:
    """Drop the control characters XML cannot hold (openpyxl raises on them; they are invisible anyway)."""
    return _ILLEGAL_XML.sub("", text)


def set_text(cell, value: Any, *, text_format: bool = False):
    """Store ``value`` in an openpyxl cell; a string is always a text cell, never a formula."""
    if isinstance(value, str):
        value = clean_xml_text(value)
        cell.value = value
        cell.data_type = "s"  # openpyxl guessed "f" for "=…"
        if text_format:
            cell.number_format = "@"
    else:
        cell.value = value
    return cell
