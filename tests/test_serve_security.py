"""gxxl serve against hostile uploads and hostile users: Chinese refusals and a server that stays up,
isolation between bureaus, login, CSRF, cookie flags, rate limits, escaping, the audit log."""
from __future__ import annotations

import io
import re
import threading
import zipfile

import openpyxl
import pytest
import requests

from serve_support import (HOSTILE_NAMES, PASSWORD, Server, admin_session, admin_token, api, csrf, init_site,
                           submit, workbook)

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("serve-sec")
    info = init_site(base / "data")
    server = Server(info["dir"]).start()
    info.update(server=server, admin=admin_token(info["dir"]), books=base)
    yield info
    server.stop()


def _good_bytes(site, organ="示例县教育局") -> bytes:
    return workbook(site["books"] / f"{abs(hash(organ))}.xlsx", organ).read_bytes()


def _bomb(good: bytes) -> bytes:
    """A real workbook plus one member of 300 MB of zeros (about 300 KB packed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        with dst.open("xl/media/image1.bin", "w", force_zip64=True) as fh:
            block = bytes(1024 * 1024)
            for _ in range(300):
                fh.write(block)
    return buf.getvalue()


def _with_macros(good: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return buf.getvalue()


def test_hostile_uploads_get_chinese_refusals_and_the_server_stays_up(site):
    s, tok = site["server"], site["tokens"]["示例县民政局"]
    good = _good_bytes(site, "示例县民政局")
    cases = {
        "空文件.xlsx": b"",
        "文本.xlsx": "这不是工作簿，只是一段文字。\n".encode() * 50,
        "截断.xlsx": good[: len(good) // 2],
        "压缩炸弹.xlsx": _bomb(good),
        "含宏.xlsx": _with_macros(good),
        "启用宏.xlsm": good,
        "程序.exe": b"MZ" + bytes(100),
        "随机.xls": bytes(range(256)) * 40,
    }
    before = len(api(s, "GET", "/api/me", tok).json()["submissions"])
    for name, data in cases.items():
        r = api(s, "POST", "/api/submit", tok, files={"file": (name, data)})
        assert 400 <= r.status_code < 500, (name, r.status_code, r.text[:300])
        msg = r.json()["error"]
        assert CJK.search(msg) and name in msg, (name, msg)
        assert "files/" not in msg and "/tmp" not in msg  # no server paths in messages
        assert s.alive()
    assert "宏" in api(s, "POST", "/api/submit", tok, files={"file": ("含宏.xlsx", cases["含宏.xlsx"])}).json()["error"]
    # nothing refused is listed; a good upload still works
    assert len(api(s, "GET", "/api/me", tok).json()["submissions"]) == before
    ok = api(s, "POST", "/api/submit", tok, files={"file": ("民政局.xlsx", good)})
    assert ok.status_code == 201 and ok.json()["status"] == "已报送"
    audit = admin_session(s).get(s.url("/board/audit/")).text
    assert "上传被拒收" in audit and "压缩炸弹.xlsx" in audit


class _Zeros:
    """A 200 MB multipart body streamed without holding it in memory (requests sends Content-Length)."""

    def __init__(self, size: int):
        self.head = (b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.xlsx\"\r\n"
                     b"Content-Type: application/octet-stream\r\n\r\n")
        self.tail = b"\r\n--b0undary--\r\n"
        self.size, self.pos = size, 0
        self.len = len(self.head) + size + len(self.tail)

    def __len__(self):
        return self.len

    def read(self, n=-1):
        n = 1024 * 1024 if n is None or n < 0 else n
        out = b""
        if self.pos == 0:
            out = self.head
        left = self.size - max(0, self.pos - 0)
        take = min(n, max(0, left))
        out += bytes(take)
        self.pos += take
        if take == 0 and self.tail:
            out, self.tail = out + self.tail, b""
        return out


def test_oversized_upload_is_refused_while_others_are_served(site):
    s, tok = site["server"], site["tokens"]["示例县教育局"]
    other = site["tokens"]["示例县财政局"]
    results = []

    def others():
        for _ in range(5):
            results.append(api(s, "GET", "/api/me", other).status_code)

    t = threading.Thread(target=others)
    t.start()
    r = requests.post(s.url("/api/submit"), data=_Zeros(200 * 1024 * 1024), timeout=120,
                      headers={"Authorization": f"Bearer {tok}", "Content-Type": "multipart/form-data; boundary=b0undary"})
    t.join(60)
    assert r.status_code == 413 and "超过上限" in r.json()["error"]
    assert results == [200] * 5 and s.alive()
    # just above the limit, through the page's form: a Chinese page
    big = bytes(21 * 1024 * 1024)
    page = requests.Session()
    html = page.get(s.url(f"/b/{tok}/")).text
    r = page.post(s.url(f"/b/{tok}/"), data={"csrfmiddlewaretoken": csrf(html)}, files={"file": ("大.xlsx", big)})
    assert r.status_code == 413 and "超过上限" in r.text


def test_bureau_sees_only_its_own(site):
    s, tokens = site["server"], site["tokens"]
    a, b = tokens["示例县教育局"], tokens["示例县财政局"]
    sid = submit(s, b, workbook(site["books"] / "财政.xlsx", "示例县财政局")).json()["id"]
    assert requests.get(s.url(f"/b/{b}/s/{sid}/")).status_code == 200
    assert requests.get(s.url(f"/b/{b}/s/{sid}/file")).status_code == 200
    assert requests.get(s.url(f"/b/{a}/s/{sid}/")).status_code == 404
    assert requests.get(s.url(f"/b/{a}/s/{sid}/file")).status_code == 404
    r = requests.get(s.url("/b/not-a-real-token/"))
    assert r.status_code == 404 and "页面不存在" in r.text
    # the bureau's page lists only its own history
    page_a = requests.get(s.url(f"/b/{a}/")).text
    assert "财政.xlsx" not in page_a
    # explaining someone else's submission: 404, nothing changes
    sess = requests.Session()
    html = sess.get(s.url(f"/b/{a}/")).text
    r = sess.post(s.url(f"/b/{a}/s/{sid}/explain"), data={"csrfmiddlewaretoken": csrf(html)})
    assert r.status_code == 404


def test_admin_pages_need_login(site):
    s = site["server"]
    for path in ("/board/", "/board/roster/", "/board/audit/", "/board/consolidated.xlsx", "/board/all.zip",
                 "/board/chase.xlsx", "/board/s/1/", "/board/report.docx"):
        r = requests.get(s.url(path), allow_redirects=False)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login/"), path
    # a bureau link is no login
    tok = site["tokens"]["示例县教育局"]
    sess = requests.Session()
    sess.get(s.url(f"/b/{tok}/"))
    assert sess.get(s.url("/board/"), allow_redirects=False).status_code == 302
    # an API token is no session either
    assert requests.get(s.url("/board/"), headers={"Authorization": f"Bearer {site['admin']}"},
                        allow_redirects=False).status_code == 302


def test_csrf_on_every_form(site):
    s, tok = site["server"], site["tokens"]["示例县教育局"]
    good = _good_bytes(site)
    r = requests.post(s.url("/login/"), data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 403 and "安全校验" in r.text
    r = requests.post(s.url(f"/b/{tok}/"), files={"file": ("a.xlsx", good)})
    assert r.status_code == 403
    admin = admin_session(s)
    for path, data in (("/board/settings", {"deadline": "2025-02-01"}), ("/board/roster/", {"action": "add", "name": "x"}),
                       ("/board/s/1/", {"action": "confirm"}), ("/logout/", {})):
        r = admin.post(s.url(path), data=data, allow_redirects=False)
        assert r.status_code == 403, path
    # with the token from the page it works
    html = admin.get(s.url("/board/")).text
    r = admin.post(s.url("/board/settings"), data={"deadline": "2025-01-31", "csrfmiddlewaretoken": csrf(html)},
                   allow_redirects=False)
    assert r.status_code == 302


def test_cookie_flags_and_headers(site):
    s = site["server"]
    sess = requests.Session()
    r = sess.get(s.url("/login/"))
    assert "HttpOnly" in r.headers["Set-Cookie"] and "SameSite=Lax" in r.headers["Set-Cookie"]
    r = sess.post(s.url("/login/"), data={"username": "admin", "password": PASSWORD, "csrfmiddlewaretoken": csrf(r.text)},
                  allow_redirects=False)
    cookie = r.headers["Set-Cookie"]
    session_part = next(p for p in re.split(r",(?=\s*gxxl_)", cookie) if "gxxl_session=" in p)
    assert "HttpOnly" in session_part and "SameSite=Lax" in session_part
    page = sess.get(s.url("/board/"))
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'none': no script runs
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Referrer-Policy"] == "same-origin"
    tok = site["tokens"]["示例县教育局"]
    assert requests.get(s.url(f"/b/{tok}/")).headers["Cache-Control"] == "no-store"


def test_hostile_organ_names_are_escaped_everywhere(site):
    s, tokens = site["server"], site["tokens"]
    admin = admin_session(s)
    for name in HOSTILE_NAMES:
        tok = tokens[name]
        assert submit(s, tok, workbook(site["books"] / f"h{HOSTILE_NAMES.index(name)}.xlsx", name)).status_code == 201
    pages = [admin.get(s.url(p)).text for p in ("/board/", "/board/roster/", "/board/audit/")]
    pages += [requests.get(s.url(f"/b/{tokens[n]}/")).text for n in HOSTILE_NAMES]
    for html in pages:
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;示例局" in html or "示例局" not in html
        # a right-to-left override only ever inside an isolating <bdi>
        for m in re.finditer("\u202e", html):
            before = html[:m.start()]
            assert before.rfind("<bdi") > before.rfind("</bdi>"), html[max(0, m.start() - 80):m.start() + 20]
    # spreadsheets: names are text cells, never formulas
    wb = openpyxl.load_workbook(io.BytesIO(admin.get(s.url("/board/chase.xlsx")).content))
    ws = wb.active
    cells = [c for row in ws.iter_rows() for c in row if c.value == HOSTILE_NAMES[1]]
    assert ws.max_row >= 3 and all(c.data_type == "s" for c in cells)
    links = (site["dir"] / "上报链接.csv").read_text("utf-8-sig")
    assert "'=cmd|" in links and "\n=cmd" not in links and ",=cmd" not in links
    xlsx = admin.get(s.url("/board/consolidated.xlsx"))
    assert xlsx.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content))["报送情况"]
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and "cmd|" in c.value:
                assert c.data_type == "s"


def test_return_confirm_regenerate_and_the_audit_log(site):
    s, tokens = site["server"], site["tokens"]
    tok = tokens["示例县民政局"]
    sid = submit(s, tok, workbook(site["books"] / "退回.xlsx", "示例县民政局")).json()["id"]
    admin = admin_session(s)
    html = admin.get(s.url(f"/board/s/{sid}/")).text
    r = admin.post(s.url(f"/board/s/{sid}/"), data={"action": "return", "reason": "", "csrfmiddlewaretoken": csrf(html)})
    assert r.status_code == 400 and "退回原因" in r.text
    reason = "表三<b>第（五）项</b>与正文不一致，请核实后重报"
    r = admin.post(s.url(f"/board/s/{sid}/"), data={"action": "return", "reason": reason, "csrfmiddlewaretoken": csrf(html)})
    assert r.status_code == 200 and "已退回" in r.text
    page = requests.get(s.url(f"/b/{tok}/")).text
    assert "已退回" in page and "表三&lt;b&gt;第（五）项&lt;/b&gt;与正文不一致" in page
    row = next(x for x in api(s, "GET", "/api/status", site["admin"]).json() if x["organ"] == "示例县民政局")
    assert row["status"] == "已退回" and row["counted_id"] is None and "第（五）项" in row["return_reason"]
    # a corrected upload, then 确认
    sid2 = submit(s, tok, workbook(site["books"] / "重报.xlsx", "示例县民政局")).json()["id"]
    html = admin.get(s.url(f"/board/s/{sid2}/")).text
    admin.post(s.url(f"/board/s/{sid2}/"), data={"action": "confirm", "reason": "", "csrfmiddlewaretoken": csrf(html)})
    assert api(s, "GET", f"/api/submissions/{sid2}", tok).json()["status"] == "已确认"
    # regenerate the link: the old one stops working at once
    html = admin.get(s.url("/board/roster/")).text
    oid = next(x["id"] for x in api(s, "GET", "/api/status", site["admin"]).json() if x["organ"] == "示例县民政局")
    r = admin.post(s.url("/board/roster/"), data={"action": "link", "organ": oid, "csrfmiddlewaretoken": csrf(html)})
    new = re.search(r"/b/([A-Za-z0-9_-]+)/</code>", r.text).group(1)
    assert api(s, "GET", "/api/me", tok).status_code == 401 and requests.get(s.url(f"/b/{tok}/")).status_code == 404
    assert api(s, "GET", "/api/me", new).json()["status"] == "已确认"
    tokens["示例县民政局"] = new
    audit = admin.get(s.url("/board/audit/")).text
    for label in ("上传", "退回", "确认", "重新生成链接", "登录"):
        assert f"<td>{label}</td>" in audit, label


def test_warnings_explained_on_the_page(site):
    s, tok = site["server"], site["tokens"]["示例县财政局"]
    body = submit(s, tok, workbook(site["books"] / "提示.xlsx", "示例县财政局", kind="warning")).json()
    assert body["status"] == "待说明" and body["errors"] == 0 and body["warnings"] >= 1
    sess = requests.Session()
    html = sess.get(s.url(f"/b/{tok}/")).text
    keys = re.findall(r'name="(ex:[^"]+)"', html)
    assert keys and "待说明" in html
    r = sess.post(s.url(f"/b/{tok}/s/{body['id']}/explain"),
                  data={"csrfmiddlewaretoken": csrf(html), **{k: "本年度集中清理规范性文件，现行有效件数减少属实。" for k in keys}})
    assert r.status_code == 200 and "已保存" in r.text
    assert api(s, "GET", f"/api/submissions/{body['id']}", tok).json()["status"] == "已报送"


def test_login_rate_limit(tmp_path):
    info = init_site(tmp_path / "data", organs=["示例县教育局"])
    s = Server(info["dir"]).start()
    try:
        sess = requests.Session()
        codes = []
        for i in range(6):
            html = sess.get(s.url("/login/")).text
            codes.append(sess.post(s.url("/login/"), data={"username": "admin", "password": f"wrong{i}",
                                                           "csrfmiddlewaretoken": csrf(html)}).status_code)
        assert codes[:5] == [401] * 5 and codes[5] == 429
        html = sess.get(s.url("/login/")).text
        r = sess.post(s.url("/login/"), data={"username": "admin", "password": PASSWORD, "csrfmiddlewaretoken": csrf(html)})
        assert r.status_code == 429 and "过多" in r.text  # even the right password waits
    finally:
        s.stop()
    import sqlite3

    con = sqlite3.connect(info["dir"] / "gxxl.sqlite3")
    try:
        n = con.execute("select count(*) from gxxl_serve_auditlog where action='login_failed'").fetchone()[0]
    finally:
        con.close()
    assert n == 5


def test_malformed_requests_get_chinese_json(site):
    s, tok = site["server"], site["tokens"]["示例县教育局"]
    h = {"Authorization": f"Bearer {tok}"}
    r = requests.post(s.url("/api/submit"), headers={**h, "Content-Type": "multipart/form-data"}, data=b"garbage")
    assert r.status_code == 400 and "multipart" in r.json()["error"]
    r = requests.post(s.url("/api/submit"), headers=h, files=[("file", ("a.xlsx", b"x")), ("f2", ("b", b"y")), ("f3", ("c", b"z"))])
    assert r.status_code == 400 and CJK.search(r.json()["error"])
    r = requests.get(s.url("/api/submit"), headers=h)
    assert r.status_code == 405 and "POST" in r.json()["error"]
    assert requests.get(s.url("/api/nothing")).json()["error"] == "没有这个接口"
    assert s.alive()
