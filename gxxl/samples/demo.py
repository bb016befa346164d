"""``gxxl demo``: the main job on built-in sample data."""
from __future__ import annotations

import tempfile
from pathlib import Path

from . import bureau as sample
from ..errors import GxxlError
from ..render.summary import describe
from ..workbook.api import new_workbook
from ..workbook.read import read


def run_demo(outdir=None, *, force: bool = False, echo=print, pdf: bool = True) -> dict:
    out = Path(outdir) if outdir else Path(tempfile.mkdtemp(prefix="gxxl-demo-"))
    if out.exists() and not out.is_dir():
        raise GxxlError(f"输出位置“{out}”是一个文件，不是文件夹。请给出文件夹。")
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "blank": out / "空白模板.xlsx",
        "clean": out / "示例_正确.xlsx",
        "broken": out / "示例_有错误.xlsx",
    }
    echo("【1】生成锁定的填报工作簿")
    new_workbook(files["blank"], organ=None, force=force)
    new_workbook(files["clean"], meta=sample.SAMPLE_META, values=sample.sample_values(),
                 narrative=sample.SAMPLE_NARRATIVE, force=force)
    new_workbook(files["broken"], meta=sample.SAMPLE_META, values=sample.broken_values(),
                 narrative=sample.SAMPLE_NARRATIVE, force=force)
    for k, p in files.items():
        echo(f"    {p}")
    echo("【2】读取填好的工作簿")
    rep = read(files["clean"])
    for line in describe(rep).splitlines():
        echo("    " + line)
    result = {"outdir": str(out), "files": files, "report": rep}
    result["validation"] = _validate_step(files, echo)
    echo("【4】由正确的样例工作簿生成年度报告（Word、网页、PDF）")
    from ..render import render_report
    from ..render.pdf import available

    formats = ["docx", "html"] + (["pdf"] if pdf and available() else [])
    for fmt in formats:
        r = render_report(files["clean"], out / f"示例_年度报告.{fmt}", fmt=fmt, force=force)
        files[f"report_{fmt}"] = r.path
        echo(f"    {r.path}")
    if "pdf" not in formats and pdf:
        echo("    （未找到LibreOffice，未生成PDF）")
    _import_step(files, out, force, echo)
    result["files"] = {k: str(v) for k, v in files.items()}
    echo("【6】汇总一个示例县：6个部门，5个报送（其中1个有错误），1个未报送")
    from .county import demo_county

    result["county"] = demo_county(out, force=force, echo=echo)
    echo(f"完成。所有文件在：{out}")
    return result


def _validate_step(files: dict, echo) -> dict:
    """【3】 the clean sample passes; the broken one shows each mistake with its cell."""
    from ..rules import validate
    from ..rules.textout import format_result

    echo("【3】校验：正确的样例应全部通过，有错误的样例逐条指出工作表、单元格、应为多少、实为多少")
    out = {}
    for key in ("clean", "broken"):
        res = validate(read(files[key]))
        out[key] = res
        for line in format_result(res).splitlines():
            echo("    " + line)
    echo("    （命令行：gxxl validate 文件.xlsx [--previous 上年文件.xlsx] [--format json]）")
    return out


def _import_step(files: dict, out: Path, force: bool, echo) -> None:
    """【5】 a published report (the web page just made) read back by label, written as a workbook, audited."""
    from ..audit import audit, text_report
    from ..ingest import import_to_workbook

    src = files.get("report_html")
    if src is None:
        return
    echo("【5】导入和审查已公开的年报：把刚生成的网页版年报按行名读回，写成工作簿，再审查")
    dst = out / "示例_由网页导入.xlsx"
    rep = import_to_workbook(src, dst, force=force)
    files["imported"] = dst
    read = sum(1 for dv in rep.values.values() if dv.raw not in (None, ""))
    echo(f"    {Path(src).name} → {dst}（读到{read}格数字，导入问题{len(rep.findings)}项）")
    items, notes = audit([src], progress=False)
    for line in text_report(items, notes, details=False).splitlines():
        echo("    " + line)
    echo("    （命令行：gxxl import 年报.html -o 工作簿.xlsx；gxxl audit 年报文件夹/ [--format json]）")
