"""Consolidation (library): statuses, roster, totals, the consolidated workbook, a second level up."""
from __future__ import annotations

import csv
import random
import zipfile
from datetime import datetime

import openpyxl
import pytest

import gxxl
from gxxl import schema
from gxxl.consolidation import (DUPLICATE, MISSING, STATUSES, assemble, check_file, check_item, collect_inputs,
                              consolidate, load_roster)
from gxxl.errors import GxxlError
from gxxl.workbook.read import read

from county import COUNTY, hashes, independent_total, make_inbox, write_bureau


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    root = tmp_path_factory.mktemp("county")
    info = make_inbox(root)
    info["hashes"] = hashes(root)
    info["root"] = root
    info["result"] = consolidate([info["inbox"]], roster=info["roster"], year=2024, jobs=2, progress=False)
    info["out"] = root / "汇总.xlsx"
    info["result"].to_xlsx(info["out"])
    return info


def test_every_file_gets_the_expected_status_exactly_once(county):
    res = county["result"]
    got = {f.file: f.status for f in res.files}
    assert got == county["expected"]
    assert len(res.files) == len(county["expected"])
    assert sum(res.counts.values()) == len(res.files)
    assert set(res.counts) == set(STATUSES)
    assert sorted(x.file for x in res.ignored) == sorted(county["ignored"])


def test_reasons_tell_the_office_what_happened(county):
    res = county["result"]
    by = {f.file: f for f in res.files}
    assert "已损坏" in by["收件箱/损坏.xlsx"].detail
    assert "网页" in by["收件箱/网页.xls"].detail
    assert "过大" in by["收件箱/邮件附件.zip!炸弹.xlsx"].detail
    assert "2023" in by["收件箱/林业局.xlsx"].detail
    dup = by["收件箱/应急局_初稿.xlsx"]
    assert "应急局_修改后.xlsx" in dup.detail  # the kept file is named, by the workbook's own save time
    assert "应急局_初稿.xlsx" in by["收件箱/应急局_修改后.xlsx"].note
    assert by["收件箱/统计局.xlsx"].roster_name == COUNTY + "统计局"  # matched by the roster alias
    assert by["收件箱/统计局.xlsx"].errors >= 2
    assert "服务中心" in by["收件箱/服务中心.xlsx"].detail


def test_roster_gives_missing_organs_and_status_rows(county):
    res = county["result"]
    assert [e.name for e in res.missing] == county["missing"]
    rs = res.roster_status
    state = dict(zip(rs["机关名称"], rs["报送情况"]))
    assert state[COUNTY + "公安局"] == MISSING
    assert state[COUNTY + "林业局"] == "报送年度不符"
    assert state[COUNTY + "统计局"] == "已报送（有错误）"
    assert len(rs) == len(load_roster(county["roster"]))
    assert res.exit_code == 1


def test_totals_equal_independently_summed_inputs(county):
    res = county["result"]
    assert {f.organ for f in res.included} == {o if o != COUNTY + "统计局" else "统计局" for o in county["included"]}
    expected = independent_total(list(county["included"].values()))
    for c in schema.INPUT_CODES:
        assert res.total_values[c] == pytest.approx(expected[c]), c
    # sums are the sums of the summed inputs
    for c in schema.SUM_CODES:
        assert res.total_values[c] == pytest.approx(sum(expected[p] for p in schema.inputs_of(c))), c
    assert res.totals["requests.new.total"] == res.total_values["requests.new.total"]


def test_findings_list_every_problem_with_its_cell(county):
    df = county["result"].findings
    stat = df[df["机关名称"] == "统计局"]
    assert (stat["级别"] == "错误").sum() >= 2
    assert stat["单元格"].str.len().gt(0).all()
    assert {"consolidate.unreadable", "consolidate.wrong_year", "consolidate.not_listed", "consolidate.duplicate",
            "consolidate.missing"} <= set(df["规则"])
    assert (df["机关名称"] == COUNTY + "公安局").sum() == 1


def test_details_frame_has_one_row_per_file_and_every_code(county):
    df = county["result"].details
    assert len(df) == len(county["expected"])
    assert list(df.columns[-len(schema.CODES):]) == list(schema.CODES)
    row = df[df["文件"] == "收件箱/教育局.xlsx"].iloc[0]
    assert row["状态"] == "通过" and row["计入汇总"] == "是"
    edu = county["included"][COUNTY + "教育局"]
    assert row["requests.new.natural"] == edu["requests.new.natural"]
    assert row["requests.new.total"] == sum(edu[f"requests.new.{c}"] for c in schema.APPLICANT_COLUMNS)
    assert str(df["requests.new.natural"].dtype) == "Int64"


