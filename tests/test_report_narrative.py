"""Narrative placeholders (codes, Chinese aliases, helpers), sources (正文 cells, .md, .docx), errors that name the problem."""
import pytest

from gxxl import schema
from gxxl.samples import bureau as sample
from gxxl.model import AnnualReport
from gxxl.narrative import text as n
from gxxl.narrative import placeholders as ph
from gxxl.narrative.model_text import MODEL_NARRATIVE


@pytest.fixture
def rep():
    return AnnualReport.from_values(sample.sample_values(), sample.SAMPLE_META)


def render(text, rep, where="工作表“正文”单元格B4"):
    return n.render_section(n.Section("overview", text, where), rep)[0]


def test_codes_aliases_and_helpers(rep):
    assert render("收到{{ requests.new.total }}件，自然人{{ requests.new.natural }}件", rep) == "收到5件，自然人4件"
    assert render("本年新收{{ 本年新收 }}件，办结{{ 本年办结 }}件，许可{{ 行政许可 }}件", rep) == "本年新收5件，办结4件，许可167件"
    assert render("{{ 机关名称 }}{{ meta.year }}年", rep) == "示例县应急管理局（样例数据）2024年"
    assert render("{{ pct(requests.disclosed.total, requests.handled_total.total) }}", rep) == "75.0%"
    assert render("{{ 百分比(予以公开, 本年办结, 0) }}｜{{ pct(行政复议, 行政复议) }}", rep) == "75%｜—"
    assert render("{{ total(本年新收, 上年结转) }}={{ 合计(requests.new.total, 1) }}={{ 本年新收 + 上年结转 }}", rep) == "5=6=5"
    assert render("不予公开{{ 不予公开 }}件，无法提供{{ 无法提供 }}件", rep) == "不予公开0件，无法提供1件"


def test_chinese_ime_punctuation_inside_placeholders(rep):
    assert render("｛｛ 本年新收 ｝｝件，{{ pct（予以公开，本年办结） }}", rep) == "5件，75.0%"
    assert render("全角括号（不在占位符里）保持不变", rep) == "全角括号（不在占位符里）保持不变"


def test_unknown_placeholder_names_it_and_where(rep):
    with pytest.raises(n.NarrativeError) as e:
        render("第一行\n收到{{ 本年新手 }}件", rep)
    msg = str(e.value)
    assert "本年新手" in msg and "单元格B4" in msg and "第2行" in msg and "本年新收" in msg  # a suggestion
    with pytest.raises(n.NarrativeError, match=r"requests\.new\.foo.*不是已知的数据项代码"):
        render("{{ requests.new.foo }}", rep)
    with pytest.raises(n.NarrativeError, match=r"requests\.new .*不完整"):
        render("{{ requests.new }}", rep)
    with pytest.raises(n.NarrativeError, match="不完整"):
        render("{{ requests }}", rep)
    with pytest.raises(n.NarrativeError, match="写法有误"):
        render("{{ 本年新收 ", rep)


def test_sandbox_blocks_python_internals(rep):
    with pytest.raises(n.NarrativeError):
        render("{{ ().__class__.__base__.__subclasses__() }}", rep)
    with pytest.raises(n.NarrativeError):
        render("{{ requests.new.__class__ }}", rep)


def test_blank_data_is_reported_not_hidden():
    vals = sample.sample_values()
    vals["requests.new.natural"] = None
    rep = AnnualReport.from_values(vals, {"organ": "某局", "year": 2024})
    text, blanks = n.render_section(n.Section("overview", "收到{{ 本年新收 }}件，电话{{ 联系电话 }}", "W"), rep)
    assert text == "收到【未填】件，电话【未填】"
    assert [b for _, b in blanks] == ["本年新收", "联系电话"]


