"""The built Excel add-in (gxxl addin build): a sound package, a valid ribbon, a VBA project that others can read."""
from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, run_gxxl
from gxxl.excel import addin
from gxxl.excel import ovba
from gxxl.excel import ACTIONS

NS = addin.CUSTOMUI_NS
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # oletools uses old pyparsing names

# The part of the Office 2007 customUI schema ([MS-CUSTOMUI] CT_CustomUI … CT_Button) that the gxxl
# ribbon uses, restricted to it: element order and nesting, the allowed attributes, their types
# (ST_UniqueID, ST_String 1–1024 characters, ST_Delegate, ST_Size). The full schema is not shipped
# with any package installable here.
CUSTOMUI_SUBSET_XSD = f"""<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="{NS}" xmlns="{NS}"
            elementFormDefault="qualified" attributeFormDefault="unqualified">
  <xsd:simpleType name="ST_UniqueID"><xsd:restriction base="xsd:ID"><xsd:minLength value="1"/>
    <xsd:maxLength value="1024"/></xsd:restriction></xsd:simpleType>
  <xsd:simpleType name="ST_String"><xsd:restriction base="xsd:string"><xsd:minLength value="1"/>
    <xsd:maxLength value="1024"/></xsd:restriction></xsd:simpleType>
  <xsd:simpleType name="ST_Delegate"><xsd:restriction base="xsd:string"><xsd:minLength value="1"/>
    <xsd:maxLength value="1024"/></xsd:restriction></xsd:simpleType>
  <xsd:simpleType name="ST_ID"><xsd:restriction base="xsd:NCName"><xsd:minLength value="1"/>
    <xsd:maxLength value="1024"/></xsd:restriction></xsd:simpleType>
  <xsd:simpleType name="ST_Size"><xsd:restriction base="xsd:string"><xsd:enumeration value="normal"/>
    <xsd:enumeration value="large"/></xsd:restriction></xsd:simpleType>
  <xsd:complexType name="CT_Button">
    <xsd:attribute name="id" type="ST_UniqueID" use="required"/>
    <xsd:attribute name="label" type="ST_String" use="required"/>
    <xsd:attribute name="onAction" type="ST_Delegate" use="required"/>
    <xsd:attribute name="size" type="ST_Size"/>
    <xsd:attribute name="imageMso" type="ST_ID"/>
    <xsd:attribute name="screentip" type="ST_String"/>
    <xsd:attribute name="supertip" type="ST_String"/>
  </xsd:complexType>
  <xsd:complexType name="CT_Group">
    <xsd:sequence><xsd:element name="button" type="CT_Button" minOccurs="1" maxOccurs="1000"/></xsd:sequence>
    <xsd:attribute name="id" type="ST_UniqueID" use="required"/>
    <xsd:attribute name="label" type="ST_String" use="required"/>
  </xsd:complexType>
  <xsd:complexType name="CT_Tab">
    <xsd:sequence><xsd:element name="group" type="CT_Group" minOccurs="1" maxOccurs="100"/></xsd:sequence>
    <xsd:attribute name="id" type="ST_UniqueID" use="required"/>
    <xsd:attribute name="label" type="ST_String" use="required"/>
  </xsd:complexType>
  <xsd:complexType name="CT_Tabs">
    <xsd:sequence><xsd:element name="tab" type="CT_Tab" minOccurs="1" maxOccurs="100"/></xsd:sequence>
  </xsd:complexType>
  <xsd:complexType name="CT_Ribbon">
    <xsd:sequence><xsd:element name="tabs" type="CT_Tabs"/></xsd:sequence>
  </xsd:complexType>
  <xsd:complexType name="CT_CustomUI">
    <xsd:sequence><xsd:element name="ribbon" type="CT_Ribbon"/></xsd:sequence>
  </xsd:complexType>
  <xsd:element name="customUI" type="CT_CustomUI"/>
</xsd:schema>
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("addin") / "gxxl.xlam"
    r = run_gxxl("addin", "build", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "已生成Excel加载项" in r.stdout
    return out


def test_build_refuses_to_overwrite_without_force(built):
    r = run_gxxl("addin", "build", "-o", built)
    assert r.returncode == 2 and "--force" in r.stderr
    assert run_gxxl("addin", "build", "-o", built, "--force").returncode == 0


def test_package_is_a_sound_zip_with_every_declared_part(built):
    with zipfile.ZipFile(built) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        ct = z.read("[Content_Types].xml").decode()
        assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in ct
        for part in re.findall(r'PartName="/([^"]+)"', ct):
            assert part in names, part
        rels = z.read("_rels/.rels").decode()
        assert 'Target="customUI/customUI.xml"' in rels and "ui/extensibility" in rels
        wrels = z.read("xl/_rels/workbook.xml.rels").decode()
        for target in re.findall(r'Target="([^"]+)"', wrels):
            assert f"xl/{target}" in names, target
        assert 'name="_gxxl.conf"' in z.read("xl/workbook.xml").decode()


def test_customui_is_valid_and_has_the_chinese_tab(built):
    from lxml import etree

    with zipfile.ZipFile(built) as z:
        xml = z.read("customUI/customUI.xml")
    doc = etree.fromstring(xml)
    schema = etree.XMLSchema(etree.fromstring(CUSTOMUI_SUBSET_XSD.encode()))
    schema.assertValid(doc)
    q = {"c": NS}
    assert doc.xpath("//c:tab/@label", namespaces=q) == ["政务公开年报"]
    assert doc.xpath("//c:button/@label", namespaces=q) == ["校验", "清除标记", "生成报告", "上报", "汇总"]
    ids = doc.xpath("//@id")
    assert len(ids) == len(set(ids))


def test_every_ribbon_handler_is_a_sub_of_the_vba_project(built):
    from lxml import etree
    from oletools.olevba import VBA_Parser

    with zipfile.ZipFile(built) as z:
        doc = etree.fromstring(z.read("customUI/customUI.xml"))
    handlers = doc.xpath("//c:button/@onAction", namespaces={"c": NS})
    parser = VBA_Parser(str(built))
    assert parser.detect_vba_macros()
    modules = {Path(path).stem: code for _, path, code in
               ((f, s, c) for f, s, _n, c in parser.extract_macros())}
    parser.close()
    assert "RibbonMyAddin" not in modules and "xlwings" in modules and "Dictionary" in modules
    for h in handlers:
        module, sub = h.split(".")
        assert re.search(rf"(?m)^Public Sub {sub}\(control As IRibbonControl\)", modules[module]), h
    # each button reaches its own Python function, and that function exists
    code = modules[addin.VBA_MODULE]
    assert "RunPython \"import gxxl.excel; gxxl.excel.run('\" & action & \"')\"" in code
    for b in addin.BUTTONS:
        assert re.search(rf'Sub {b.sub}\(control As IRibbonControl\)\s+GxxlRun "{b.action}"', code)
        assert b.action in ACTIONS
    # xlwings' own module: the version the Python side speaks, and our config file name
    import xlwings

    assert f'XLWINGS_VERSION As String = "{xlwings.__version__}"' in modules["xlwings"]
    assert 'PROJECT_NAME As String = "gxxl"' in modules["xlwings"]


def test_vba_project_is_source_only_like_the_xlwings_skeleton(built):
    import olefile
    from oletools.olevba import decompress_stream

    with zipfile.ZipFile(built) as z:
        data = z.read("xl/vbaProject.bin")
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        assert ole.openstream("VBA/_VBA_PROJECT").read()[2:4] == b"\xff\xff"  # Office recompiles from source
        project = ole.openstream("PROJECT").read().decode("cp1252")
        assert "Module=GxxlRibbon" in project and 'Name="GxxlAddin"' in project
        assert "RibbonMyAddin" not in project
        for name in ("GxxlRibbon", "xlwings", "Dictionary", "ThisWorkbook"):
            src = bytes(decompress_stream(bytearray(ole.openstream(f"VBA/{name}").read())))  # offset 0
            assert src.startswith(f'Attribute VB_Name = "{name}"'.encode())
        _check_red_black(ole)


def _check_red_black(ole) -> None:
    """Every sibling tree of the compound file is a red-black tree with sorted keys."""
    entries = ole.direntries

    def walk(sid):
        if sid == 0xFFFFFFFF:
            return 1
        e = entries[sid]
        left, right = walk(e.sid_left), walk(e.sid_right)
        assert left == right, "unequal black height"
        if e.color == 0:  # red: children black
            for c in (e.sid_left, e.sid_right):
                assert c == 0xFFFFFFFF or entries[c].color == 1
        key = (len(e.name), e.name.upper())
        if e.sid_left != 0xFFFFFFFF:
            a = entries[e.sid_left].name
            assert (len(a), a.upper()) < key
        if e.sid_right != 0xFFFFFFFF:
            b = entries[e.sid_right].name
            assert key < (len(b), b.upper())
        return left + (1 if e.color == 1 else 0)

    for e in entries:
        if e is not None and e.sid_child != 0xFFFFFFFF:
            assert entries[e.sid_child].color == 1  # a tree's root is black
            walk(e.sid_child)


@pytest.mark.libreoffice
def test_libreoffice_imports_the_vba_project(built, tmp_path):
    """An independent reader of [MS-CFB] and [MS-OVBA] loads the project and every module's code."""
    from gxxl.util.libreoffice import soffice

    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice not installed")
    src = tmp_path / "addin.xlsm"
    src.write_bytes(built.read_bytes())
    profile = tmp_path / "profile"
    subprocess.run([exe, "--headless", f"-env:UserInstallation=file://{profile}",
                    "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(tmp_path), str(src)],
                   capture_output=True, timeout=180, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    ods = tmp_path / "addin.ods"
    assert ods.exists()
    with zipfile.ZipFile(ods) as z:
        names = set(z.namelist())
        assert {f"Basic/{addin.VBA_PROJECT}/{m}.xml" for m in ("GxxlRibbon", "xlwings", "Dictionary")} <= names
        code = z.read(f"Basic/{addin.VBA_PROJECT}/GxxlRibbon.xml").decode()
    for b in addin.BUTTONS:
        assert f"Public Sub {b.sub}(control As IRibbonControl)" in code


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=9000) | st.text(alphabet="Sub EndFunction()\r\n x=1'\"", max_size=12000).map(str.encode))
def test_compression_round_trips_through_oletools(data):
    from oletools.olevba import decompress_stream

    try:
        packed = ovba.compress(data)
    except ValueError:
        assert len(data) % 4096 > 3640  # only random, incompressible tails are refused
        return
    assert bytes(decompress_stream(bytearray(packed))) == data
    assert ovba.decompress(packed) == data
    # every chunk header is well formed: signature 0b011, size within 4098
    i = 1
    while i < len(packed):
        h = struct.unpack_from("<H", packed, i)[0]
        assert (h >> 12) & 0b111 == 0b011
        i += (h & 0x0FFF) + 3


def test_install_elsewhere_says_why_in_chinese():
    if sys.platform.startswith("win") or sys.platform == "darwin":
        pytest.skip("installs for real on Windows/macOS")
    r = run_gxxl("addin", "install")
    assert r.returncode == 2
    assert "Windows或macOS" in r.stderr and "WPS" in r.stderr and "Traceback" not in r.stderr


def test_install_and_uninstall_on_windows_layout(tmp_path, monkeypatch):
    """The file side of install on a Windows user profile: add-in in XLSTART, interpreter in the config."""
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData" / "Roaming"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    dest, conf = addin.install_addin()
    assert dest == tmp_path / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "gxxl.xlam"
    assert zipfile.ZipFile(dest).testzip() is None
    assert conf == tmp_path / ".gxxl" / "gxxl.conf"
    text = conf.read_text(encoding="utf-8")
    assert f'"INTERPRETER_WIN","{sys.executable}"' in text and '"PYTHONPATH"' in text
    assert addin.uninstall_addin() == [dest, conf]
    assert not dest.exists() and not conf.exists()


def test_no_xlwings_binaries_in_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert not [f for f in files if f.endswith((".xlam", ".dll")) or Path(f).name == "vbaProject.bin"]
