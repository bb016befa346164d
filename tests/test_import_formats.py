"""Every input format reads back exactly what was printed: HTML with rowspan/colspan, .docx with
merged cells, PDF (made by LibreOffice), tab- and pipe-separated text and run-together digits;
label variants are tolerated; nothing is ever shifted silently."""
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import import_render as R
from gxxl import schema
from gxxl.ingest import import_report
from gxxl.ingest.parse import Parser
from gxxl.ingest.sources import text_to_doc


def read_text(text: str):
    return Parser(text_to_doc(text, "report.txt")).run()


def got(rep, code):
    dv = rep.values[code]
    return dv.stored if schema.POINTS[code].is_sum else dv.value


def assert_exact(rep, values):
    wrong = {c: (got(rep, c), values[c]) for c in schema.CODES if got(rep, c) != values[c]}
    assert wrong == {}
    assert [f for f in rep.findings if f.severity == "error"] == []


def assert_never_silent(rep, values):
    covered = {c for f in rep.findings for c in f.codes}
    for c in schema.CODES:
        g = got(rep, c)
        assert g == values[c] or (g is None and c in covered), (c, g, values[c])


@pytest.mark.parametrize("sep", ["\t", "|", " "], ids=["tabs", "pipes", "spaces"])
def test_separated_text(sep):
    v = R.distinct_values()
    rep = read_text(R.to_text(v, sep))
    assert_exact(rep, v)
    assert rep.organ == R.ORGAN and rep.year == R.YEAR
    assert rep.narrative["other"] == R.NARRATIVE["other"]
    assert rep.narrative["problems"] == R.NARRATIVE["problems"]


def test_html_with_spans(tmp_path):
    v = R.distinct_values()
    p = tmp_path / "report.html"
    p.write_text(R.to_html(v), encoding="utf-8")
    rep = import_report(p)
    assert_exact(rep, v)
    assert rep.source.kind == "html"
    assert rep.narrative["other"] == R.NARRATIVE["other"]  # the page footer is not part of the report


def test_html_in_gbk_with_entities(tmp_path):
    v = R.random_values(3)
    page = R.to_html(v).replace('charset="utf-8"', 'charset="gbk"').replace("（", "&#65288;")
    p = tmp_path / "report.htm"
    p.write_bytes(page.encode("gbk"))
    assert_exact(import_report(p), v)


def test_docx_with_merged_cells(tmp_path):
    v = R.distinct_values()
    p = tmp_path / "report.docx"
    R.to_docx(p, v)
    rep = import_report(p)
    assert_exact(rep, v)
    assert rep.narrative["overview"] == R.NARRATIVE["overview"]


def test_pdf_made_by_libreoffice(tmp_path):
    from gxxl.util.libreoffice import convert, soffice

    if soffice() is None:
        pytest.skip("LibreOffice not installed")
    v = R.random_values(7, high=900)
    src = tmp_path / "report.docx"
    R.to_docx(src, v)
    (pdf,) = convert([src], tmp_path / "pdf", "pdf")
    rep = import_report(pdf)
    assert rep.source.kind == "pdf"
    assert_never_silent(rep, v)
    assert sum(got(rep, c) == v[c] for c in schema.CODES) >= 0.95 * len(schema.CODES)


def test_run_together_digits_split_by_sums():
    v = R.random_values(11, high=30, zeros=0.7)
    rep = read_text(R.to_text(v, ""))
    assert_never_silent(rep, v)
    split = [f for f in rep.findings if f.rule == "import.cells_split"]
    assert split and all(f.severity == "warning" for f in split)
    assert "连写" in split[0].message


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), high=st.sampled_from([9, 40, 250]), zeros=st.sampled_from([0.3, 0.6, 0.85]))
def test_run_together_never_shifts_silently(seed, high, zeros):
    v = R.random_values(seed, high=high, zeros=zeros)
    assert_never_silent(read_text(R.to_text(v, "")), v)


def _variants(label: str) -> str:
    """How published reports reword labels: half-width brackets, spaces and breaks, 、 numbering."""
    label = label.replace("（", "(").replace("）", ")")
    label = re.sub(r"^(\d)\.", r"\1、", label)
    label = label.replace("行政规范性文件", "规范性文件").replace("“", '"').replace("”", '"')
    if len(label) > 8:
        label = label[:4] + " \n " + label[4:]
    return label


