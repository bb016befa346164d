"""The county office's lists are the ones they phone from (issue 11 point 6): contacts, cells, local times,
a cover that reads as a 汇总, charts that name every organ, extra sheets that print."""
from __future__ import annotations

import json
import random
import re
import subprocess
import zipfile
from datetime import datetime

import openpyxl
import pytest

from gxxl import schema
from gxxl.consolidation import consolidate
from gxxl.samples import bureau as sample
from gxxl.samples import county as sc
from gxxl.util.timefmt import chinese_datetime, local_iso

from conftest import run_gxxl
from county import make_inbox, write_bureau

EXTRA_SHEETS = ("报送情况", "问题清单", "明细", "图表")


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    root = tmp_path_factory.mktemp("office")
    inbox = root / "收件箱"
    write_bureau(inbox / "教育局.xlsx", "示例县教育局", seed=1, contact="李老师", phone="0591-1234567",
                 saved=datetime(2025, 1, 23, 21, 41))  # UTC: 24 January, 05:41 in China
    write_bureau(inbox / "统计局.xlsx", "示例县统计局", values=sample.broken_values(), contact="王某某",
                 phone="13800000000")
    write_bureau(inbox / "民政局.xlsx", "示例县民政局", seed=2)  # no contact on the cover
    out = root / "汇总.xlsx"
    res = consolidate([inbox], progress=False)
    res.to_xlsx(out)
    return {"root": root, "inbox": inbox, "res": res, "out": out}


def test_contacts_in_findings_and_status_lists(office):
    res = office["res"]
    f = res.findings
    stat = f[f["机关名称"] == "示例县统计局"]
    assert len(stat) >= 2 and set(stat["联系人"]) == {"王某某"} and set(stat["联系电话"]) == {"13800000000"}
    rs = res.roster_status
    row = rs[rs["机关名称"] == "示例县教育局"].iloc[0]
    assert (row["联系人"], row["联系电话"]) == ("李老师", "0591-1234567")
    wb = openpyxl.load_workbook(office["out"], read_only=True)
    q = list(wb["问题清单"].iter_rows(values_only=True))
    assert q[0][:3] == ("机关名称", "联系人", "联系电话")
    assert any(r[0] == "示例县统计局" and r[1] == "王某某" and r[2] == "13800000000" for r in q[1:])
    b = list(wb["报送情况"].iter_rows(values_only=True))
    head = next(r for r in b if r and r[0] == "序号")
    i, j = head.index("联系人"), head.index("联系电话")
    edu = next(r for r in b if r and r[1] == "示例县教育局")
    assert (edu[i], edu[j]) == ("李老师", "0591-1234567")
    wb.close()
    by = {x["organ"]: x for x in res.to_json()["files"]}
    assert by["示例县统计局"]["contact"] == "王某某" and by["示例县民政局"]["phone"] is None


def test_cli_lines_to_phone_name_sheet_cell_and_contact(office):
    r = run_gxxl("consolidate", office["inbox"])
    assert r.returncode == 1
    line = next(x for x in r.stdout.splitlines() if "示例县统计局" in x)
    # [有错误] 示例县统计局 收件箱/统计局.xlsx（王某某 13800000000）：错误4处，如：表二 主动公开 B12：……
    assert "（王某某 13800000000）" in line
    assert re.search(r"如：(表[二三四] [^ ]+|封面|正文|说明) [A-Z]{1,3}\d+：", line), line


def test_times_are_china_time_in_chinese(office):
    assert chinese_datetime("2025-01-23T21:41:00Z") == "2025年1月24日 05:41"
    assert chinese_datetime("2025-01-23T21:41:00") == "2025年1月24日 05:41"  # workbooks store UTC without a zone
    assert local_iso("2025-01-23T21:41:00Z") == "2025-01-24T05:41:00+08:00"
    edu = next(f for f in office["res"].files if f.organ == "示例县教育局")
    d = office["res"].details
    assert d[d["机关名称"] == "示例县教育局"].iloc[0]["保存时间"] == "2025年1月24日 05:41"
    js = edu.to_json()
    assert js["saved_at"] == "2025-01-24T05:41:00+08:00" and js["saved"] == "2025年1月24日 05:41"


def test_duplicate_note_names_the_kept_file_in_local_time(tmp_path):
    write_bureau(tmp_path / "新.xlsx", "示例县教育局", seed=1, saved=datetime(2025, 1, 23, 21, 41))
    write_bureau(tmp_path / "旧.xlsx", "示例县教育局", seed=2, saved=datetime(2025, 1, 10, 1, 0))
    res = consolidate([tmp_path], progress=False)
    old = next(f for f in res.files if f.file.endswith("旧.xlsx"))
    assert "（2025年1月24日 05:41）" in old.detail and "T" not in old.detail.split("（")[-1]


