"""Unusable documents give a Chinese message naming the file and exit code 2, never a traceback."""
import pytest

import import_render as R


def run_import(gxxl_cli, src, tmp_path):
    return gxxl_cli("import", src, "-o", tmp_path / "out.xlsx")


@pytest.mark.parametrize("name,content,message", [
    ("empty.txt", b"", "空的"),
    ("binary.txt", b"\x00\x01\x02" * 100, "不是文本文件"),
    ("readme.md", "# 说明\n这是一个普通的说明文件，没有表格。\n".encode(), "不是政府信息公开工作年度报告"),
    ("fake.pdf", b"<html>not a pdf</html>", "不是PDF文件"),
    ("broken.docx", b"PK\x03\x04 truncated", "不是.docx格式"),
    ("report.xyz", b"hello", "不支持的文件类型"),
])
def test_bad_documents(gxxl_cli, tmp_path, name, content, message):
    src = tmp_path / name
    src.write_bytes(content)
    r = run_import(gxxl_cli, src, tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert message in r.stderr and name in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out.xlsx").exists()


def test_missing_file(gxxl_cli, tmp_path):
    r = run_import(gxxl_cli, tmp_path / "nope.pdf", tmp_path)
    assert r.returncode == 2 and "文件不存在" in r.stderr


def test_pdf_without_text_layer(gxxl_cli, tmp_path):
    # A valid one-page PDF with nothing on it, like a scan without OCR.
    pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
           b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    src = tmp_path / "scan.pdf"
    src.write_bytes(pdf)
    r = run_import(gxxl_cli, src, tmp_path)
    assert r.returncode == 2 and "没有文字层" in r.stderr


def test_gbk_text_is_read(gxxl_cli, tmp_path):
    v = R.random_values(9)
    src = tmp_path / "gbk.txt"
    src.write_bytes(R.to_text(v, "\t").encode("gb18030"))
    r = run_import(gxxl_cli, src, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert R.ORGAN in r.stdout


def test_output_may_not_be_the_input(gxxl_cli, tmp_path):
    src = tmp_path / "r.txt"
    src.write_text(R.to_text(R.random_values(1), "\t"), encoding="utf-8")
    r = gxxl_cli("import", src, "-o", src, "--force")
    assert r.returncode == 2 and "输入文件" in r.stderr
    assert src.read_text(encoding="utf-8").startswith(R.ORGAN)
