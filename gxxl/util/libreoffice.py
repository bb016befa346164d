"""LibreOffice headless: recalculate workbooks (tests, batch) and convert to PDF.

LibreOffice keeps stale stored results unless told otherwise, so every call
uses a private profile that forces full recalculation on load.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import GxxlError

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
CHUNK = 50  # one call with hundreds of files silently dropped some (engineering-facts.md)


def soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        p = shutil.which(name)
        if p:
            return p
    for p in ("/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice",
              r"C:\Program Files\LibreOffice\program\soffice.exe"):
        if os.path.exists(p):
            return p
    return None


def _profile(base: Path) -> Path:
    prof = base / "lo-profile"
    (prof / "user").mkdir(parents=True, exist_ok=True)
    (prof / "user" / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
    return prof


def convert(files: list[Path], outdir: Path, fmt: str = "xlsx", timeout: int = 600, env: dict | None = None) -> list[Path]:
    """Convert (and so recalculate) files with LibreOffice; returns the outputs in input order.

    ``env`` adds environment variables (e.g. FONTCONFIG_FILE for PDF font aliases).

    Raises GxxlError when LibreOffice is missing or an output was not written.
    """
    exe = soffice()
    if exe is None:
        raise GxxlError("未找到LibreOffice（soffice），无法重新计算或转换为PDF。"
                        "Debian/Ubuntu：apt-get install libreoffice-calc libreoffice-writer；Windows：安装LibreOffice。")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    files = [Path(f) for f in files]
    stems = [f.stem for f in files]
    if len(set(stems)) != len(stems):
        raise GxxlError("待转换文件中有重名文件，LibreOffice输出会互相覆盖")
    with tempfile.TemporaryDirectory(prefix="gxxl-lo-") as tmp:
        prof = _profile(Path(tmp))
        run_env = {**os.environ, "HOME": tmp, **(env or {})}
        for i in range(0, len(files), CHUNK):
            chunk = files[i:i + CHUNK]
            cmd = [exe, f"-env:UserInstallation=file://{prof}", "--headless", "--norestore",
                   "--convert-to", fmt, "--outdir", str(outdir), *map(str, chunk)]
            subprocess.run(cmd, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, check=False)
    ext = fmt.split(":")[0]
    outs = [outdir / f"{f.stem}.{ext}" for f in files]
    missing = [o for o in outs if not o.exists()]
    if missing:
        raise GxxlError(f"LibreOffice未能输出{len(missing)}个文件：{', '.join(m.name for m in missing[:5])}")
    return outs
