"""Large tables in an openpyxl workbook without openpyxl's per-cell cost.

openpyxl needs ~15 µs per cell to create and save; a 明细 sheet of 1,000 organs
x 215 columns would take 3 s. Here openpyxl writes each big sheet's header and
one styled template row per style variant (so styles, widths, frozen panes,
filters and conditional formats are ordinary openpyxl), and after saving the
template rows are replaced in the sheet XML by rows generated as text, reusing
the style ids openpyxl assigned. Strings are inline strings, so they can never
be formulas.
"""
from __future__ import annotations

import io
import re
from copy import copy
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence
from xml.sax.saxutils import escape

from .safety import clean_xml_text, neutralise
from ..schema import col_letter

_PRESERVE = ' xml:space="preserve"'
_PLACEHOLDER_TEXT = "\u2063gxxl\u2063"  # never user text


def _xml_text(s: str) -> str:
    return escape(clean_xml_text(s))


@dataclass
class BigTable:
    """Rows to place below ``first_row - 1`` on ``sheet``; ``kinds`` per column: 'n' number, 's' text."""

    sheet: str
    first_row: int
    kinds: Sequence[str]
    rows: Sequence[tuple[int, Sequence[Any]]]  # (style variant, values)
    variants: int = 1
    ncols: int = field(init=False)

    def __post_init__(self):
        self.ncols = len(self.kinds)


def write_template_rows(ws, table: BigTable, styles: Sequence[Sequence[dict]]) -> None:
    """Write one template row per style variant; ``styles[variant][col]`` = openpyxl style kwargs."""
    for v in range(table.variants):
        r = table.first_row + v
        done: dict = {}  # openpyxl hashes every style object set; copy the result for equal styles
        for c, kind in enumerate(table.kinds, start=1):
            cell = ws.cell(r, c, 0 if kind == "n" else _PLACEHOLDER_TEXT)
            st = styles[v][c - 1]
            key = tuple(sorted((k, id(val)) for k, val in st.items()))
            if key in done:
                cell._style = copy(done[key]._style)
                continue
            for k, val in st.items():
                setattr(cell, k, val)
            done[key] = cell


_ROW_RE = r'<row\b[^>]*?\br="{r}"[^>]*>(.*?)</row>'  # attribute order differs with and without lxml
_CELL_RE = re.compile(r"<c\b([^>]*?)/?>")
_ATTR_RE = re.compile(r'(\w+)="([^"]*)"')


def _style_ids(sheet_xml: str, table: BigTable) -> list[list[str]]:
    out = []
    for v in range(table.variants):
        m = re.search(_ROW_RE.format(r=table.first_row + v), sheet_xml, re.S)
        if not m:
            raise RuntimeError(f"template row {table.first_row + v} missing on {table.sheet}")
        ids = {}
        for cm in _CELL_RE.finditer(m.group(1)):
            attrs = dict(_ATTR_RE.findall(cm.group(1)))
            ids[attrs.get("r", "").rstrip("0123456789")] = attrs.get("s", "0")
        out.append([ids.get(col_letter(c), "0") for c in range(1, table.ncols + 1)])
    return out


def _render_rows(table: BigTable, style_ids: list[list[str]], chunk: int = 500) -> Iterator[str]:
    """The rows as XML text, ``chunk`` rows at a time (a 10,000-organ 明细 is ~70 MB of XML)."""
    # Per column and variant, the fixed text around the row number: '<c r="D' + row + '" s="7"'
    letters = [col_letter(c) for c in range(1, table.ncols + 1)]
    heads = [[f'<c r="{letters[i]}' for i in range(table.ncols)] for _ in style_ids]
    tails = [[f'" s="{sid[i]}"' for i in range(table.ncols)] for sid in style_ids]
    numeric = [k == "n" for k in table.kinds]
    texts: dict = {}
    parts: list[str] = []
    r = table.first_row - 1
    for variant, values in table.rows:
        r += 1
        rs = str(r)
        h, t = heads[variant], tails[variant]
        cells = []
        add = cells.append
        for i, v in enumerate(values):
            tv = type(v)
            if v is None or v == "":
                add(f"{h[i]}{rs}{t[i]}/>")
            elif tv is int and numeric[i]:
                add(f"{h[i]}{rs}{t[i]}><v>{v}</v></c>")
            elif tv is float and numeric[i]:
                add(f"{h[i]}{rs}{t[i]}/>" if v != v else f"{h[i]}{rs}{t[i]}><v>{_num(v)}</v></c>")
            else:
                x = texts.get(v)
                if x is None:  # statuses, levels, dates repeat: escape each text once
                    x = _xml_text(str(neutralise(v)))
                    sp = _PRESERVE if x != x.strip() else ""
                    x = f' t="inlineStr"><is><t{sp}>{x}</t></is></c>'
                    if len(texts) < 5_000:  # statuses, levels, dates; not every file name
                        texts[v] = x
                add(f"{h[i]}{rs}{t[i]}{x}")
        parts.append(f'<row r="{rs}">{"".join(cells)}</row>')
        if len(parts) >= chunk:
            yield "".join(parts)
            parts = []
    if parts:
        yield "".join(parts)


def _num(v) -> str:
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(round(v, 6))
    return str(v)


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> part name, from workbook.xml and its relationships."""
    wb = zf.read("xl/workbook.xml").decode("utf-8")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = {}
    for m in re.finditer(r"<Relationship\b([^>]*)/?>", rels):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if "Id" in attrs and "Target" in attrs:
            t = attrs["Target"]
            targets[attrs["Id"]] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    out = {}
    from html import unescape

    for m in re.finditer(r"<sheet\b([^>]*)/>", wb):
        attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', m.group(1)))
        rid = attrs.get("r:id") or next((v for k, v in attrs.items() if k.endswith(":id")), None)
        if rid in targets:
            out[unescape(attrs.get("name", ""))] = targets[rid]
    return out


def save(wb, path, tables: Sequence[BigTable]) -> None:
    """Save an openpyxl workbook to ``path`` with the big tables' rows filled in (streamed)."""
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    with zipfile.ZipFile(buf) as zin:
        parts = _sheet_parts(zin)
        by_part = {parts[t.sheet]: t for t in tables}
        # level 1 for the big generated sheets (speed over size), 6 for the rest
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
            for info in zin.infolist():
                t = by_part.get(info.filename)
                if t is None:
                    zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                    zi.compress_type = zipfile.ZIP_DEFLATED
                    zout.writestr(zi, zin.read(info.filename), compresslevel=6)
                    continue
                xml = zin.read(info.filename).decode("utf-8")
                ids = _style_ids(xml, t)
                start = re.search(_ROW_RE.format(r=t.first_row), xml, re.S).start()
                end = xml.index("</sheetData>")
                last_row = t.first_row - 1 + len(t.rows)
                head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{col_letter(t.ncols)}{last_row}"/>',
                              xml[:start], count=1)
                with zout.open(info.filename, "w", force_zip64=True) as fh:
                    fh.write(head.encode("utf-8"))
                    for chunk in _render_rows(t, ids):
                        fh.write(chunk.encode("utf-8"))
                    fh.write(xml[end:].encode("utf-8"))
