"""gxxl serve init / token / demo / run from the command line: Chinese help and errors, files written."""
from __future__ import annotations

import csv
import re

import requests

from serve_support import PASSWORD, Server, cli, init_site


def test_help_is_chinese():
    out = cli("serve", "--help").stdout
    assert "收集服务" in out and "init" in out and "demo" in out
    assert "上报链接" in cli("serve", "init", "--help").stdout


def test_init_writes_links_and_refuses_to_reuse(tmp_path):
    info = init_site(tmp_path / "data", organs=["示例县教育局", "示例县财政局"])
    assert "上报链接已写入" in info["stdout"]
    rows = info["rows"]
    assert [r["机关名称"] for r in rows] == ["示例县教育局", "示例县财政局"]
    assert all(r["上报链接"].endswith(f"/b/{r['令牌']}/") and len(r["令牌"]) >= 30 for r in rows)
    assert rows[0]["联系人"] == "联系人0"
    db = (tmp_path / "data" / "gxxl.sqlite3").read_bytes()
    assert rows[0]["令牌"].encode() not in db  # only hashes are stored
    again = cli("serve", "init", tmp_path / "data", "--roster", tmp_path / "data-名单.csv", "--year", 2024,
                "--deadline", "2025-01-31", "--admin-password", PASSWORD, check=False)
    assert again.returncode == 2 and "已经是收集服务的数据文件夹" in again.stderr


def test_init_errors_are_chinese(tmp_path):
    roster = tmp_path / "名单.csv"
    roster.write_text("机关名称\n示例县教育局\n", encoding="utf-8")
    base = ["serve", "init", tmp_path / "d", "--roster", roster, "--year", 2024, "--admin-password", PASSWORD]
    r = cli(*base, "--deadline", "明年", check=False)
    assert r.returncode == 2 and "不是有效日期" in r.stderr
    r = cli("serve", "init", tmp_path / "d", "--roster", tmp_path / "没有.csv", "--year", 2024, "--deadline",
            "2025-01-31", "--admin-password", PASSWORD, check=False)
    assert r.returncode == 2 and "不存在" in r.stderr and not (tmp_path / "d").exists()
    r = cli(*base, "--deadline", "2025年1月31日", "--admin-password", "short", check=False)
    assert r.returncode == 2 and "至少8个字符" in r.stderr
    r = cli(*base, "--deadline", "2025-01-31", "--db", "mysql://x", check=False)
    assert r.returncode == 2 and "postgresql://" in r.stderr and not (tmp_path / "d").exists()
    r = cli("serve", "run", tmp_path / "不存在", check=False)
    assert r.returncode == 2 and "gxxl serve init" in r.stderr


