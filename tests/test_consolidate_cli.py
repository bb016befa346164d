"""`gxxl consolidate` on the command line: exit codes, JSON, outputs, refusal to overwrite."""
from __future__ import annotations

import json

import pytest

from gxxl.samples import bureau as sample
from gxxl.workbook.read import read

from conftest import run_gxxl
from county import hashes, write_bureau


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    d = root / "收件箱"
    for i, dept in enumerate(("教育局", "民政局", "财政局")):
        write_bureau(d / f"{dept}.xlsx", f"示例县{dept}", seed=i)
    clean = root / "全部正确"
    for i, dept in enumerate(("教育局", "民政局")):
        write_bureau(clean / f"{dept}.xlsx", f"示例县{dept}", seed=i)
    write_bureau(d / "统计局.xlsx", "示例县统计局", values=sample.broken_values())
    roster = root / "名单.csv"
    roster.write_text("机关名称\n示例县教育局\n示例县民政局\n示例县财政局\n示例县统计局\n示例县公安局\n", encoding="utf-8")
    return {"root": root, "dir": d, "clean": clean, "roster": roster}


def test_json_summary_and_outputs(inbox, tmp_path):
    before = hashes(inbox["root"])
    out = tmp_path / "汇总.xlsx"
    r = run_gxxl("consolidate", inbox["dir"], "--roster", inbox["roster"], "--year", "2024", "-o", out,
                 "--csv", tmp_path / "csv", "--format", "json", "--jobs", "2")
    assert r.returncode == 1, r.stderr  # one file with errors, one organ missing
    data = json.loads(r.stdout)
    assert data["files_found"] == 4 == sum(data["counts"].values())
    assert data["counts"]["通过"] == 3 and data["counts"]["有错误"] == 1
    assert data["missing"] == ["示例县公安局"]
    assert data["year"] == 2024 and data["included"] == 4
    assert {f["status"] for f in data["files"]} == {"通过", "有错误"}
    assert data["totals"]["requests.new.total"] == read(out).get("requests.new.total")
    assert sorted(p.rsplit("/", 1)[-1] for p in data["outputs"]) == sorted(["汇总.xlsx", "明细.csv", "问题清单.csv", "报送情况.csv"])
    assert hashes(inbox["root"]) == before
    # the output is a gxxl workbook: show reads it, and it consolidates again one level up
    s = run_gxxl("show", out)
    assert s.returncode == 0 and "（汇总）" in s.stdout
    up = run_gxxl("consolidate", out, "--format", "json")
    assert json.loads(up.stdout)["files_found"] == 1


def test_clean_folder_exits_zero_with_text_summary(inbox, tmp_path):
    out = tmp_path / "汇总.xlsx"
    r = run_gxxl("consolidate", inbox["clean"], "-o", out, "--name", "示例县（汇总）")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "通过2个" in r.stdout and f"已写出：{out}" in r.stdout
    assert "Traceback" not in r.stderr
    assert read(out).organ == "示例县（汇总）"
    import openpyxl

    wb = openpyxl.load_workbook(out)  # empty big sheets are still well-formed
    assert wb["问题清单"].max_row == 1 and wb["问题清单"]["A1"].value == "机关名称"


def test_refuses_to_overwrite_before_reading(inbox, tmp_path):
    out = tmp_path / "汇总.xlsx"
    out.write_bytes(b"keep me")
    r = run_gxxl("consolidate", inbox["clean"], "-o", out)
    assert r.returncode == 2 and "--force" in r.stderr
    assert out.read_bytes() == b"keep me"
    r = run_gxxl("consolidate", inbox["clean"], "-o", out, "--force")
    assert r.returncode == 0 and out.read_bytes()[:2] == b"PK"


def test_unusable_arguments_exit_two_in_chinese(inbox, tmp_path):
    r = run_gxxl("consolidate", tmp_path / "没有这个文件夹")
    assert r.returncode == 2 and "不存在" in r.stderr and "Traceback" not in r.stderr
    r = run_gxxl("consolidate", inbox["clean"], "--roster", tmp_path / "无.csv")
    assert r.returncode == 2 and "名单" in r.stderr
    r = run_gxxl("consolidate", inbox["clean"], "--include", "通过,随便")
    assert r.returncode == 2 and "随便" in r.stderr
