"""Helpers for the gxxl serve tests: a real server subprocess on 127.0.0.1 (this checkout's code),
real HTTP with requests, sites created with the real CLI, a real PostgreSQL when asked."""
from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8", GXXL_SERVE_WORKERS="2")
PASSWORD = "ceshi-mima-2024"
YEAR = 2024

HOSTILE_NAMES = ["<script>alert('x')</script>示例局", "=cmd|' /C calc'!A0", "示例县\u202e局理管急应"]
ORGANS = ["示例县教育局", "示例县财政局", "示例县民政局", *HOSTILE_NAMES]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args, timeout=120, check=True) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "gxxl", *map(str, args)], env=ENV, capture_output=True, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"gxxl {' '.join(map(str, args))} → {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def init_site(folder: Path, *, db: str | None = None, organs=ORGANS, deadline="2025-01-31", port=8000) -> dict:
    """gxxl serve init with a roster; returns {organ name: token} and the data folder."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    roster = folder.parent / f"{folder.name}-名单.csv"
    with open(roster, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["机关名称", "联系人", "联系电话"])
        for i, n in enumerate(organs):
            w.writerow([n, f"联系人{i}", f"0000-{i:07d}"])
    args = ["serve", "init", folder, "--roster", roster, "--year", YEAR, "--deadline", deadline,
            "--admin-password", PASSWORD, "--name", "示例县", "--base-url", f"http://127.0.0.1:{port}"]
    if db:
        args += ["--db", db]
    out = cli(*args)
    with open(folder / "上报链接.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    tokens = {}
    for r in rows:
        name = r["机关名称"][1:] if r["机关名称"].startswith("'") else r["机关名称"]
        tokens[name] = r["令牌"]
    return {"dir": folder, "tokens": tokens, "rows": rows, "stdout": out.stdout}


class Server:
    """``gxxl serve run DIR`` as a subprocess on a free port."""

    def __init__(self, folder: Path, *, db: str | None = None, port: int | None = None, log: Path | None = None):
        self.folder, self.db = folder, db
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log or folder.parent / f"{folder.name}-server.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "Server":
        args = [sys.executable, "-m", "gxxl", "serve", "run", str(self.folder), "--port", str(self.port)]
        if self.db:
            args += ["--db", self.db]
        self._fh = open(self.log, "ab")
        self.proc = subprocess.Popen(args, env=ENV, stdout=self._fh, stderr=subprocess.STDOUT)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited {self.proc.returncode}:\n{self.log.read_text('utf-8', 'replace')}")
            try:
                if requests.get(self.base + "/", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError("server did not start:\n" + self.log.read_text("utf-8", "replace"))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def children(self) -> list[int]:
        """Pids whose parent is the server (its validation workers); Linux /proc only."""
        out = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                out.append(int(stat.parent.name))
        return out

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._fh.close()

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._fh.close()

    def url(self, path: str) -> str:
        return self.base + path


def api(server: Server, method: str, path: str, token: str | None = None, **kw) -> requests.Response:
    headers = kw.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, server.url(path), headers=headers, timeout=kw.pop("timeout", 120), **kw)


def submit(server: Server, token: str, path: Path, name: str | None = None, **kw) -> requests.Response:
    with open(path, "rb") as fh:
        return api(server, "POST", "/api/submit", token, files={"file": (name or path.name, fh)}, **kw)


CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token in the form"
    return m.group(1)


def admin_session(server: Server, password: str = PASSWORD) -> requests.Session:
    s = requests.Session()
    r = s.get(server.url("/login/"))
    r = s.post(server.url("/login/"), data={"username": "admin", "password": password, "csrfmiddlewaretoken": csrf(r.text),
                                            "next": "/board/"})
    assert r.status_code == 200 and r.url.endswith("/board/"), r.text[:500]
    return s


def admin_token(folder: Path, db: str | None = None) -> str:
    args = ["serve", "token", folder] + (["--db", db] if db else [])
    return cli(*args).stdout.strip().splitlines()[-1]


# -- workbooks -------------------------------------------------------------

def workbook(path: Path, organ: str, *, kind: str = "good", year: int = YEAR) -> Path:
    """A real gxxl workbook: good, errors (typical mistakes), warning (现行有效少于本年制发)."""
    from gxxl.samples import bureau
    from gxxl.workbook.api import new_workbook

    values = bureau.sample_values() if kind != "errors" else bureau.broken_values()
    if kind == "warning":
        values["active.normative.issued"] = 3
        values["active.normative.in_force"] = 2
    meta = dict(bureau.SAMPLE_META, organ=organ, year=year)
    new_workbook(path, meta=meta, values=values, narrative=bureau.SAMPLE_NARRATIVE, force=True)
    return path


# -- PostgreSQL ----------------------------------------------------------------

def _pg_bin() -> Path | None:
    for v in ("17", "16", "15", "14", "13"):
        p = Path(f"/usr/lib/postgresql/{v}/bin")
        if (p / "postgres").exists():
            return p
    return None


class Postgres:
    """A throwaway PostgreSQL cluster in /tmp, run as the unprivileged ``postgres`` user when we are root
    (postgres refuses to run as root). trust auth, listening on 127.0.0.1 only."""

    def __init__(self):
        self.bin = _pg_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL binaries not found (apt-get install postgresql)")
        self.dir = Path(tempfile.mkdtemp(prefix="gxxl-pg-"))
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            import pwd

            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root but there is no 'postgres' user to run the server") from None
            self.user = "postgres"
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            os.chmod(self.dir, 0o700)
        self.data = self.dir / "data"
        self.proc = None
        self.n = 0

    def _run(self, *args, **kw):
        return subprocess.run([str(a) for a in args], user=self.user, capture_output=True, text=True, timeout=120,
                              cwd=self.dir, **kw)

    def start(self) -> "Postgres":
        r = self._run(self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8" if _has_locale("C.UTF-8") else "--locale=C")
        if r.returncode:
            raise RuntimeError(f"initdb failed: {r.stderr}")
        self.log = open(self.dir / "pg.log", "wb")
        self.proc = subprocess.Popen([str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
                                      "-h", "127.0.0.1", "-k", str(self.dir), "-c", "fsync=on"],
                                     user=self.user, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("postgres exited: " + (self.dir / "pg.log").read_text("utf-8", "replace"))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("postgres did not start")
        for _ in range(50):
            r = self._run(self.bin / "pg_isready", "-h", "127.0.0.1", "-p", self.port)
            if r.returncode == 0:
                return self
            time.sleep(0.2)
        raise RuntimeError("postgres not ready")

    def new_db(self) -> str:
        self.n += 1
        name = f"gxxl_{self.n}"
        r = self._run(self.bin / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", name)
        if r.returncode:
            raise RuntimeError(r.stderr)
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def _has_locale(name: str) -> bool:
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        return False
    return name.lower().replace("-", "") in out.lower().replace("-", "")
