"""XML and HTML are parsed without external entities, DTDs or network access.

Real files (a .docx report rendered by gxxl, a gxxl .xlsx, an .ods from LibreOffice, a
corpus web page) get an XXE payload: entities pointing at a secret file and at a local
HTTP server, an external DTD, and HTML that references remote resources. Whatever the
importer or reader makes of them, the secret never appears and the server is never contacted.
"""
from __future__ import annotations

import json
import re
import socket
import threading
import zipfile
from pathlib import Path

import pytest

from gxxl import read
from gxxl.samples import bureau as sample
from gxxl.errors import GxxlError
from gxxl.ingest import import_report
from gxxl.workbook.api import new_workbook

from conftest import CORPUS

SECRET = "SECRET-MARKER-7f3a"


@pytest.fixture(scope="module")
def trap(tmp_path_factory):
    """A secret file and a TCP listener that records every connection."""
    d = tmp_path_factory.mktemp("xxe")
    secret = d / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    srv.settimeout(0.2)
    hits: list = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            hits.append(conn.recv(200))
            conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield {"dir": d, "secret": secret, "url": f"http://127.0.0.1:{srv.getsockname()[1]}", "hits": hits}
    stop.set()
    t.join(2)
    srv.close()


def _doctype(root: str, trap) -> bytes:
    return (f'<!DOCTYPE {root} [\n<!ENTITY xxe SYSTEM "file://{trap["secret"]}">\n'
            f'<!ENTITY net SYSTEM "{trap["url"]}/entity">\n'
            f'<!ENTITY % dtd SYSTEM "{trap["url"]}/dtd"> %dtd;\n]>').encode()


def _inject(xml: bytes, root: str, trap, anchor: bytes | None = None, payload: bytes = b"&xxe;&net;") -> bytes:
    """Add the DOCTYPE after the XML declaration, and ``payload`` inside the first ``anchor`` element."""
    head_end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    xml = xml[:head_end] + _doctype(root, trap) + xml[head_end:]
    if anchor is None:
        return xml
    m = re.search(re.escape(anchor) + rb"\b[^>]*>", xml)
    return xml[:m.end()] + payload + xml[m.end():]


def _repack(src: Path, dst: Path, member: str, fn) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for i in zin.infolist():
            body = zin.read(i.filename)
            zout.writestr(i.filename, fn(body) if i.filename == member else body)
    return dst


def _outcome(fn, path: Path, trap) -> str:
    before = path.read_bytes()
    try:
        rep = fn(path)
        text = json.dumps(rep.to_json(), ensure_ascii=False, default=str) + json.dumps(rep.narrative, ensure_ascii=False)
        out = "read"
    except GxxlError as exc:
        text, out = str(exc), "refused"
        assert str(path) in text
    assert SECRET not in text
    assert path.read_bytes() == before
    assert trap["hits"] == [], trap["hits"]
    return out


def test_docx_with_external_entities(trap, tmp_path):
    from gxxl.render import render_report

    wb = tmp_path / "年报.xlsx"
    new_workbook(wb, meta=sample.SAMPLE_META, values=sample.sample_values(), narrative=sample.SAMPLE_NARRATIVE)
    docx = render_report(wb, tmp_path / "年报.docx").path
    assert import_report(docx).get("requests.new.total") == 5  # the clean one imports
    for member, root, anchor in (("word/document.xml", "w:document", b"<w:t"),
                                 ("docProps/core.xml", "cp:coreProperties", b"<dc:title")):
        bad = _repack(docx, tmp_path / f"xxe-{member.replace('/', '_')}.docx", member,
                      lambda b: _inject(b, root, trap, anchor))
        _outcome(import_report, bad, trap)


def test_xlsx_and_ods_with_external_entities(trap, tmp_path):
    wb = tmp_path / "工作簿.xlsx"
    new_workbook(wb, meta=sample.SAMPLE_META, values=sample.sample_values(), narrative=sample.SAMPLE_NARRATIVE)
    with zipfile.ZipFile(wb) as zf:
        has_sst = "xl/sharedStrings.xml" in zf.namelist()
    # the cover's organ cell becomes an entity reference; every part gets the DOCTYPE
    cases = [("xl/worksheets/sheet1.xml", "worksheet", b"<sheetData", b""), ("xl/workbook.xml", "workbook", None, b"")]
    if has_sst:
        cases.append(("xl/sharedStrings.xml", "sst", b"<t", b"&xxe;&net;"))
    else:
        cases.append(("xl/worksheets/sheet1.xml", "worksheet", b"<is><t", b"&xxe;&net;"))
    for n, (member, root, anchor, payload) in enumerate(cases):
        bad = _repack(wb, tmp_path / f"xxe-{n}.xlsx", member, lambda b: _inject(b, root, trap, anchor, payload))
        _outcome(read, bad, trap)
    from gxxl.util.libreoffice import convert, soffice

    if soffice() is not None:
        ods = convert([wb], tmp_path / "ods", "ods")[0]
        bad = _repack(ods, tmp_path / "xxe.ods", "content.xml",
                      lambda b: _inject(b, "office:document-content", trap, b"<text:p>"))
        _outcome(read, bad, trap)


def test_html_with_entities_and_remote_resources(trap, tmp_path):
    pages = sorted(CORPUS.glob("*.html"))
    if not pages:
        pytest.skip("corpus not available")
    page = pages[0].read_text(encoding="utf-8", errors="replace")
    u = trap["url"]
    evil = (f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{trap["secret"]}">]>'
            f'<link rel="stylesheet" href="{u}/css"><script src="{u}/js"></script>'
            f'<meta http-equiv="refresh" content="0;url={u}/refresh">'
            f'<img src="{u}/img"><iframe src="{u}/frame"></iframe><object data="{u}/obj"></object>'
            f'<p>&xxe;</p><base href="{u}/">')
    p = tmp_path / "年报.html"
    p.write_text(evil + page, encoding="utf-8")
    assert _outcome(import_report, p, trap) == "read"
    md = tmp_path / "年报.md"
    md.write_text(f"![图]({u}/md-img)\n[链接]({u}/link)\n" + (CORPUS / "pingtan_2024.txt").read_text(encoding="utf-8"),
                  encoding="utf-8")
    assert _outcome(import_report, md, trap) == "read"
