"""A small county's inbox on disk, for the consolidation tests: real workbooks written by gxxl's builder."""
from __future__ import annotations

import hashlib
import os
import random
import re
import zipfile
from datetime import datetime
from pathlib import Path

from gxxl import schema
from gxxl.samples import bureau as sample
from gxxl.samples import county as sc
from gxxl.workbook.build import build_workbook

COUNTY = "示例县"
REGION = "示例省示例市示例县"


def write_bureau(path: Path, organ: str, *, year: int = 2024, level: str = "县级", values=None, seed: int = 0,
                 saved: datetime | None = None, region: str = REGION, **meta) -> dict:
    """meta: more cover fields (contact, phone, …)."""
    v = dict(values) if values is not None else sc.bureau_values(random.Random(seed), level=level)
    wb = build_workbook({"organ": organ, "year": year, "level": level, "region": region, **meta}, v,
                        sc.narrative(organ, year))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    if saved is not None:  # openpyxl stamps "now" when saving: set the save time as Excel would have
        _set_saved(path, saved)
    return v


def _set_saved(path: Path, saved: datetime) -> None:
    with zipfile.ZipFile(path) as zf:
        parts = [(i, zf.read(i)) for i in zf.infolist()]
    ts = saved.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*<", rb"\g<1>" + ts.encode() + b"<", data)
            zf.writestr(info, data)


def make_inbox(root: Path) -> dict:
    """The inbox of 示例县 with every kind of file the office receives; returns what to expect."""
    inbox = root / "收件箱"
    exp: dict[str, str] = {}  # display name -> status
    included: dict[str, dict] = {}  # organ -> input values summed into the total
    clean = ["教育局", "民政局", "财政局"]
    for i, d in enumerate(clean):
        included[COUNTY + d] = write_bureau(inbox / f"{d}.xlsx", COUNTY + d, seed=i)
        exp[f"收件箱/{d}.xlsx"] = "通过"
    included[COUNTY + "水利局"] = write_bureau(inbox / "子文件夹" / "水利局.xlsx", COUNTY + "水利局", seed=11)
    exp["收件箱/子文件夹/水利局.xlsx"] = "通过"
    # errors: the sample's typical mistakes, under the roster alias 统计局
    included[COUNTY + "统计局"] = write_bureau(inbox / "统计局.xlsx", "统计局", values=sample.broken_values())
    exp["收件箱/统计局.xlsx"] = "有错误"
    # only a warning: a county bureau reporting 规章
    v = sc.bureau_values(random.Random(5), level="县级")
    v["active.rules.issued"], v["active.rules.in_force"] = 1, 1
    included[COUNTY + "审计局"] = write_bureau(inbox / "审计局.xlsx", COUNTY + "审计局", values=v)
    exp["收件箱/审计局.xlsx"] = "仅提示"
    # the same bureau twice: the newer save time wins although the older file was copied last
    new = inbox / "应急局_修改后.xlsx"
    old = inbox / "应急局_初稿.xlsx"
    included[COUNTY + "应急管理局"] = write_bureau(new, COUNTY + "应急管理局", seed=21, saved=datetime(2025, 1, 20, 9, 30))
    write_bureau(old, COUNTY + "应急管理局", seed=22, saved=datetime(2025, 1, 10, 9, 30))
    os.utime(new, (1_700_000_000, 1_700_000_000))
    os.utime(old, (1_800_000_000, 1_800_000_000))
    exp["收件箱/应急局_修改后.xlsx"] = "通过"
    exp["收件箱/应急局_初稿.xlsx"] = "重复报送"
    write_bureau(inbox / "林业局.xlsx", COUNTY + "林业局", year=2023, seed=31)
    exp["收件箱/林业局.xlsx"] = "年度不符"
    write_bureau(inbox / "服务中心.xlsx", COUNTY + "某某服务中心", seed=41)
    exp["收件箱/服务中心.xlsx"] = "不在名单"
    write_bureau(inbox / "注入.xlsx", '=HYPERLINK("http://example.com","点我")', seed=42)
    exp["收件箱/注入.xlsx"] = "不在名单"
    good = (inbox / "教育局.xlsx").read_bytes()
    (inbox / "损坏.xlsx").write_bytes(good[: len(good) // 2])
    exp["收件箱/损坏.xlsx"] = "无法读取"
    (inbox / "网页.xls").write_text("<html><body><table><tr><td>年报</td></tr></table></body></html>", encoding="utf-8")
    exp["收件箱/网页.xls"] = "无法读取"
    (inbox / "说明.docx").write_bytes(b"not a workbook")
    (inbox / "~$教育局.xlsx").write_bytes(b"lock")
    # mailed as a zip: a normal member, one whose name tries to climb out, and a zip bomb
    tmp = root / "zipparts"
    included[COUNTY + "交通运输局"] = write_bureau(tmp / "a.xlsx", COUNTY + "交通运输局", seed=51)
    included[COUNTY + "商务局"] = write_bureau(tmp / "b.xlsx", COUNTY + "商务局", seed=52)
    with zipfile.ZipFile(inbox / "邮件附件.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(tmp / "a.xlsx", "附件/交通运输局.xlsx")
        zf.write(tmp / "b.xlsx", "../../逃逸.xlsx")
        zf.writestr("炸弹.xlsx", b"\0" * (60 * 1024 * 1024))
    exp["收件箱/邮件附件.zip!附件/交通运输局.xlsx"] = "通过"
    exp["收件箱/邮件附件.zip!../../逃逸.xlsx"] = "通过"
    exp["收件箱/邮件附件.zip!炸弹.xlsx"] = "无法读取"
    roster = root / "名单.csv"
    names = [COUNTY + d for d in clean + ["水利局", "审计局", "应急管理局", "林业局", "交通运输局", "商务局", "公安局"]]
    roster.write_text("机关名称,别名\n" + "\n".join(names) + f"\n{COUNTY}统计局,统计局\n", encoding="utf-8-sig")
    return {"inbox": inbox, "roster": roster, "expected": exp, "included": included, "missing": [COUNTY + "公安局"],
            "ignored": ["收件箱/说明.docx", "收件箱/~$教育局.xlsx"]}


def independent_total(values: list[dict]) -> dict:
    """Input totals summed here, not by gxxl: text and blanks count as nothing."""
    out = {}
    for c in schema.INPUT_CODES:
        s = sum(v.get(c) for v in values if isinstance(v.get(c), (int, float)) and not isinstance(v.get(c), bool))
        out[c] = round(s, 6) if isinstance(s, float) else s
    return out


def hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
