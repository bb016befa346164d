"""Command-line front end: parse arguments, call the library, print, exit codes.

Exit codes: 0 ok, 1 findings with errors, 2 unusable input (or refused output), 3 internal error.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .util.version import __version__
from .errors import GxxlError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class GxxlGroup(click.Group):
    """Turns every GxxlError into a Chinese message and exit code, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GxxlError as exc:
            click.echo(f"错误：{exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("已中断。", err=True)
            ctx.exit(130)
        except Exception as exc:  # noqa: BLE001 — last line of defence
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"程序内部错误（{type(exc).__name__}: {exc}）。请加 --debug 重新运行并把输出发给维护人员。", err=True)
            ctx.exit(3)


@click.group(cls=GxxlGroup, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="gxxl")
@click.option("--debug", is_flag=True, help="出错时显示完整的调试信息")
@click.pass_context
def cli(ctx, debug):
    """gxxl：政府信息公开工作年度报告（国办公开办函〔2021〕30号格式）填报、校验、汇总工具。"""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@cli.command("new")
@click.option("--organ", required=True, help="机关名称，如：某某县应急管理局")
@click.option("--year", required=True, type=int, help="报告年度，如：2024")
@click.option("--level", required=True, help="机关层级：国务院部门/省级/市级/县级/乡镇（街道）")
@click.option("-o", "--output", type=click.Path(), help="输出文件（默认：<机关名称><年度>年政府信息公开工作年度报告.xlsx）")
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
@click.option("--no-model-text", is_flag=True, help="“正文”页留空，不预填示范文字")
def new_cmd(organ, year, level, output, force, no_model_text):
    """生成锁定的年报填报工作簿。"""
    from .schema import LEVELS
    from .workbook.api import new_workbook

    if level not in LEVELS:
        raise GxxlError(f"机关层级“{level}”无效，应为：{'、'.join(LEVELS)}")
    if year < 2021:
        raise GxxlError(f"报告年度{year}早于2021年；本工作簿使用国办公开办函〔2021〕30号格式，适用于2021年度及以后。")
    out = Path(output) if output else Path(f"{organ}{year}年政府信息公开工作年度报告.xlsx")
    new_workbook(out, organ=organ, year=year, level=level, force=force, model_text=not no_model_text)
    click.echo(f"已生成工作簿：{out}")
    click.echo("请在浅黄色格子中填写数据；合计和检查会自动计算。")


@cli.command("schema")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="输出格式")
def schema_cmd(fmt):
    """列出全部数据项代码、标签、工作表和单元格。"""
    from . import schema

    data = schema.to_json()
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"格式：{data['format_name']}（{len(data['data_points'])}个数据项）")
    for p in data["data_points"]:
        mark = "＝合计" if p["sum_of"] else ""
        click.echo(f"{p['code']:<48} {p['sheet']}!{p['cell']:<5} {' · '.join(p['labels'])} {mark}")
    for m in data["meta"] + data["narrative"]:
        click.echo(f"{m['code']:<48} {m['sheet']}!{m['cell']:<5} {m['label']}")


@cli.command("show")
@click.argument("file", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def show_cmd(file, fmt):
    """读取工作簿并显示其中的数据。"""
    from .api import read_any

    rep = read_any(file)
    if fmt == "json":
        click.echo(json.dumps(rep.to_json(), ensure_ascii=False, indent=2))
        return
    from .render.summary import describe

    click.echo(describe(rep))


@cli.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--previous", type=click.Path(), help="上年度的年报工作簿（对每个FILE都用它比对）：检查上年结转、现行有效件数、第五部分是否与上年雷同")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="输出格式")
@click.pass_context
def validate_cmd(ctx, files, previous, fmt):
    """校验年报工作簿：是否填全、合计与勾稽关系、正文与表格是否一致等。

    退出码：0 没有错误；1 有错误；2 有文件无法使用。"""
    from .rules.engine import validate_paths
    from .rules.textout import format_result

    out, code = [], 0
    counts = {"ok": 0, "bad": 0, "unusable": 0}
    for path, res, err in validate_paths(files, previous, progress=True):
        if res is None:
            code = 2
            counts["unusable"] += 1
            if fmt == "json":
                out.append({"path": path, "organ": None, "year": None, "ok": False, "errors": 0, "warnings": 0,
                            "findings": [], "error": str(err)})
            else:
                click.echo(f"错误：{err}", err=True)
            continue
        if not res.ok and code == 0:
            code = 1
        counts["ok" if res.ok else "bad"] += 1
        if fmt == "json":
            out.append(res.to_json(path))
        else:
            click.echo(format_result(res, path))
            click.echo("")
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    elif len(files) > 1:
        click.echo(f"共{len(files)}个文件：{counts['ok']}个没有错误，{counts['bad']}个有错误，{counts['unusable']}个无法读取。")
    ctx.exit(code)


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="输出格式")
def rules_cmd(fmt):
    """列出全部校验规则（规则编号、严重程度、标题）。"""
    from .rules.catalogue import RULES, to_json

    if fmt == "json":
        click.echo(json.dumps(to_json(), ensure_ascii=False, indent=2))
        return
    for r in RULES:
        sev = "错误" if r.severity == "error" else "提示"
        extra = "（需要上年报告 --previous）" if r.needs_previous else ""
        click.echo(f"{r.id:<24} {sev}  {r.title}{extra}")

