"""``gxxl serve``: init, run, token, demo (registered in gxxl/cli.py)."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import click

from ..errors import GxxlError


def _deadline(value: str) -> date:
    m = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", value or "")
    try:
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        pass
    raise click.BadParameter(f"“{value}”不是有效日期，应写成 2025-01-31", param_hint="--deadline")


@click.group("serve")
def serve_group():
    """收集服务：各单位在浏览器中上传年报工作簿并立即看到审核结果；政务公开办查看报送情况、退回、催报、下载汇总。"""


@serve_group.command("init")
@click.argument("data_dir", type=click.Path(file_okay=False))
@click.option("--roster", required=True, type=click.Path(dir_okay=False), help="名单文件（.xlsx或.csv，第一列机关名称，可有别名、代码、联系人、联系电话列）")
@click.option("--year", required=True, type=int, help="报告年度，如：2024")
@click.option("--deadline", required=True, help="报送截止日期，如：2025-01-31")
@click.option("--admin-password", prompt="管理员密码", hide_input=True, confirmation_prompt="再次输入管理员密码",
              help="管理员密码（不给则提示输入）")
@click.option("--admin-user", default="admin", show_default=True, help="管理员用户名")
@click.option("--name", help="汇总单位名称，如：示例县（默认取名单中机关名称的共同前缀）")
@click.option("--base-url", help="各单位访问本服务的地址，如：http://10.1.2.3:8000（默认：本机局域网地址:8000）")
@click.option("--db", help="PostgreSQL数据库地址 postgresql://用户:密码@主机/库名（默认：数据文件夹中的SQLite）")
@click.option("--max-upload-mb", type=click.IntRange(1, 500), default=20, show_default=True, help="上传文件大小上限（MB）")
def init_cmd(data_dir, roster, year, deadline, admin_password, admin_user, name, base_url, db, max_upload_mb):
    """新建收集服务的数据文件夹：数据库、管理员账号，并为名单中每个机关生成上报链接（写入“上报链接.csv”）。"""
    from .setup import init_site

    if year < 2021:
        raise GxxlError(f"报告年度{year}早于2021年；本服务使用国办公开办函〔2021〕30号格式。")
    res = init_site(Path(data_dir), roster=Path(roster), year=year, deadline=_deadline(deadline),
                    admin_user=admin_user, admin_password=admin_password, name=name, base_url=base_url, db=db,
                    max_upload_mb=max_upload_mb)
    click.echo(f"已建立“{res['name']}”{year}年度的收集服务：{Path(data_dir).resolve()}")
    click.echo(f"名单{res['organs']}个机关，上报链接已写入：{res['links']}")
    click.echo("请把每个机关的上报链接单独发给该机关（链接即凭证，请勿群发）；此文件含有全部令牌，请妥善保管。")
    click.echo(f"启动服务：gxxl serve run {data_dir} --host 0.0.0.0 --port 8000")


@serve_group.command("run")
@click.argument("data_dir", type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址；让局域网内各单位访问请用 0.0.0.0")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="端口")
@click.option("--db", help="PostgreSQL数据库地址（默认：初始化时的设置）")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="处理请求的线程数")
def run_cmd(data_dir, host, port, db, threads):
    """启动收集服务（waitress，可在Windows和Linux上长期运行）。"""
    from .server import run

    try:
        run(Path(data_dir), host=host, port=port, db=db, threads=threads, echo=click.echo)
    except OSError as exc:
        if getattr(exc, "errno", None) in (98, 48, 10048):
            raise GxxlError(f"端口{port}已被占用，请用 --port 换一个端口") from None
        raise


@serve_group.command("token")
@click.argument("data_dir", type=click.Path(file_okay=False))
@click.option("--user", default=None, help="令牌所属的管理员（默认：第一个管理员）")
@click.option("--db", help="PostgreSQL数据库地址（默认：初始化时的设置）")
def token_cmd(data_dir, user, db):
    """生成一个新的管理员API令牌（用于脚本和上级汇总），令牌在最后一行。"""
    from .setup import new_admin_token

    token = new_admin_token(Path(data_dir), user=user, db=db)
    click.echo("新的管理员API令牌（请求头 Authorization: Bearer <令牌>；只显示这一次）：")
    click.echo(token)


@serve_group.command("password")
@click.argument("data_dir", type=click.Path(file_okay=False))
@click.option("--user", default="admin", show_default=True, help="管理员用户名（不存在则新建）")
@click.option("--password", prompt="新密码", hide_input=True, confirmation_prompt="再次输入新密码",
              help="新密码（不给则提示输入）")
@click.option("--db", help="PostgreSQL数据库地址（默认：初始化时的设置）")
def password_cmd(data_dir, user, password, db):
    """重设管理员密码，或新增一个管理员（在运行服务的电脑上操作）。"""
    from .setup import set_password

    created = set_password(Path(data_dir), user=user, password=password, db=db)
    click.echo(f"已{'新建管理员' if created else '重设密码'}：{user}")


@serve_group.command("demo")
@click.argument("data_dir", required=False, type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="端口")
@click.option("--no-run", is_flag=True, help="只准备演示数据，不启动服务")
def demo_cmd(data_dir, host, port, no_run):
    """演示：示例县的名单、几份报送（含有错误的、待说明的、已退回的），然后启动服务。"""
    from .setup import demo_site

    d = Path(data_dir) if data_dir else Path.cwd() / "gxxl-serve-demo"
    info = demo_site(d, port=port, echo=click.echo)
    if no_run:
        return
    from .server import run

    run(d, host=host, port=port, echo=click.echo)
