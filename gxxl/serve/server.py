"""Start the service: Django configured from the data folder, served by waitress.

waitress: a production WSGI server in pure Python (no C build, no fork), the same on Windows and
Linux; its worker threads suit a county's dozens of clerks, and the heavy work (reading and validating
workbooks) runs in the worker processes of ``worker.py`` anyway.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .conf import configure, migrate


def prepare(data_dir, db: str | None = None) -> dict:
    cfg = configure(data_dir, db)
    migrate()
    from . import storage

    storage.clean_tmp(Path(data_dir))
    return cfg


def run(data_dir, *, host: str = "127.0.0.1", port: int = 8000, db: str | None = None, threads: int = 8,
        echo=print, ready=None) -> None:
    prepare(data_dir, db)
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    from . import worker
    from .models import Site

    worker.pool().start()
    app = get_wsgi_application()
    server = create_server(app, host=host, port=port, threads=threads, ident="gxxl",
                           # room to answer an oversized upload in Chinese (waitress reads a body before the app sees it)
                           max_request_body_size=max(settings.GXXL_MAX_UPLOAD * 2, 256 * 1024 * 1024),
                           channel_timeout=120, clear_untrusted_proxy_headers=True)
    addr = server.effective_host, server.effective_port
    site = Site.get()
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    echo(f"{site.name}{site.year}年度年报收集服务已启动：http://{shown}:{addr[1]}/")
    echo(f"管理员登录：http://{shown}:{addr[1]}/login/　数据文件夹：{Path(data_dir).resolve()}")
    if host in ("127.0.0.1", "localhost"):
        echo("提示：现在只有本机能访问；要让各单位访问，请用 --host 0.0.0.0 启动，并在防火墙中放行端口。")
    echo("按 Ctrl+C 停止。")
    sys.stdout.flush()
    if ready:
        ready(addr)
    _stop_on_sigterm()
    try:
        server.run()
    except KeyboardInterrupt:
        echo("已停止。")
    finally:
        worker.pool().close()


def _stop_on_sigterm() -> None:
    """systemd, Docker and Windows' taskkill ask politely with SIGTERM: stop as with Ctrl+C."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError):  # not the main thread, or a platform without it
        pass