@cli.command("report")
@click.argument("path", required=False, type=click.Path())
@click.option("-o", "--output", type=click.Path(), help="输出文件（默认与工作簿同名、同文件夹）；处理文件夹时为输出文件夹")
@click.option("--format", "fmt", type=click.Choice(["docx", "html", "pdf", "md"]),
              help="输出格式：docx（Word）、html（网页）、pdf、md（Markdown）；默认按输出文件扩展名，否则docx")
@click.option("--narrative", type=click.Path(), help="正文改用此文件（.docx或.md），按“一、总体情况”等标题分段")
@click.option("--template", type=click.Path(), help="Word模板（默认 workbook_templates/gxxl-年报正文模板.docx）")
@click.option("--force", is_flag=True, help="有错误时仍生成（醒目标注“草稿”，不得公开）；并覆盖已有文件")
@click.option("--placeholders", is_flag=True, help="列出正文中可用的占位符后退出")
@click.pass_context
def report_cmd(ctx, path, output, fmt, narrative, template, force, placeholders):
    """由工作簿生成年度报告（Word、网页、PDF、Markdown）；PATH为文件夹时逐个生成。"""
    if placeholders:
        from .narrative.placeholders import describe

        click.echo(describe())
        return
    if not path:
        raise click.UsageError("请给出工作簿文件或文件夹")
    from .render import format_finding, render_folder, render_report

    def warn_list(gate):
        if gate is None:
            return
        if gate.errors:
            click.echo(f"注意：有{len(gate.errors)}处错误，已按 --force 生成草稿（已醒目标注“草稿”），改正前不得公开：", err=True)
            for f in gate.errors:
                click.echo(f"  - {format_finding(f)}", err=True)
        if gate.unexplained_warnings:
            click.echo(f"提示（{len(gate.unexplained_warnings)}条，请核实；确属正常可在“说明”页写明理由）：", err=True)
            for f in gate.unexplained_warnings:
                click.echo(f"  - {format_finding(f)}", err=True)

    if Path(path).is_dir():
        if narrative:
            raise click.UsageError("处理文件夹时不能用 --narrative（每份工作簿用自己的正文）")
        if not output:
            raise click.UsageError("处理文件夹时请用 -o 指定输出文件夹")
        res = render_folder(path, output, fmt=fmt or "docx", template=template, force=force)
        label = {"ok": "已生成", "draft": "草稿", "refused": "有错误，未生成", "unusable": "无法使用"}
        for item in res.items:
            click.echo(f"{label[item.status]}：{item.source.name}" + (f" → {item.output}" if item.output else ""))
            if item.message:
                click.echo("  " + item.message.replace("\n", "\n  "), err=True)
            elif item.status == "draft":
                click.echo(f"  有{len(item.gate.errors)}处错误，已标注“草稿”，改正前不得公开", err=True)
            if item.gate is not None and item.gate.unexplained_warnings and item.output:
                click.echo(f"  另有{len(item.gate.unexplained_warnings)}条提示未说明，请核实", err=True)
        n = {k: sum(1 for i in res.items if i.status == k) for k in label}
        click.echo(f"共{len(res.items)}份：已生成{n['ok']}份，草稿{n['draft']}份，有错误未生成{n['refused']}份，无法使用{n['unusable']}份。")
        ctx.exit(res.exit_code)
    result = render_report(path, output, fmt=fmt, narrative=narrative, template=template, force=force)
    click.echo(f"已生成{'草稿' if result.draft else '报告'}：{result.path}")
    warn_list(result.gate)


@cli.command("demo")
@click.option("-o", "--output", "outdir", type=click.Path(), help="输出文件夹（默认新建临时文件夹）")
@click.option("--force", is_flag=True, help="覆盖输出文件夹中已有的同名文件")
@click.option("--no-pdf", is_flag=True, help="不生成PDF（省去LibreOffice转换）")
def demo_cmd(outdir, force, no_pdf):
    """用内置样例数据演示：生成工作簿、读取、汇总显示、生成年度报告。"""
    from .samples.demo import run_demo

    run_demo(outdir, force=force, echo=click.echo, pdf=not no_pdf)


