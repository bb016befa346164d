#!/usr/bin/env python3
"""Generate N realistic bureau workbooks (and a roster) for consolidation tests and benchmarks.

    python scripts/gen_workbooks.py OUTDIR -n 1000 [--seed 1] [--year 2024] [--mistakes 0.1] [--zip]

One template is built with gxxl's own builder, every input cell holding a
sentinel number; each organ's copy is that template with the sentinels in the
sheet XML replaced and the zip written directly (unchanged parts are
compressed once). Values balance like a real report; about ``--mistakes`` of
the files carry a typical problem (unbalanced 表三, text or blank cells, a 规章
count at county level, last year's file, a second older copy, an organ missing
from the roster, a corrupt file), and about 1% of the roster sends nothing.
OUTDIR/名单.csv is the roster, OUTDIR/manifest.json the expected status of each file.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import random
import re
import struct
import sys
import time
import zipfile
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gxxl import schema  # noqa: E402
from gxxl.samples import county as sc
from gxxl.workbook.build import build_workbook  # noqa: E402

SENT_ORGAN, SENT_LEVEL, SENT_REGION, SENT_YEAR = "@@ORGAN@@", "@@LEVEL@@", "@@REGION@@", 8000001
VALUE_BASE = 9000000
_VAL_RE = re.compile(r"<v>(9\d{6})</v>")
MISTAKES = (  # (kind, share of the mistakes, expected status)
    ("balance", 0.28, "有错误"),
    ("text", 0.14, "有错误"),
    ("blank", 0.10, "有错误"),
    ("rules_at_county", 0.14, "仅提示"),
    ("wrong_year", 0.08, "年度不符"),
    ("duplicate", 0.08, "重复报送"),
    ("not_listed", 0.08, "不在名单"),
    ("corrupt", 0.10, "无法读取"),
)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Template:
    def __init__(self, year: int):
        self.year = year
        inputs = {c: VALUE_BASE + i for i, c in enumerate(schema.INPUT_CODES)}
        meta = {"organ": SENT_ORGAN, "year": SENT_YEAR, "level": SENT_LEVEL, "region": SENT_REGION,
                "contact": "张某某", "phone": "0000-1234567"}
        wb = build_workbook(meta, inputs, sc.narrative(SENT_ORGAN, year))
        buf = io.BytesIO()
        wb.save(buf)
        self.parts: list[tuple[str, bytes]] = []
        with zipfile.ZipFile(buf) as zf:
            for info in zf.infolist():
                self.parts.append((info.filename, zf.read(info)))
        self.dynamic = {n for n, d in self.parts if self._has_sentinel(d) or n == "docProps/core.xml"}
        self.static = {n: _deflate(d) for n, d in self.parts if n not in self.dynamic}
        # exact XML of each input cell, for blank/text mistakes
        self.cell_xml: dict[str, tuple[str, str]] = {}
        for n, d in self.parts:
            if n in self.dynamic:
                for m in re.finditer(r'<c r="([A-Z]+\d+)"( s="\d+")?( t="n")?><v>(9\d{6})</v></c>', d.decode()):
                    code = schema.INPUT_CODES[int(m.group(4)) - VALUE_BASE]
                    self.cell_xml[code] = (n, m.group(0))

    @staticmethod
    def _has_sentinel(d: bytes) -> bool:
        return b"@@" in d or b"<v>9" in d or str(SENT_YEAR).encode() in d

    def render(self, organ, level, region, year, values, saved_at: datetime, *, blank=None, text=None) -> bytes:
        vals = [values[c] for c in schema.INPUT_CODES]

        def num(m):
            v = vals[int(m.group(1)) - VALUE_BASE]
            return f"<v>{v}</v>"

        out = []
        for n, d in self.parts:
            if n not in self.dynamic:
                out.append((n, None, d))
                continue
            x = d.decode()
            if n == "docProps/core.xml":
                ts = saved_at.strftime("%Y-%m-%dT%H:%M:%SZ")
                x = re.sub(r"(<dcterms:modified[^>]*>)[^<]*<", rf"\g<1>{ts}<", x)
                x = re.sub(r"(<dcterms:created[^>]*>)[^<]*<", rf"\g<1>{ts}<", x)
            else:
                for code, repl in ((blank, None), (text, "无")):
                    if code and self.cell_xml[code][0] == n:
                        cell = self.cell_xml[code][1]
                        ref = re.match(r'<c r="([A-Z]+\d+)"( s="\d+")?', cell)
                        new = f"<c r=\"{ref.group(1)}\"{ref.group(2) or ''}/>" if repl is None else \
                            f"<c r=\"{ref.group(1)}\"{ref.group(2) or ''} t=\"inlineStr\"><is><t>{repl}</t></is></c>"
                        x = x.replace(cell, new)
                x = _VAL_RE.sub(num, x)
                x = x.replace(f"<v>{SENT_YEAR}</v>", f"<v>{year}</v>")
                x = x.replace(SENT_ORGAN, _esc(organ)).replace(SENT_LEVEL, _esc(level)).replace(SENT_REGION, _esc(region))
            out.append((n, x.encode(), None))
        return _zip(out, self.static)


def _deflate(data: bytes) -> tuple[bytes, int, int]:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(), zlib.crc32(data), len(data)


def _zip(parts, static) -> bytes:
    """A plain zip (deflate), reusing the precompressed static parts."""
    buf = io.BytesIO()
    central = []
    dos_time, dos_date = 0, (2025 - 1980) << 9 | 1 << 5 | 1
    for name, raw, _ in parts:
        comp, crc, size = static[name] if raw is None else _deflate(raw)
        fn = name.encode()
        off = buf.tell()
        buf.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, dos_time, dos_date, crc, len(comp), size, len(fn), 0))
        buf.write(fn)
        buf.write(comp)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 8, dos_time, dos_date, crc, len(comp),
                                   size, len(fn), 0, 0, 0, 0, 0, off) + fn)
    cd = buf.tell()
    for c in central:
        buf.write(c)
    buf.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), buf.tell() - cd, cd, 0))
    return buf.getvalue()


def _corrupt(rng: random.Random, good: bytes) -> tuple[bytes, str]:
    kind = rng.choice(["truncated", "empty", "html", "text"])
    if kind == "truncated":
        return good[: len(good) // 3], kind
    if kind == "empty":
        return b"", kind
    if kind == "html":
        return "<html><body><table><tr><td>年报</td></tr></table></body></html>".encode(), kind
    return "机关名称,本年新收\n某局,3\n".encode("gbk"), kind


def generate(outdir: Path, n: int, *, seed: int = 1, year: int = 2024, mistakes: float = 0.1, pack_zip: bool = False,
             quiet: bool = False) -> dict:
    rng = random.Random(seed)
    outdir.mkdir(parents=True, exist_ok=True)
    tpl = Template(year)
    per_county = len(sc.DEPARTMENTS) + len(sc.TOWNSHIPS)
    organs = []
    for k in range(1, math.ceil(n * 1.02 / per_county) + 1):
        county = f"示例{k}县"
        for name, level, dept in sc.organs(county, len(sc.DEPARTMENTS), len(sc.TOWNSHIPS)):
            organs.append((county, name, level, dept))
    organs = organs[: max(n + n // 100, n + 1)]
    missing = set(rng.sample(range(len(organs)), len(organs) - n))  # in the roster, never sent
    kinds = [k for k, _, _ in MISTAKES]
    weights = [w for _, w, _ in MISTAKES]
    expected = {k: s for k, _, s in MISTAKES}
    base = datetime(year + 1, 1, 10, tzinfo=timezone.utc)
    manifest, roster = [], []
    written = 0
    t0 = time.perf_counter()
    for i, (county, name, level, dept) in enumerate(organs):
        roster_name = name
        if i in missing:
            roster.append(roster_name)
            continue
        region = f"示例省示例市{county}"
        values = sc.bureau_values(rng, scale=sc.scale_for(dept, rng), level=level)
        saved = base + timedelta(minutes=rng.randrange(0, 20 * 24 * 60))
        mistake = rng.choices(kinds, weights)[0] if rng.random() < mistakes else None
        fyear, blank, text, status = year, None, None, "通过"
        if mistake == "balance":
            values["requests.carried_out.natural"] += rng.randint(1, 3)
        elif mistake == "blank":
            blank = rng.choice(schema.INPUT_CODES)
        elif mistake == "text":
            text = rng.choice(schema.INPUT_CODES)
        elif mistake == "rules_at_county":
            if level in schema.LEVELS_WITHOUT_RULES:
                values["active.rules.issued"] = 1
                values["active.rules.in_force"] += 1
            else:
                mistake = None
        elif mistake == "wrong_year":
            fyear = year - 1
        elif mistake == "not_listed":
            name = name.replace("示例", "示范", 1)  # the bureau used another name than the roster's
        if mistake:
            status = expected[mistake]
        roster.append(roster_name)
        data = tpl.render(name, level, region, fyear, values, saved, blank=blank, text=text)
        folder = outdir / county
        folder.mkdir(exist_ok=True)
        fname = f"{name}{fyear}年政府信息公开工作年度报告.xlsx"
        if mistake == "corrupt":
            data, _ = _corrupt(rng, data)
        path = folder / fname
        path.write_bytes(data)
        written += 1
        manifest.append({"file": str(path.relative_to(outdir)), "organ": name, "expected": status, "mistake": mistake})
        if mistake == "duplicate":
            # the older copy: an earlier draft with other figures
            old_values = sc.bureau_values(rng, scale=sc.scale_for(dept, rng), level=level)
            older = tpl.render(name, level, region, fyear, old_values, saved - timedelta(days=rng.randint(1, 9)))
            p2 = folder / f"{name}（初稿）.xlsx"
            p2.write_bytes(older)
            written += 1
            manifest[-1]["expected"] = "通过"
            manifest.append({"file": str(p2.relative_to(outdir)), "organ": name, "expected": "重复报送", "mistake": "duplicate"})
        if not quiet and written % 500 == 0:
            print(f"  {written} files …", file=sys.stderr)
    (outdir / "名单.csv").write_text("机关名称\n" + "\n".join(roster) + "\n", encoding="utf-8-sig")
    if pack_zip:  # every county folder as one zip, as mailed in
        for folder in sorted(p for p in outdir.iterdir() if p.is_dir()):
            with zipfile.ZipFile(outdir / f"{folder.name}.zip", "w", zipfile.ZIP_STORED) as zf:
                for f in sorted(folder.iterdir()):
                    zf.write(f, f"{folder.name}/{f.name}")
                    f.unlink()
            folder.rmdir()
            for m in manifest:
                if m["file"].startswith(folder.name + "/"):
                    m["file"] = f"{folder.name}.zip!{m['file']}"
    counts: dict[str, int] = {}
    for m in manifest:
        counts[m["expected"]] = counts.get(m["expected"], 0) + 1
    info = {"files": written, "organs_in_roster": len(roster), "missing": len(missing), "expected_counts": counts,
            "year": year, "seconds": round(time.perf_counter() - t0, 2), "manifest": manifest}
    (outdir / "manifest.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("-n", type=int, default=1000, help="number of organs that send a workbook")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--mistakes", type=float, default=0.1, help="share of files with a typical problem")
    ap.add_argument("--zip", action="store_true", help="pack each county folder into a .zip")
    a = ap.parse_args(argv)
    info = generate(a.outdir, a.n, seed=a.seed, year=a.year, mistakes=a.mistakes, pack_zip=a.zip)
    print(f"{info['files']} workbooks in {a.outdir} ({info['seconds']} s); roster {info['organs_in_roster']} organs, "
          f"{info['missing']} send nothing; expected {info['expected_counts']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
