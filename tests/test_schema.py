import json
import re
from pathlib import Path

from gxxl import schema

SPEC = Path(__file__).resolve().parent / "data" / "spec" / "official-format.md"


def test_counts_and_sums():
    assert len(schema.DATA_POINTS) == 200
    active = [p for p in schema.DATA_POINTS if p.table == "active"]
    assert len(active) == 10
    assert len([p for p in schema.DATA_POINTS if p.table == "requests"]) == 175
    assert len([p for p in schema.DATA_POINTS if p.table == "appeals"]) == 15
    # total column + handled_total row are sums in table B; totals in table C
    assert len(schema.SUM_CODES) == 25 + 6 + 3
    assert schema.POINTS["requests.handled_total.natural"].parts == tuple(f"requests.{r}.natural" for r in schema.OUTCOME_ROWS)
    assert len(schema.inputs_of("requests.handled_total.total")) == 21 * 6


def test_codes_match_the_public_contract():
    """Every code in the spec's tables exists in the schema, and vice versa for rows/columns."""
    text = SPEC.read_text(encoding="utf-8")
    for code in re.findall(r"`(active\.[a-z_]+\.[a-z_]+)`", text):
        assert code in schema.POINTS, code
    spec_rows = re.findall(r"\| `([a-z_]+)` \|\n", text)
    for row in ("new", "carried_in", "handled_total", "carried_out", "withheld_security_stability", "other_no_fee"):
        assert row in spec_rows
        assert f"requests.{row}.total" in schema.POINTS
    for code in ("requests.new.natural", "requests.handled_total.total", "appeals.review.total",
                 "appeals.litigation_after_review.pending", "active.fees.amount"):
        assert code in schema.POINTS


def test_labels_verbatim_from_the_official_notice():
    notice = (SPEC.parent / "source-guobangongkaibanhan-2021-30.txt").read_text(encoding="utf-8")
    flat = re.sub(r"\s+", "", notice)
    for t in schema.TABLES:
        for gc in t.cells:
            if gc.role != "data":
                assert re.sub(r"\s+", "", gc.text) in flat, gc.text
    assert "3.危及“三安全一稳定”" in [labels[-1] for _, labels in schema.REQUEST_ROWS]


def test_grids_cover_every_cell_once():
    sizes = {"active": (14, 4), "requests": (28, 10), "appeals": (4, 15)}
    for t in schema.TABLES:
        assert (t.nrows, t.ncols) == sizes[t.key]
        seen = set()
        for c in t.cells:
            for r in range(c.row, c.row + c.rowspan):
                for k in range(c.col, c.col + c.colspan):
                    assert (r, k) not in seen
                    seen.add((r, k))
        assert len(seen) == t.nrows * t.ncols


def test_layout_is_unique_and_json_roundtrips():
    loc = schema.layout()
    places = [(l.sheet, l.cell) for l in loc.values()]
    assert len(places) == len(set(places))
    data = json.loads(json.dumps(schema.to_json(), ensure_ascii=False))
    assert {p["code"] for p in data["data_points"]} == set(schema.CODES)
    assert loc["requests.new.natural"].cell == "D6"


def test_old_format_markers():
    assert "第二十条第（九）项" in schema.OLD_FORMAT_2019_MARKERS
    assert "本年新制作数量" in schema.OLD_FORMAT_2019_MARKERS
