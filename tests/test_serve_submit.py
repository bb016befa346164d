"""上报 from outside the browser: `gxxl submit` (a bureau, or a county sending its 汇总 one level up) and the Excel
add-in's 上报 button, against the real server on 127.0.0.1."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from serve_support import ENV, Server, admin_token, api, free_port, init_site, workbook

ORGANS_HERE = ["示例县教育局", "示例县财政局"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("submit")
    port = free_port()
    s = init_site(base / "site", organs=ORGANS_HERE, port=port)
    server = Server(s["dir"], port=port).start()
    s.update(server=server, books=base / "books", links={r["机关名称"]: r["上报链接"] for r in s["rows"]})
    s["books"].mkdir()
    yield s
    server.stop()


def gxxl(*args, config=None):
    env = dict(ENV, GXXL_CONFIG_DIR=str(config)) if config else ENV
    return subprocess.run([sys.executable, "-m", "gxxl", *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=180)


def test_submit_prints_the_findings_and_exit_code_says_errors(site):
    link = site["links"]["示例县财政局"]
    bad = workbook(site["books"] / "财政局.xlsx", "示例县财政局", kind="errors")
    r = gxxl("submit", bad, "--link", link)
    assert r.returncode == 1, r.stderr
    assert "已上报" in r.stdout and "有错误" in r.stdout and "请改正后重新上传" in r.stdout
    assert "[fill.text]" in r.stdout and "表二" in r.stdout
    good = workbook(site["books"] / "财政局-改.xlsx", "示例县财政局")
    r = gxxl("submit", good, "--link", link, "--format", "json")
    assert r.returncode == 0, r.stderr
    answer = json.loads(r.stdout)
    assert answer["organ"] == "示例县财政局" and answer["errors"] == 0
    # the service keeps both; the bureau's own history shows them
    me = api(site["server"], "GET", "/api/me", site["tokens"]["示例县财政局"]).json()
    assert len(me["submissions"]) >= 2


def test_remembered_link_is_used_by_later_submissions(site, tmp_path):
    link = site["links"]["示例县教育局"]
    book = workbook(site["books"] / "教育局.xlsx", "示例县教育局")
    r = gxxl("submit", book, "--link", link, "--remember", config=tmp_path)
    assert r.returncode == 0, r.stderr + r.stdout
    assert (tmp_path / "上报链接.txt").read_text(encoding="utf-8").strip() == link
    r = gxxl("submit", book, config=tmp_path)
    assert r.returncode == 0 and "示例县教育局" in r.stdout


def test_bad_links_and_unreachable_servers_get_chinese_messages(site, tmp_path):
    book = workbook(site["books"] / "x.xlsx", "示例县教育局")
    cases = {
        "http://127.0.0.1/上报": "格式不对",
        site["server"].base + "/b/" + "A" * 32 + "/": "链接无效或已被县政府办重新生成",
        f"http://127.0.0.1:{free_port()}/b/{'B' * 32}/": "无法连接上报服务",
    }
    for link, msg in cases.items():
        r = gxxl("submit", book, "--link", link, config=tmp_path)
        assert r.returncode == 2, (link, r.stdout, r.stderr)
        assert msg in r.stderr and "Traceback" not in r.stderr
    r = gxxl("submit", book, config=tmp_path)  # nothing remembered
    assert r.returncode == 2 and "没有上报链接" in r.stderr


def test_county_consolidation_goes_one_level_up(tmp_path):
    """The county's 汇总 workbook is submitted to the city's service with the county's link."""
    import gxxl as lib

    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    for organ in ("甲县教育局", "甲县财政局"):
        workbook(inbox / f"{organ}.xlsx", organ)
    county = tmp_path / "甲县汇总.xlsx"
    lib.consolidate([inbox], year=2024, name="甲县", level="县级", progress=False).to_xlsx(county)
    port = free_port()
    city = init_site(tmp_path / "city", organs=["甲县", "乙县"], port=port)
    server = Server(city["dir"], port=port).start()
    try:
        link = next(r["上报链接"] for r in city["rows"] if r["机关名称"] == "甲县")
        r = gxxl("submit", county, "--link", link, "--format", "json")
        assert r.returncode in (0, 1), r.stderr
        answer = json.loads(r.stdout)
        assert answer["organ"] == "甲县"
        status = api(server, "GET", "/api/status", admin_token(city["dir"])).json()
        by = {o["organ"]: o for o in status}
        assert by["甲县"]["status"] != "未报送" and by["乙县"]["status"] == "未报送"
    finally:
        server.stop()


def test_excel_button_submits_the_saved_workbook(site, tmp_path, monkeypatch):
    """The 上报 button's Python side on the xlwings remote engine (tests only; the product uses the desktop engine)."""
    import excel_client as ec
    import xlwings as xw

    from gxxl.excel import ACTIONS, submit_book
    from gxxl.errors import GxxlError

    ec.use_remote_engine(monkeypatch)
    monkeypatch.setenv("GXXL_CONFIG_DIR", str(tmp_path / "cfg"))
    assert ACTIONS["submit"] is submit_book
    book_path = workbook(tmp_path / "教育局.xlsx", "示例县教育局")
    # no link yet, and the remote client cannot ask: a message that says how to set it
    with pytest.raises(GxxlError, match="尚未设置上报链接"):
        submit_book(xw.Book(json=ec.payload(book_path, name=str(book_path))))
    # as the message says: remember the link once on the command line, then the button works
    r = gxxl("submit", book_path, "--link", site["links"]["示例县教育局"], "--remember", config=tmp_path / "cfg")
    assert r.returncode == 0, r.stderr
    book = xw.Book(json=ec.payload(book_path, name=str(book_path)))
    answer = submit_book(book)
    assert answer["organ"] == "示例县教育局" and answer["errors"] == 0
    alert = [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"][-1]
    assert alert.startswith("已上报") and "/b/" in alert
    me = api(site["server"], "GET", "/api/me", site["tokens"]["示例县教育局"]).json()
    assert answer["id"] in [s["id"] for s in me["submissions"]]
