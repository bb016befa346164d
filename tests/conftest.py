"""Shared fixtures: real workbooks on disk, LibreOffice recalculation, the CLI as a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Real reports copied from the project's shared corpus (sources in each *.source.txt).
SHARED = ROOT / "tests" / "data"
SEED = SHARED / "seeds" / "000_f088be6e9e3af0c8.txt"
CORPUS = SHARED / "corpus"


def run_gxxl(*args, cwd=None, input=None, timeout=300) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess (this checkout's code, not an installed copy)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "gxxl", *map(str, args)], cwd=cwd, env=env, input=input,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def gxxl_cli():
    return run_gxxl


def _need_libreoffice():
    from gxxl.libreoffice import soffice

    if soffice() is None:
        if os.environ.get("CI"):
            pytest.fail("CI必须安装LibreOffice（.ci/run 负责安装），但未找到 soffice")
        pytest.skip("LibreOffice not installed")


@pytest.fixture(scope="session")
def recalc(tmp_path_factory):
    """recalc([paths]) -> recalculated copies, converted by LibreOffice headless in one batch."""
    _need_libreoffice()
    from gxxl.libreoffice import convert

    def _recalc(paths):
        out = tmp_path_factory.mktemp("lo-out")
        return convert([Path(p) for p in paths], out, "xlsx")

    return _recalc


@pytest.fixture
def sample_path(tmp_path):
    from gxxl import sample
    from gxxl.workbook.api import new_workbook

    p = tmp_path / "sample.xlsx"
    new_workbook(p, meta=sample.SAMPLE_META, values=sample.sample_values(), narrative=sample.SAMPLE_NARRATIVE)
    return p
