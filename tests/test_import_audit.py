"""`gxxl audit`: import + validation per report and a Chinese summary across many reports."""
import json

import pytest

import import_render as R
from gxxl.audit import audit, collect

from conftest import CORPUS, SEED


@pytest.fixture(scope="module")
def corpus_audit():
    return audit([CORPUS], progress=False)


def test_audit_corpus_prints_summary(gxxl_cli):
    r = gxxl_cli("audit", *sorted(CORPUS.iterdir()))  # as a shell expands corpus/*
    assert r.returncode == 1, r.stderr
    out = r.stdout
    assert "汇总：共审查15份年报" in out
    assert "已跳过16个说明或来源文件" in out and "README.md" in out
    for organ in ("淮安市人民政府", "平潭综合实验区", "沭阳县发展和改革局", "上海市科委"):
        assert organ in out
    assert "2019试行" in out and "其他处理未分项" in out and "空白格" in out and "连写无法拆分" in out
    assert "使用的是已废止的2019年试行格式" in out  # the finding itself, in the per-report part
    assert "Traceback" not in r.stderr


def test_audit_json_follows_the_validation_contract(gxxl_cli, tmp_path):
    r = gxxl_cli("audit", SEED, CORPUS / "huaian_2024.pdf", "--format", "json")
    data = json.loads(r.stdout)
    assert [d["path"] for d in data] == [str(SEED), str(CORPUS / "huaian_2024.pdf")]
    for d in data:
        assert {"path", "organ", "year", "ok", "errors", "warnings", "findings"} <= set(d)
        for f in d["findings"]:
            assert {"rule", "severity", "message", "codes", "sheet", "cell", "expected", "actual", "explained"} <= set(f)
        assert d["errors"] == sum(f["severity"] == "error" for f in d["findings"])
    seed = data[0]
    assert seed["organ"] == "金乡县应急管理局" and seed["ok"] is False
    assert {"import.block_missing", "import.row_missing", "import.cells_blank"} <= {f["rule"] for f in seed["findings"]}
    assert r.returncode == (0 if all(d["ok"] for d in data) else 1)


def test_last_years_report_is_paired_automatically(corpus_audit):
    items, _ = corpus_audit
    by_name = {i.path.rsplit("/", 1)[-1]: i for i in items}
    assert by_name["pingtan_2022.txt"].previous.endswith("pingtan_2021.txt")
    assert by_name["pingtan_2025.txt"].previous.endswith("pingtan_2024.txt")
    assert by_name["hongze_2024.pdf"].previous.endswith("hongze_2023.pdf")  # 淮安市洪泽区人民政府 / 洪泽区人民政府
    assert by_name["pingtan_2021.txt"].previous.endswith("pingtan_2020.txt")
    assert by_name["huaian_2024.pdf"].previous is None


def test_explicit_previous_and_clean_report(gxxl_cli, tmp_path):
    v = R.random_values(21)
    cur, prev = tmp_path / "本年.html", tmp_path / "上年.html"
    cur.write_text(R.to_html(v), encoding="utf-8")
    prev.write_text(R.to_html(v).replace(str(R.YEAR), str(R.YEAR - 1)), encoding="utf-8")
    items, notes = audit([cur], [prev], progress=False)
    assert items[0].previous == str(prev)
    assert [f for f in items[0].findings if f.rule.startswith("import.")] == []
    r = gxxl_cli("audit", cur, "--previous", prev, "--format", "json")
    data = json.loads(r.stdout)
    assert r.returncode == (0 if data[0]["ok"] else 1)


def test_directory_and_non_reports(tmp_path, gxxl_cli):
    (tmp_path / "README.md").write_text("# 说明\n这里是一些说明。\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# 会议纪要\n今天开会。\n", encoding="utf-8")
    (tmp_path / "pic.png").write_bytes(b"\x89PNG")
    files, notes = collect([tmp_path])
    assert [f.name for f in files] == ["notes.md"]
    r = gxxl_cli("audit", tmp_path)
    assert r.returncode == 2
    assert "没有可审查的年报文件" in r.stderr and "不是政府信息公开工作年度报告" in r.stderr


def test_summary_only_and_default_import_name(gxxl_cli, tmp_path):
    r = gxxl_cli("audit", CORPUS / "huaian_2024.pdf", CORPUS / "hongze_2024.pdf", "--summary-only")
    assert "汇总：共审查2份年报" in r.stdout and "【1】" not in r.stdout
    assert "淮安市人民政府" in r.stdout and "其他处理未分项" in r.stdout
    r = gxxl_cli("import", CORPUS / "official_template_2021.docx", cwd=tmp_path)
    assert r.returncode == 1 and (tmp_path / "official_template_2021.xlsx").exists()
    assert "整表空白" not in r.stdout and "全部为空" in r.stdout


def test_demo_imports_its_published_report(tmp_path):
    from gxxl import read
    from gxxl.samples.demo import run_demo

    lines = []
    res = run_demo(tmp_path / "d", echo=lines.append, pdf=False)
    text = "\n".join(lines)
    assert "【5】导入和审查已公开的年报" in text and "导入问题0项" in text
    wb = read(res["files"]["imported"])
    assert wb.get("active.licensing.decisions") == 167 and wb.organ.startswith("示例县应急管理局")


def test_unreadable_file_among_reports(gxxl_cli, tmp_path):
    bad = tmp_path / "损坏.docx"
    bad.write_bytes(b"PK\x03\x04 broken")
    r = gxxl_cli("audit", CORPUS / "huaian_2024.pdf", bad, "--format", "json")
    data = json.loads(r.stdout)
    assert r.returncode == 1
    broken = next(d for d in data if d["path"] == str(bad))
    assert broken["ok"] is False and "不是.docx格式" in broken["error"]
    assert next(d for d in data if d["path"].endswith("huaian_2024.pdf"))["organ"] == "淮安市人民政府"
