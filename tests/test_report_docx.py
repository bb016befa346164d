"""The .docx read back with python-docx: GB/T 9704 page, fonts (w:eastAsia), the three official grids, every value."""
import zipfile
from pathlib import Path

import docx
import pytest
from docx.shared import Length, Mm

from gxxl import schema
from gxxl.samples import bureau as sample
from gxxl.model import AnnualReport
from gxxl.render import render_report
from gxxl.render import docx_writer as dw
from gxxl.render.tables import report_tables
from gxxl.workbook.api import new_workbook

ROOT = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
VALUES = {"requests.new.natural": 4321, "requests.disclosed.natural": 4000, "requests.carried_out.natural": 320,
          "active.fees.amount": 4166.241619, "appeals.review.upheld": 7}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    d = tmp_path_factory.mktemp("docx")
    vals = sample.sample_values()
    vals.update(VALUES)
    src = d / "sample.xlsx"
    narr = dict(sample.SAMPLE_NARRATIVE)
    narr["overview"] = narr["overview"].replace("全年新收政府信息公开申请5件", "全年新收政府信息公开申请{{ 本年新收 }}件")
    assert "{{" in narr["overview"]
    new_workbook(src, meta=sample.SAMPLE_META, values=vals, narrative=narr)
    out = render_report(src, d / "report.docx")
    assert out.path.exists() and not out.draft
    return src, out.path, docx.Document(str(out.path))


def _grid(tbl):
    """(row, col, rowspan, colspan, text) of every cell that starts a merge, from the WordprocessingML."""
    starts, open_v = [], {}
    for r, tr in enumerate(tbl._tbl.findall(f"{W}tr")):
        c = 0
        for tc in tr.findall(f"{W}tc"):
            pr = tc.find(f"{W}tcPr")
            gs = pr.find(f"{W}gridSpan")
            span = int(gs.get(f"{W}val")) if gs is not None else 1
            vm = pr.find(f"{W}vMerge")
            text = "".join(t.text or "" for t in tc.iter(f"{W}t"))
            if vm is not None and vm.get(f"{W}val") != "restart":
                open_v[c][2] += 1  # continues the merge above
            else:
                cell = [r, c, 1, span, text]
                starts.append(cell)
                if vm is not None:
                    open_v[c] = cell
            c += span
    return [tuple(x) for x in starts]


def test_page_setup_gbt9704(rendered):
    _, _, d = rendered
    s = d.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    for got, want in ((s.top_margin, 37), (s.bottom_margin, 35), (s.left_margin, 28), (s.right_margin, 26)):
        assert abs(got - Mm(want)) < Mm(0.1)
    # fixed pitch: 22 lines of exactly 28.95 pt; 28 characters of 3号 condensed to fit the 156 mm line
    normal = d.styles["Normal"]
    assert normal.paragraph_format.line_spacing.pt == pytest.approx(28.95)
    assert normal.paragraph_format.line_spacing_rule == docx.enum.text.WD_LINE_SPACING.EXACTLY
    text_h = Length(s.page_height - s.top_margin - s.bottom_margin).pt
    assert 22 * 28.95 <= text_h < 23 * 28.95
    spacing = int(normal.element.find(f"{W}rPr/{W}spacing").get(f"{W}val")) / 20
    text_w = Length(s.page_width - s.left_margin - s.right_margin).pt
    assert 28 * (16 + spacing) <= text_w < 29 * (16 + spacing)


def test_fonts_in_styles_and_runs(rendered):
    _, _, d = rendered
    want = {"Normal": ("仿宋_GB2312", 16), "Title": ("方正小标宋简体", 22), "Heading 1": ("黑体", 16),
            "Heading 2": ("楷体_GB2312", 16), "表格文字": ("宋体", 9)}
    for name, (font, size) in want.items():
        st = d.styles[name]
        rf = st.element.find(f"{W}rPr/{W}rFonts")
        assert rf.get(f"{W}eastAsia") == font and rf.get(f"{W}ascii") == font, name
        assert st.font.size.pt == size, name
    assert "theme" not in "".join(d.styles.element.find(f"{W}docDefaults").itertext())
    assert d.styles["Title"].paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    runs = list(d.element.body.iter(f"{W}r"))
    assert len(runs) > 300
    for r in runs:
        rf = r.find(f"{W}rPr/{W}rFonts")
        assert rf is not None and rf.get(f"{W}eastAsia"), "".join(r.itertext())
    title = d.paragraphs[0]
    assert title.style.name == "Title"
    assert title.text == "示例县应急管理局（样例数据）2024年政府信息公开工作年度报告"
    assert title.runs[0]._r.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "方正小标宋简体"
    leads = [r for p in d.paragraphs for r in p.runs if r.style is not None and r.style.name == dw.STYLE_LEAD]
    assert leads and leads[0].text == "（一）主动公开情况。"
    assert leads[0]._r.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "楷体_GB2312"


