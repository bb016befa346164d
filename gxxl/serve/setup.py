"""Creating a data folder (init), admin API tokens and the demo county."""
from __future__ import annotations

import os
import secrets
import shutil
from datetime import date, timedelta
from pathlib import Path

from .conf import ServeError, config_path, configure, migrate, new_config, write_config

LINKS_NAME = "上报链接.csv"


def _common_region(names: list[str]) -> str | None:
    """示例县 from 示例县教育局, 示例县财政局 …"""
    prefix = os.path.commonprefix(names) if len(names) > 1 else ""
    cut = max((prefix.rfind(ch) for ch in "省市县区旗州盟"), default=-1)
    return prefix[:cut + 1] if cut >= 1 else None


def init_site(data_dir: Path, *, roster: Path, year: int, deadline: date, admin_user: str, admin_password: str,
              name: str | None = None, base_url: str | None = None, db: str | None = None,
              max_upload_mb: int = 20, port: int = 8000) -> dict:
    """A new data folder: config, database, admin, one secret link per roster organ (上报链接.csv)."""
    if config_path(data_dir).exists():
        raise ServeError(f"“{data_dir}”已经是收集服务的数据文件夹，未改动。要重新开始，请换一个新文件夹。")
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise ServeError(f"“{data_dir}”已存在且不是空文件夹，请给出一个新的文件夹。")
    if len(admin_password or "") < 8:
        raise ServeError("管理员密码至少8个字符。")
    if not roster.is_file():
        raise ServeError(f"名单文件“{roster}”不存在")
    created = not data_dir.exists()
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        write_config(data_dir, new_config(db, max_upload_mb))
        configure(data_dir)
        from . import service

        rows = service.read_roster(roster)  # fails before anything is in the database
        migrate()
        from django.contrib.auth.models import User
        from django.db import transaction

        from .models import Organ, Site

        if Site.objects.exists() or Organ.objects.exists():
            raise ServeError("数据库中已有收集服务的数据（PostgreSQL库已被使用过？），请换一个空的数据库。")
        with transaction.atomic():
            site = Site.objects.create(pk=1, name=name or _common_region([r.name for r in rows]) or "本级", year=year,
                                       deadline=deadline, base_url=(base_url or service.guess_base_url(port)).rstrip("/"))
            User.objects.create_user(admin_user, password=admin_password, is_staff=True)
            added, skipped = service.add_roster(rows)
            service.audit(f"管理员 {admin_user}", "init",
                          detail=f"{site.name}{year}年度，名单{len(added)}个机关，截止{deadline.isoformat()}")
        from ..util.fileio import write_bytes

        links = data_dir / LINKS_NAME
        write_bytes(links, service.links_csv(added, site))
        return {"name": site.name, "organs": len(added), "links": links, "tokens": added, "site": site}
    except BaseException:
        if created:
            shutil.rmtree(data_dir, ignore_errors=True)
        raise


def new_admin_token(data_dir: Path, *, user: str | None = None, db: str | None = None) -> str:
    configure(data_dir, db)
    migrate()
    from django.contrib.auth.models import User

    from . import service

    q = User.objects.filter(is_staff=True).order_by("id")
    u = q.filter(username=user).first() if user else q.first()
    if u is None:
        raise ServeError(f"没有管理员“{user}”" if user else "数据库中没有管理员账号")
    return service.create_api_token(u.username)


def set_password(data_dir: Path, *, user: str, password: str, db: str | None = None) -> bool:
    """Set an admin's password (creating the admin if there is none by that name); True if created."""
    if len(password or "") < 8:
        raise ServeError("管理员密码至少8个字符。")
    configure(data_dir, db)
    migrate()
    from django.contrib.auth.models import User

    from . import service

    u = User.objects.filter(username=user).first()
    created = u is None
    if created:
        u = User(username=user, is_staff=True)
    u.is_staff = u.is_active = True
    u.set_password(password)
    u.save()
    service.audit("命令行", "settings", detail=f"{'新建管理员' if created else '重设密码'}：{user}")
    return created


