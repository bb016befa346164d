"""Nothing acknowledged is lost: kill -9 the server during a burst of uploads, restart, and every
upload that got a 2xx answer is there with its findings; the database is consistent and no
half-written file is listed."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
import zipfile

import requests

from serve_support import Server, api, init_site, workbook

ORGANS = [f"示例县第{i}局" for i in range(1, 9)]


def _variants(folder, organ, kind, n):
    """n distinct files of one workbook (a different zip comment each: a different sha256, same content)."""
    base = workbook(folder / f"{organ}-{kind}.xlsx", organ, kind=kind).read_bytes()
    out = []
    for i in range(n):
        p = folder / f"{organ}-{kind}-{i}.xlsx"
        p.write_bytes(base)
        with zipfile.ZipFile(p, "a") as zf:
            zf.comment = f"variant {i}".encode()
        out.append(p)
    return out


def test_kill9_during_burst_loses_nothing_acknowledged(tmp_path):
    info = init_site(tmp_path / "data", organs=ORGANS)
    files = {o: _variants(tmp_path, o, "good" if i % 3 else "errors", 12) for i, o in enumerate(ORGANS)}
    server = Server(info["dir"]).start()
    acked, lock, stop = [], threading.Lock(), threading.Event()

    def client(organ, paths):
        tok = info["tokens"][organ]
        for p in paths:
            if stop.is_set():
                return
            try:
                with open(p, "rb") as fh:
                    r = requests.post(server.url("/api/submit"), headers={"Authorization": f"Bearer {tok}"},
                                      files={"file": (p.name, fh)}, timeout=60)
            except requests.RequestException:
                return  # the server died under us: this one was never acknowledged
            if 200 <= r.status_code < 300:
                body = r.json()
                with lock:
                    acked.append((organ, p, body))

    threads = [threading.Thread(target=client, args=(o, ps[k::2])) for o, ps in files.items() for k in (0, 1)]
    for t in threads:  # 16 concurrent clients
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = server.children()
    server.kill9()
    stop.set()
    for t in threads:
        t.join(60)
    assert len(acked) >= 12, "the burst did not get going before the kill"
    assert workers, "the server had no worker processes"
    end = time.monotonic() + 15
    while any(os.path.exists(f"/proc/{pid}") for pid in workers) and time.monotonic() < end:
        time.sleep(0.1)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in workers), "workers outlived the killed server"

    server = Server(info["dir"]).start()
    try:
        for organ, p, body in acked:
            r = api(server, "GET", f"/api/submissions/{body['id']}", info["tokens"][organ])
            assert r.status_code == 200, (organ, p.name)
            got = r.json()
            assert got["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest() == body["sha256"]
            assert got["findings"] == body["findings"] and got["status"] == body["status"]
        # everything listed is complete on disk; no leftover partial file
        listed = 0
        for organ in ORGANS:
            for s in api(server, "GET", "/api/me", info["tokens"][organ]).json()["submissions"]:
                sub = api(server, "GET", f"/api/submissions/{s['id']}", info["tokens"][organ]).json()
                path = info["dir"] / "files" / sub["sha256"][:2] / f"{sub['sha256']}.xlsx"
                assert hashlib.sha256(path.read_bytes()).hexdigest() == sub["sha256"]
                assert path.stat().st_size == sub["size"]
                listed += 1
        assert listed >= len(acked)
        assert not any((info["dir"] / "files" / ".tmp").iterdir())
        # still accepts uploads
        organ = ORGANS[1]
        r = requests.post(server.url("/api/submit"), headers={"Authorization": f"Bearer {info['tokens'][organ]}"},
                          files={"file": ("再报.xlsx", files[organ][0].read_bytes())}, timeout=60)
        assert r.status_code == 201
    finally:
        server.stop()
    con = sqlite3.connect(info["dir"] / "gxxl.sqlite3")
    try:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert con.execute("pragma foreign_key_check").fetchall() == []
        assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
        n_sub = con.execute("select count(*) from gxxl_serve_submission").fetchone()[0]
        n_log = con.execute("select count(*) from gxxl_serve_auditlog where action='upload'").fetchone()[0]
    finally:
        con.close()
    assert n_sub == n_log == listed + 1  # each row written with its audit entry, in one transaction
