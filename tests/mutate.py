"""Seeded mutations of real workbooks and documents for the fault and fuzz tests."""
from __future__ import annotations

import io
import random
import re
import struct
import zipfile

TEXTS = ["4件", "无", "—", "", " ", "=1+1", "+SUM(A1)", "-2", "@cmd", "１２", "12.5", "1e308", "NaN", "#REF!",
         "<script>", "'", "\u0000", "😀" * 50, "甲" * 5000, "0x1F", "三", "\n\t"]
NUMBERS = ["1e308", "-1", "-0", "3.5", "99999999999999999999", "0.000001", "1E+20", "-1e-300"]


def _unzip(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i, zf.read(i)) for i in zf.infolist()]


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


FAR_CELLS = [b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
             b"<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t></t></is></c></row>",
             b'<row r="999999"><c r="&#88;FD999999"><v>1</v></c></row>',
             b'<row><c><v>1</v></c></row><row r="1048000"><c r="ZZZ1048000"><v>2</v></c><c><v>3</v></c></row>',
             b'<row r="5000000000"><c r="A5000000000"><v>1</v></c></row>',
             b'<row r="2"><c r="XFE2"><v>1</v></c></row>', b'<row r="0"><c r="A0"><v>1</v></c></row>',
             b'<row r="3"><c r="1C"><v>1</v></c></row>', b'<row r="4"><c r="B4" t="s"><v>999999</v></c></row>',
             b'<row r="5"><c r="B5" t="s"><v>-1</v></c></row>', b'<row r="6"><c r="C6" t="d"><v>not a date</v></c></row>']
HOSTILE_TEXTS = ["\x01\x02控制", "字" * 40000, "=cmd|' /C calc'!A0", "@SUM(1)", "&amp;&lt;", "\ud7ff\ue000", "\u202e反转"]


def _hostile(members, rng: random.Random, sheets: list[str]) -> tuple[str, list]:
    """Mutations found while hardening: far cells, macros, DOCTYPEs, hostile strings, lying sizes."""
    kind = rng.randrange(7)
    target = rng.choice(sheets)
    out = []
    if kind == 0:
        cell = rng.choice(FAR_CELLS)
        for i, b in members:
            out.append((i, b.replace(b"</sheetData>", cell + b"</sheetData>", 1) if i.filename == target else b))
        return f"far-cell:{target}", out
    if kind == 1:
        vba = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 2000)))
        return "macros", [*members, (zipfile.ZipInfo("xl/vbaProject.bin"), vba)]
    if kind == 2:
        victim = rng.choice([i.filename for i, _ in members if i.filename.endswith(".xml")])
        dtd = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd"><!ENTITY b "bbbbbbbbbb">]>'
        for i, b in members:
            if i.filename == victim:
                j = b.find(b"?>") + 2 if b.startswith(b"<?xml") else 0
                b = b[:j] + dtd + b[j:]
            out.append((i, b))
        return f"doctype:{victim}", out
    if kind == 3:
        text = rng.choice(HOSTILE_TEXTS)
        esc = text.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8", "surrogatepass")
        for i, b in members:
            if i.filename == target:
                cells = list(re.finditer(rb'<c r="([A-Z]+\d+)"([^>]*)>(.*?)</c>', b, flags=re.S))
                if cells:
                    m = rng.choice(cells)
                    b = b[:m.start()] + b'<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (m.group(1), esc) + b[m.end():]
            out.append((i, b))
        return f"text:{target}", out
    if kind == 4:  # implicit positions: drop every r="…" of one sheet
        for i, b in members:
            out.append((i, re.sub(rb' r="[A-Z]*\d+"', b"", b) if i.filename == target else b))
        return f"no-refs:{target}", out
    if kind == 5:  # a sheet part under another name, as the relationships allow
        for i, b in members:
            if i.filename == "xl/_rels/workbook.xml.rels":
                b = b.replace(target.removeprefix("xl/").encode(), b"x/y.xml")
            if i.filename == target:
                i = zipfile.ZipInfo("xl/x/y.xml")
            out.append((i, b))
        return f"moved:{target}", out
    return "lying-size", [(i, b) for i, b in members] + [(None, target)]  # marker handled by _zip