def test_headings_in_order_and_narrative_placeholders_filled(rendered):
    _, _, d = rendered
    h1 = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert h1 == [h for _, h in schema.PARTS]
    body = "\n".join(p.text for p in d.paragraphs)
    assert "全年新收政府信息公开申请4322件" in body and "{{" not in body


def test_three_tables_grids_merges_and_values(rendered):
    src, _, d = rendered
    from gxxl import read

    rep = read(src)
    model = report_tables(rep)
    assert len(d.tables) == 3
    for tbl, t in zip(d.tables, model):
        grid = tbl._tbl.find(f"{W}tblGrid").findall(f"{W}gridCol")
        assert (len(tbl.rows), len(grid)) == (t.nrows, t.ncols), t.key
        assert sorted(_grid(tbl)) == sorted((c.row, c.col, c.rowspan, c.colspan, c.text) for c in t.cells), t.key
        for c in t.cells:
            if c.code:  # python-docx resolves merged positions to their cell
                assert tbl.cell(c.row, c.col).text == c.text
                assert c.text == (str(rep.get(c.code)) if c.code != "active.fees.amount" else "4166.241619")
    assert [(t.nrows, t.ncols) for t in model] == [(14, 4), (28, 10), (4, 15)]
    by = {c.code: (c.row, c.col) for c in model[1].cells if c.code}
    assert d.tables[1].cell(*by["requests.new.natural"]).text == "4321"
    assert d.tables[1].cell(*by["requests.new.total"]).text == "4322"
    assert d.tables[2].cell(3, 0).text == "7"
    # header rows repeat if table 3 ever splits; rows never split
    trs = d.tables[1]._tbl.findall(f"{W}tr")
    assert all(tr.find(f"{W}trPr/{W}tblHeader") is not None for tr in trs[:3])
    assert trs[3].find(f"{W}trPr/{W}tblHeader") is None


def test_page_numbers_odd_right_even_left(rendered):
    _, path, d = rendered
    s = d.sections[0]
    assert d.settings.odd_and_even_pages_header_footer
    for footer, jc in ((s.footer, "right"), (s.even_page_footer, "left")):
        p = footer.paragraphs[0]
        xml = p._p.xml
        assert 'w:fldCharType="begin"' in xml and " PAGE " in xml
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert p._p.find(f"{W}pPr/{W}jc").get(f"{W}val") == jc
        for r in p.runs:
            rf = r._r.find(f"{W}rPr/{W}rFonts")
            assert rf.get(f"{W}eastAsia") == "宋体"
            assert r.font.size.pt == 14  # 4号


def test_committed_template_equals_fresh_build(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("bt", ROOT / "scripts" / "build_templates.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fresh = mod.build_docx_template(tmp_path / "fresh.docx")
    with zipfile.ZipFile(fresh) as a, zipfile.ZipFile(mod.DOCX_TEMPLATE) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        for name in a.namelist():
            assert a.read(name) == b.read(name), f"{name} differs: rebuild with python scripts/build_templates.py"


def test_office_restyles_the_template(tmp_path):
    """An office changes the body font in Word's style dialog: the report follows, runs included."""
    tpl = docx.Document(str(dw.default_template()))
    rf = tpl.styles["Normal"].element.find(f"{W}rPr/{W}rFonts")
    for k in ("ascii", "hAnsi", "eastAsia", "cs"):
        rf.set(f"{W}{k}", "仿宋")
    custom = tmp_path / "mine.docx"
    tpl.save(str(custom))
    rep = AnnualReport.from_values(sample.sample_values(), sample.SAMPLE_META, sample.SAMPLE_NARRATIVE)
    out = render_report(rep, tmp_path / "r.docx", template=custom)
    d = docx.Document(str(out.path))
    body = [p for p in d.paragraphs if p.style.name == "Normal" and p.runs]
    plain = [r for p in body for r in p.runs if r.style is None or r.style.name != dw.STYLE_LEAD]
    assert plain and all(r._r.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") == "仿宋" for r in plain)
    # a template without the needed styles is refused with a Chinese message
    bare = tmp_path / "bare.docx"
    docx.Document().save(str(bare))
    from gxxl.errors import GxxlError

    with pytest.raises(GxxlError, match="缺少样式"):
        render_report(rep, tmp_path / "r2.docx", template=bare)
    assert not (tmp_path / "r2.docx").exists()
