#!/usr/bin/env python3
"""Write the generated guides in docs/ (today: docs/校验规则.md from the rule catalogue).

tests/test_docs.py fails when a generated guide is out of date: run this script and commit.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def generated() -> dict[Path, str]:
    from gxxl.rules.catalogue import to_markdown

    return {ROOT / "docs" / "校验规则.md": to_markdown()}


def main() -> None:
    for path, text in generated().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