@cli.command("import")
@click.argument("report", type=click.Path())
@click.option("-o", "--output", type=click.Path(), help="输出工作簿（默认：当前文件夹下的<原文件名>.xlsx）")
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
def import_cmd(report, output, force):
    """把已公开的年报（网页、文本、Word、PDF）导入为gxxl工作簿，并列出原文的问题。"""
    from .ingest import import_to_workbook
    from .render.summary import describe_import

    out = Path(output) if output else Path.cwd() / (Path(report).stem + ".xlsx")
    rep = import_to_workbook(report, out, force=force)
    click.echo(describe_import(rep, out))
    if any(f.severity == "error" for f in rep.findings):
        sys.exit(1)


@cli.command("audit")
@click.argument("reports", nargs=-1, required=True, type=click.Path())
@click.option("--previous", multiple=True, type=click.Path(), help="上年年报（可多次给出；同一机关上一年度的年报在输入中时自动对照）")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="输出格式")
@click.option("--summary-only", is_flag=True, help="只显示汇总表")
@click.option("--jobs", type=int, default=1, help="并行进程数（默认1；0：全部CPU核）")
@click.option("--scheduler", metavar="tcp://主机:端口",
              help="在已有的Dask集群上并行导入（各节点须能按相同路径访问所有文件，即共享存储）")
def audit_cmd(reports, previous, fmt, summary_only, jobs, scheduler):
    """审查已公开的年报：逐份导入并校验，最后给出汇总表。可给文件夹。"""
    from .audit import audit, text_report

    items, notes = audit(reports, previous, jobs=jobs or None, scheduler=scheduler)
    if fmt == "json":
        click.echo(json.dumps([it.to_json() for it in items], ensure_ascii=False, indent=2))
        for n in notes:
            click.echo(n, err=True)
    else:
        click.echo(text_report(items, notes, details=not summary_only))
    if not items:
        raise GxxlError("没有可审查的年报文件。" + ("；".join(notes) if notes else ""))
    if all(it.report is None for it in items):
        sys.exit(2)
    if not all(it.ok for it in items):
        sys.exit(1)


@cli.group("addin")
def addin_group():
    """Excel加载项（“政务公开年报”选项卡：校验、清除标记、生成报告）。"""


@addin_group.command("build")
@click.option("-o", "--output", default="gxxl.xlam", show_default=True, type=click.Path(),
              help="输出的加载项文件（.xlam）")
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
def addin_build_cmd(output, force):
    """用已安装的xlwings自带的加载项模板生成gxxl加载项（任何系统均可）。"""
    from .excel.addin import build_addin

    out = build_addin(output, force=force)
    click.echo(f"已生成Excel加载项：{out}")
    click.echo("在Windows或macOS上运行 gxxl addin install 安装到Excel。")


@addin_group.command("install")
@click.option("--dir", "target_dir", type=click.Path(), help="安装到指定文件夹（默认：Excel的XLSTART启动文件夹）")
def addin_install_cmd(target_dir):
    """把加载项装进Excel（XLSTART），并让它使用本机的Python。不需要管理员权限。"""
    from .excel.addin import install_addin

    dest, conf = install_addin(target_dir=target_dir)
    click.echo(f"已安装：{dest}")
    click.echo(f"Python设置：{conf}")
    click.echo("请完全退出并重新打开Excel，功能区会出现“政务公开年报”选项卡。")


@addin_group.command("uninstall")
@click.option("--dir", "target_dir", type=click.Path(), help="从指定文件夹卸载（默认：XLSTART）")
def addin_uninstall_cmd(target_dir):
    """从Excel中卸载gxxl加载项。"""
    from .excel.addin import uninstall_addin

    removed = uninstall_addin(target_dir=target_dir)
    if removed:
        for p in removed:
            click.echo(f"已删除：{p}")
        click.echo("请重新打开Excel。")
    else:
        click.echo("没有找到已安装的gxxl加载项。")


@cli.command("consolidate")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--roster", type=click.Path(), help="名单文件（.xlsx或.csv，第一列机关名称，可有“别名”“代码”列）")
@click.option("--year", type=int, help="汇总年度（默认按多数文件的年度）")
@click.option("--previous", type=click.Path(), help="上年汇总工作簿（或上年各单位工作簿所在文件夹），用于同比和跨年校验")
@click.option("-o", "--output", type=click.Path(), help="输出的汇总工作簿（.xlsx）；不给则只显示报送情况")
@click.option("--jobs", type=int, default=0, help="并行进程数（默认：全部CPU核）")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="输出格式")
@click.option("--csv", "csv_dir", type=click.Path(), help="另把明细、问题清单、报送情况导出为CSV到此文件夹")
@click.option("--include", default=None, help="计入汇总的状态，逗号分隔（默认：通过,仅提示,有错误）；含“汇总文件”等同于 --level-up")
@click.option("--level-up", "level_up", is_flag=True,
              help="把下级的汇总文件计入本次汇总（如乡镇汇总报县、县汇总报市）。不加时，汇总文件（gxxl汇总生成的，"
                   "或封面机关名称含“汇总”的）一律不计入，状态为“汇总文件”，以免重复计算；加了也只计入层级低于本次汇总的")
