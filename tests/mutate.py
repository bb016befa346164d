"""Seeded mutations of real workbooks and documents for the fault and fuzz tests."""
from __future__ import annotations

import io
import random
import re
import zipfile

TEXTS = ["4件", "无", "—", "", " ", "=1+1", "+SUM(A1)", "-2", "@cmd", "１２", "12.5", "1e308", "NaN", "#REF!",
         "<script>", "'", "\u0000", "😀" * 50, "甲" * 5000, "0x1F", "三", "\n\t"]
NUMBERS = ["1e308", "-1", "-0", "3.5", "99999999999999999999", "0.000001", "1E+20", "-1e-300"]


def _unzip(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i, zf.read(i)) for i in zf.infolist()]


def _zip(members) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, body in members:
            zf.writestr(info.filename, body)
    return buf.getvalue()


def _mutate_cell(xml: bytes, rng: random.Random) -> bytes:
    cells = list(re.finditer(rb'<c r="([A-Z]+\d+)"([^>]*)>(.*?)</c>', xml, flags=re.S))
    if not cells:
        return xml
    m = rng.choice(cells)
    ref = m.group(1)
    kind = rng.randrange(6)
    if kind == 0:
        new = b'<c r="%s" t="e"><v>%s</v></c>' % (ref, rng.choice([b"#REF!", b"#VALUE!", b"#DIV/0!", b"#N/A"]))
    elif kind == 1:
        t = rng.choice(TEXTS).replace("\u0000", "")
        esc = t.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8")
        new = b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, esc)
    elif kind == 2:
        new = b'<c r="%s"><v>%s</v></c>' % (ref, rng.choice(NUMBERS).encode())
    elif kind == 3:
        new = b'<c r="%s" t="b"><v>1</v></c>' % ref
    elif kind == 4:
        new = b'<c r="%s"><f>SUM(A1:A2</f><v>garbage</v></c>' % ref
    else:
        new = b""  # delete the cell
    return xml[:m.start()] + new + xml[m.end():]


def mutate_workbook(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """(description, mutated bytes) of an .xlsx."""
    op = rng.randrange(12)
    if op == 0:
        n = rng.randrange(0, len(data))
        return f"truncate@{n}", data[:n]
    if op == 1:
        b = bytearray(data)
        for _ in range(rng.randrange(1, 20)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return "flip-bytes", bytes(b)
    if op == 2:
        return "random-bytes", bytes(rng.randrange(256) for _ in range(rng.randrange(0, 4000)))
    members = _unzip(data)
    names = [i.filename for i, _ in members]
    sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
    if op in (3, 4, 5, 6):
        target = rng.choice(sheets)
        out = []
        for info, body in members:
            if info.filename == target:
                for _ in range(rng.randrange(1, 25)):
                    body = _mutate_cell(body, rng)
            out.append((info, body))
        return f"cells:{target}", _zip(out)
    if op == 7:
        victim = rng.choice(sheets + ["xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"])
        return f"drop:{victim}", _zip([(i, b) for i, b in members if i.filename != victim])
    if op == 8:
        out = []
        for info, body in members:
            if info.filename == "xl/workbook.xml":
                names_in = re.findall(rb'name="([^"]+)" sheetId', body)
                if names_in:
                    old = rng.choice(names_in)
                    body = body.replace(b'name="%s" sheetId' % old, b'name="%s" sheetId' % rng.choice([b"Sheet9", b"x", old + b"1"]))
            out.append((info, body))
        return "rename-sheet", _zip(out)
    if op == 9:
        out = [(i, re.sub(rb"<definedNames>.*?</definedNames>", b"", b, flags=re.S) if i.filename == "xl/workbook.xml" else b)
               for i, b in members]
        return "drop-defined-names", _zip(out)
    if op == 10:
        target = rng.choice(sheets)
        out = [(i, re.sub(rb"<sheetData>.*?</sheetData>", b"<sheetData/>", b, flags=re.S) if i.filename == target else b)
               for i, b in members]
        return f"empty-sheet:{target}", _zip(out)
    target = rng.choice(sheets)
    out = [(i, b[: rng.randrange(len(b))] if i.filename == target else b) for i, b in members]
    return f"cut-xml:{target}", _zip(out)


def mutate_text(text: str, rng: random.Random) -> tuple[str, str]:
    """(description, mutated text) of a published report's text."""
    op = rng.randrange(5)
    lines = text.splitlines()
    if op == 0:
        n = rng.randrange(len(text) + 1)
        return f"truncate@{n}", text[:n]
    if op == 1:
        rng.shuffle(lines)
        return "shuffle-lines", "\n".join(lines)
    if op == 2:
        chars = list(text)
        for _ in range(rng.randrange(1, 50)):
            if chars:
                chars[rng.randrange(len(chars))] = chr(rng.randrange(0x20, 0x9FFF))
        return "random-chars", "".join(chars)
    if op == 3:
        return "drop-lines", "\n".join(l for l in lines if rng.random() > 0.3)
    return "digits", re.sub(r"\d", lambda m: str(rng.randrange(10)) * rng.randrange(0, 3), text)