def test_consolidated_workbook_reads_back_as_the_totals(county):
    rep = read(county["out"])
    res = county["result"]
    assert rep.organ == "示例省示例市示例县（汇总）"  # the bureaus' common region
    assert rep.year == 2024 and rep.level == "县级"
    assert not [f for f in rep.findings if f.severity == "error"]
    for c in schema.CODES:
        assert rep.get(c) == pytest.approx(res.total_values[c]), c


def test_consolidated_workbook_sheets_charts_and_layout(county):
    wb = openpyxl.load_workbook(county["out"])
    for s in ("报送情况", "问题清单", "明细", "图表"):
        assert s in wb.sheetnames
    assert "同比" not in wb.sheetnames  # only with --previous
    assert wb.active.title == "报送情况"
    d = wb["明细"]
    assert d.freeze_panes == "D3" and d.auto_filter.ref.startswith("A2:")
    assert d.cell(2, len(gxxl.consolidation.INFO_COLUMNS) + 1).value == schema.CODES[0]
    assert d.cell(1, 2).value == "机关名称"
    assert d.max_row == 2 + len(county["expected"]) + 1  # header rows, one row per file, the total
    assert str(d.cell(d.max_row, 2).value).startswith("合计")
    q = wb["问题清单"]
    assert q.auto_filter.ref and q.freeze_panes == "B2"  # the organ stays in view beside its phone number
    with zipfile.ZipFile(county["out"]) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 3
        xml = "".join(zf.read(n).decode() for n in charts)
    assert "本年新收申请（按机关）" in xml and "办理结果构成" in xml and "行政复议、行政诉讼" in xml
    assert "<pieChart>" not in xml and xml.count("<barChart>") == 3  # bars: a pie's labels overlap


