"""The front door and the guides stay true: generated guides match the code, links resolve, the README is
short, and its sample output is what gxxl prints today."""
from __future__ import annotations

import re
import sys
from pathlib import Path

from conftest import run_gxxl

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def test_generated_guides_are_up_to_date():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from gen_docs import generated
    finally:
        sys.path.pop(0)
    stale = [str(p.relative_to(ROOT)) for p, text in generated().items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    assert stale == [], "run: python3 scripts/gen_docs.py"


def test_readme_is_a_short_front_door():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250
    text = "\n".join(lines)
    for cmd in ("bash scripts/install.sh && gxxl demo", "python3 -m pytest -q"):
        assert cmd in text


def test_ci_runs_the_readme_test_command():
    assert "python3 -m pytest -q" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_link_resolves():
    broken = []
    for md in [README, *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", md.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue
            if not (md.parent / target).exists():
                broken.append(f"{md.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_every_guide_is_linked_from_the_readme():
    text = README.read_text(encoding="utf-8")
    unlinked = [p.name for p in DOCS.glob("*.md") if f"docs/{p.name}" not in text]
    assert unlinked == []


def test_readme_sample_output_is_true(tmp_path):
    text = README.read_text(encoding="utf-8")
    samples = re.findall(r"<!-- sample: validate (\S+) -->\n```\n(.*?)```", text, re.S)
    assert samples, "the README shows a sample of gxxl validate"
    r = run_gxxl("demo", "-o", tmp_path / "demo", "--no-pdf", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for name, block in samples:
        out = run_gxxl("validate", tmp_path / "demo" / name, cwd=tmp_path).stdout
        have = {re.sub(r"\s+", " ", line).strip() for line in out.splitlines()}
        missing = [line for line in block.splitlines() if line.strip() and re.sub(r"\s+", " ", line).strip() not in have]
        assert missing == [], f"README sample lines not printed by gxxl validate {name}: {missing}"
