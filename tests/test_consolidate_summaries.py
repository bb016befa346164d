"""A 汇总 is never counted as a bureau (issue 11 point 2): earlier results in the inbox, covers naming a 汇总,
and going one level up only when the user asks (--level-up)."""
from __future__ import annotations

import json

import openpyxl
import pytest

from gxxl import schema
from gxxl.consolidation import CONSOLIDATED, consolidate
from gxxl.workbook.read import read

from conftest import run_gxxl
from county import independent_total, write_bureau

TOWN_REGION = "示例省示例市示例县城关镇"


def _bureaus(folder, names=("教育局", "民政局", "财政局"), seed=0, **kw) -> dict:
    return {f"示例县{d}": write_bureau(folder / f"{d}.xlsx", f"示例县{d}", seed=seed + i, **kw)
            for i, d in enumerate(names)}


def _totals(data: dict) -> dict:
    return data["totals"]


def test_rerun_into_the_inbox_gives_the_same_totals(tmp_path):
    inbox = tmp_path / "inbox"
    vals = _bureaus(inbox)
    expected = independent_total(list(vals.values()))
    runs = []
    for out in ("汇总结果.xlsx", "汇总结果2.xlsx", "汇总结果.xlsx"):  # again, another -o, then over the first one
        r = run_gxxl("consolidate", inbox, "-o", inbox / out, "--format", "json", "--force")
        assert r.returncode == 0, r.stdout + r.stderr
        runs.append(json.loads(r.stdout))
    assert _totals(runs[0]) == _totals(runs[1]) == _totals(runs[2])
    assert runs[0]["totals"]["requests.new.total"] == sum(expected[f"requests.new.{c}"] for c in schema.APPLICANT_COLUMNS)
    second = {f["file"]: f for f in runs[1]["files"]}
    earlier = second["inbox/汇总结果.xlsx"]
    assert earlier["status"] == CONSOLIDATED and earlier["included"] is False and earlier["consolidated"] is True
    assert "未计入" in earlier["detail"] and "--level-up" in earlier["detail"]
    assert runs[1]["included"] == 3 and runs[1]["counts"][CONSOLIDATED] == 1
    third = {f["file"]: f["status"] for f in runs[2]["files"]}
    assert third["inbox/汇总结果2.xlsx"] == CONSOLIDATED  # the output itself is left out, the other result is a 汇总
    # the text summary says so, and does not ask the office to phone the 汇总
    r = run_gxxl("consolidate", inbox)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "另有2个汇总文件未计入" in r.stdout and "需要联系的文件" not in r.stdout
    wb = openpyxl.load_workbook(inbox / "汇总结果2.xlsx", read_only=True)
    rows = [r for r in wb["报送情况"].iter_rows(values_only=True) if r and r[5:8] and "inbox/汇总结果.xlsx" in r]
    assert rows and rows[0][3] == "汇总文件（未计入）" and rows[0][4] == CONSOLIDATED
    wb.close()


def test_summary_status_with_a_roster_too(tmp_path):
    inbox = tmp_path / "inbox"
    _bureaus(inbox)
    consolidate([inbox], progress=False).to_xlsx(inbox / "旧汇总.xlsx")
    roster = tmp_path / "名单.csv"
    roster.write_text("机关名称\n示例县教育局\n示例县民政局\n示例县财政局\n", encoding="utf-8")
    res = consolidate([inbox], roster=roster, progress=False)
    by = {f.file: f for f in res.files}
    old = by["inbox/旧汇总.xlsx"]
    assert old.status == CONSOLIDATED and not old.included  # not "不在名单", and never summed
    assert res.exit_code == 0 and len(res.included) == 3
    out = tmp_path / "新汇总.xlsx"
    res.to_xlsx(out)
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = [r for r in wb["报送情况"].iter_rows(values_only=True) if r and "inbox/旧汇总.xlsx" in r]
    assert rows and rows[0][3] == "汇总文件（未计入）"
    assert not [r for r in wb["问题清单"].iter_rows(min_row=2, values_only=True) if r[7] == "consolidate.not_listed"]
    wb.close()


def test_consolidated_workbook_says_so_in_its_hidden_sheet(tmp_path):
    _bureaus(tmp_path / "in")
    out = tmp_path / "汇总.xlsx"
    consolidate([tmp_path / "in"], name="示例县", progress=False).to_xlsx(out)  # a name without “汇总”
    wb = openpyxl.load_workbook(out)
    meta = {r[0]: r[1] for r in wb[schema.SHEET_META].iter_rows(values_only=True)}
    assert meta["role"] == schema.ROLE_CONSOLIDATED
    assert read(out).source.role == schema.ROLE_CONSOLIDATED
    # even renamed into a bureau's name and with the extra sheets removed, the hidden sheet says it
    for s in ("报送情况", "问题清单", "明细", "图表"):
        del wb[s]
    wb.save(tmp_path / "in" / "改名.xlsx")
    res = consolidate([tmp_path / "in"], progress=False)
    assert {f.file.rsplit("/", 1)[-1]: f.status for f in res.files}["改名.xlsx"] == CONSOLIDATED


