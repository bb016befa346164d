"""`gxxl validate` and `gxxl rules` as users run them: exit codes, Chinese text grouped by sheet
with errors first, and the JSON contract."""
from __future__ import annotations

import json

import pytest

from gxxl.samples import bureau as sample
from gxxl.rules import RULES
from gxxl.workbook.api import new_workbook

FINDING_KEYS = {"rule", "severity", "message", "codes", "sheet", "cell", "expected", "actual", "explained"}
RESULT_KEYS = {"path", "organ", "year", "ok", "errors", "warnings", "findings"}


@pytest.fixture
def broken_path(tmp_path):
    p = tmp_path / "有错误.xlsx"
    new_workbook(p, meta=sample.SAMPLE_META, values=sample.broken_values(), narrative=sample.SAMPLE_NARRATIVE)
    return p


def test_clean_file_exit_0(gxxl_cli, sample_path):
    before = sample_path.read_bytes()
    r = gxxl_cli("validate", sample_path)
    assert r.returncode == 0, r.stderr
    assert "全部通过" in r.stdout and str(sample_path) in r.stdout
    assert sample_path.read_bytes() == before  # inputs are never modified


def test_errors_exit_1_text_grouped(gxxl_cli, broken_path):
    r = gxxl_cli("validate", broken_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    out = r.stdout
    assert "有4处错误" in out and "3处提示" in out
    # errors first, each section grouped by sheet in workbook order, with the cell
    e, w = out.index("【错误】"), out.index("【提示】")
    assert e < w
    errors = out[e:w]
    assert errors.index("▸ 表二 主动公开") < errors.index("▸ 表三 依申请公开") < errors.index("▸ 表四 复议诉讼")
    assert "D30" in errors and "勾稽关系" in errors and "[B.balance]" in errors
    assert "应填数字（是否为35？）" in errors
    assert "设区的市" in out[w:] and "▸ 正文" in out[w:]


def test_json_contract(gxxl_cli, sample_path, broken_path):
    r = gxxl_cli("validate", sample_path, broken_path, "--format", "json")
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert isinstance(data, list) and len(data) == 2
    for obj in data:
        assert set(obj) == RESULT_KEYS
        assert isinstance(obj["ok"], bool) and isinstance(obj["errors"], int) and isinstance(obj["warnings"], int)
        assert obj["organ"] == sample.SAMPLE_ORGAN and obj["year"] == 2024
        for f in obj["findings"]:
            assert FINDING_KEYS <= set(f) <= FINDING_KEYS | {"explanation"}
            assert f["severity"] in ("error", "warning") and isinstance(f["codes"], list)
            assert isinstance(f["explained"], bool)
    clean, broken = data
    assert clean == {"path": str(sample_path), "organ": sample.SAMPLE_ORGAN, "year": 2024, "ok": True, "errors": 0,
                     "warnings": 0, "findings": []}
    assert broken["ok"] is False and broken["errors"] == 4 and broken["warnings"] == 3
    bal = next(f for f in broken["findings"] if f["rule"] == "B.balance")
    assert bal == {"rule": "B.balance", "severity": "error", "message": bal["message"],
                   "codes": ["requests.new.natural", "requests.carried_in.natural", "requests.handled_total.natural",
                             "requests.carried_out.natural"],
                   "sheet": "表三 依申请公开", "cell": "D30", "expected": 4, "actual": 6, "explained": False}


def test_unusable_file_exit_2_others_still_validated(gxxl_cli, sample_path, tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"PK\x03\x04broken")
    r = gxxl_cli("validate", bad, sample_path, "--format", "json")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    first, second = json.loads(r.stdout)
    assert first["path"] == str(bad) and first["ok"] is False and "损坏" in first["error"]
    assert RESULT_KEYS <= set(first)
    assert second["ok"] is True
    r = gxxl_cli("validate", bad, sample_path)
    assert r.returncode == 2 and "坏文件.xlsx" in r.stderr and "全部通过" in r.stdout
    assert "共2个文件：1个没有错误，0个有错误，1个无法读取" in r.stdout
    r = gxxl_cli("validate", tmp_path / "不存在.xlsx")
    assert r.returncode == 2 and "不存在" in r.stderr


def test_previous(gxxl_cli, sample_path, tmp_path):
    last = tmp_path / "2023.xlsx"
    vals = sample.sample_values()
    vals.update({"requests.carried_out.natural": 2, "requests.disclosed.natural": 1, "active.normative.in_force": 14})
    new_workbook(last, meta={**sample.SAMPLE_META, "year": 2023}, values=vals)
    r = gxxl_cli("validate", sample_path, "--previous", last)
    assert r.returncode == 1 and "对照上年报告" in r.stdout and "D7" in r.stdout and "prev.carried_in" in r.stdout
    r = gxxl_cli("validate", sample_path, "--previous", tmp_path / "nope.xlsx")
    assert r.returncode == 2 and "nope.xlsx" in r.stderr


def test_rules_listing(gxxl_cli):
    r = gxxl_cli("rules", "--format", "json")
    data = json.loads(r.stdout)
    assert [d["id"] for d in data] == [x.id for x in RULES]
    r = gxxl_cli("rules")
    assert "B.balance" in r.stdout and "勾稽关系" in r.stdout and "--previous" in r.stdout


def test_demo_shows_validation(gxxl_cli, tmp_path):
    r = gxxl_cli("demo", "-o", tmp_path / "d")
    assert r.returncode == 0, r.stderr
    out = r.stdout[r.stdout.index("【3】"):]
    assert "全部通过" in out and "有4处错误" in out and "D30" in out


def test_blank_template_text_is_compact(gxxl_cli, tmp_path):
    p = tmp_path / "空白.xlsx"
    new_workbook(p, organ="某县某局", year=2024, level="县级", model_text=False)
    r = gxxl_cli("validate", p)
    assert r.returncode == 1
    # 表三: 24 input rows × 6 applicant columns; 表二: 10; 表四: 4 × 3 groups
    assert "144格未填写" in r.stdout and "D6、E6、F6" in r.stdout and "10格未填写" in r.stdout and "12格未填写" in r.stdout
    assert r.stdout.count("[fill.blank]") == 3  # one line per table sheet
    assert "正文“一、总体情况”未填写" in r.stdout


def test_model_text_is_filled_and_flagged(gxxl_cli, tmp_path):
    """A new workbook's model narrative: placeholders are filled before the text checks, marks are errors."""
    from gxxl.samples import bureau as sample

    p = tmp_path / "model.xlsx"
    new_workbook(p, meta=sample.SAMPLE_META, values=sample.sample_values())
    r = gxxl_cli("validate", p, "--format", "json")
    found = json.loads(r.stdout)[0]["findings"]
    rules = {f["rule"] for f in found}
    assert "text.model_text" in rules and "text.placeholder" not in rules
    assert all(f["sheet"] == "正文" and f["cell"] for f in found if f["rule"] == "text.model_text")
    assert not any(f["rule"].startswith("text.") and "{{" in (f["message"] or "") for f in found)
    # a placeholder over a blank cell is an error naming it
    vals = sample.sample_values()
    vals["requests.new.natural"] = None
    new_workbook(tmp_path / "blank.xlsx", meta=sample.SAMPLE_META, values=vals)
    r = gxxl_cli("validate", tmp_path / "blank.xlsx", "--format", "json")
    assert any(f["rule"] == "text.placeholder_blank" for f in json.loads(r.stdout)[0]["findings"])