def _zip(members) -> bytes:
    buf = io.BytesIO()
    lie = [b for i, b in members if i is None]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, body in members:
            if info is not None:
                zf.writestr(info.filename, body)
    data = buf.getvalue()
    for name in lie:  # declare a member ten times smaller than it is (central directory and local header)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = zf.getinfo(name)
        b = bytearray(data)
        nb = name.encode()
        cd = b.find(b"PK\x01\x02")
        while cd >= 0 and b[cd + 46:cd + 46 + len(nb)] != nb:
            cd = b.find(b"PK\x01\x02", cd + 4)
        if cd >= 0:
            struct.pack_into("<I", b, cd + 24, info.file_size // 10)
            struct.pack_into("<I", b, info.header_offset + 22, info.file_size // 10)
        data = bytes(b)
    return data


def mutate_workbook(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """(description, mutated bytes) of an .xlsx."""
    op = rng.randrange(16)
    if op >= 12:
        members = _unzip(data)
        sheets = [i.filename for i, _ in members if i.filename.startswith("xl/worksheets/sheet")]
        desc, out = _hostile(members, rng, sheets)
        return desc, _zip(out)
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


def mutate_ods(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """(description, mutated bytes) of an .ods written by LibreOffice."""
    op = rng.randrange(7)
    if op == 0:
        n = rng.randrange(len(data))
        return f"ods-truncate@{n}", data[:n]
    if op == 1:
        b = bytearray(data)
        for _ in range(rng.randrange(1, 20)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return "ods-flip-bytes", bytes(b)
    members = _unzip(data)
    out = []
    for info, body in members:
        if info.filename == "content.xml":
            if op == 2:  # repeats, from harmless to a cell bomb
                rows, cols = rng.choice([2, 50, 5000, 10**6]), rng.choice([3, 300, 16384, 10**6])
                bomb = (b'<table:table-row table:number-rows-repeated="%d"><table:table-cell '
                        b'table:number-columns-repeated="%d" office:value-type="float" office:value="1"/></table:table-row>'
                        % (rows, cols))
                body = body.replace(b"</table:table>", bomb + b"</table:table>", 1)
            elif op == 3:
                body = re.sub(rb'office:value="[^"]*"', lambda m: rng.choice([b'office:value="x"', b'office:value="1e999"',
                                                                            b'office:value="-0"', m.group(0)]), body)
            elif op == 4:
                body = body.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)
            elif op == 5:
                body = body[: rng.randrange(len(body))]
            else:
                body = re.sub(rb'number-(rows|columns)-repeated="\d+"', lambda m: b'number-%s-repeated="%d"'
                              % (m.group(1), rng.choice([0, 1, 99999999, 2**40])), body)
        out.append((info, body))
    return f"ods-op{op}", _zip(out)


def mutate_xls(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """(description, mutated bytes) of an .xls written by LibreOffice: bytes, or BIFF records rewritten."""
    op = rng.randrange(6)
    if op == 0:
        n = rng.randrange(len(data))
        return f"xls-truncate@{n}", data[:n]
    if op == 1:
        b = bytearray(data)
        for _ in range(rng.randrange(1, 20)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return "xls-flip-bytes", bytes(b)
    import olefile

    from gxxl.util.cfb import write_cfb

    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        wbk = ole.openstream("Workbook").read()
    recs, i = [], 0
    while i + 4 <= len(wbk):
        t, n = struct.unpack_from("<HH", wbk, i)
        recs.append([t, bytearray(wbk[i + 4:i + 4 + n])])
        i += 4 + n
    cells = [r for r in recs if r[0] in (0x0203, 0x027E, 0x00FD, 0x0006, 0x0204) and len(r[1]) >= 4]
    if op == 2 and cells:  # move cells anywhere a u16 reaches
        for r in rng.sample(cells, min(len(cells), rng.randrange(1, 4))):
            struct.pack_into("<HH", r[1], 0, rng.choice([0, 65535, rng.randrange(65536)]), rng.choice([0, 255, 65535, rng.randrange(65536)]))
    elif op == 3 and recs:  # lengths and types scrambled
        for r in rng.sample(recs, min(len(recs), 5)):
            r[1] = r[1][: rng.randrange(len(r[1]) + 1)]
    elif op == 4:  # FILEPASS, a macro sheet, a VB module
        rec = rng.choice([[0x002F, bytearray(b"\x01\x00")], [0x0085, bytearray(b"\0\0\0\0\0\x01\x03\x00abc")],
                          [0x0085, bytearray(b"\0\0\0\0\0\x06\x03\x00vba")]])
        recs.insert(1, rec)
    else:  # shuffle a few records
        k = rng.randrange(len(recs))
        recs[k], recs[-1 - k] = recs[-1 - k], recs[k]
    body = b"".join(struct.pack("<HH", t, len(b) & 0xFFFF) + bytes(b) for t, b in recs)
    return f"xls-op{op}", write_cfb({"Workbook": body})


def fuzz_seconds(default: float) -> float:
    """The time budget of a fuzz loop: GXXL_FUZZ_SECONDS for a long run (e.g. 3600), else the default."""
    import os

    return float(os.environ.get("GXXL_FUZZ_SECONDS") or default)


def fuzz_cases(default: int) -> int:
    import os

    return 10**9 if os.environ.get("GXXL_FUZZ_SECONDS") else default


def mutate_package(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """(description, mutated bytes) of any zip package (.docx): bytes, members dropped or cut, a DOCTYPE."""
    op = rng.randrange(6)
    if op == 0:
        n = rng.randrange(len(data))
        return f"pkg-truncate@{n}", data[:n]
    if op == 1:
        b = bytearray(data)
        for _ in range(rng.randrange(1, 20)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return "pkg-flip-bytes", bytes(b)
    members = _unzip(data)
    victim = rng.choice([i.filename for i, _ in members])
    if op == 2:
        return f"pkg-drop:{victim}", _zip([(i, b) for i, b in members if i.filename != victim])
    out = []
    for i, b in members:
        if i.filename == victim:
            if op == 3:
                b = b[: rng.randrange(len(b) + 1)]
            elif op == 4:
                j = b.find(b"?>") + 2 if b.startswith(b"<?xml") else 0
                b = b[:j] + b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + b[j:]
            else:
                b = re.sub(rb">([^<]{1,40})<", lambda m: b">" + rng.choice([b"&e;", m.group(1)[::-1], b"", m.group(1) * 3]) + b"<", b,
                           count=rng.randrange(1, 30))
        out.append((i, b))
    return f"pkg-op{op}:{victim}", _zip(out)


def mutate_bytes(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """(description, mutated bytes) of a binary document (.pdf): cut, flipped, or a block repeated."""
    op = rng.randrange(3)
    if op == 0:
        n = rng.randrange(len(data))
        return f"bin-truncate@{n}", data[:n]
    b = bytearray(data)
    if op == 1:
        for _ in range(rng.randrange(1, 40)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return "bin-flip-bytes", bytes(b)
    i = rng.randrange(len(b))
    return "bin-repeat", bytes(b[:i] + b[i:i + 500] * rng.randrange(2, 20) + b[i:])