def test_workbook_from_an_older_gxxl_or_a_cover_naming_a_summary(tmp_path):
    inbox = tmp_path / "in"
    vals = _bureaus(inbox)
    # a gxxl 汇总 written before the hidden sheet said so: its 报送情况 and 明细 sheets do
    consolidate([inbox], name="示例县", progress=False).to_xlsx(tmp_path / "旧版.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "旧版.xlsx")
    ws = wb[schema.SHEET_META]
    ws.delete_rows([r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "role"][0])
    wb.save(inbox / "旧版汇总.xlsx")
    # a workbook filled by hand whose cover names a 汇总; an organ that merely has 汇总 in its name is a bureau
    write_bureau(inbox / "手工.xlsx", "示例县各部门汇总", seed=9)
    vals["示例县数据汇总中心"] = write_bureau(inbox / "中心.xlsx", "示例县数据汇总中心", seed=10)
    res = consolidate([inbox], progress=False)
    st = {f.file.rsplit("/", 1)[-1]: f for f in res.files}
    assert st["旧版汇总.xlsx"].status == CONSOLIDATED and st["手工.xlsx"].status == CONSOLIDATED
    assert "标明是汇总" in st["手工.xlsx"].detail and st["中心.xlsx"].included
    expected = independent_total(list(vals.values()))
    for c in schema.INPUT_CODES:
        assert res.total_values[c] == pytest.approx(expected[c]), c


def test_level_up_is_an_explicit_choice(tmp_path):
    """A county sums its townships' 汇总 files and its own bureaus, never its own earlier result."""
    towns = tmp_path / "towns"
    t1 = {f"城关镇{d}": write_bureau(towns / "城关镇" / f"{d}.xlsx", f"城关镇{d}", level="乡镇（街道）", seed=40 + i,
                                   region=TOWN_REGION) for i, d in enumerate(("党政办", "社会事务办"))}
    inbox = tmp_path / "县收件箱"
    consolidate([towns / "城关镇"], progress=False).to_xlsx(inbox / "城关镇汇总.xlsx")
    county = _bureaus(inbox)
    consolidate([inbox], progress=False).to_xlsx(inbox / "上次县汇总.xlsx")  # the county's own earlier result
    # by default neither 汇总 is summed
    plain = consolidate([inbox], progress=False)
    assert {f.file.rsplit("/", 1)[-1] for f in plain.files if f.status == CONSOLIDATED} == {"城关镇汇总.xlsx", "上次县汇总.xlsx"}
    exp_county = independent_total(list(county.values()))
    assert plain.total_values["requests.new.natural"] == exp_county["requests.new.natural"]
    # one level up: the township's 汇总 counts, the county's own earlier result still not
    up = consolidate([inbox], progress=False, level_up=True)
    st = {f.file.rsplit("/", 1)[-1]: f for f in up.files}
    assert st["城关镇汇总.xlsx"].included and "--level-up" in st["城关镇汇总.xlsx"].note
    assert st["上次县汇总.xlsx"].status == CONSOLIDATED and "不低于本次汇总（县级）" in st["上次县汇总.xlsx"].detail
    assert up.level == "县级"
    expected = independent_total(list(county.values()) + list(t1.values()))
    for c in schema.INPUT_CODES:
        assert up.total_values[c] == pytest.approx(expected[c]), c
    # the same from the command line, by --level-up or by naming the status in --include
    for flag in (["--level-up"], ["--include", "通过,仅提示,有错误,汇总文件"]):
        r = run_gxxl("consolidate", inbox, "--format", "json", *flag)
        assert r.returncode == 0, r.stdout + r.stderr
        data = json.loads(r.stdout)
        assert data["included"] == 4 and data["counts"][CONSOLIDATED] == 1
        assert data["totals"]["requests.new.total"] == up.total_values["requests.new.total"]
    help_text = run_gxxl("consolidate", "--help").stdout
    assert "--level-up" in help_text and "下级的汇总文件" in help_text


def test_level_up_only_of_township_summaries_gives_the_county_level(tmp_path):
    towns = tmp_path / "towns"
    inbox = tmp_path / "in"
    for town in ("城关镇", "东关镇"):
        write_bureau(towns / town / "党政办.xlsx", f"{town}党政办", level="乡镇（街道）", seed=len(town),
                     region=f"示例省示例市示例县{town}")
        consolidate([towns / town], progress=False).to_xlsx(inbox / f"{town}汇总.xlsx")
    res = consolidate([inbox], progress=False, level_up=True)
    assert len(res.included) == 2 and res.level == "县级"
