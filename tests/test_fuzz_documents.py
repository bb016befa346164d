"""Fault and fuzz tests for the importer + validator on real published documents.

Truncated, shuffled, randomly edited texts and HTML from tests/data/corpus, and damaged .pdf
and .docx files (the corpus PDFs and template, a report gxxl rendered) go through import and
every validation rule: a report or a clear Chinese ReadError, never a traceback, inputs
byte-identical. Crash cases are saved to tests/regressions/ and replayed.
GXXL_FUZZ_SECONDS=3600 runs the loop for an hour.
"""
import hashlib
import random
import time
from pathlib import Path

import pytest

from gxxl.errors import GxxlError
from gxxl.ingest import import_report
from gxxl.rules import validate

from conftest import CORPUS
from mutate import fuzz_cases, fuzz_seconds, mutate_bytes, mutate_package, mutate_text

REGRESSIONS = Path(__file__).parent / "regressions"
BUDGET_S = fuzz_seconds(25)
BINARIES = sorted([*CORPUS.glob("*.pdf"), *CORPUS.glob("*.docx")])
SOURCES = sorted([*CORPUS.glob("pingtan_20*.txt"), *CORPUS.glob("*.html"), *CORPUS.glob("derived/*.md"),
                  *CORPUS.glob("derived/shuyang_2025.txt")])


def _check(path: Path) -> str:
    before = path.read_bytes()
    try:
        rep = import_report(path)
        res = validate(rep)
        assert res.to_json()["path"] == str(path)
        out = "ok"
    except GxxlError as exc:
        msg = str(exc)
        assert str(path) in msg and any("\u4e00" <= ch <= "\u9fff" for ch in msg), msg
        out = "error"
    assert path.read_bytes() == before, "input modified"
    return out


@pytest.fixture(scope="module")
def binaries(tmp_path_factory):
    """Real .pdf and .docx reports: the corpus PDFs and template, and a report gxxl rendered to Word."""
    from gxxl.samples import bureau as sample
    from gxxl.render import render_report
    from gxxl.workbook.api import new_workbook

    d = tmp_path_factory.mktemp("docs")
    wb = d / "年报.xlsx"
    new_workbook(wb, meta=sample.SAMPLE_META, values=sample.sample_values(), narrative=sample.SAMPLE_NARRATIVE)
    docx = render_report(wb, d / "年报.docx").path
    return [(p.suffix, p.read_bytes()) for p in (*BINARIES, docx)]


@pytest.mark.skipif(not SOURCES, reason="corpus not available")
def test_mutated_documents_never_crash(binaries, tmp_path):
    rng = random.Random(7)
    texts = [(p.suffix, p.read_text(encoding="utf-8", errors="replace")) for p in SOURCES]
    start, n, crashes = time.monotonic(), 0, []
    outcomes = {"ok": 0, "error": 0}
    kinds = {"text": 0, ".docx": 0, ".pdf": 0}
    while time.monotonic() - start < BUDGET_S and n < fuzz_cases(3000):
        if rng.random() < 0.75:
            suffix, text = rng.choice(texts)
            desc, mutated = mutate_text(text, rng)
            data = mutated.encode("utf-8")
            kinds["text"] += 1
        else:
            suffix, raw = rng.choice(binaries)
            desc, data = (mutate_package if suffix == ".docx" else mutate_bytes)(raw, rng)
            kinds[suffix] += 1
        p = tmp_path / f"doc{n % 20}{suffix}"
        p.write_bytes(data)
        try:
            outcomes[_check(p)] += 1
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 — this is what we hunt (a Rust panic is a BaseException)
            REGRESSIONS.mkdir(exist_ok=True)
            (REGRESSIONS / f"doc-{hashlib.sha1(data).hexdigest()[:12]}{suffix}").write_bytes(data)
            crashes.append(f"{desc}: {type(exc).__name__}: {exc}")
        n += 1
    print(f"\nfuzz documents: {n} mutated documents {kinds}, outcomes {outcomes}")
    assert not crashes, f"{len(crashes)} crashes (saved in tests/regressions/):\n" + "\n".join(crashes[:10])
    assert n >= 50 and outcomes["ok"] > 0


def test_random_bytes_as_documents(tmp_path):
    rng = random.Random(11)
    for i in range(60):
        suffix = rng.choice([".txt", ".html", ".md", ".pdf", ".docx"])
        p = tmp_path / f"r{i}{suffix}"
        p.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 3000))))
        _check(p)


@pytest.mark.parametrize("case", sorted(REGRESSIONS.glob("doc-*")) or [None])
def test_document_regressions(case, tmp_path):
    if case is None:
        pytest.skip("no regression cases recorded")
    p = tmp_path / case.name
    p.write_bytes(case.read_bytes())
    _check(p)
