"""gxxl serve's JSON API contract over real HTTP, on SQLite and on a real PostgreSQL."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from serve_support import ENV, ORGANS, Server, admin_token, api, init_site, submit, workbook


@pytest.fixture(scope="session")
def postgres():
    from serve_support import Postgres

    try:
        pg = Postgres().start()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI"):
            pytest.fail(f"CI必须能启动PostgreSQL（scripts/install.sh 安装 postgresql）：{exc}")
        pytest.skip(f"PostgreSQL cannot start here: {exc}")
    yield pg
    pg.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request, tmp_path_factory):
    db = request.getfixturevalue("postgres").new_db() if request.param == "postgresql" else None
    base = tmp_path_factory.mktemp(f"serve-{request.param}")
    info = init_site(base / "data", db=db)
    server = Server(info["dir"]).start()  # the URL is remembered in the data folder's config
    info.update(server=server, db=db, admin=admin_token(info["dir"]), books=base, kind=request.param)
    yield info
    server.stop()


def validate_json(path):
    r = subprocess.run([sys.executable, "-m", "gxxl", "validate", "--format", "json", str(path)], env=ENV,
                       capture_output=True, text=True, timeout=120)
    return json.loads(r.stdout)[0]


def test_submit_returns_the_findings_of_gxxl_validate(site):
    s, tok = site["server"], site["tokens"]["示例县财政局"]
    p = workbook(site["books"] / "财政局.xlsx", "示例县财政局", kind="errors")
    r = submit(s, tok, p)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) >= {"id", "organ", "status", "errors", "warnings", "findings"}
    assert body["organ"] == "示例县财政局" and body["status"] == "有错误"
    cli = validate_json(p)
    assert body["findings"] == cli["findings"]  # exactly as gxxl validate --format json
    assert body["errors"] == cli["errors"] > 0 and body["warnings"] == cli["warnings"]
    again = api(s, "GET", f"/api/submissions/{body['id']}", tok)
    assert again.status_code == 200 and again.json()["findings"] == cli["findings"]


def test_good_workbook_is_submitted_and_counted(site):
    s, tok = site["server"], site["tokens"]["示例县教育局"]
    p = workbook(site["books"] / "教育局.xlsx", "示例县教育局")
    r = submit(s, tok, p)
    assert r.status_code == 201 and r.json()["status"] == "已报送" and r.json()["errors"] == 0
    status = api(s, "GET", "/api/status", site["admin"]).json()
    row = next(x for x in status if x["organ"] == "示例县教育局")
    assert row["status"] == "已报送" and row["counted_id"] == r.json()["id"]
    got = api(s, "GET", "/api/consolidated.xlsx", site["admin"])
    assert got.status_code == 200 and got.content[:2] == b"PK"
    out = site["books"] / "汇总.xlsx"
    out.write_bytes(got.content)
    from gxxl.workbook.read import read

    from gxxl.samples import bureau

    total = read(out)
    assert total.get("active.licensing.decisions") == bureau.sample_values()["active.licensing.decisions"]
    import openpyxl

    ws = openpyxl.load_workbook(out, read_only=True)["报送情况"]
    states = {r[1]: r[3] for r in ws.iter_rows(min_row=7, values_only=True) if r[1]}
    assert states["示例县教育局"] == "已报送"
    assert states["示例县民政局"] == "未报送"
    assert states["示例县财政局"] == "有错误"  # uploaded, not counted: the board's state, not 未报送
    head = openpyxl.load_workbook(out, read_only=True)["报送情况"]["A2"].value
    never = sum(1 for x in api(s, "GET", "/api/status", site["admin"]).json() if x["status"] == "未报送")
    assert f"未报送{never}个" in head


def test_status_lists_every_roster_organ(site):
    body = api(site["server"], "GET", "/api/status", site["admin"]).json()
    assert [x["organ"] for x in body] == ORGANS
    assert all(x["status"] in ("未报送", "有错误", "待说明", "已报送", "已退回", "已确认") for x in body)
    assert next(x for x in body if x["organ"] == "示例县民政局")["status"] == "未报送"


def test_tokens_401_403_404(site):
    s, tokens = site["server"], site["tokens"]
    p = workbook(site["books"] / "民政局.xlsx", "示例县民政局")
    mine = submit(s, tokens["示例县民政局"], p).json()["id"]
    # no token / bad token
    for path in ("/api/status", f"/api/submissions/{mine}", "/api/consolidated.xlsx", "/api/me"):
        assert api(s, "GET", path).status_code == 401
        assert api(s, "GET", path, "wrong-token").status_code == 401
    assert submit(s, "wrong-token", p).status_code == 401
    assert submit(s, None, p).status_code == 401
    # a bureau token on an admin route
    assert api(s, "GET", "/api/status", tokens["示例县民政局"]).status_code == 403
    assert api(s, "GET", "/api/consolidated.xlsx", tokens["示例县民政局"]).status_code == 403
    # another bureau's submission: 404, its own: 200, admin: 200
    assert api(s, "GET", f"/api/submissions/{mine}", tokens["示例县教育局"]).status_code == 404
    assert api(s, "GET", f"/api/submissions/{mine}", tokens["示例县民政局"]).status_code == 200
    assert api(s, "GET", f"/api/submissions/{mine}", site["admin"]).status_code == 200
    assert api(s, "GET", "/api/submissions/999999", site["admin"]).status_code == 404
    # the admin token cannot submit for an organ
    assert submit(s, site["admin"], p).status_code == 403
    r = api(s, "GET", "/api/status")
    assert "令牌" in r.json()["error"] and r.headers["WWW-Authenticate"].startswith("Bearer")


def test_cover_naming_another_organ_is_not_counted(site):
    s, tok = site["server"], site["tokens"][ORGANS[4]]
    p = workbook(site["books"] / "冒名.xlsx", "示例县财政局")  # a clean workbook of another organ
    r = submit(s, tok, p)
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "有错误"
    mism = [f for f in body["findings"] if f["rule"] == "serve.organ_mismatch"]
    assert mism and mism[0]["actual"] == "示例县财政局" and mism[0]["expected"] == ORGANS[4]
    assert mism[0]["sheet"] == "封面" and mism[0]["cell"] == "B4"
    row = next(x for x in api(s, "GET", "/api/status", site["admin"]).json() if x["organ"] == ORGANS[4])
    assert row["counted_id"] is None and row["status"] == "有错误"


def test_wrong_year_is_an_error(site):
    s, tok = site["server"], site["tokens"]["示例县财政局"]
    r = submit(s, tok, workbook(site["books"] / "上年.xlsx", "示例县财政局", year=2023))
    assert r.status_code == 201
    assert any(f["rule"] == "serve.wrong_year" for f in r.json()["findings"]) and r.json()["status"] == "有错误"


def test_me_shows_own_history(site):
    s, tok = site["server"], site["tokens"]["示例县财政局"]
    me = api(s, "GET", "/api/me", tok).json()
    assert me["organ"] == "示例县财政局" and me["deadline"] == "2025-01-31" and len(me["submissions"]) >= 2
    assert me["submissions"][0]["received"].endswith("+08:00")
