"""PDF through LibreOffice headless, with the gxxl font aliases (data/gxxl-fonts.conf)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import GxxlError

NO_LIBREOFFICE = ("未找到LibreOffice（soffice），无法生成PDF。可以先生成Word文档（--format docx），用Word或WPS“另存为PDF”；"
                  "或安装LibreOffice：Debian/Ubuntu执行 apt-get install libreoffice-writer fonts-noto-cjk，Windows从 "
                  "https://zh-cn.libreoffice.org 下载安装。")


def fonts_conf() -> Path:
    return Path(__file__).resolve().parents[1] / "data" / "gxxl-fonts.conf"


def font_env() -> dict[str, str]:
    """Environment for LibreOffice: our font aliases on Linux (Windows and macOS have their own fonts)."""
    if sys.platform.startswith("win"):
        return {}
    return {"FONTCONFIG_FILE": str(fonts_conf())}


def available() -> bool:
    from ..util.libreoffice import soffice

    return soffice() is not None


def docx_to_pdf(files: list[Path], outdir: Path) -> list[Path]:
    from ..util.libreoffice import convert, soffice

    if soffice() is None:
        raise GxxlError(NO_LIBREOFFICE)
    return convert([Path(f) for f in files], Path(outdir), "pdf", env=font_env())
