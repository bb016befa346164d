"""Send a workbook to a gxxl serve (the level above) with a bureau's link: the client side of
``POST /api/submit``, standard library only (the Excel add-in's 上报 can call the same function)."""
from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..errors import GxxlError


def parse_link(link: str) -> tuple[str, str]:
    """http://host:port/b/<token>/ → (base URL, token)."""
    u = urlsplit(link.strip())
    parts = [p for p in u.path.split("/") if p]
    if u.scheme not in ("http", "https") or len(parts) < 2 or parts[-2] != "b":
        raise GxxlError(f"“{link}”不是上报链接（应形如 http://地址:端口/b/令牌/）")
    return f"{u.scheme}://{u.netloc}", parts[-1]


def upload(link: str, path, *, timeout: float = 300) -> dict:
    """Upload ``path``; returns the API's JSON (id, organ, status, errors, warnings, findings)."""
    p = Path(path)
    if not p.is_file():
        raise GxxlError(f"文件“{p}”不存在")
    base, token = parse_link(link)
    boundary = "gxxl" + secrets.token_hex(12)
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{quote(p.name)}\"; "
            f"filename*=UTF-8''{quote(p.name)}\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    body = head + p.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(f"{base}/api/submit", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        try:
            msg = json.loads(exc.read().decode("utf-8")).get("error")
        except ValueError:
            msg = None
        raise GxxlError(f"上报被拒绝（HTTP {exc.code}）：{msg or exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise GxxlError(f"无法连接收集服务 {base}：{getattr(exc, 'reason', exc)}") from None
