"""Province scale (issue 15): compact per-file storage, the 明细 beside the workbook, a real Dask cluster giving
the same results as a local run, and pool workers that die with their parent (issue 17, point 6)."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT, run_gxxl
from county import make_inbox

from gxxl import schema
from gxxl.consolidation import consolidate
from gxxl.consolidation.store import SpooledFindings, SpooledValues, Store


# -- the store ---------------------------------------------------------------------------


def test_store_gives_back_every_value_exactly_and_sums_as_python_does():
    rows = []
    for i in range(3000):
        r = [i, None, 2 ** 60 + i, 0.1 * i if i % 5 == 0 else i, "文本" if i == 7 else None, 2 ** 53, -3, float("inf") if i == 11 else 1]
        rows.append(r)
    st = Store(len(rows[0]))
    for r in rows:
        st.add_values(r)
    st.finish()
    assert [list(x) for x in st.rows()] == rows
    assert [type(x) for x in st.row(5)] == [type(x) for x in rows[5]]
    assert st.value(7, 4) == "文本" and st.value(3, 1) is None
    picked = [i for i in range(3000) if i % 4]
    want = []
    for c in range(len(rows[0])):
        s = 0
        for i in picked:
            if isinstance(rows[i][c], (int, float)):
                s += rows[i][c]
        want.append(s)
    got = st.sums(picked, range(len(rows[0])))
    assert got == want and [type(x) for x in got] == [type(x) for x in want]
    folder = st.dir
    assert os.path.isdir(folder)
    st.close()
    assert not os.path.exists(folder)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    root = tmp_path_factory.mktemp("county")
    info = make_inbox(root)
    info["root"] = root
    return info


def test_results_keep_proxies_and_the_spool_disappears_with_the_result(county):
    res = consolidate([county["inbox"]], roster=county["roster"], year=2024, jobs=1, progress=False)
    with_values = [f for f in res.files if f.values is not None]
    assert with_values and all(isinstance(f.values, SpooledValues) for f in with_values)
    assert any(isinstance(f.findings, SpooledFindings) for f in res.files)
    f = next(f for f in res.files if f.status == "有错误")
    assert any(x[1] == "error" for x in f.findings)
    assert len(tuple(f.values)) == len(schema.CODES)
    folder = res.store.dir
    assert os.path.isdir(folder)
    del res, with_values, f
    import gc

    gc.collect()
    assert not os.path.exists(folder)


def _need_pyarrow():
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("CI必须安装 pyarrow（scripts/install.sh 负责安装）")
        pytest.skip("pyarrow not installed")


def test_province_scale_details_go_beside_the_workbook(county, tmp_path):
    _need_pyarrow()
    res = consolidate([county["inbox"]], roster=county["roster"], year=2024, jobs=1, progress=False)
    csv_dir = tmp_path / "csv"
    res.to_csv(csv_dir)
    for fmt in ("parquet", "csv"):
        out = tmp_path / fmt / "汇总.xlsx"
        res.to_xlsx(out, details=fmt)
        side = out.with_name(f"汇总-明细.{fmt}")
        assert res.details_file == side and side.exists()
        import openpyxl

        ws = openpyxl.load_workbook(out, read_only=True)["明细"]
        cells = [c for row in ws.iter_rows(values_only=True) for c in row if c]
        assert any(isinstance(c, str) and side.name in c for c in cells)
        assert any(isinstance(c, str) and c.startswith("合计") for c in cells)
        # the workbook still reads as the totals
        import gxxl

        back = gxxl.read(out)
        assert all(back.get(c) == res.total_values[c] for c in schema.INPUT_CODES)
        if fmt == "csv":
            assert side.read_bytes() == (csv_dir / "明细.csv").read_bytes()
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "parquet" / "汇总-明细.parquet")
    assert table.num_rows == len(res.files)
    with open(csv_dir / "明细.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cols = table.to_pydict()
    for code in ("requests.new.total", "active.fees.amount", "appeals.review.total"):
        want = [None if r[code] == "" else float(r[code]) for r in rows]
        assert [None if v is None else float(v) for v in cols[code]] == want
    assert cols["文件"] == [r["文件"] for r in rows]
    # refused without --force, like any output
    with pytest.raises(Exception, match="已存在"):
        res.to_xlsx(tmp_path / "parquet" / "汇总.xlsx", details="parquet")
    # next year, this 汇总 is the previous one: its organs come from the file beside it
    from gxxl.consolidation import load_previous

    for fmt in ("parquet", "csv"):
        prev = load_previous(tmp_path / fmt / "汇总.xlsx")
        assert len(prev.organs) == len(res.included) > 3
        f = res.included[0]
        assert prev.organs[next(k for k in prev.organs if prev.names[k] == f.organ)] == dict(zip(schema.CODES, f.values))


# -- a real Dask cluster -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A `dask scheduler` and a `dask worker` (2 processes) on 127.0.0.1, running this checkout's code."""
    if shutil.which("dask") is None:
        if os.environ.get("CI"):
            pytest.fail("CI必须安装 dask[distributed]（scripts/install.sh 负责安装）")
        pytest.skip("dask[distributed] not installed")
    from distributed import Client

    work = tmp_path_factory.mktemp("dask")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    log = open(work / "dask.log", "w")
    procs = [subprocess.Popen(["dask", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)]
    try:
        procs.append(subprocess.Popen(["dask", "worker", addr, "--nworkers", "2", "--nthreads", "1", "--no-dashboard",
                                       "--host", "127.0.0.1", "--local-directory", str(work / "scratch")],
                                      cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.time() + 90
        while True:
            try:
                with Client(addr, timeout=5) as c:
                    c.wait_for_workers(2, timeout=max(1, deadline - time.time()))
                break
            except (OSError, TimeoutError):
                if time.time() > deadline or any(p.poll() is not None for p in procs):
                    raise RuntimeError((work / "dask.log").read_text()[-3000:])
                time.sleep(0.5)
        yield addr
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        log.close()


def _json_without_timings(out: str) -> dict:
    d = json.loads(out)
    d.pop("seconds", None)
    d.pop("outputs", None)
    return d


def test_consolidation_on_a_dask_cluster_equals_the_local_run(county, dask_cluster, tmp_path):
    runs = {}
    for name, extra in (("local", ["--jobs", "2"]), ("dask", ["--scheduler", dask_cluster])):
        d = tmp_path / name
        r = run_gxxl("consolidate", county["inbox"], "--roster", county["roster"], "--year", "2024", "-o",
                     d / "汇总.xlsx", "--csv", d / "csv", "--format", "json", *extra)
        assert r.returncode == 1, r.stderr[-2000:]  # the inbox has errors and missing organs
        runs[name] = (_json_without_timings(r.stdout), d)
    (jl, dl), (jd, dd) = runs["local"], runs["dask"]
    assert jl == jd
    assert jl["counts"]["通过"] >= 4 and jl["missing"]
    for n in ("明细.csv", "问题清单.csv", "报送情况.csv"):
        assert (dl / "csv" / n).read_bytes() == (dd / "csv" / n).read_bytes(), n
    import gxxl

    a, b = gxxl.read(dl / "汇总.xlsx"), gxxl.read(dd / "汇总.xlsx")
    assert {c: a.get(c) for c in schema.CODES} == {c: b.get(c) for c in schema.CODES}


def test_audit_on_a_dask_cluster_equals_the_local_run(dask_cluster):
    local = run_gxxl("audit", CORPUS, "--format", "json")
    remote = run_gxxl("audit", CORPUS, "--format", "json", "--scheduler", dask_cluster)
    assert local.returncode == remote.returncode == 1, remote.stderr[-2000:]
    a, b = json.loads(local.stdout), json.loads(remote.stdout)
    assert len(a) >= 10 and a == b


def test_an_unreachable_scheduler_is_a_chinese_message(county):
    r = run_gxxl("consolidate", county["inbox"], "--scheduler", f"tcp://127.0.0.1:{_free_port()}", timeout=120)
    assert r.returncode == 2 and "无法连接 Dask 调度器" in r.stderr, r.stderr[-1500:]


# -- pool workers die with their parent (issue 17, point 6) -------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out.extend(int(x) for x in fh.read().split())
    except OSError:
        pass
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def _kill_parent_and_watch(cmd, env, min_children=2) -> list[int]:
    """Start cmd, wait for its pool workers, SIGKILL it; the worker pids still alive 5 s later."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        kids: list[int] = []
        while time.time() < deadline:
            kids = [k for k in _children(proc.pid) if _alive(k)]
            if len(kids) >= min_children:
                break
            if proc.poll() is not None:
                pytest.fail("the run ended before its pool started")
            time.sleep(0.05)
        assert len(kids) >= min_children, "no pool workers appeared"
        time.sleep(0.3)
        proc.kill()
        proc.wait()
        end = time.time() + 5
        while time.time() < end and any(_alive(k) for k in kids):
            time.sleep(0.1)
        return [k for k in kids if _alive(k)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_workers_exit_when_the_parent_is_killed(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    code = ("import time\nfrom gxxl.util.parallel import map_ordered\n"
            "for _ in map_ordered(time.sleep, [30.0] * 40, jobs=2):\n    pass\n")
    left = _kill_parent_and_watch([sys.executable, "-c", code], env)
    try:
        assert left == []
    finally:
        for k in left:
            os.kill(k, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_consolidate_workers_exit_when_gxxl_is_killed(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    from gen_workbooks import generate

    inbox = tmp_path / "inbox"
    generate(inbox, 400, quiet=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path))
    left = _kill_parent_and_watch([sys.executable, "-m", "gxxl", "consolidate", str(inbox), "--jobs", "2"], env)
    try:
        assert left == []
    finally:
        for k in left:
            os.kill(k, signal.SIGKILL)