@click.option("--name", help="汇总单位名称（默认：“所在地区（汇总）”）")
@click.option("--level", help="汇总工作簿的机关层级（默认：多数文件的层级）")
@click.option("--force", is_flag=True, help="覆盖已存在的输出文件")
@click.option("--details", "details", type=click.Choice(["auto", "sheet", "parquet", "csv"]), default="auto",
              help="明细放在哪里：sheet 工作簿内；parquet/csv 工作簿旁的“名称-明细.parquet/.csv”；"
                   "auto（默认）不超过2万个文件时放在工作簿内，否则另存为Parquet")
@click.option("--scheduler", metavar="tcp://主机:端口",
              help="在已有的Dask集群上并行读取和校验（各节点须能按相同路径访问所有文件，即共享存储）")
def consolidate_cmd(inputs, roster, year, previous, output, jobs, fmt, csv_dir, include, level_up, name, level, force,
                    details, scheduler):
    """汇总各单位报送的工作簿（文件、文件夹或.zip压缩包）：报送情况、问题清单、合计、图表。

    汇总文件（以前的汇总结果、下级单位的汇总）不会当作一个单位计入；逐级上报时加 --level-up，
    例如县里汇总各乡镇报来的汇总文件和县直部门的工作簿：gxxl consolidate 收件箱 --level-up -o 县汇总.xlsx

    退出码：0 全部通过；1 有错误、无法读取、年度不符或有未报送单位；2 输入或输出无法使用。
    """
    from .consolidation import CSV_NAMES, DEFAULT_INCLUDE, consolidate
    from .util.fileio import check_output

    sources = tuple(x for x in (*inputs, roster, previous) if x)
    if output:
        check_output(output, force=force, inputs=sources)  # fail before the long run, not after it
    for n in CSV_NAMES if csv_dir else ():
        check_output(Path(csv_dir) / n, force=force, inputs=sources)
    if level is not None:
        from .schema import LEVELS

        if level not in LEVELS:
            raise GxxlError(f"机关层级“{level}”无效，应为：{'、'.join(LEVELS)}")
    inc = tuple(s.strip() for s in include.replace("，", ",").split(",") if s.strip()) if include else DEFAULT_INCLUDE
    res = consolidate(list(inputs), roster=roster, year=year, previous=previous, jobs=jobs or None, include=inc,
                      name=name, level=level, output=output, level_up=level_up, scheduler=scheduler)
    written = []
    if output:
        written.append(str(res.to_xlsx(output, force=force, details=details)))
        if res.details_file is not None:
            written.append(str(res.details_file))
        written.extend(str(p) for _, _, p in res.extra_outputs)
    if csv_dir:
        written.extend(str(p) for p in res.to_csv(csv_dir, force=force))
    if fmt == "json":
        data = res.to_json()
        data["outputs"] = written
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(res.summary_text())
        for sheet, n, p in res.extra_outputs:
            click.echo(f"注意：“{sheet}”有{n}行，超过Excel每张工作表的行数上限，完整内容另存为：{p}")
        for w in written:
            click.echo(f"已写出：{w}")
    click.get_current_context().exit(res.exit_code)


from .serve.cli import serve_group  # noqa: E402  (click only; Django loads inside the commands)

cli.add_command(serve_group)


@cli.command("submit")
@click.argument("path", type=click.Path())
@click.option("--link", help="县政府办（或上级）发来的上报链接；不给时用上次 --remember 记住的链接")
@click.option("--remember", is_flag=True, help="记住这个链接，以后上报（包括Excel的“上报”按钮）自动使用")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="输出格式：text（文字）或json")
def submit_cmd(path, link, remember, fmt):
    """把工作簿上报给收集服务（gxxl serve），立即显示审核结果；县里的汇总工作簿也用它报给市里。"""
    from .serve.client import SubmitError, describe, finding_lines, remember_link, remembered_link, submit

    link = link or remembered_link()
    if not link:
        raise SubmitError("没有上报链接：请用 --link 给出县政府办发来的链接（加 --remember 记住它）")
    if remember:
        where = remember_link(link)
        if fmt == "text":
            click.echo(f"已记住上报链接（{where}）")
    answer = submit(path, link)
    if fmt == "json":
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        click.echo(describe(answer, link))
        for line in finding_lines(answer.get("findings", [])):
            click.echo(line)
    click.get_current_context().exit(1 if answer.get("errors") else 0)


def main(argv=None):
    try:
        cli.main(args=argv, prog_name="gxxl", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        # click uses 2 for usage errors, which matches "unusable input"
        sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
