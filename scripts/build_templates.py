"""Build the blank workbook users receive: workbook_templates/gxxl-年报填报模板.xlsx,
and the Word template of the report: workbook_templates/gxxl-年报正文模板.docx.

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

from gxxl.render.docx_writer import save_template as save_docx_template  # noqa: E402
from gxxl.workbook.build import build_workbook  # noqa: E402

TEMPLATE = ROOT / "workbook_templates" / "gxxl-年报填报模板.xlsx"
DOCX_TEMPLATE = ROOT / "workbook_templates" / "gxxl-年报正文模板.docx"
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


def build_docx_template(path: Path) -> Path:
    return save_docx_template(path)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", "--output", type=Path, default=TEMPLATE)
    ap.add_argument("--docx-output", type=Path, default=DOCX_TEMPLATE)
    args = ap.parse_args()
    print(build_template(args.output))
    print(build_docx_template(args.docx_output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