def test_alias_table_is_derived_from_schema_labels():
    al = ph.aliases()
    assert all(name.isidentifier() for name in al)
    for rcode, labels in schema.REQUEST_ROWS:  # every table-3 row has a name, pointing at its 总计 column
        assert any(a.codes == (f"requests.{rcode}.total",) for a in al.values()), rcode
    assert al["属于国家秘密"].codes == ("requests.withheld_state_secret.total",)
    assert al["危及三安全一稳定"].codes == ("requests.withheld_security_stability.total",)
    assert len(al["不予公开"].codes) == 8 and len(al["不予处理"].codes) == 5
    assert al["行政诉讼"].codes == ("appeals.litigation_direct.total", "appeals.litigation_after_review.total")
    assert al["行政事业性收费"].codes == ("active.fees.amount",)
    assert al["联系电话"].codes == ("meta.phone",)
    assert "{{ 本年新收 }}" in ph.describe()


def test_model_text_uses_only_known_placeholders_and_is_flagged(rep):
    rep.narrative = dict(MODEL_NARRATIVE)
    out = n.load(rep)
    assert "全年新收政府信息公开申请5件" in out.texts["overview"]
    assert "{{" not in "".join(out.texts.values())
    assert out.model_marks and all(m.startswith("【请") for _, m in out.model_marks)
    assert "正文" in out.model_marks[0][0]  # where: the 正文 sheet cell


def test_lead_in():
    assert n.lead_in("（一）主动公开情况。全年发布信息53条。") == ("（一）主动公开情况。", "全年发布信息53条。")
    assert n.lead_in("（二）改进情况") == ("（二）改进情况", "")
    assert n.lead_in("一是加强培训。") == ("", "一是加强培训。")


MD = """# 示例局2024年政府信息公开工作年度报告

本报告由示例局编制。收到{{ 本年新收 }}件。

## 一、总体情况
（一）主动公开情况。全年许可{{ 行政许可 }}件。
第二段。

## 二、主动公开政府信息情况

## 三、收到和处理政府信息公开申请情况
## 四、政府信息公开行政复议、行政诉讼情况
## 五、存在的主要问题及改进情况
问题一。
## 六、其他需要报告的事项
未收取信息处理费。
"""


def test_markdown_narrative_file(tmp_path, rep):
    p = tmp_path / "n.md"
    p.write_text(MD, encoding="utf-8")
    out = n.load(rep, p)
    assert out.paragraphs("preface") == ["本报告由示例局编制。收到5件。"]
    assert out.paragraphs("overview") == ["（一）主动公开情况。全年许可167件。", "第二段。"]
    assert out.texts["problems"] == "问题一。" and out.texts["other"] == "未收取信息处理费。"
    bad = tmp_path / "bad.md"
    bad.write_text(MD.replace("第二段。", "第二段{{ 新收 }}。"), encoding="utf-8")
    with pytest.raises(n.NarrativeError, match=r"bad\.md.*第7行.*新收"):
        n.load(rep, bad)
    wrong = tmp_path / "order.md"
    wrong.write_text("一、总体情况\n文字\n六、其他需要报告的事项\n五、存在的主要问题及改进情况\n", encoding="utf-8")
    with pytest.raises(n.NarrativeError, match="顺序"):
        n.load(rep, wrong)
    table_text = tmp_path / "t.md"
    table_text.write_text("一、总体情况\n文字\n二、主动公开政府信息情况\n规章0件\n", encoding="utf-8")
    with pytest.raises(n.NarrativeError, match="表格"):
        n.load(rep, table_text)


def test_docx_narrative_file(tmp_path, rep):
    import docx

    d = docx.Document()
    for line in MD.replace("#", "").splitlines():
        d.add_paragraph(line.strip())
    d.add_table(rows=1, cols=1).cell(0, 0).text = "表格中的文字不算正文"
    p = tmp_path / "n.docx"
    d.save(p)
    out = n.load(rep, p)
    assert out.paragraphs("overview") == ["（一）主动公开情况。全年许可167件。", "第二段。"]
    assert "表格中的文字" not in "".join(out.texts.values())
    (tmp_path / "x.docx").write_bytes(b"not a docx")
    from gxxl.errors import ReadError

    with pytest.raises(ReadError, match="x.docx"):
        n.load(rep, tmp_path / "x.docx")
