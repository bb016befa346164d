"""The HTML page parsed back (html.parser): semantic tables with the official merges, values, escaped text."""
from html.parser import HTMLParser

import pytest

from gxxl import schema
from gxxl.samples import bureau as sample
from gxxl.model import AnnualReport
from gxxl.render import render_report
from gxxl.render.tables import report_tables


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.stack, self.texts, self.tags = [], [], [], []
        self.cell = None
        self.in_caption = False
        self.section = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self.tables.append({"caption": "", "rows": [], "head_rows": 0, "in_thead": False, "attrs": a})
        elif tag == "thead":
            self.tables[-1]["in_thead"] = True
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
            if self.tables[-1]["in_thead"]:
                self.tables[-1]["head_rows"] += 1
        elif tag in ("td", "th"):
            self.cell = {"tag": tag, "attrs": a, "text": ""}
            self.tables[-1]["rows"][-1].append(self.cell)
        elif tag == "caption":
            self.in_caption = True

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.cell = None
        elif tag == "caption":
            self.in_caption = False
        elif tag == "thead":
            self.tables[-1]["in_thead"] = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data
        elif self.in_caption:
            self.tables[-1]["caption"] += data
        self.texts.append(data)


def layout(rows):
    """HTML table layout: (row, col, rowspan, colspan, cell) with rowspan/colspan resolved."""
    taken, out = set(), []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            rs, cs = int(cell["attrs"].get("rowspan", 1)), int(cell["attrs"].get("colspan", 1))
            for i in range(rs):
                for j in range(cs):
                    taken.add((r + i, c + j))
            out.append((r, c, rs, cs, cell))
            c += cs
    return out


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    d = tmp_path_factory.mktemp("html")
    vals = sample.sample_values()
    vals.update({"requests.new.research": 9, "requests.partly_disclosed.research": 9, "active.fees.amount": 12.5})
    meta = dict(sample.SAMPLE_META, address='光明路1号<script>alert("x")</script>&amp;')
    narr = dict(sample.SAMPLE_NARRATIVE)
    narr["problems"] = "问题：<img src=x onerror=alert(1)> & “引号”{{ 联系人 }}"
    narr["other"] += "\n地址：{{ 通讯地址 }}"  # meta text reaches the page through a placeholder
    rep = AnnualReport.from_values(vals, meta, narr)
    out = render_report(rep, d / "r.html")
    html = out.path.read_text(encoding="utf-8")
    p = Page()
    p.feed(html)
    return rep, html, p


def test_tables_grid_merges_and_values(page):
    rep, _, p = page
    model = report_tables(rep)
    assert len(p.tables) == 3
    for ht, t in zip(p.tables, model):
        assert ht["caption"] == t.title
        assert ht["head_rows"] == t.header_rows
        assert (int(ht["attrs"]["data-rows"]), int(ht["attrs"]["data-cols"])) == (t.nrows, t.ncols)
        got = sorted((r, c, rs, cs, cell["text"]) for r, c, rs, cs, cell in layout(ht["rows"]))
        assert got == sorted((c.row, c.col, c.rowspan, c.colspan, c.text) for c in t.cells), t.key
        for r, c, rs, cs, cell in layout(ht["rows"]):
            mc = t.owner[(r, c)]
            if mc.code:
                assert cell["tag"] == "td" and cell["attrs"]["data-code"] == mc.code
                assert cell["text"] == str(rep.get(mc.code))
            elif mc.role == "head":
                assert cell["tag"] == "th" and cell["attrs"]["scope"] == ("colgroup" if cs > 1 else "col")
            elif mc.role == "label":
                assert cell["tag"] == "th" and cell["attrs"]["scope"] == ("rowgroup" if rs > 1 else "row")
    cells = {cell["attrs"].get("data-code"): cell["text"] for ht in p.tables for row in ht["rows"] for cell in row}
    assert cells["requests.new.research"] == "9" and cells["requests.new.total"] == "14"
    assert cells["requests.partly_disclosed.total"] == "9" and cells["active.fees.amount"] == "12.5"


def test_headings_and_self_contained(page):
    _, html, p = page
    order = [html.index(f"<h2>{h}</h2>") for _, h in schema.PARTS]
    assert order == sorted(order)
    assert "<h1>示例县应急管理局（样例数据）2024年政府信息公开工作年度报告</h1>" in html
    assert "@media print" in html and "@page" in html
    assert not any(t in ("link", "script", "img", "iframe") for t, _ in p.tags)  # one self-contained page
    assert not any(k in a for _, a in p.tags for k in ("src", "href", "onerror"))


def test_text_is_escaped(page):
    _, html, p = page
    assert "<script>" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; “引号”王某某" in html
    assert '光明路1号&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;amp;' in html
    text = "".join(p.texts)
    assert '光明路1号<script>alert("x")</script>&amp;' in text  # shown to the reader exactly as typed


def test_markdown(tmp_path):
    rep = AnnualReport.from_values(sample.sample_values(), dict(sample.SAMPLE_META, organ="某局|<b>"),
                                   sample.SAMPLE_NARRATIVE)
    md = render_report(rep, tmp_path / "r.md").path.read_text(encoding="utf-8")
    assert md.startswith("# 某局\\|\\<b\\>2024年政府信息公开工作年度报告")
    assert "| 三、本年度办理结果 · （三）不予公开 · 4.保护第三方合法权益 | 0 | 0 |" in md
    assert "| 第二十条第（五）项 · 行政许可 · 本年处理决定数量 | 167 |" in md
    assert [l for l in md.splitlines() if l.startswith("## ")] == [f"## {h}" for _, h in schema.PARTS]
    assert "**（二）依申请公开情况。**全年新收政府信息公开申请5件" in md