def test_token_prints_a_working_admin_token_on_its_last_line(tmp_path):
    info = init_site(tmp_path / "data", organs=["示例县教育局"])
    out = cli("serve", "token", info["dir"]).stdout
    token = out.strip().splitlines()[-1]
    assert token.startswith("gxxl_") and "令牌" in out
    s = Server(info["dir"]).start()
    try:
        r = requests.get(s.url("/api/status"), headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json()[0]["organ"] == "示例县教育局"
    finally:
        s.stop()


def test_demo_prepares_a_county_with_submissions_in_every_state(tmp_path):
    out = cli("serve", "demo", tmp_path / "demo", "--no-run", "--port", 8123).stdout
    assert "admin" in out and "/b/" in out and "/login/" in out
    s = Server(tmp_path / "demo").start()
    try:
        token = cli("serve", "token", tmp_path / "demo").stdout.strip().splitlines()[-1]
        states = [x["status"] for x in requests.get(s.url("/api/status"), headers={"Authorization": f"Bearer {token}"}).json()]
        for st in ("未报送", "有错误", "待说明", "已报送", "已退回", "已确认"):
            assert st in states, (st, states)
        r = requests.get(s.url("/api/consolidated.xlsx"), headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.content[:2] == b"PK"
        # the trial workbooks of the organ that has not filed: wrong, then corrected
        link = re.search(r"尚未报送的单位（(.+?)）的上报页面：(\S+)", out)
        organ, tok = link.group(1), link.group(2).rstrip("/").rsplit("/", 1)[1]
        trial = tmp_path / "demo" / "试用工作簿"
        wrong = requests.post(s.url("/api/submit"), headers={"Authorization": f"Bearer {tok}"},
                              files={"file": open(next(trial.glob("*-有错误.xlsx")), "rb")}).json()
        assert wrong["organ"] == organ and wrong["status"] == "有错误"
        fixed = requests.post(s.url("/api/submit"), headers={"Authorization": f"Bearer {tok}"},
                              files={"file": open(next(trial.glob("*-已改正.xlsx")), "rb")}).json()
        assert fixed["status"] == "已报送"
    finally:
        s.stop()
    # run again on the same folder: reused, not rebuilt
    again = cli("serve", "demo", tmp_path / "demo", "--no-run").stdout
    assert "使用已有的演示数据" in again
    with open(tmp_path / "demo" / "上报链接.csv", encoding="utf-8-sig") as fh:
        assert len(list(csv.DictReader(fh))) == 8


def test_county_reports_its_consolidated_workbook_to_the_city(tmp_path):
    """Township → county → city: the county's 汇总 is itself submitted with the county's link."""
    from serve_support import free_port, submit, workbook

    county = init_site(tmp_path / "county", organs=["示例县教育局", "示例县财政局"])
    cport = free_port()
    city = init_site(tmp_path / "city", organs=["示例县", "另一县"], port=cport)
    cs = Server(county["dir"]).start()
    ct = Server(city["dir"], port=cport).start()
    try:
        for organ in ("示例县教育局", "示例县财政局"):
            assert submit(cs, county["tokens"][organ], workbook(tmp_path / f"{organ}.xlsx", organ)).status_code == 201
        token = cli("serve", "token", county["dir"]).stdout.strip().splitlines()[-1]
        x = requests.get(cs.url("/api/consolidated.xlsx"), headers={"Authorization": f"Bearer {token}"})
        book = tmp_path / "示例县汇总.xlsx"
        book.write_bytes(x.content)
        link = next(r["上报链接"] for r in city["rows"] if r["机关名称"] == "示例县")
        r = cli("submit", book, "--link", link, check=False)
        assert "已上报" in r.stdout and "示例县" in r.stdout, r.stdout + r.stderr
        ctoken = cli("serve", "token", city["dir"]).stdout.strip().splitlines()[-1]
        row = next(x for x in requests.get(ct.url("/api/status"), headers={"Authorization": f"Bearer {ctoken}"}).json()
                   if x["organ"] == "示例县")
        sub = requests.get(ct.url(f"/api/submissions/{row['latest_id']}"), headers={"Authorization": f"Bearer {ctoken}"}).json()
        assert not any(f["rule"] == "serve.organ_mismatch" for f in sub["findings"])
        assert row["status"] == sub["status"] and (r.returncode == 0) == (sub["errors"] == 0)
        bad = cli("submit", book, "--link", link.replace(link.split("/b/")[1], "W" * 32 + "/"), check=False)
        assert bad.returncode == 2 and "链接无效" in bad.stderr
    finally:
        cs.stop()
        ct.stop()


def test_password_resets_an_admin_and_adds_one(tmp_path):
    from serve_support import admin_session

    info = init_site(tmp_path / "data", organs=["示例县教育局"])
    out = cli("serve", "password", info["dir"], "--password", "xin-mima-2025").stdout
    assert "已重设密码：admin" in out
    assert "已新建管理员：zhang" in cli("serve", "password", info["dir"], "--user", "zhang", "--password", "zhang-mima-1").stdout
    r = cli("serve", "password", info["dir"], "--password", "short", check=False)
    assert r.returncode == 2 and "至少8个字符" in r.stderr
    s = Server(info["dir"]).start()
    try:
        sess = admin_session(s, password="xin-mima-2025")
        # before the first submission the year can still change; after it, not
        from serve_support import csrf, submit, workbook

        html = sess.get(s.url("/board/")).text
        assert 'name="year"' in html
        r = sess.post(s.url("/board/settings"), data={"year": "2025", "deadline": "2026-01-31", "csrfmiddlewaretoken": csrf(html)})
        tok = info["tokens"]["示例县教育局"]
        me = requests.get(s.url("/api/me"), headers={"Authorization": f"Bearer {tok}"}).json()
        assert r.status_code == 200 and me["year"] == 2025 and me["deadline"] == "2026-01-31"
        assert submit(s, tok, workbook(tmp_path / "a.xlsx", "示例县教育局", year=2025)).json()["errors"] == 0
        html = sess.get(s.url("/board/")).text
        assert 'name="year"' not in html
        r = sess.post(s.url("/board/settings"), data={"year": "2024", "deadline": "2026-01-31", "csrfmiddlewaretoken": csrf(html)})
        assert r.status_code == 400 and "不能再改" in r.text
    finally:
        s.stop()