def _demo_workbooks(folder: Path, names, year: int) -> list[Path]:
    """Five sample workbooks: clean ones, one with errors, one with an unexplained warning."""
    import random

    from ..samples import bureau as sample, county as sample_county
    from ..workbook.api import new_workbook

    rng = random.Random(year)
    out = []
    for i, (organ, level, dept) in enumerate(names):
        meta = {"organ": organ, "year": year, "level": level, "region": "示例省示例市示例县", "contact": f"联系人{i + 1}",
                "phone": f"0000-12345{i:02d}"}
        values = sample_county.bureau_values(rng, scale=sample_county.scale_for(dept, rng), level=level)
        if i == 3:
            values = sample.broken_values()
        if i == 4:  # 现行有效少于本年制发: a warning to explain
            values["active.normative.issued"] = 3
            values["active.normative.in_force"] = 2
        p = folder / f"{dept}.xlsx"
        new_workbook(p, meta=meta, values=values, narrative=sample_county.narrative(organ, year))
        out.append(p)
    return out


def _trial_workbooks(folder: Path, organ: tuple, year: int) -> list[Path]:
    """A wrong and a corrected workbook of an organ that has not filed yet, for the user to upload."""
    from ..samples import bureau, county
    from ..workbook.api import new_workbook

    name, level, dept = organ
    meta = {"organ": name, "year": year, "level": level, "region": "示例省示例市示例县", "contact": "王某某",
            "phone": "0000-1234567"}
    out = []
    for label, values in (("有错误", bureau.broken_values()), ("已改正", bureau.sample_values())):
        p = folder / f"{dept}-{label}.xlsx"
        new_workbook(p, meta=meta, values=values, narrative=county.narrative(name, year), force=True)
        out.append(p)
    return out


def demo_site(data_dir: Path, *, port: int = 8000, echo=print) -> dict:
    """The 示例县 collection: 8 organs, 6 uploads in different states (reused if the folder exists)."""
    import tempfile

    from ..samples import county as sample_county

    if config_path(data_dir).exists():
        configure(data_dir)
        migrate()
        note = data_dir / "演示说明.txt"
        echo(f"使用已有的演示数据：{data_dir.resolve()}")
        if note.exists():
            echo(note.read_text("utf-8"))
        return {}
    year = date.today().year - 1
    names = sample_county.organs("示例县", 8)
    password = secrets.token_urlsafe(9)
    with tempfile.TemporaryDirectory(prefix="gxxl-serve-demo-") as tmp:
        roster = Path(tmp) / "名单.csv"
        roster.write_text("机关名称,联系人,联系电话\n" + "\n".join(f"{n},联系人{i + 1},0000-12345{i:02d}" for i, (n, _, _) in enumerate(names)) + "\n",
                          encoding="utf-8")
        res = init_site(data_dir, roster=roster, year=year, deadline=date.today() + timedelta(days=10),
                        admin_user="admin", admin_password=password, name="示例县",
                        base_url=f"http://127.0.0.1:{port}", port=port)
        books = _demo_workbooks(Path(tmp), names[:6], year)
        from django.core.files.uploadedfile import SimpleUploadedFile

        from . import service, worker

        tokens = {o.name: t for o, t in res["tokens"]}
        organs = [o for o, _ in res["tokens"]]
        subs = []
        for organ, book in zip(organs, books):
            subs.append(service.submit(organ, SimpleUploadedFile(book.name, book.read_bytes()), via="web", ip="127.0.0.1"))
        service.review(subs[1], "confirm", "", user="admin")
        service.review(subs[5], "return", "表二“规范性文件”现行有效件数与上年报告不衔接，请核实后重新报送。", user="admin")
        worker.pool().close()
    trial = _trial_workbooks(data_dir / "试用工作簿", names[6], year)
    base = f"http://127.0.0.1:{port}"
    lines = [f"示例县{year}年度年报收集服务（演示数据，数据文件夹：{data_dir.resolve()}）",
             f"报送情况（政务公开办）：{base}/login/   用户名 admin   密码 {password}",
             f"有错误的单位（{organs[3].name}）的上报页面：{service.link_for(tokens[organs[3].name])}",
             f"尚未报送的单位（{organs[6].name}）的上报页面：{service.link_for(tokens[organs[6].name])}",
             f"  可在该页面先上传有错误的 {trial[0]}，看审核结果，再上传改正后的 {trial[1]}",
             f"全部上报链接：{data_dir.resolve() / LINKS_NAME}"]
    text = "\n".join(lines)
    (data_dir / "演示说明.txt").write_text(text + "\n", encoding="utf-8")
    echo(text)
    return {"password": password, "tokens": tokens, "year": year}
