"""`gxxl report` as users run it: the gate, drafts, folders, narrative files, clear messages."""
import docx
import openpyxl
import pytest

from gxxl import schema
from gxxl.samples import bureau as sample
from gxxl.workbook.api import new_workbook


def _wb(path, values=None, narrative=sample.SAMPLE_NARRATIVE, meta=sample.SAMPLE_META):
    new_workbook(path, meta=meta, values=values or sample.sample_values(), narrative=narrative)
    return path


def test_report_default_name_and_formats(gxxl_cli, tmp_path):
    src = _wb(tmp_path / "局.xlsx")
    before = src.read_bytes()
    r = gxxl_cli("report", src)
    assert r.returncode == 0, r.stderr
    assert "已生成报告" in r.stdout and (tmp_path / "局.docx").exists()
    r = gxxl_cli("report", src, "-o", tmp_path / "p.html")  # format from the suffix
    assert r.returncode == 0 and (tmp_path / "p.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    r = gxxl_cli("report", src, "--format", "md", "-o", tmp_path / "x.txt")
    assert r.returncode == 0 and (tmp_path / "x.txt").read_text(encoding="utf-8").startswith("# ")
    r = gxxl_cli("report", src)  # exists: refused
    assert r.returncode == 2 and "--force" in r.stderr
    r = gxxl_cli("report", src, "--format", "html", "--template", tmp_path / "t.docx")
    assert r.returncode == 2 and "--template" in r.stderr
    assert src.read_bytes() == before  # input untouched


def test_gate_refuses_then_force_marks_draft(gxxl_cli, tmp_path):
    src = _wb(tmp_path / "broken.xlsx", sample.broken_values())
    out = tmp_path / "broken.docx"
    r = gxxl_cli("report", src, "-o", out)
    assert r.returncode == 1 and not out.exists()
    assert "未生成报告" in r.stderr and "“无”" in r.stderr and "--force" in r.stderr and "Traceback" not in r.stderr
    r = gxxl_cli("report", src, "-o", out, "--force")
    assert r.returncode == 0, r.stderr
    assert "已生成草稿" in r.stdout and "草稿" in r.stderr and "“无”" in r.stderr
    d = docx.Document(str(out))
    assert d.paragraphs[0].text.startswith("草稿")
    assert "草稿" in d.sections[0].header.paragraphs[0].text
    assert "草稿" in d.sections[0].even_page_header.paragraphs[0].text
    assert d.core_properties.title.startswith("（草稿）")
    r = gxxl_cli("report", src, "-o", tmp_path / "b.html", "--force")
    html = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert '<body class="draft">' in html and "draft-banner" in html and "<title>（草稿）" in html


def test_unexplained_warnings_are_listed(gxxl_cli, tmp_path):
    pytest.importorskip("gxxl.rules")
    vals = sample.sample_values()
    vals.update({"active.rules.issued": 1, "active.rules.in_force": 1})  # 规章 from a county bureau: a warning
    src = _wb(tmp_path / "w.xlsx", vals)
    r = gxxl_cli("report", src)
    assert r.returncode == 0, r.stderr
    assert "提示" in r.stderr and "规章" in r.stderr


def test_new_workbook_has_model_text_with_placeholders(gxxl_cli, tmp_path):
    src = tmp_path / "new.xlsx"
    new_workbook(src, meta=sample.SAMPLE_META, values=sample.sample_values())
    cell = schema.layout()["narrative.overview"]
    text = openpyxl.load_workbook(src)[cell.sheet][cell.cell].value
    assert "{{ 本年新收 }}" in text and "【请" in text
    r = gxxl_cli("report", src)
    assert r.returncode == 1 and "示例提示" in r.stderr and "B4" in r.stderr
    r = gxxl_cli("report", src, "--force")  # the draft already shows the table's numbers in the text
    assert r.returncode == 0
    body = "\n".join(p.text for p in docx.Document(str(tmp_path / "new.docx")).paragraphs)
    assert "全年新收政府信息公开申请5件" in body


def test_narrative_file_and_unknown_placeholder(gxxl_cli, tmp_path):
    src = _wb(tmp_path / "w.xlsx")
    md = tmp_path / "正文.md"
    md.write_text("前言{{ 机关名称 }}。\n一、总体情况\n收到{{ 本年新收 }}件。\n五、存在的主要问题及改进情况\n问题。\n"
                  "六、其他需要报告的事项\n未收取信息处理费。\n", encoding="utf-8")
    r = gxxl_cli("report", src, "--narrative", md, "-o", tmp_path / "a.md")
    assert r.returncode == 0, r.stderr
    assert "收到5件。" in (tmp_path / "a.md").read_text(encoding="utf-8")
    md.write_text("一、总体情况\n收到{{ 本年收到 }}件。\n", encoding="utf-8")
    r = gxxl_cli("report", src, "--narrative", md, "-o", tmp_path / "b.md")
    assert r.returncode == 2 and "本年收到" in r.stderr and "正文.md" in r.stderr and "第2行" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "b.md").exists()


def test_placeholder_list(gxxl_cli):
    r = gxxl_cli("report", "--placeholders")
    assert r.returncode == 0 and "{{ 本年新收 }}" in r.stdout and "pct" in r.stdout and "{{ 不予公开 }}" in r.stdout


def test_folder_one_bad_file_does_not_stop_the_run(gxxl_cli, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    _wb(src / "a_ok.xlsx")
    _wb(src / "b_broken.xlsx", sample.broken_values())
    (src / "c_corrupt.xlsx").write_bytes(b"PK\x03\x04broken")
    (src / "readme.txt").write_text("not a workbook")
    (src / "~$a_ok.xlsx").write_bytes(b"lock file")
    _wb(src / "d_ok.xlsx")
    out = tmp_path / "out"
    r = gxxl_cli("report", src, "-o", out, "--format", "html")
    assert r.returncode == 2, r.stderr  # the worst: an unusable file
    assert sorted(p.name for p in out.iterdir()) == ["a_ok.html", "d_ok.html"]
    assert "共4份：已生成2份，草稿0份，有错误未生成1份，无法使用1份" in r.stdout
    assert "c_corrupt.xlsx" in r.stderr and "已损坏" in r.stderr and "“无”" in r.stderr
    assert "生成报告" in r.stderr and "4/4" in r.stderr  # tqdm progress bar on stderr
    r = gxxl_cli("report", src, "-o", out, "--format", "html", "--force")
    assert "草稿：b_broken.xlsx" in r.stdout and (out / "b_broken.html").exists()
    r = gxxl_cli("report", src)
    assert r.returncode == 2 and "-o" in r.stderr
