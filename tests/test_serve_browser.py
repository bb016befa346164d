"""The clerk's and the office's journeys in a real headless Chromium (Debian's chromium and
chromium-driver via Selenium) against a real gxxl serve; screenshots kept in tests/artifacts/serve/."""
from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest
import requests

from serve_support import PASSWORD, Server, init_site, workbook

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "serve"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def _need_browser():
    if CHROMIUM and DRIVER:
        try:
            import selenium  # noqa: F401

            return
        except ImportError:
            pass
    if os.environ.get("CI"):
        pytest.fail("CI必须安装chromium、chromium-driver和selenium（scripts/install.sh 负责安装）")
    pytest.skip("chromium / chromedriver / selenium not installed")


def _browser(tmp):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN",
              "--window-size=1280,900", f"--user-data-dir={tmp}", "--no-first-run", "--disable-extensions"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(DRIVER), options=opts)


def shot(driver, name: str) -> Path:
    """A full-page screenshot (the window stretched to the page's height)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    h = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.set_window_size(1280, min(max(h + 40, 600), 6000))
    p = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(p))
    driver.set_window_size(1280, 900)
    return p


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    _need_browser()
    base = tmp_path_factory.mktemp("serve-browser")
    organs = ["示例县教育局", "示例县财政局", "示例县民政局", "<script>alert(1)</script>示例局"]
    from serve_support import free_port

    port = free_port()
    info = init_site(base / "data", organs=organs, deadline="2099-01-31", port=port)  # links name this port
    server = Server(info["dir"], port=port).start()
    info.update(server=server, books=base)
    office = _browser(base / "office-profile")
    clerk = _browser(base / "clerk-profile")
    info.update(office=office, clerk=clerk)
    yield info
    for d in (office, clerk):
        d.quit()
    server.stop()


def _by(css):
    from selenium.webdriver.common.by import By

    return By.CSS_SELECTOR, css


def click(d, css):
    """Click a submit button or link and wait until the next page has loaded."""
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    old = d.find_element(*_by("html"))
    d.find_element(*_by(css)).click()
    WebDriverWait(d, 60).until(EC.staleness_of(old))
    WebDriverWait(d, 60).until(lambda x: x.execute_script("return document.readyState") == "complete")


def login(d, s):
    d.get(s.url("/board/"))
    assert "/login/" in d.current_url and "管理员登录" in d.page_source
    d.find_element(*_by("input[name=username]")).send_keys("admin")
    d.find_element(*_by("input[name=password]")).send_keys(PASSWORD)
    shot(d, "01-登录")
    click(d, "#login")
    assert d.current_url.endswith("/board/")


def test_clerk_and_office_journey(site):
    s, office, clerk = site["server"], site["office"], site["clerk"]
    tok = site["tokens"]["示例县教育局"]
    # the office looks at the board: nobody has filed yet
    login(office, s)
    assert "报送情况" in office.title and office.page_source.count("未报送") >= 4
    assert "&lt;script&gt;" in office.page_source and not office.execute_script("return window.__x || null")
    shot(office, "02-报送情况-初始")

    # the clerk opens the secret link, sees organ, deadline and days left, uploads a wrong workbook
    clerk.get(s.url(f"/b/{tok}/"))
    body = clerk.find_element(*_by("main")).text
    assert "示例县教育局" in body and "截止日期 2099年1月31日" in body and "还有" in body and "未报送" in body
    shot(clerk, "03-上报页面-未上传")
    wrong = workbook(site["books"] / "教育局-有错.xlsx", "示例县教育局", kind="errors")
    clerk.find_element(*_by("#file")).send_keys(str(wrong))
    click(clerk, "#upload")
    body = clerk.find_element(*_by("main")).text
    assert "请改正后重新上传" in body and "有错误" in body
    tables = clerk.find_elements(*_by("table.findings"))
    assert tables and "单元格" in tables[0].text and "应为" in tables[0].text and "实为" in tables[0].text
    headings = [h.text for h in clerk.find_elements(*_by("#result h3"))]
    assert any(h.startswith("表二 主动公开") for h in headings) and any(h.startswith("表三 依申请公开") for h in headings)
    shot(clerk, "04-上报页面-有错误")

    # a version whose warning needs explaining: explain it on the page
    warn = workbook(site["books"] / "教育局-提示.xlsx", "示例县教育局", kind="warning")
    clerk.find_element(*_by("#file")).send_keys(str(warn))
    click(clerk, "#upload")
    assert "待说明" in clerk.find_element(*_by("#state")).text
    assert "请核实每条提示" in clerk.find_element(*_by("#next")).text
    shot(clerk, "05-上报页面-待说明")
    for box in clerk.find_elements(*_by("textarea")):
        box.send_keys("本年度集中清理规范性文件，现行有效件数减少属实。")
    click(clerk, "#explain")
    assert clerk.find_element(*_by("#state")).text == "已报送"
    assert "页面填写" in clerk.page_source
    history = clerk.find_element(*_by("#history")).text
    assert history.count("示例县") == 0 and "教育局-提示.xlsx" in history and "教育局-有错.xlsx" in history
    shot(clerk, "06-上报页面-已报送")

    # the office sees it, opens it and returns it with a reason
    office.get(s.url("/board/"))
    row = office.find_element(*_by("#board")).text
    assert "已报送" in row and "有错误" not in office.find_element(*_by("#board tr[data-organ-id]")).text
    shot(office, "07-报送情况-已报送")
    click(office, "#board tr[data-organ-id] a")
    assert "校验结果" in office.page_source
    office.find_element(*_by("#reason")).send_keys("正文“总体情况”未写本年度新收申请件数，请补充后重报。")
    click(office, "#return")
    assert office.find_element(*_by("#state")).text == "已退回"
    shot(office, "08-报送详情-已退回")

    # the clerk reads the reason and uploads a corrected version; the office confirms it
    clerk.get(s.url(f"/b/{tok}/"))
    assert "请补充后重报" in clerk.find_element(*_by("#returned")).text
    shot(clerk, "09-上报页面-已退回")
    good = workbook(site["books"] / "教育局-改正.xlsx", "示例县教育局")
    clerk.find_element(*_by("#file")).send_keys(str(good))
    click(clerk, "#upload")
    assert clerk.find_element(*_by("#state")).text == "已报送"
    office.get(s.url("/board/"))
    click(office, "#board tr[data-organ-id] a")
    click(office, "#confirm")
    assert office.find_element(*_by("#state")).text == "已确认"
    clerk.get(s.url(f"/b/{tok}/"))
    assert clerk.find_element(*_by("#state")).text == "已确认"

    # filters, then the downloads with the office's session
    office.get(s.url("/board/?state=未报送"))
    names = [r.text for r in office.find_elements(*_by("#board tr[data-organ-id]"))]
    assert len(names) == 3 and not any("教育局" in n for n in names)
    shot(office, "10-报送情况-筛选未报送")
    sess = requests.Session()
    for c in office.get_cookies():
        sess.cookies.set(c["name"], c["value"])
    x = sess.get(s.url("/board/consolidated.xlsx"))
    assert x.status_code == 200 and x.content[:2] == b"PK"
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    states = {r[1]: r[3] for r in wb["报送情况"].iter_rows(min_row=7, values_only=True) if r[1]}
    assert states["示例县教育局"] == "已确认" and states["示例县财政局"] == "未报送"
    chase = openpyxl.load_workbook(io.BytesIO(sess.get(s.url("/board/chase.xlsx")).content)).active
    chased = [r[1] for r in chase.iter_rows(min_row=3, values_only=True)]
    assert "示例县财政局" in chased and "示例县教育局" not in chased
    doc = sess.get(s.url("/board/report.docx"))
    assert doc.status_code == 200 and doc.content[:2] == b"PK"
    z = sess.get(s.url("/board/all.zip"))
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    assert len([n for n in names if n.endswith(".xlsx")]) == 3 and "清单.csv" in names
    originals = {good.read_bytes(), warn.read_bytes(), wrong.read_bytes()}
    zf = zipfile.ZipFile(io.BytesIO(z.content))
    assert {zf.read(n) for n in names if n.endswith(".xlsx")} == originals  # untouched


def test_roster_management_in_the_browser(site):
    s, office = site["server"], site["office"]
    office.get(s.url("/board/roster/"))
    if "/login/" in office.current_url:
        login(office, s)
        office.get(s.url("/board/roster/"))
    office.find_element(*_by("#add-name")).send_keys("示例县统计局")
    click(office, "#add")
    links = office.find_element(*_by("#new-links")).text
    m = re.search(r"http://127\.0\.0\.1:\d+/b/[A-Za-z0-9_-]+/", links)
    assert "示例县统计局" in links and m
    shot(office, "11-名单与链接")
    r = requests.get(m.group(0))
    assert r.status_code == 200 and "示例县统计局" in r.text
    office.get(s.url("/board/audit/"))
    assert "添加机关" in office.page_source and "退回" in office.page_source and "登录" in office.page_source
    shot(office, "12-操作记录")
