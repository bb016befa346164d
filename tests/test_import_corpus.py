"""Every report in tests/data/corpus (and the seed) imports as printed: values read by hand in
tests/data/import_expected/*.json; no wrong value ever goes unreported."""
from pathlib import Path

import pytest

from gxxl.ingest import import_report
from gxxl.ingest.accuracy import compare, expected_files, load_expected

from conftest import SHARED

EXPECTED = sorted(expected_files(Path(__file__).parent / "data" / "import_expected"))


@pytest.fixture(scope="module")
def imported():
    cache = {}

    def get(exp):
        if exp.name not in cache:
            cache[exp.name] = import_report(SHARED / exp.document)
        return cache[exp.name]

    return get


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_every_cell_read_equals_the_printed_value(path, imported):
    exp = load_expected(path)
    rep = imported(exp)
    s = compare(rep, exp)
    assert s.silent == [], "\n".join(s.silent)  # no wrong or missing value without a finding
    assert s.wrong == 0, "\n".join(s.details)  # every number read is the printed one
    assert not s.missing_findings, f"defects not reported: {s.missing_findings}"
    assert rep.organ == exp.meta.get("organ")
    assert rep.year == exp.meta.get("year")


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_cells_left_blank_are_only_the_undecidable_ones(path, imported):
    """Only cells that the document itself cannot decide stay unread (run-together table-2 rows)."""
    exp = load_expected(path)
    rep = imported(exp)
    s = compare(rep, exp)
    unread = [d.split(":")[0] for d in s.details if "not read" in d]
    assert all(c.startswith("active.normative.") for c in unread), unread
    for code in unread:
        f = next(f for f in rep.findings if code in f.codes)
        assert f.rule == "import.cells_ambiguous" and "无法确定" in f.message


def test_corpus_accuracy_target(imported):
    tot_printed = tot_exact = 0
    for path in EXPECTED:
        exp = load_expected(path)
        s = compare(imported(exp), exp)
        tot_printed += s.printed
        tot_exact += s.exact
    assert tot_printed > 2500
    assert tot_exact / tot_printed >= 0.95


def test_every_corpus_report_has_expected_values():
    """A new document in the corpus must get hand-read expected values too."""
    covered = {load_expected(p).document for p in EXPECTED}
    corpus = SHARED / "corpus"
    docs = [p for p in corpus.rglob("*") if p.is_file() and not p.name.endswith(".source.txt") and p.name != "README.md"]
    missing = [str(p.relative_to(SHARED)) for p in docs if str(p.relative_to(SHARED)) not in covered]
    assert missing == []


def test_2019_format_reports_are_flagged(imported):
    for year, severity in ((2019, "warning"), (2020, "warning")):
        exp = load_expected(Path(__file__).parent / "data" / "import_expected" / f"pingtan_{year}.json")
        rep = imported(exp)
        old = [f for f in rep.findings if f.rule == "import.format_2019"]
        assert len(old) == 1 and old[0].severity == severity
        assert "2019年试行格式" in old[0].message
        assert rep.source.format_version == "2019"
        assert all(rep.get(f"active.{r}") is None for r in ("rules.issued", "licensing.decisions"))
        collapsed = next(f for f in rep.findings if f.rule == "import.group_collapsed")
        assert "（六）其他处理" in collapsed.message


def test_realigned_rows_and_typos_are_reported(imported):
    exp = load_expected(Path(__file__).parent / "data" / "import_expected" / "derived_shanghai_kewei_2024.json")
    rep = imported(exp)
    moved = {c.split(".")[1] for f in rep.findings if f.rule == "import.rows_realigned" for c in f.codes}
    assert {"partly_disclosed", "unavailable_not_held", "other_no_correction"} <= moved
    assert all(f.severity == "warning" for f in rep.findings if f.rule == "import.rows_realigned")


def test_narrative_parts_are_extracted(imported):
    exp = load_expected(Path(__file__).parent / "data" / "import_expected" / "huaian_2024.json")
    rep = imported(exp)
    assert rep.narrative["preface"].startswith("本报告由淮安市人民政府办公室根据")
    assert rep.narrative["overview"].startswith("2024年，我市坚持")
    assert "政策解读质量仍需提升" in rep.narrative["problems"]
    assert rep.narrative["other"] == "2024年，市政府严格落实《政府信息公开信息处理费管理办法》，全年收取政府信息公开信息处理费3940元。"
    assert rep.meta["phone"] == "0517-83605210"
    for f in ("overview", "problems", "other"):
        assert "第二十条第" not in rep.narrative[f] and "本年新收政府信息公开申请数量" not in rep.narrative[f]
