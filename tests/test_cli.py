"""The CLI as users run it (a real subprocess)."""
import json

import openpyxl

from gxxl import schema


def test_new_writes_locked_workbook(gxxl_cli, tmp_path):
    out = tmp_path / "w.xlsx"
    r = gxxl_cli("new", "--organ", "某县应急管理局", "--year", "2024", "--level", "县级", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "已生成" in r.stdout
    wb = openpyxl.load_workbook(out)
    assert wb[schema.SHEET_COVER]["B4"].value == "某县应急管理局"
    r2 = gxxl_cli("new", "--organ", "x", "--year", "2024", "--level", "县级", "-o", out)
    assert r2.returncode == 2 and "--force" in r2.stderr and "Traceback" not in r2.stderr


def test_new_default_name(gxxl_cli, tmp_path):
    r = gxxl_cli("new", "--organ", "某镇人民政府", "--year", "2025", "--level", "乡镇（街道）", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "某镇人民政府2025年政府信息公开工作年度报告.xlsx").exists()


def test_new_rejects_bad_level_and_year(gxxl_cli, tmp_path):
    r = gxxl_cli("new", "--organ", "x", "--year", "2024", "--level", "区级", "-o", tmp_path / "a.xlsx")
    assert r.returncode == 2 and "机关层级" in r.stderr
    r = gxxl_cli("new", "--organ", "x", "--year", "2019", "--level", "县级", "-o", tmp_path / "a.xlsx")
    assert r.returncode == 2 and "2021" in r.stderr


def test_schema_json(gxxl_cli):
    r = gxxl_cli("schema", "--format", "json")
    data = json.loads(r.stdout)
    assert len(data["data_points"]) == 200
    p = {d["code"]: d for d in data["data_points"]}["requests.carried_out.total"]
    assert p["sheet"] == "表三 依申请公开" and p["cell"] == "J30" and len(p["sum_of"]) == 6
    r = gxxl_cli("schema")
    assert "requests.new.natural" in r.stdout and "本年新收" in r.stdout


def test_show_and_unusable_input(gxxl_cli, sample_path, tmp_path):
    r = gxxl_cli("show", sample_path)
    assert r.returncode == 0 and "本年新收5件" in r.stdout
    r = gxxl_cli("show", sample_path, "--format", "json")
    assert json.loads(r.stdout)["values"]["requests.new.total"] == 5
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04broken")
    r = gxxl_cli("show", bad)
    assert r.returncode == 2 and "bad.xlsx" in r.stderr and "Traceback" not in r.stderr


def test_demo(gxxl_cli, tmp_path):
    r = gxxl_cli("demo", "-o", tmp_path / "d")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "d" / "示例_正确.xlsx").exists()
    assert "本年新收5件" in r.stdout
    from gxxl.util.libreoffice import soffice

    for ext in ("docx", "html") + (("pdf",) if soffice() else ()):
        assert (tmp_path / "d" / f"示例_年度报告.{ext}").stat().st_size > 5000, ext
    r = gxxl_cli("demo", "-o", tmp_path / "d")
    assert r.returncode == 2  # refuses to overwrite
    r = gxxl_cli("demo", "-o", tmp_path / "d", "--force", "--no-pdf")
    assert r.returncode == 0
