"""The reader on good and broken files: clear Chinese messages, never a traceback, inputs untouched."""
import shutil
import zipfile

import openpyxl
import pytest

from gxxl import read, schema
from gxxl.samples import bureau as sample
from gxxl.errors import ReadError
from gxxl.workbook.api import new_workbook


def _unprotect(wb):
    wb.security = None
    for ws in wb.worksheets:
        ws.protection.sheet = False


def test_reads_sample(sample_path):
    before = sample_path.read_bytes()
    rep = read(sample_path)
    assert sample_path.read_bytes() == before
    assert rep.source.format_version == "2021" and rep.source.layout_version == schema.LAYOUT_VERSION
    assert rep.source.saved_at
    assert rep.get("requests.new.total") == 5  # recomputed: openpyxl stores no formula results
    assert rep.values["requests.new.total"].stored is None
    assert rep.values["requests.new.natural"].cell == "D6"
    assert rep.values["requests.new.natural"].sheet == "表三 依申请公开"


def test_text_in_number_cells(tmp_path):
    p = tmp_path / "t.xlsx"
    vals = sample.sample_values()
    vals.update({"requests.new.natural": "4件", "requests.new.business": "无", "active.licensing.decisions": "１６７",
                 "requests.disclosed.natural": -1, "active.fees.amount": 1.25, "requests.carried_in.natural": 2.5})
    new_workbook(p, meta=sample.SAMPLE_META, values=vals)
    rep = read(p)
    v = rep.values["requests.new.natural"]
    assert (v.value, v.problem, v.suggestion, v.raw) == (None, "text", 4, "4件")
    assert rep.values["requests.new.business"].suggestion == 0
    assert rep.values["active.licensing.decisions"].value == 167
    assert rep.values["active.licensing.decisions"].problem == "text_number"
    assert rep.values["requests.disclosed.natural"].problem == "negative"
    assert rep.values["active.fees.amount"].value == 1.25 and rep.values["active.fees.amount"].problem is None
    assert rep.values["requests.carried_in.natural"].problem == "fraction"


@pytest.mark.parametrize("content,needle", [
    (b"", "空的"),
    (b"hello,world\n1,2\n", "纯文本"),
    (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "网页"),
    (b"\x00\x01\x02\x03garbage" * 10, "不是电子表格"),
])
def test_not_a_spreadsheet(tmp_path, content, needle):
    p = tmp_path / "x.xlsx"
    p.write_bytes(content)
    with pytest.raises(ReadError) as ei:
        read(p)
    assert needle in str(ei.value) and str(p) in str(ei.value)


def test_truncated_zip(sample_path, tmp_path):
    p = tmp_path / "cut.xlsx"
    p.write_bytes(sample_path.read_bytes()[:5000])
    with pytest.raises(ReadError) as ei:
        read(p)
    assert "损坏" in str(ei.value) or "不完整" in str(ei.value)


def test_missing_file(tmp_path):
    with pytest.raises(ReadError, match="不存在"):
        read(tmp_path / "nope.xlsx")


def test_a_different_workbook(tmp_path):
    p = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "工资表"
    wb.active["A1"] = "姓名"
    wb.save(p)
    with pytest.raises(ReadError, match="不是gxxl年报工作簿"):
        read(p)


def test_old_2019_layout(tmp_path):
    p = tmp_path / "old.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "第二十条第（一）项"
    wb.active["A2"] = "信息内容"
    wb.active["B2"] = "本年新制作数量"
    wb.save(p)
    with pytest.raises(ReadError, match="2019"):
        read(p)


def test_renamed_sheet_found_by_title(sample_path, tmp_path):
    p = tmp_path / "renamed.xlsx"
    wb = openpyxl.load_workbook(sample_path)
    _unprotect(wb)
    wb["表三 依申请公开"].title = "Sheet3"
    wb.save(p)
    rep = read(p)
    assert rep.get("requests.new.natural") == 4
    f = [x for x in rep.findings if x.rule == "structure.sheet_renamed"]
    assert f and "Sheet3" in f[0].message


def test_deleted_sheet_is_unusable(sample_path, tmp_path):
    p = tmp_path / "deleted.xlsx"
    wb = openpyxl.load_workbook(sample_path)
    _unprotect(wb)
    del wb["表四 复议诉讼"]
    wb.save(p)
    with pytest.raises(ReadError, match="缺少工作表“表四 复议诉讼”"):
        read(p)


def test_edited_label_is_a_finding(sample_path, tmp_path):
    p = tmp_path / "label.xlsx"
    wb = openpyxl.load_workbook(sample_path)
    _unprotect(wb)
    wb["表三 依申请公开"]["C11"] = "2.其他法律法规禁止公开"
    wb.save(p)
    rep = read(p)
    f = [x for x in rep.findings if x.rule == "structure.label"]
    assert len(f) == 1 and f[0].cell == "C11" and f[0].expected == "2.其他法律行政法规禁止公开"


def test_unknown_format_version(sample_path, tmp_path):
    p = tmp_path / "ver.xlsx"
    wb = openpyxl.load_workbook(sample_path)
    _unprotect(wb)
    wb[schema.SHEET_META]["B2"] = "2019"
    wb.save(p)
    with pytest.raises(ReadError, match="格式版本"):
        read(p)
    wb[schema.SHEET_META]["B2"] = "2021"
    wb[schema.SHEET_META]["B3"] = schema.LAYOUT_VERSION + 1
    wb.save(p)
    with pytest.raises(ReadError, match="较新版本"):
        read(p)


def test_encrypted_file_message(tmp_path):
    # An encrypted OOXML file is an OLE container with an EncryptionInfo stream.
    p = tmp_path / "secret.xlsx"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 500)
    with pytest.raises(ReadError, match="密码"):
        read(p)


def test_ods_and_recalculated_copy_read(recalc, sample_path, tmp_path):
    from gxxl.util.libreoffice import convert

    out = convert([sample_path], tmp_path / "ods", "ods")[0]
    rep = read(out)
    assert rep.get("requests.new.total") == 5 and rep.values["requests.new.total"].stored == 5
    assert rep.findings == []
