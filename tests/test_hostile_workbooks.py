"""Hostile and odd workbooks at the reader (gxxl.workbook.guard): macros, far cells, cell bombs,
encryption, renamed formats, files re-saved by LibreOffice as .xls/.ods, lying zips.

Each case is a real file: written by gxxl, by LibreOffice headless, or a gxxl workbook whose
package was edited the way another program (or an attacker) would. Never a traceback, the
values where they can be read, inputs byte-identical.
"""
from __future__ import annotations

import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gxxl import read
from gxxl.samples import bureau as sample
from gxxl.consolidation import load_roster
from gxxl.errors import GxxlError, ReadError
from gxxl.workbook import guard
from gxxl.workbook.api import new_workbook

from conftest import ROOT


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("hostile") / "基础.xlsx"
    new_workbook(p, meta=sample.SAMPLE_META, values=sample.sample_values(), narrative=sample.SAMPLE_NARRATIVE)
    return p


def _with_vba(src: Path, dst: Path) -> Path:
    from gxxl.excel import addin

    vba = zipfile.ZipFile(addin.skeleton_path()).read("xl/vbaProject.bin")
    return _edit(src, dst, {
        "[Content_Types].xml": lambda b: b.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'),
        "xl/_rels/workbook.xml.rels": lambda b: b.replace(b"</Relationships>", b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>'),
    }, add={"xl/vbaProject.bin": vba})


@pytest.fixture(scope="module")
def xls(base, tmp_path_factory) -> dict[str, Path]:
    """LibreOffice's .xls of: the sample, the sample with a VBA project, a sheet with a value in IV65536."""
    from openpyxl import Workbook

    from gxxl.util.libreoffice import convert, soffice

    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    d = tmp_path_factory.mktemp("xls")
    big = Workbook()
    big.active.title = "表三 依申请公开"
    big.active["A1"], big.active["IV65536"] = 1, 2
    big.save(d / "大表.xlsx")
    outs = convert([base, _with_vba(base, d / "带宏表.xlsm"), d / "大表.xlsx"], d / "out", "xls")
    return dict(zip(("plain", "macro", "big"), outs))


def _edit(src: Path, dst: Path, edits: dict, add: dict | None = None) -> Path:
    """Copy a package, applying edits {member: fn(bytes) -> bytes} and adding members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for i in zin.infolist():
            body = zin.read(i.filename)
            if i.filename in edits:
                body = edits[i.filename](body)
            zout.writestr(i.filename, body)
        for name, body in (add or {}).items():
            zout.writestr(name, body)
    return dst


def _read_unchanged(p: Path):
    before = p.read_bytes()
    try:
        return read(p)
    finally:
        assert p.read_bytes() == before


def _sheet_part(name: str = "sheet3.xml") -> str:
    return f"xl/worksheets/{name}"  # 表三 依申请公开 is the third sheet the builder writes


def test_value_in_the_last_cell_is_cut_not_a_crash(base, tmp_path):
    """calamine allocates first-to-last cell: XFD1048576 alone made it abort the process (512 GB)."""
    p = _edit(base, tmp_path / "远处.xlsx", {_sheet_part(): lambda b: b.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')})
    # in a child process: if the guard ever fails, the abort must not take pytest with it
    code = ("import sys; from gxxl import read; r = read(sys.argv[1]); "
            "print(r.get('requests.new.total'), [(f.rule, f.sheet, f.cell) for f in r.findings])")
    out = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "5 [('structure.outside_ignored', '表三 依申请公开', 'XFD1048576')]"
    rep = _read_unchanged(p)
    assert rep.get("requests.new.natural") == sample.sample_values()["requests.new.natural"]


FAR = b'<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'
TRICKS = {  # how a far cell can hide from a naive scan: each must be cut or refused, never reach calamine
    "no-references": b'<row><c><v>1</v></c></row><row r="1048570"><c r="XFA1048570"><v>1</v></c><c><v>2</v></c></row>',
    "single-quotes": b"<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
    "entity-in-ref": b'<row r="1048576"><c r="&#88;FD1048576"><v>1</v></c></row>',
    "prefixed": b'<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="1048576">'
                b'<x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',
    "spaces": b'<row r = " 1048576 "><c r = "XFD1048576" ><v>1</v></c></row>',
    "lower-case": b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
    "fake-attribute": b'<row r="1048576"><c s=\'r="A1"\' r="XFD1048576"><v>1</v></c></row>',
}


def test_far_cells_hidden_in_xml_tricks(base, tmp_path):
    """Measured with a real XML parser, as calamine will place the cells: quoting, entities, prefixes,
    implicit positions, parts outside xl/worksheets/; in a child process, so an abort fails the test only."""
    cases = {}
    for name, rows in TRICKS.items():
        cases[name] = _edit(base, tmp_path / f"{name}.xlsx", {_sheet_part(): lambda b, rows=rows: b.replace(b"</sheetData>", rows + b"</sheetData>")})
    # the relationships may name any part as a worksheet
    moved = tmp_path / "moved.xlsx"
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(moved, "w", zipfile.ZIP_DEFLATED) as zout:
        for i in zin.infolist():
            body = zin.read(i.filename)
            if i.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"worksheets/sheet3.xml", b"elsewhere/data.xml")
            name = "xl/elsewhere/data.xml" if i.filename == _sheet_part() else i.filename
            if name == "xl/elsewhere/data.xml":
                body = body.replace(b"</sheetData>", b'<row r="1048576">' + FAR + b"</row></sheetData>")
            zout.writestr(name, body)
    cases["moved-part"] = moved
    code = ("import sys, json\nfrom gxxl import read\nfrom gxxl.errors import ReadError\nout = {}\n"
            "for p in sys.argv[1:]:\n    try:\n        r = read(p); out[p] = ['read', r.get('requests.new.total'), [f.rule for f in r.findings]]\n"
            "    except ReadError as e:\n        out[p] = ['refused', str(e)]\nprint(json.dumps(out, ensure_ascii=False))")
    res = subprocess.run([sys.executable, "-c", code, *map(str, cases.values())], capture_output=True, text=True,
                         timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr[-2000:]
    import json

    got = json.loads(res.stdout)
    for name, p in cases.items():
        kind, *rest = got[str(p)]
        if kind == "read":
            assert rest == [5, ["structure.outside_ignored"]], (name, rest)
        else:
            assert "无法安全读取" in rest[0] and str(p) in rest[0], (name, rest)
    assert got[str(cases["no-references"])][0] == got[str(cases["moved-part"])][0] == "read"
    assert got[str(cases["entity-in-ref"])][0] == "read"  # the parser sees what calamine sees


def test_doctype_invalid_reference_and_xlsb_are_refused(base, tmp_path):
    doctype = _edit(base, tmp_path / "dtd.xlsx", {_sheet_part(): lambda b: b"<!DOCTYPE worksheet>" + b})
    bad_ref = _edit(base, tmp_path / "ref.xlsx", {_sheet_part(): lambda b: b.replace(b"</sheetData>", b'<row><c r="1A"><v>1</v></c></row></sheetData>')})
    for p in (doctype, bad_ref):
        with pytest.raises(ReadError, match="无法安全读取"):
            _read_unchanged(p)
    xlsb = _edit(base, tmp_path / "二进制.xlsx", {}, add={"xl/workbook.bin": b"\0" * 10})
    with pytest.raises(ReadError, match="xlsb"):
        _read_unchanged(xlsb)


def test_ods_cell_bomb_is_refused(base, tmp_path):
    """A 1 KB content.xml asking for 10,000 columns x 9,000 rows cost calamine 5 GB and 13 s."""
    from gxxl.util.libreoffice import convert, soffice

    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    ods = convert([base], tmp_path / "ods", "ods")[0]
    assert read(ods).get("requests.new.total") == 5  # LibreOffice's own .ods reads
    bomb = (b'<table:table-row table:number-rows-repeated="9000"><table:table-cell table:number-columns-repeated="10000" '
            b'office:value-type="float" office:value="1"/></table:table-row>')
    p = _edit(ods, tmp_path / "炸弹.ods", {"content.xml": lambda b: b.replace(b"</table:table>", bomb + b"</table:table>", 1)})
    with pytest.raises(ReadError, match="异常巨大"):
        _read_unchanged(p)


def test_xlsm_macros_are_not_run_and_reported(base, tmp_path):
    rep = _read_unchanged(_with_vba(base, tmp_path / "带宏.xlsm"))
    assert rep.get("requests.new.total") == 5
    [f] = rep.findings
    assert (f.rule, f.severity) == ("structure.macros_ignored", "warning") and "宏没有运行" in f.message
    from gxxl.rules import validate

    assert "structure.macros_ignored" in {x.rule for x in validate(rep).warnings}


def test_libreoffice_xls_and_xls_with_vba_read(xls, base, tmp_path):
    """.xls re-saved by LibreOffice: values read; the VBA storage it keeps is reported."""
    for p, rules in ((xls["plain"], []), (xls["macro"], ["structure.macros_ignored"])):
        rep = _read_unchanged(p)
        assert rep.get("requests.new.total") == 5 and rep.organ == sample.SAMPLE_META["organ"]
        assert rep.values["requests.new.total"].stored == 5  # LibreOffice recalculated and stored it
        assert [f.rule for f in rep.findings] == rules
    # an .xlsx renamed to .xls reads by content
    renamed = tmp_path / "改名.xls"
    renamed.write_bytes(base.read_bytes())
    assert _read_unchanged(renamed).get("requests.new.total") == 5


def test_xls_too_large_is_refused(xls):
    with pytest.raises(ReadError, match="使用范围异常") as ei:
        _read_unchanged(xls["big"])
    assert "表三 依申请公开" in str(ei.value)


def test_encrypted_xlsx_real_and_xls_filepass(xls, base, tmp_path):
    msoffcrypto = pytest.importorskip("msoffcrypto.format.ooxml")
    p = tmp_path / "加密.xlsx"
    with open(base, "rb") as src, open(p, "wb") as out:
        msoffcrypto.OOXMLFile(src).encrypt("secret", out)
    with pytest.raises(ReadError, match="打开密码") as ei:
        _read_unchanged(p)
    assert "清除密码" in str(ei.value)
    # an .xls encrypted by Excel has a FILEPASS record after the workbook's BOF
    import olefile

    from gxxl.util.cfb import write_cfb

    with olefile.OleFileIO(str(xls["plain"])) as ole:
        wbk = ole.openstream("Workbook").read()
    bof_len = struct.unpack_from("<H", wbk, 2)[0] + 4
    enc = tmp_path / "加密.xls"
    enc.write_bytes(write_cfb({"Workbook": wbk[:bof_len] + struct.pack("<HHH", 0x002F, 2, 1) + wbk[bof_len:]}))
    with pytest.raises(ReadError, match="加密"):
        _read_unchanged(enc)


def test_zip_member_longer_than_declared_is_corrupt(base, tmp_path):
    """A member that inflates beyond its declared size (a hidden zip bomb) fails the CRC/size check."""
    data = bytearray(base.read_bytes())
    with zipfile.ZipFile(base) as zf:
        info = zf.getinfo("xl/worksheets/sheet3.xml")
    name = info.filename.encode()
    cd = data.find(b"PK\x01\x02")
    while data[cd + 46:cd + 46 + len(name)] != name:
        cd = data.find(b"PK\x01\x02", cd + 4)
    struct.pack_into("<I", data, cd + 24, info.file_size // 10)  # central directory: uncompressed size
    struct.pack_into("<I", data, info.header_offset + 22, info.file_size // 10)  # local header
    p = tmp_path / "谎报.xlsx"
    p.write_bytes(bytes(data))
    with pytest.raises(ReadError, match="已损坏"):
        _read_unchanged(p)


def test_roster_and_previous_go_through_the_guard(base, tmp_path):
    roster = _edit(base, tmp_path / "名单.xlsx", {"xl/worksheets/sheet1.xml": lambda b: b.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')})
    code = ("import sys; from gxxl.consolidation import load_roster\n"
            "try:\n    load_roster(sys.argv[1]); print('ok')\nexcept Exception as e: print(type(e).__name__)")
    out = subprocess.run([sys.executable, "-c", code, str(roster)], capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0 and out.stdout.strip() in ("ok", "GxxlError"), out.stderr[-1500:]
    html = tmp_path / "名单2.xlsx"
    html.write_text("<html><table><tr><td>某局</td></tr></table></html>", encoding="utf-8")
    with pytest.raises(GxxlError, match="网页"):
        load_roster(html)


def test_sniff_text_with_a_cut_multibyte_character(tmp_path):
    head = ("机关名称,年度\n" * 400).encode("utf-8")[:4096]
    assert guard.sniff(tmp_path / "x.xls", head) == "text"
    assert guard.sniff(tmp_path / "x.xls", b"\xef\xbb\xbf<!DOCTYPE html><html>") == "html"


def _child_read(paths) -> dict:
    """gxxl.read in a child process: if a guard ever fails, calamine's abort must not take pytest with it."""
    import json

    code = ("import sys, json\nfrom gxxl import read\nfrom gxxl.errors import ReadError\nout = {}\n"
            "for p in sys.argv[1:]:\n    try:\n        r = read(p); out[p] = ['read', r.get('requests.new.total'), [f.rule for f in r.findings]]\n"
            "    except ReadError as e:\n        out[p] = ['refused', str(e)]\nprint(json.dumps(out, ensure_ascii=False))")
    res = subprocess.run([sys.executable, "-c", code, *map(str, paths)], capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr[-2000:]
    return {Path(k).name: v for k, v in json.loads(res.stdout).items()}


def test_declared_sizes_calamine_would_reserve(base, xls, tmp_path):
    """Counts calamine trusts before reading: the shared strings' uniqueCount and an .xls DIMENSIONS
    record each made it ask for terabytes and abort. A compound file with nonsense FAT fields still
    reads: calamine only ever sees the workbook stream in a compound file gxxl wrote."""
    import olefile

    from gxxl.util.cfb import write_cfb

    sst = _edit(base, tmp_path / "sst.xlsx", {}, add={"xl/sharedStrings.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'count="1" uniqueCount="99999999999999"><si><t>x</t></si></sst>')})
    with olefile.OleFileIO(str(xls["plain"])) as ole:
        wbk = bytearray(ole.openstream("Workbook").read())
    i = 0
    while i + 4 <= len(wbk):  # the first sheet's DIMENSIONS: rows 0..0xFFFFFFF0, columns 0..0xFFFF
        t, n = struct.unpack_from("<HH", wbk, i)
        if t == 0x0200 and n == 14:
            struct.pack_into("<IIHH", wbk, i + 4, 0, 0xFFFFFFF0, 0, 0xFFFF)
            break
        i += 4 + n
    dims = tmp_path / "dims.xls"
    dims.write_bytes(write_cfb({"Workbook": bytes(wbk)}))
    fat = bytearray(xls["plain"].read_bytes())
    struct.pack_into("<I", fat, 44, 0x7FFFFFFF)  # number of FAT sectors
    struct.pack_into("<I", fat, 62, 0xFFFFFFFF)  # what calamine reads as the DIFAT length
    (tmp_path / "fat.xls").write_bytes(bytes(fat))
    dup = tmp_path / "dup.xlsx"
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(dup, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zout.writestr("xl/worksheets/sheet3.xml", b"<worksheet/>")  # the same name again
    got = _child_read([sst, dims, tmp_path / "fat.xls", dup])
    assert got["sst.xlsx"][0] == "refused" and "不同的文字" in got["sst.xlsx"][1]
    assert got["dims.xls"][0] == "refused" and "使用范围异常" in got["dims.xls"][1]
    assert got["fat.xls"] == ["read", 5, []]
    assert got["dup.xlsx"][0] == "refused" and "已损坏" in got["dup.xlsx"][1]


def test_fast_measurement_is_exact_or_steps_aside(base):
    """The regex fast path gives the expat result, or None (then expat measures)."""
    with zipfile.ZipFile(base) as zf:
        sheet = zf.read(_sheet_part())
    samples = [sheet] + [sheet.replace(b"</sheetData>", rows + b"</sheetData>") for rows in TRICKS.values()]
    samples.append(b"<!-- <c r=\"A1\"/> -->" + sheet)
    stepped_aside = 0
    for xml in samples:
        fast = guard._xlsx_extent_fast(xml)
        stepped_aside += fast is None
        assert fast is None or fast == guard._xlsx_extent(xml)
    assert guard._xlsx_extent_fast(sheet) is not None and stepped_aside >= 6
