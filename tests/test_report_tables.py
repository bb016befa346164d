"""The one table model: official grids from the schema, filled with a report's values."""
from gxxl import schema
from gxxl.samples import bureau as sample
from gxxl.model import AnnualReport
from gxxl.render.tables import format_value, plain_number, report_tables


def _report(**over):
    vals = sample.sample_values()
    vals.update(over)
    return AnnualReport.from_values(vals, sample.SAMPLE_META)


def test_official_grid_sizes_and_every_position_covered_once():
    tables = report_tables(_report())
    assert [(t.key, t.nrows, t.ncols) for t in tables] == [("active", 14, 4), ("requests", 28, 10), ("appeals", 4, 15)]
    for t in tables:
        covered = {}
        for c in t.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    assert (r, k) not in covered, (t.key, r, k)
                    covered[(r, k)] = c
        assert len(covered) == t.nrows * t.ncols, t.key


def test_labels_and_merges_are_the_schemas():
    for t, st in zip(report_tables(_report()), schema.TABLES):
        assert [(c.row, c.col, c.rowspan, c.colspan, c.role, c.code) for c in t.cells] == \
               [(g.row, g.col, g.rowspan, g.colspan, g.role, g.code) for g in st.cells]
        assert [c.text for c in t.cells if c.role != "data"] == [g.text for g in st.cells if g.role != "data"]


def test_every_value_at_its_code():
    rep = _report(**{"requests.new.natural": 4321, "requests.disclosed.natural": 4002,
                     "requests.carried_out.natural": 320, "active.fees.amount": 4166.241619})
    seen = set()
    for t in report_tables(rep):
        for c in t.cells:
            if c.role == "data":
                seen.add(c.code)
                assert c.value == rep.get(c.code)
                assert c.text == plain_number(rep.get(c.code))
    assert seen == set(schema.CODES)
    by = {c.code: c for t in report_tables(rep) for c in t.cells if c.code}
    assert by["requests.new.total"].text == "4322"  # a sum, recomputed
    assert by["active.fees.amount"].text == "4166.241619"  # amounts as entered
    assert by["requests.new.natural"].text == "4321" and isinstance(by["requests.new.natural"].value, int)


def test_values_as_entered():
    from gxxl.model import DataValue

    assert format_value(DataValue("a", 68.0), "count") == "68"  # calamine floats become integers
    assert format_value(DataValue("a", 12.5), "amount") == "12.5"
    assert format_value(DataValue("a", 0.000001), "amount") == "0.000001"  # no exponent
    assert format_value(DataValue("a", 12.5, raw="12.50", problem="text_number"), "amount") == "12.50"
    assert format_value(DataValue("a", None, raw="无", problem="text"), "count") == "无"  # drafts show what was typed
    assert format_value(DataValue("a", None, raw=None, problem="blank"), "count") == ""


def test_flat_paths_name_every_cell():
    t = report_tables(_report())[1]
    flat = {c.code: (rp, cp) for rp, cp, c in t.flat()}
    assert flat["requests.withheld_third_party.business"] == (
        ("三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"), ("申请人情况", "法人或其他组织", "商业企业"))
    a = {c.code: (rp, cp) for rp, cp, c in report_tables(_report())[0].flat()}
    assert a["active.penalty.decisions"] == (("行政处罚",), ("第二十条第（六）项", "本年处理决定数量"))
    c = {c.code: (rp, cp) for rp, cp, c in report_tables(_report())[2].flat()}
    assert c["appeals.litigation_after_review.pending"] == ((), ("行政诉讼", "复议后起诉", "尚未审结"))