def test_formula_injection_is_neutralised(county):
    wb = openpyxl.load_workbook(county["out"])
    seen = 0
    for name in ("报送情况", "问题清单", "明细", "图表"):
        for row in wb[name].iter_rows():
            for cell in row:
                assert cell.data_type != "f", (name, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@")), (name, cell.coordinate)
                    seen += cell.value.startswith("'=HYPERLINK")
    assert seen >= 3  # the organ in 报送情况, 问题清单 and 明细


def test_inputs_are_never_modified(county):
    now = hashes(county["root"])
    for k, v in county["hashes"].items():
        assert now[k] == v, k


def test_parallel_and_dask_style_runs_agree(county, tmp_path):
    """The per-file function is what a Dask user maps; assemble() does the rest."""
    items, ignored = collect_inputs([county["inbox"]], tmp_path, exclude=[])
    files = [check_item(i) for i in items]  # e.g. dask.bag.from_sequence(items).map(check_item).compute()
    assert sum(i.error is not None for i in items) == 1  # the zip bomb fails before reading
    assert check_file(county["inbox"] / "教育局.xlsx").status == "通过"
    res = assemble(files, roster=load_roster(county["roster"]), year=2024, ignored=ignored)
    assert res.counts == county["result"].counts
    assert res.total_values == county["result"].total_values
    seq = consolidate([county["inbox"]], roster=county["roster"], year=2024, jobs=1, progress=False)
    assert [f.status for f in seq.files] == [f.status for f in county["result"].files]


def test_year_is_inferred_and_status_set_is_an_option(county):
    res = consolidate([county["inbox"]], roster=county["roster"], include=("通过",), jobs=1, progress=False)
    assert res.year == 2024 and not res.year_given
    assert {f.status for f in res.included} == {"通过"}
    with pytest.raises(GxxlError):
        consolidate([county["inbox"]], include=("随便",), jobs=1, progress=False)


def test_without_roster_duplicates_still_count_once(county):
    res = consolidate([county["inbox"]], jobs=1, progress=False)
    assert res.counts["不在名单"] == 0 and res.counts[DUPLICATE] == 1
    assert res.missing == []
    assert gxxl.consolidate([county["inbox"]], jobs=1, progress=False).counts == res.counts  # the public function


def test_nothing_to_consolidate_is_an_error(tmp_path):
    (tmp_path / "readme.txt").write_text("x", encoding="utf-8")
    with pytest.raises(GxxlError, match="没有找到"):
        consolidate([tmp_path], progress=False)
    with pytest.raises(GxxlError, match="不存在"):
        consolidate([tmp_path / "nope"], progress=False)


def _county_dir(root, county, seeds, year=2024):
    vals = {}
    for i, d in enumerate(("教育局", "民政局", "财政局")):
        organ = f"{county}{d}"
        vals[organ] = write_bureau(root / county / f"{d}.xlsx", organ, year=year, seed=seeds + i,
                                   region=f"示例省示例市{county}")
    return vals


def test_two_county_outputs_give_the_city_total(tmp_path):
    a = _county_dir(tmp_path, "甲县", 100)
    b = _county_dir(tmp_path, "乙县", 200)
    out_a, out_b = tmp_path / "甲县汇总.xlsx", tmp_path / "乙县汇总.xlsx"
    consolidate([tmp_path / "甲县"], progress=False).to_xlsx(out_a)
    consolidate([tmp_path / "乙县"], progress=False).to_xlsx(out_b)
    # 汇总 files count only when the user asks to go one level up
    assert not consolidate([out_a, out_b], name="示例市（汇总）", level="市级", progress=False).included
    city = consolidate([out_a, out_b], name="示例市（汇总）", level="市级", progress=False, level_up=True)
    # the tables check out; a 汇总's narrative (model text from the builder) is nobody's report: not checked
    errors = {x[0] for f in city.files for x in f.findings if x[1] == "error"}
    assert not errors, errors
    assert all(f.included for f in city.files)
    assert {f.organ for f in city.files} == {"示例省示例市甲县（汇总）", "示例省示例市乙县（汇总）"}
    expected = independent_total(list(a.values()) + list(b.values()))
    for c in schema.INPUT_CODES:
        assert city.total_values[c] == pytest.approx(expected[c]), c
    out_city = tmp_path / "市汇总.xlsx"
    city.to_xlsx(out_city)
    rep = read(out_city)
    assert rep.organ == "示例市（汇总）" and rep.level == "市级"
    assert rep.get("requests.new.total") == expected_sum(expected, "requests.new.total")


def expected_sum(total, code):
    return sum(total[p] for p in schema.inputs_of(code))


def test_previous_year_gives_comparison_and_cross_year_flags(tmp_path):
    last = _county_dir(tmp_path / "2023", "甲县", 300, year=2023)
    prev_out = tmp_path / "2023汇总.xlsx"
    consolidate([tmp_path / "2023" / "甲县"], progress=False).to_xlsx(prev_out)
    # this year: the 教育局 receives far more applications
    rng = random.Random(7)
    v = gxxl.samples.county.bureau_values(rng)
    v["requests.new.natural"] += 60
    v["requests.disclosed.natural"] += 60
    write_bureau(tmp_path / "2024" / "教育局.xlsx", "甲县教育局", values=v, region="示例省示例市甲县")
    write_bureau(tmp_path / "2024" / "民政局.xlsx", "甲县民政局", seed=9, region="示例省示例市甲县")
    res = consolidate([tmp_path / "2024"], previous=prev_out, progress=False)
    cmp = res.comparison
    edu = cmp[(cmp["机关名称"] == "甲县教育局") & (cmp["指标"] == "本年新收申请")].iloc[0]
    assert edu["上年"] == sum(last["甲县教育局"][f"requests.new.{c}"] for c in schema.APPLICANT_COLUMNS)
    assert edu["提示"] == "变化较大，请核实"
    tot = cmp[(cmp["机关名称"] == "合计") & (cmp["指标"] == "本年新收申请")].iloc[0]
    assert tot["本年"] == res.total_values["requests.new.total"]
    assert tot["上年"] == read(prev_out).get("requests.new.total")
    chain = cmp[cmp["指标"] == "上年结转＝上年结转下年度"]
    assert len(chain) == 3  # the total and both organs
    assert chain["提示"].str.contains("不一致").any()
    out = tmp_path / "2024汇总.xlsx"
    res.to_xlsx(out)
    wb = openpyxl.load_workbook(out)
    assert "同比" in wb.sheetnames and wb["同比"].max_row == 1 + len(cmp)


def test_csv_export_uses_codes_and_neutralises_injection(county, tmp_path):
    files = county["result"].to_csv(tmp_path / "csv")
    assert sorted(p.name for p in files) == sorted(["问题清单.csv", "报送情况.csv", "明细.csv"])
    with open(tmp_path / "csv" / "明细.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][len(gxxl.consolidation.INFO_COLUMNS):] == list(schema.CODES)
    organs = [r[1] for r in rows[1:]]
    assert any(o.startswith("'=HYPERLINK") for o in organs)
    assert not any(o.startswith("=") for o in organs)
    with pytest.raises(GxxlError):  # no silent overwrite
        county["result"].to_csv(tmp_path / "csv")


def test_roster_from_xlsx_with_codes(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "单位名称", "简称", "统一社会信用代码"])
    ws.append([1, "示例县教育局", "教育局、县教育局", "11000000MB0000001X"])
    ws.append([2, "示例县民政局", None, None])
    wb.save(tmp_path / "名单.xlsx")
    r = load_roster(tmp_path / "名单.xlsx")
    assert [e.name for e in r.entries] == ["示例县教育局", "示例县民政局"]
    assert r.match("县教育局").name == "示例县教育局"
    assert r.match("示例县 教育局").name == "示例县教育局"
    assert r.match("11000000MB0000001X").name == "示例县教育局"
    assert r.suggest("示例县民政局局") == "示例县民政局"
    with pytest.raises(GxxlError):
        load_roster(tmp_path / "none.csv")


def test_gbk_member_names_in_zip_are_decoded(tmp_path):
    src = tmp_path / "a.xlsx"
    write_bureau(src, "示例县教育局", seed=1)
    z = tmp_path / "in.zip"
    gbk = "教育局.xlsx".encode("gbk")
    placeholder = b"X" * (len(gbk) - 5) + b".xlsx"
    with zipfile.ZipFile(z, "w") as zf:  # as Windows' built-in zip writes Chinese names: GBK, no UTF-8 flag
        zf.writestr(zipfile.ZipInfo(placeholder.decode(), date_time=(2025, 1, 2, 3, 4, 5)), src.read_bytes())
    z.write_bytes(z.read_bytes().replace(placeholder, gbk))
    items, _ = collect_inputs([z], tmp_path / "unz")
    assert [i.file for i in items] == [f"{z}!教育局.xlsx"]
    assert datetime.fromtimestamp((tmp_path / "unz").joinpath(items[0].path.rsplit("/", 1)[-1]).stat().st_mtime).year == 2025


def test_demo_county_is_ready_to_use(tmp_path):
    from gxxl.samples.county import demo_county

    lines = []
    r = demo_county(tmp_path, echo=lines.append)
    res = r["result"]
    assert res.counts["通过"] == 4 and res.counts["有错误"] == 1
    assert [e.name for e in res.missing] == ["示例县公安局"]
    assert any("未报送1个" in x for x in lines)
    rep = read(r["output"])
    assert rep.organ == "示例县（汇总）" and rep.get("requests.new.total") == res.total_values["requests.new.total"]


def test_roster_without_header_or_with_title_row(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("示例县机关事务管理局\n示例县教育局\n", encoding="gb18030")  # Excel's CSV on a Chinese PC is GBK
    assert [e.name for e in load_roster(p).entries] == ["示例县机关事务管理局", "示例县教育局"]
    p.write_text("2024年度年报报送名单\n示例县教育局\n", encoding="utf-8")
    assert [e.name for e in load_roster(p).entries] == ["示例县教育局"]
    p.write_text("2024年度年报报送名单,,\n序号,单位名称,代码\n1,示例县教育局,A1\n", encoding="utf-8")
    r = load_roster(p)
    assert [(e.name, e.code) for e in r.entries] == [("示例县教育局", "A1")]


def test_output_inside_the_input_folder_is_not_an_input(tmp_path):
    write_bureau(tmp_path / "教育局.xlsx", "示例县教育局", seed=1)
    out = tmp_path / "汇总.xlsx"
    consolidate([tmp_path], progress=False).to_xlsx(out)
    again = consolidate([tmp_path], output=out, progress=False)  # what the CLI passes for -o
    assert [f.file for f in again.files] == [f"{tmp_path.name}/教育局.xlsx"]
    assert [x.file for x in again.ignored] == [f"{tmp_path.name}/汇总.xlsx"]
    again.to_xlsx(out, force=True)
    assert read(out).get("requests.new.total") == again.total_values["requests.new.total"]
