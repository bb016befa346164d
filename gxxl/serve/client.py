"""上报: send a workbook to a collection service (``gxxl serve``) with the link the office sent.

The client side of the public JSON API (``POST /api/submit``), standard library only, so the Excel
add-in's 上报 button and ``gxxl submit`` work on a bureau PC without Django. A link looks like
``http://host:port/b/<令牌>/``; the token in it is the bureau's Bearer token. The link can be
remembered per user (``%USERPROFILE%\\.gxxl\\上报链接.txt``) so the button needs it only once.
"""
from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..errors import GxxlError

LINK_FILE = "上报链接.txt"
MAX_UPLOAD = 50 * 1024 * 1024  # the service refuses larger uploads anyway; don't send them
_LINK = re.compile(r"^(?P<base>https?://[^/?#\s]+(?:/[^?#\s]*?)?)/b/(?P<token>[A-Za-z0-9_\-]{16,})/?$")


class SubmitError(GxxlError):
    """The workbook was not accepted (exit code 2): bad link, server unreachable, refused upload."""


@dataclass(frozen=True)
class Link:
    base: str  # the service's root, e.g. http://10.0.0.5:8000
    token: str

    @property
    def page(self) -> str:
        return f"{self.base}/b/{self.token}/"


def parse_link(link: str) -> Link:
    m = _LINK.match((link or "").strip())
    if not m:
        raise SubmitError(f"上报链接“{(link or '').strip()[:80]}”格式不对：应为县政府办发来的链接，形如 http://地址:端口/b/令牌/")
    return Link(m["base"].rstrip("/"), m["token"])


def config_dir() -> Path:
    return Path(os.environ.get("GXXL_CONFIG_DIR") or Path.home() / ".gxxl")


def remembered_link() -> str | None:
    p = config_dir() / LINK_FILE
    try:
        text = p.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def remember_link(link: str) -> Path:
    parse_link(link)  # only a valid link is kept
    d = config_dir()
    d.mkdir(parents=True, exist_ok=True)
    p = d / LINK_FILE
    tmp = p.with_name(f".~{p.name}.{uuid.uuid4().hex[:8]}")
    tmp.write_text(link.strip() + "\n", encoding="utf-8")
    os.replace(tmp, p)
    return p


def _multipart(path: Path, data: bytes) -> tuple[bytes, str]:
    boundary = f"gxxl-{uuid.uuid4().hex}"
    name = path.name.replace('"', "_").replace("\r", "_").replace("\n", "_")
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"; "
            f"filename*=UTF-8''{urllib.parse.quote(path.name)}\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode("utf-8")
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def submit(path, link: str, *, timeout: float = 120) -> dict:
    """Upload ``path`` with the bureau's link; returns the service's JSON answer
    (``id, organ, status, errors, warnings, findings`` — findings as ``gxxl validate --format json``).

    Raises :class:`SubmitError` with a Chinese message when nothing was accepted.
    """
    p = Path(path)
    ln = parse_link(link)
    if not p.is_file():
        raise SubmitError(f"文件“{p}”不存在或不是普通文件")
    size = p.stat().st_size
    if size > MAX_UPLOAD:
        raise SubmitError(f"文件“{p.name}”有{size // (1024 * 1024)} MB，超过上报上限{MAX_UPLOAD // (1024 * 1024)} MB")
    with open(p, "rb") as fh:
        data = fh.read(MAX_UPLOAD + 1)
    body, ctype = _multipart(p, data)
    req = urllib.request.Request(f"{ln.base}/api/submit", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {ln.token}", "Content-Type": ctype,
                                          "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        try:
            msg = json.loads(exc.read().decode("utf-8")).get("error", "")
        except (ValueError, AttributeError, OSError):
            msg = ""
        if exc.code == 401:
            raise SubmitError("上报链接无效或已被县政府办重新生成，请向县政府办索取新的链接"
                              + (f"（{msg}）" if msg else "")) from None
        raise SubmitError(f"上报未被接受（{exc.code}）：{msg or exc.reason}") from None
    except urllib.error.URLError as exc:
        raise SubmitError(f"无法连接上报服务 {ln.base}：{exc.reason}。请检查网络，或向县政府办确认服务地址") from None
    except (TimeoutError, OSError) as exc:
        raise SubmitError(f"上报服务 {ln.base} 没有及时应答（{exc}），请稍后再试") from None
    except ValueError:
        raise SubmitError(f"上报服务 {ln.base} 的应答无法识别，请向县政府办确认链接") from None


def describe(answer: dict, link: str | None = None) -> str:
    """One short Chinese paragraph for the clerk: what the service said and what happens next."""
    status = answer.get("status", "")
    e, w = answer.get("errors", 0), answer.get("warnings", 0)
    text = f"已上报（编号{answer.get('id')}，{answer.get('organ', '')}）：{status}，错误{e}处、提示{w}处。"
    if e:
        text += "请改正后重新上传。"
    elif status == "待说明":
        text += "请在“说明”页（或上报页面上）写明每条提示的理由后重新上传，说明后才算已报送。"
    if link:
        try:
            text += f"详细结果：{parse_link(link).page}"
        except SubmitError:
            pass
    return text


def finding_lines(findings: list[dict]) -> list[str]:
    """The service's findings (``gxxl validate --format json`` items) as terminal lines, errors first."""
    out = []
    for sev, title in (("error", "【错误】必须改正"), ("warning", "【提示】请核实")):
        items = [f for f in findings if f.get("severity") == sev]
        if not items:
            continue
        out.append(f"  {title}")
        for f in items:
            where = " ".join(x for x in (f.get("sheet") or "", f.get("cell") or "") if x) or "（整个报告）"
            mark = "（已说明）" if f.get("explained") else ""
            out.append(f"    {where}：{f.get('message', '')}{mark}  [{f.get('rule', '')}]")
    return out
