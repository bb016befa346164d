#!/usr/bin/env python3
"""Benchmark gxxl serve: uploads over real HTTP from concurrent clients, side by side with
in-process ``gxxl.validate`` of the same files, so the service's overhead shows as a ratio.

    python3 scripts/bench_serve.py [--uploads 300] [--clients 16] [--organs 30] [--db postgresql://…]

The server is started from this checkout (``python -m gxxl serve run``) on 127.0.0.1 with a free
port, in a temporary data folder that is removed afterwards. Every upload must be acknowledged
(201) and retrievable afterwards (GET /api/submissions/<id> with the same sha256), else the run fails.
Reported: latency p50/p95 per upload and throughput (uploads/s) for the service; per-file time and
files/s for in-process validation (one process, sequential; and the same number of processes as the
server's workers, to compare like with like). The machine is shared: numbers vary with load.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_files(folder: Path, organs: list[str], n: int, year: int) -> list[tuple[str, Path]]:
    """n distinct workbooks (organ, path): each organ's sample with a different zip comment."""
    from gxxl.samples import bureau
    from gxxl.workbook.api import new_workbook

    bases = {}
    for i, organ in enumerate(organs):
        p = folder / f"base-{i}.xlsx"
        vals = bureau.broken_values() if i % 5 == 4 else bureau.sample_values()
        new_workbook(p, meta=dict(bureau.SAMPLE_META, organ=organ, year=year), values=vals,
                     narrative=bureau.SAMPLE_NARRATIVE)
        bases[organ] = p.read_bytes()
    out = []
    for k in range(n):
        organ = organs[k % len(organs)]
        p = folder / f"up-{k:04d}.xlsx"
        p.write_bytes(bases[organ])
        with zipfile.ZipFile(p, "a") as zf:
            zf.comment = f"upload {k}".encode()
        out.append((organ, p))
    return out


def _validate(path: str) -> float:
    from gxxl.api import read_any
    from gxxl.rules import validate

    t = time.perf_counter()
    validate(read_any(path))
    return time.perf_counter() - t


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uploads", type=int, default=300)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--organs", type=int, default=30)
    ap.add_argument("--workers", type=int, default=0, help="validation workers of the server (default: its own choice)")
    ap.add_argument("--db", help="postgresql://… (default: SQLite in the data folder)")
    args = ap.parse_args()
    import requests

    tmp = Path(tempfile.mkdtemp(prefix="gxxl-bench-serve-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    if args.workers:
        env["GXXL_SERVE_WORKERS"] = str(args.workers)
    server = None
    try:
        organs = [f"示例县第{i + 1}局" for i in range(args.organs)]
        roster = tmp / "名单.csv"
        roster.write_text("机关名称\n" + "\n".join(organs) + "\n", encoding="utf-8")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        init = [sys.executable, "-m", "gxxl", "serve", "init", str(tmp / "data"), "--roster", str(roster), "--year",
                "2024", "--deadline", "2025-01-31", "--admin-password", "bench-password", "--base-url",
                f"http://127.0.0.1:{port}"] + (["--db", args.db] if args.db else [])
        subprocess.run(init, env=env, check=True, capture_output=True)
        import csv

        with open(tmp / "data" / "上报链接.csv", encoding="utf-8-sig") as fh:
            tokens = {r["机关名称"]: r["令牌"] for r in csv.DictReader(fh)}
        files = make_files(tmp, organs, args.uploads, 2024)

        # -- in-process baseline: the same files, gxxl.validate
        for _, p in files[:5]:
            _validate(str(p))  # warm imports
        t0 = time.perf_counter()
        seq = [_validate(str(p)) for _, p in files]
        seq_wall = time.perf_counter() - t0
        n_workers = args.workers or max(1, min(4, os.cpu_count() or 1))
        with ProcessPoolExecutor(n_workers) as ex:
            list(ex.map(_validate, [str(p) for _, p in files[:n_workers * 2]]))
            t0 = time.perf_counter()
            list(ex.map(_validate, [str(p) for _, p in files], chunksize=4))
            par_wall = time.perf_counter() - t0

        # -- the service
        log = open(tmp / "server.log", "wb")
        run = [sys.executable, "-m", "gxxl", "serve", "run", str(tmp / "data"), "--port", str(port), "--threads", "16"]
        server = subprocess.Popen(run + (["--db", args.db] if args.db else []), env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if requests.get(base + "/", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        todo = list(files)
        lock = threading.Lock()
        lat, acked, failed = [], [], []

        def client():
            sess = requests.Session()
            while True:
                with lock:
                    if not todo:
                        return
                    organ, p = todo.pop()
                data = p.read_bytes()
                t = time.perf_counter()
                r = sess.post(base + "/api/submit", headers={"Authorization": f"Bearer {tokens[organ]}"},
                              files={"file": (p.name, data)}, timeout=300)
                dt = time.perf_counter() - t
                with lock:
                    if r.status_code == 201:
                        lat.append(dt)
                        acked.append((organ, r.json()["id"], hashlib.sha256(data).hexdigest()))
                    else:
                        failed.append((p.name, r.status_code, r.text[:200]))

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        missing = 0
        for organ, sid, sha in acked:
            r = requests.get(f"{base}/api/submissions/{sid}", headers={"Authorization": f"Bearer {tokens[organ]}"}, timeout=60)
            if r.status_code != 200 or r.json()["sha256"] != sha:
                missing += 1

        n = len(files)
        print(f"gxxl serve: {n} uploads from {args.clients} concurrent clients, {n_workers} validation workers, "
              f"{'PostgreSQL' if args.db else 'SQLite'}, {os.cpu_count()} CPU cores"
              + (f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""))
        print(f"  acknowledged {len(acked)}/{n}, refused {len(failed)}, retrievable {len(acked) - missing}/{len(acked)}")
        print(f"{'':28}{'p50 ms':>10}{'p95 ms':>10}{'files/s':>10}")
        print(f"{'HTTP upload (service)':28}{pct(lat, .5) * 1e3:>10.1f}{pct(lat, .95) * 1e3:>10.1f}{n / wall:>10.1f}")
        print(f"{'gxxl.validate, 1 process':28}{pct(seq, .5) * 1e3:>10.1f}{pct(seq, .95) * 1e3:>10.1f}{n / seq_wall:>10.1f}")
        print(f"{f'gxxl.validate, {n_workers} processes':28}{'':>10}{'':>10}{n / par_wall:>10.1f}")
        print(f"ratios: upload p50 / validate p50 = {pct(lat, .5) / pct(seq, .5):.1f}x; "
              f"throughput service / in-process ({n_workers} processes) = {(n / wall) / (n / par_wall):.2f}; "
              f"service / 1 process = {(n / wall) / (n / seq_wall):.2f}")
        if failed:
            print("refused:", *failed[:5], sep="\n  ")
        return 0 if len(acked) == n and not missing else 1
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
