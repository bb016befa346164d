"""Django settings built in code from the data folder: the user never edits a settings file.

The data folder holds ``gxxl-serve.json`` (secret key, database URL, limits), the SQLite database
``gxxl.sqlite3`` (unless a PostgreSQL URL is given) and the uploads under ``files/``.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import GxxlError

CONFIG_NAME = "gxxl-serve.json"
SQLITE_NAME = "gxxl.sqlite3"
DEFAULT_MAX_UPLOAD_MB = 20  # a gxxl workbook is ~50 KB, a published PDF a few MB
_configured: Path | None = None


class ServeError(GxxlError):
    pass


def config_path(data_dir) -> Path:
    return Path(data_dir) / CONFIG_NAME


def load_config(data_dir) -> dict:
    p = config_path(data_dir)
    if not p.is_file():
        raise ServeError(f"“{data_dir}”不是收集服务的数据文件夹（缺少{CONFIG_NAME}）。请先运行 gxxl serve init。")
    try:
        return json.loads(p.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ServeError(f"数据文件夹中的{CONFIG_NAME}无法读取：{exc}") from None


def new_config(db: str | None, max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB) -> dict:
    return {"version": 1, "secret_key": secrets.token_urlsafe(50), "db": db, "max_upload_mb": max_upload_mb}


def write_config(data_dir, cfg: dict) -> None:
    from ..util.fileio import write_text

    p = config_path(data_dir)
    write_text(p, json.dumps(cfg, ensure_ascii=False, indent=2) + "\n", force=True)
    try:
        os.chmod(p, 0o600)  # holds the secret key and maybe a database password
    except OSError:
        pass


def database(data_dir: Path, url: str | None) -> dict:
    """Django DATABASES['default'] for SQLite in the data folder or a postgresql:// URL."""
    if not url or url.startswith("sqlite"):
        path = data_dir / SQLITE_NAME
        if url and url.startswith("sqlite:///"):
            path = Path(unquote(url[len("sqlite:///"):]))
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            # WAL: readers never block the writer; FULL: an acknowledged upload survives a power cut too.
            # IMMEDIATE: writers queue on the lock instead of failing with "database is locked" mid-transaction.
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                        "transaction_mode": "IMMEDIATE", "timeout": 30},
        }
    u = urlsplit(url)
    if u.scheme not in ("postgresql", "postgres"):
        raise ServeError(f"数据库地址“{url}”无效，应为 postgresql://用户:密码@主机:端口/库名（不给则使用数据文件夹中的SQLite）")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(u.path.lstrip("/")) or "gxxl",
        "USER": unquote(u.username or ""),
        "PASSWORD": unquote(u.password or ""),
        "HOST": u.hostname or "",
        "PORT": str(u.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def configure(data_dir, db: str | None = None, *, debug: bool = False) -> dict:
    """Configure and set up Django for ``data_dir`` (once per process). ``db`` overrides the stored URL."""
    global _configured
    data_dir = Path(data_dir).resolve()
    cfg = load_config(data_dir)
    if db:
        cfg["db"] = db
    from django.conf import settings

    if _configured is not None:
        if _configured != data_dir:
            raise ServeError("同一进程中不能打开两个数据文件夹")
        return cfg
    limit = int(cfg.get("max_upload_mb") or DEFAULT_MAX_UPLOAD_MB) * 1024 * 1024
    settings.configure(
        DEBUG=debug,
        SECRET_KEY=cfg["secret_key"],
        ALLOWED_HOSTS=["*"],  # an intranet PC reached by IP or any local name
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                        "gxxl.serve.apps.ServeConfig"],
        MIDDLEWARE=[
            "gxxl.serve.middleware.UploadLimitMiddleware",
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
            "gxxl.serve.middleware.SecurityHeadersMiddleware",
        ],
        ROOT_URLCONF="gxxl.serve.urls",
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
                    "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                                       "django.template.context_processors.csrf"]}}],
        DATABASES={"default": database(data_dir, cfg.get("db"))},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        LANGUAGE_CODE="zh-hans",
        USE_I18N=True,
        TIME_ZONE="Asia/Shanghai",
        USE_TZ=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="gxxl_session",
        SESSION_COOKIE_AGE=8 * 3600,  # one working day
        CSRF_COOKIE_HTTPONLY=True,
        CSRF_COOKIE_SAMESITE="Lax",
        CSRF_COOKIE_NAME="gxxl_csrf",
        CSRF_FAILURE_VIEW="gxxl.serve.views.csrf_failure",
        X_FRAME_OPTIONS="DENY",
        SECURE_CONTENT_TYPE_NOSNIFF=True,
        SECURE_REFERRER_POLICY="same-origin",  # bureau links carry their secret: never sent to other sites
        # (not "no-referrer": Chrome then sends "Origin: null" with forms and Django's CSRF check refuses them)
        LOGIN_URL="/login/",
        DATA_UPLOAD_MAX_MEMORY_SIZE=2 * 1024 * 1024,
        FILE_UPLOAD_MAX_MEMORY_SIZE=2 * 1024 * 1024,  # larger uploads spool to a temp file
        DATA_UPLOAD_MAX_NUMBER_FILES=2,
        LOGGING_CONFIG=None,
        GXXL_DATA_DIR=data_dir,
        GXXL_MAX_UPLOAD=limit,
        GXXL_CONFIG=cfg,
    )
    import django

    django.setup()
    _configured = data_dir
    return cfg


def migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=verbosity, interactive=False)
