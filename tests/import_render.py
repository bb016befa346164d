"""Published-report look-alikes for the import tests, drawn from the schema's table grids.

Each renderer prints the same report the way a portal, Word, a PDF or a copy-paste
would (merged cells once, labels as in the official tables), so a test can compare
what the importer reads with the values that were printed.
"""
from __future__ import annotations

import html
import random

from gxxl import schema

ORGAN = "某某县测试局"
YEAR = 2024


def with_sums(inputs: dict[str, int | float]) -> dict[str, int | float]:
    v = dict(inputs)
    for code in schema.SUM_CODES:
        v[code] = sum(v[c] for c in schema.inputs_of(code))
    return v


def random_values(seed: int, high: int = 40, zeros: float = 0.5) -> dict[str, int | float]:
    """Inputs drawn at random (many zeros, like real reports), with every sum consistent."""
    rnd = random.Random(seed)
    v: dict[str, int | float] = {}
    for code in schema.INPUT_CODES:
        if schema.POINTS[code].kind == "amount":
            v[code] = round(rnd.uniform(0, 9000), 2)
        else:
            v[code] = 0 if rnd.random() < zeros else rnd.randint(1, high)
    return with_sums(v)


def distinct_values() -> dict[str, int | float]:
    """Every input a different number, so any shift between cells shows."""
    v = {}
    for i, code in enumerate(schema.INPUT_CODES):
        v[code] = 1234.5 if schema.POINTS[code].kind == "amount" else 100 + i
    return with_sums(v)


def fmt(x) -> str:
    if x is None:
        return ""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def grid_rows(t: schema.Table, values: dict, relabel=None) -> list[list[schema.GridCell]]:
    """Cells starting in each grid row, data cells carrying their printed value."""
    rows: list[list[schema.GridCell]] = [[] for _ in range(t.nrows)]
    for gc in sorted(t.cells, key=lambda c: (c.row, c.col)):
        text = fmt(values.get(gc.code)) if gc.role == "data" else (relabel(gc.text) if relabel else gc.text)
        rows[gc.row].append(schema.GridCell(gc.row, gc.col, text, gc.rowspan, gc.colspan, gc.role, gc.code))
    return rows


NARRATIVE = {
    "preface": f"本报告由{ORGAN}根据《中华人民共和国政府信息公开条例》编制。本报告所列数据的统计期限自{YEAR}年1月1日起至{YEAR}年12月31日止。"
               "如对本报告有疑问，请与本局联系（地址：某某县人民路1号，联系电话：0000-1234567）。",
    "overview": f"{YEAR}年，本局坚持以公开为常态、不公开为例外，全年主动公开政府信息120条。",
    "problems": "存在的问题是政策解读形式较少。下一步将丰富解读形式。",
    "other": f"{YEAR}年，本机关未收取信息处理费。",
}


def parts_text(values: dict, table_text) -> list[str]:
    """Title, preface, the six parts; ``table_text(table)`` renders one table."""
    out = [f"{ORGAN}{YEAR}年政府信息公开工作年度报告", NARRATIVE["preface"]]
    for part, heading in schema.PARTS:
        out.append(heading)
        if part == "一":
            out.append(NARRATIVE["overview"])
        elif part == "五":
            out.append(NARRATIVE["problems"])
        elif part == "六":
            out.append(NARRATIVE["other"])
        else:
            t = next(t for t in schema.TABLES if t.part == part)
            out.append(table_text(t))
    return out


def to_html(values: dict, relabel=None) -> str:
    def table(t):
        trs = []
        for row in grid_rows(t, values, relabel):
            tds = "".join(
                f'<td{f" rowspan={chr(34)}{c.rowspan}{chr(34)}" if c.rowspan > 1 else ""}'
                f'{f" colspan={chr(34)}{c.colspan}{chr(34)}" if c.colspan > 1 else ""}><p>{html.escape(c.text)}</p></td>'
                for c in row)
            trs.append(f"<tr>{tds}</tr>")
        return f"<table border=\"1\"><tbody>{''.join(trs)}</tbody></table>"

    body = "".join(p if p.startswith("<table") else f"<p>{html.escape(p)}</p>" for p in parts_text(values, table))
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{ORGAN}{YEAR}年政府信息公开工作年度报告</title>"
            f"<script>var x = '第二十条第（一）项 1 2 3';</script></head><body><div class=\"nav\">首页 政府信息公开</div>"
            f"<div class=\"article\">{body}</div><div class=\"footer\">版权所有：某某县人民政府 网站标识码 123</div></body></html>")


def to_text(values: dict, sep: str = "\t", relabel=None) -> str:
    """Tables as lines of cells joined by ``sep`` ("\\t", "|", " " or "" for run-together)."""
    def table(t):
        lines = []
        for row in grid_rows(t, values, relabel):
            cells = [c.text for c in row]
            if sep == "|":
                lines.append("| " + " | ".join(cells) + " |")
            else:
                lines.append(sep.join(cells))
        return ("" if sep == "" else "\n").join(lines)

    return "\n".join(parts_text(values, table)) + "\n"


def to_docx(path, values: dict, relabel=None) -> None:
    import docx

    d = docx.Document()
    for p in parts_text(values, lambda t: t):
        if isinstance(p, schema.Table):
            t = p
            tbl = d.add_table(rows=t.nrows, cols=t.ncols)
            tbl.style = "Table Grid"
            for row in grid_rows(t, values, relabel):
                for c in row:
                    cell = tbl.cell(c.row, c.col)
                    if c.rowspan > 1 or c.colspan > 1:
                        cell = cell.merge(tbl.cell(c.row + c.rowspan - 1, c.col + c.colspan - 1))
                    cell.text = c.text
        else:
            d.add_paragraph(p)
    d.save(str(path))
