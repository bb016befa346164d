"""Build the blank workbook users receive: workbook_templates/gxxl-年报填报模板.xlsx.

Run: python scripts/build_templates.py [--check]
The output is deterministic in content (fixed document times), so a test can
prove the committed template equals a fresh build.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gxxl.workbook.build import build_workbook  # noqa: E402

TEMPLATE = ROOT / "workbook_templates" / "gxxl-年报填报模板.xlsx"
FIXED_TIME = datetime(2021, 9, 26)  # date of 国办公开办函〔2021〕30号


def build_template(path: Path) -> Path:
    wb = build_workbook()
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(path)
    return path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--output", type=Path, default=TEMPLATE)
    args = ap.parse_args()
    print(build_template(args.output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
