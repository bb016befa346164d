"""PDF through LibreOffice headless with the shipped font aliases: text, embedded CJK fonts, one page for table 3."""
import re
import subprocess

import pytest

from conftest import _need_libreoffice
from gxxl.samples import bureau as sample
from gxxl.workbook.api import new_workbook

pytestmark = pytest.mark.libreoffice


def _text(pdf, first=None, last=None):
    cmd = ["pdftotext", "-layout"]
    if first:
        cmd += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run(cmd + [str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _pages(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    _need_libreoffice()
    from conftest import run_gxxl

    d = tmp_path_factory.mktemp("pdf")
    vals = sample.sample_values()
    vals.update({"requests.new.natural": 4321, "requests.disclosed.natural": 4000, "requests.carried_out.natural": 320})
    clean = d / "clean.xlsx"
    new_workbook(clean, meta=sample.SAMPLE_META, values=vals, narrative=sample.SAMPLE_NARRATIVE)
    new_workbook(d / "broken.xlsx", meta=sample.SAMPLE_META, values=sample.broken_values(),
                 narrative=sample.SAMPLE_NARRATIVE)
    # one LibreOffice batch for both (the single-file path runs in test_cli.py::test_demo)
    r = run_gxxl("report", d, "-o", d / "out", "--format", "pdf", "--force")
    assert r.returncode == 0, r.stderr
    assert "已生成：clean.xlsx" in r.stdout and "草稿：broken.xlsx" in r.stdout
    return d / "out" / "clean.pdf", d / "out" / "broken.pdf"


def test_pdf_text_title_and_table3_number(pdfs):
    clean, _ = pdfs
    flat = re.sub(r"\s+", "", _text(clean))
    assert "示例县应急管理局（样例数据）2024年政府信息公开工作年度报告" in flat
    assert "三、收到和处理政府信息公开申请情况" in flat and "4321" in flat
    assert "草稿" not in flat
    assert "—1—" in flat  # page number


def test_table3_on_one_page(pdfs):
    clean, _ = pdfs
    pages = [re.sub(r"\s+", "", _text(clean, i)) for i in range(1, _pages(clean) + 1)]
    hits = [i for i, p in enumerate(pages) if "一、本年新收政府信息公开申请数量" in p]
    assert len(hits) == 1
    page = pages[hits[0]]
    assert "四、结转下年度继续办理" in page and "（本列数据的勾稽关系为" in page and "4321" in page


def test_cjk_fonts_embedded_through_aliases(pdfs):
    clean, _ = pdfs
    out = subprocess.run(["pdffonts", str(clean)], capture_output=True, text=True, check=True).stdout
    rows = [l.split() for l in out.splitlines()[2:] if l.strip()]
    assert rows and all(r[-5] == "yes" for r in rows)  # every font embedded
    cjk = {r[0].split("+")[-1] for r in rows if re.search(r"CJK|UKai|WenQuanYi|Sim|Fang|Kai|Song|Hei", r[0])}
    # the aliases map 仿宋/黑体/楷体/小标宋 to different faces; without them everything is one fallback font
    assert len(cjk) >= 3, out


def test_draft_is_marked(pdfs):
    _, draft = pdfs
    assert "草稿" in re.sub(r"\s+", "", _text(draft, 1))
    assert "不得公开" in _text(draft, _pages(draft))  # on every page (header)


def test_pages_render_to_png(pdfs, tmp_path):
    """The pictures a person looks at (page 1 and the table-3 page) render."""
    clean, _ = pdfs
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(clean), str(tmp_path / "p")], check=True)
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == _pages(clean) and all(p.stat().st_size > 2000 for p in pngs)
