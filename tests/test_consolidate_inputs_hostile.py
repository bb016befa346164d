"""Only regular files are read, counts add up across nested archives, no sheet past Excel's row limit
(issue 17 points 3, read side, and 5)."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile

import openpyxl
import pytest

from gxxl.consolidation import UNREADABLE, consolidate
from gxxl.errors import GxxlError, ReadError
from gxxl.samples import bureau as sample
from gxxl.workbook.read import read

from conftest import ROOT, run_gxxl
from county import write_bureau

needs_posix = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and /dev/zero are POSIX")


@pytest.fixture
def hostile_inbox(tmp_path):
    inbox = tmp_path / "收件箱"
    write_bureau(inbox / "教育局.xlsx", "示例县教育局", seed=1)
    os.mkfifo(inbox / "管道.xlsx")
    os.mkfifo(inbox / "管道.zip")
    os.symlink("/dev/zero", inbox / "零.xlsx")
    os.symlink("/dev/zero", inbox / "零.zip")
    os.symlink(tmp_path / "没有这个文件.xlsx", inbox / "断开的链接.xlsx")
    os.mkfifo(inbox / "管道.txt")  # not a spreadsheet by name: ignored like any other, never opened
    return inbox


@needs_posix
def test_fifos_and_devices_in_an_inbox_are_listed_not_read(hostile_inbox, tmp_path):
    out = tmp_path / "汇总.xlsx"
    r = run_gxxl("consolidate", hostile_inbox, "-o", out, "--format", "json", timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr  # a finished run that lists what it could not read
    data = json.loads(r.stdout)
    by = {f["file"]: f for f in data["files"]}
    for name, what in (("管道.xlsx", "命名管道"), ("管道.zip", "命名管道"), ("零.xlsx", "设备文件"), ("零.zip", "设备文件")):
        f = by[f"收件箱/{name}"]
        assert f["status"] == UNREADABLE and "不是普通文件" in f["detail"] and what in f["detail"], f
    assert "不存在" in by["收件箱/断开的链接.xlsx"]["detail"]
    assert by["收件箱/教育局.xlsx"]["included"] and data["included"] == 1
    assert "收件箱/管道.txt" in {x["file"] for x in data["ignored"]}
    wb = openpyxl.load_workbook(out, read_only=True)
    listed = {r[7] for r in wb["报送情况"].iter_rows(min_row=7, values_only=True) if r and len(r) > 7}
    assert {"收件箱/管道.xlsx", "收件箱/零.zip"} <= listed
    wb.close()


@needs_posix
def test_validate_refuses_a_fifo_or_dev_zero_at_once(hostile_inbox):
    for name, what in (("管道.xlsx", "命名管道"), ("管道.zip", "命名管道"), ("零.xlsx", "设备文件"), ("零.zip", "设备文件")):
        r = run_gxxl("validate", hostile_inbox / name, timeout=60)
        assert r.returncode == 2, (name, r.stdout, r.stderr)
        assert "不是普通文件" in r.stderr + r.stdout and what in r.stderr + r.stdout, r.stderr
        assert "Traceback" not in r.stderr
    fifo = hostile_inbox / "网页.html"  # the importer's sniffing must not open it either
    os.mkfifo(fifo)
    r = run_gxxl("validate", fifo, timeout=60)
    assert r.returncode == 2 and "不是普通文件" in r.stderr + r.stdout, r.stderr
    with pytest.raises(ReadError, match="设备文件"):
        read(hostile_inbox / "零.xlsx")


@needs_posix
def test_roster_that_is_a_fifo_is_refused(hostile_inbox, tmp_path):
    os.mkfifo(tmp_path / "名单.csv")
    r = run_gxxl("consolidate", hostile_inbox, "--roster", tmp_path / "名单.csv", timeout=60)
    assert r.returncode == 2 and "名单文件" in r.stderr and "不是普通文件" in r.stderr, r.stderr


def _without_dac(cmd: list[str]) -> list[str]:
    """Root reads a mode-000 folder anyway; without the two DAC capabilities it cannot, like any user."""
    if os.geteuid() != 0:
        return cmd
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("setpriv (util-linux) is needed to test an unreadable folder as root")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *cmd]


@needs_posix
def test_unreadable_sub_folder_is_listed(tmp_path):
    inbox = tmp_path / "收件箱"
    write_bureau(inbox / "教育局.xlsx", "示例县教育局", seed=1)
    write_bureau(inbox / "乡镇" / "城关镇.xlsx", "示例县城关镇人民政府", level="乡镇（街道）", seed=2)
    write_bureau(inbox / "不可读.xlsx", "示例县民政局", seed=3)
    out = tmp_path / "汇总.xlsx"
    os.chmod(inbox / "乡镇", 0)
    os.chmod(inbox / "不可读.xlsx", 0)
    try:
        env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
        r = subprocess.run(_without_dac([sys.executable, "-m", "gxxl", "consolidate", str(inbox), "-o", str(out),
                                         "--format", "json"]), env=env, capture_output=True, text=True, timeout=120)
    finally:
        os.chmod(inbox / "乡镇", 0o755)
        os.chmod(inbox / "不可读.xlsx", 0o644)
    assert r.returncode == 1, r.stdout + r.stderr
    data = json.loads(r.stdout)
    by = {f["file"]: f for f in data["files"]}
    folder = by["收件箱/乡镇"]
    assert folder["status"] == UNREADABLE and "没有读取权限" in folder["detail"] and "未汇总" in folder["detail"]
    assert "没有读取权限" in by["收件箱/不可读.xlsx"]["detail"]  # Chinese, not "Permission denied"
    assert data["included"] == 1
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = [r for r in wb["报送情况"].iter_rows(min_row=7, values_only=True) if r and "收件箱/乡镇" in r]
    assert rows and rows[0][4] == UNREADABLE
    wb.close()


def _zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    return buf.getvalue()


def test_member_limit_is_a_total_for_the_run(tmp_path, monkeypatch):
    import gxxl.consolidation.inputs as inputs

    monkeypatch.setattr(inputs, "ZIP_MAX_MEMBERS", 50)
    good = tmp_path / "good.xlsx"
    write_bureau(good, "示例县教育局", seed=1)
    inner = {f"内层{k}.zip": _zip_of({f"{k}_{i}.xlsx": b"" for i in range(20)}) for k in range(4)}
    outer = tmp_path / "收件箱" / "嵌套.zip"
    outer.parent.mkdir()
    outer.write_bytes(_zip_of({**inner, "教育局.xlsx": good.read_bytes()}))
    res = consolidate([outer.parent], progress=False)
    refused = [f for f in res.files if "总数将超过上限" in f.detail]
    # the outer archive (1), its 5 members and two inner archives of 20 fit (46); a third would pass 50
    assert [f.file.rsplit("!", 1)[-1] for f in refused] == ["内层2.zip", "内层3.zip"]
    assert all(f.status == UNREADABLE and "50" in f.detail for f in refused)
    assert len(res.files) == 1 + 40 + 2 and len(res.included) == 1
    # plain files past the limit: the run is refused with a message, nothing half-done
    many = tmp_path / "很多"
    many.mkdir()
    for i in range(51):
        (many / f"{i}.xlsx").write_bytes(b"")
    with pytest.raises(GxxlError, match="超过50个.*分批汇总"):
        consolidate([many], progress=False)


def test_table_past_excels_row_limit_goes_to_csv(tmp_path, monkeypatch):
    import gxxl.consolidation.xlsx as xlsx

    for i in range(4):
        write_bureau(tmp_path / "in" / f"{i}.xlsx", f"示例县第{i}局", values=sample.broken_values())
    res = consolidate([tmp_path / "in"], progress=False)
    n = len(res.findings)
    assert n > 12
    monkeypatch.setattr(xlsx, "EXCEL_MAX_ROWS", 12)  # the 问题清单 (header + n rows) no longer fits
    out = tmp_path / "汇总.xlsx"
    res.to_xlsx(out)
    side = tmp_path / "汇总_问题清单.csv"
    assert [(s, k, p) for s, k, p in res.extra_outputs] == [("问题清单", n, side)]
    with open(side, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["机关名称", "联系人", "联系电话"] and len(rows) == 1 + n
    wb = openpyxl.load_workbook(out, read_only=True)
    q = list(wb["问题清单"].iter_rows(values_only=True))
    assert len(q) == 2 and "行数上限" in q[1][0] and "_问题清单.csv" in q[1][0]
    assert wb["明细"].max_row == 2 + 4 + 1  # the tables that fit are whole
    wb.close()
    with pytest.raises(GxxlError, match="已存在"):  # the CSV is an output like any other: no silent overwrite
        res.to_xlsx(tmp_path / "汇总.xlsx")