def test_cover_reads_as_a_summary(office):
    wb = openpyxl.load_workbook(office["out"])
    cover = wb[schema.SHEET_COVER]
    text = " ".join(str(c.value) for row in cover.iter_rows() for c in row if isinstance(c.value, str))
    assert "汇总" in cover["A1"].value and "填报工作簿" not in cover["A1"].value
    assert "请先填写" not in text and "汇总结果" in cover["A2"].value
    assert "计入汇总3个" in text and re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", text)
    for t in schema.TABLES:
        assert "汇总数" in wb[t.sheet]["A2"].value and "填写区" not in wb[t.sheet]["A2"].value


def _chart_xml(path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return [zf.read(n).decode() for n in sorted(zf.namelist()) if n.startswith("xl/charts/chart")]


def test_charts_label_every_organ_with_whole_number_axes(tmp_path):
    inbox = tmp_path / "in"
    for i, (name, level, d) in enumerate(sc.organs("示例县", 30, 5)):
        rng = random.Random(i)
        write_bureau(inbox / f"{d}.xlsx", name, level=level, values=sc.bureau_values(rng, level=level))
    out = tmp_path / "汇总.xlsx"
    consolidate([inbox], progress=False).to_xlsx(out)
    charts = _chart_xml(out)
    assert len(charts) == 3
    for xml in charts:
        assert "<pieChart>" not in xml  # a pie's labels overlap: bars instead
        assert '<tickLblSkip val="1"/>' in xml  # no organ skipped
        assert '<numFmt formatCode="0" sourceLinked="0"/>' in xml  # counts, not 2.5
        unit = float(re.search(r'<majorUnit val="([^"]+)"/>', xml).group(1))
        assert unit >= 1 and unit.is_integer()
        assert "<cat><strRef>" in xml  # the organs as names, not as numbers
        assert '<showCatName val="0"/>' in xml or "<dLbls>" not in xml
    first = charts[0]
    m = re.search(r"<cat><strRef><f>'图表'!\$A\$(\d+):\$A\$(\d+)</f>", first)
    assert int(m.group(2)) - int(m.group(1)) + 1 == 30  # the top 30 organs, every one a category


def _pdf_pages_of(path, sheets, tmp_path) -> int:
    """LibreOffice's PDF of only ``sheets`` (the others hidden, their print ranges dropped); its page count."""
    from gxxl.util.libreoffice import convert

    with zipfile.ZipFile(path) as zf:
        parts = [(i, zf.read(i)) for i in zf.infolist()]
    only = tmp_path / f"only_{len(list(tmp_path.iterdir()))}.xlsx"
    with zipfile.ZipFile(only, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts:
            if info.filename == "xl/workbook.xml":
                t = data.decode()
                names = re.findall(r'<sheet [^>]*name="([^"]*)"', t)
                t = re.sub(r'<sheet [^>]*/>', lambda m: m.group(0) if re.search(r'name="([^"]*)"', m.group(0)).group(1)
                           in sheets else re.sub(r'state="\w+"', 'state="hidden"', m.group(0)), t)
                t = re.sub(r'<definedName name="_xlnm.Print_(?:Area|Titles)" localSheetId="(\d+)">[^<]*</definedName>',
                           lambda m: m.group(0) if names[int(m.group(1))] in sheets else "", t)
                t = re.sub(r'activeTab="\d+"', f'activeTab="{names.index(sheets[0])}"', t)
                data = t.encode()
            zf.writestr(info, data)
    pdf = convert([only], tmp_path / "pdf", "pdf")[0]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.mark.libreoffice
def test_extra_sheets_print_on_few_landscape_pages(tmp_path):
    from conftest import _need_libreoffice

    _need_libreoffice()
    info = make_inbox(tmp_path)
    res = consolidate([info["inbox"]], roster=info["roster"], year=2024, progress=False)
    out = tmp_path / "汇总.xlsx"
    res.to_xlsx(out)
    wb = openpyxl.load_workbook(out)
    for name in EXTRA_SHEETS:
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9, name  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1, name
    assert wb["报送情况"].print_title_rows == "$6:$6" and wb["问题清单"].print_title_rows == "$1:$1"
    assert wb["明细"].print_title_rows == "$1:$2"
    work = tmp_path / "lo"
    work.mkdir()
    pages = {name: _pdf_pages_of(out, [name], work) for name in EXTRA_SHEETS}
    # 16 files: their status, their findings, their details, three charts (one page each)
    assert pages["报送情况"] == 1 and pages["明细"] == 1 and pages["图表"] <= 3, pages
    assert pages["问题清单"] <= max(2, len(res.findings) // 25 + 1), pages