def test_label_variants_are_tolerated():
    v = R.distinct_values()
    rep = read_text(R.to_text(v, "\t", relabel=_variants))
    assert_exact(rep, v)


def test_missing_rows_block_and_table_are_findings_not_shifts():
    v = R.distinct_values()
    text = R.to_text(v, "\t")
    text = re.sub(r"\n2\.重复申请[^\n]*", "", text)  # a row lost on the way to publication
    text = re.sub(r"第二十条第（八）项\n信息内容[^\n]*\n行政事业性收费[^\n]*", "", text)  # a whole block
    text = text.split("四、政府信息公开行政复议、行政诉讼情况")[0] + "五、存在的主要问题及改进情况\n无。\n"
    rep = read_text(text)
    rules = {f.rule: f for f in rep.findings}
    assert set(rules["import.row_missing"].codes) == {f"requests.rejected_duplicate.{c}" for c, _ in schema.REQUEST_COLUMNS}
    assert rules["import.block_missing"].codes == ["active.fees.amount"]
    assert rules["import.table_missing"].codes[0].startswith("appeals.")
    assert_never_silent(rep, v)
    assert got(rep, "requests.rejected_publication.natural") == v["requests.rejected_publication.natural"]


def test_2019_format_is_wrong_for_2021_and_later():
    v = R.random_values(5)
    text = R.to_text(v, "\t").replace("本年制发件数", "本年新制作数量").replace("（六）其他处理\t", "（六）其他处理\t")
    rep = read_text(text)
    f = next(f for f in rep.findings if f.rule == "import.format_2019")
    assert f.severity == "error" and "2021年度及以后" in f.message
    assert all(got(rep, c) is None for c in schema.CODES if c.startswith("active."))
    assert got(rep, "requests.new.natural") == v["requests.new.natural"]  # table 3 and 4 still read


@pytest.mark.parametrize("fmt", ["docx", "html", "md", "pdf"])
def test_gxxl_reports_import_back_exactly(fmt, sample_path, tmp_path):
    """A report rendered by `gxxl report` reads back with every number and every narrative part."""
    from gxxl.samples import bureau as sample
    from gxxl.model import AnnualReport
    from gxxl.render import render_report

    if fmt == "pdf":
        from gxxl.util.libreoffice import soffice

        if soffice() is None:
            pytest.skip("LibreOffice not installed")
    out = tmp_path / f"report.{fmt}"
    render_report(sample_path, out, fmt=fmt)
    rep = import_report(out)
    want = AnnualReport.from_values(dict(sample.sample_values()))
    assert_exact(rep, {c: want.get(c) for c in schema.CODES})
    assert rep.organ == sample.SAMPLE_ORGAN and rep.year == sample.SAMPLE_META["year"]
    for key, text in sample.SAMPLE_NARRATIVE.items():
        assert rep.narrative[key] == text, key


def test_rows_whose_labels_a_converter_moved_are_realigned_and_reported():
    """PDF-to-Markdown converters print some rows' numbers without their label and the label elsewhere."""
    v = R.random_values(31, high=20)
    lines = R.to_text(v, "|").split("\n")
    moved = []
    for key in ("2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”"):
        i = next(k for k, ln in enumerate(lines) if key in ln)
        label_cell = next(c for c in lines[i].split("|") if key in c)
        lines[i] = lines[i].replace(label_cell, " ")
        moved.append(key)
    i = next(k for k, ln in enumerate(lines) if "4.保护第三方合法权益" in ln)
    lines.insert(i + 1, "（三）不予公开 " + " ".join(moved))  # the labels float below the rows
    rep = read_text("\n".join(lines))
    assert_never_silent(rep, v)
    for row in ("withheld_law_prohibited", "withheld_security_stability"):
        assert got(rep, f"requests.{row}.natural") == v[f"requests.{row}.natural"]
    realigned = [f for f in rep.findings if f.rule == "import.rows_realigned"]
    assert {c.split(".")[1] for f in realigned for c in f.codes} >= {"withheld_law_prohibited", "withheld_security_stability"}
    assert all(got(rep, c) == v[c] for c in schema.CODES)
    assert all(f.severity == "warning" and "合计相符" in f.message for f in realigned)
