"""The service's work, shared by the JSON API, the pages and the CLI (views stay thin)."""
from __future__ import annotations

import csv
import io
import re
import secrets
import shutil
import socket
import tempfile
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import (CONFIRMED, COUNTED_STATES, HAS_ERRORS, NEEDS_EXPLANATION, NOT_SUBMITTED, RETURNED, STATES,
                     SUBMITTED, ApiToken, AuditLog, Organ, Site, Submission, token_hash)

WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".ods")
REPORT_SUFFIXES = (".docx", ".pdf", ".html", ".htm", ".txt", ".md")  # organs that only have the published report
ALLOWED_SUFFIXES = WORKBOOK_SUFFIXES + REPORT_SUFFIXES
SERVE_RULES = {"serve.organ_mismatch": "封面机关名称与上报链接不符", "serve.wrong_year": "报告年度与本次收集不符"}


class Refused(Exception):
    """An upload or action refused; ``str()`` is the Chinese message, ``status`` the HTTP status."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


# -- tokens and links --------------------------------------------------------

def new_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits: not guessable, fits in a link


def guess_base_url(port: int = 8000) -> str:
    """http://<this PC's intranet address>:port (no packet is sent: a UDP connect only picks the route)."""
    ip = "127.0.0.1"
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            ip = s.getsockname()[0]
    except OSError:
        pass
    return f"http://{ip}:{port}"


def link_for(token: str, site: Site | None = None) -> str:
    site = site or Site.get()
    return f"{(site.base_url or '').rstrip('/')}/b/{token}/"


def audit(actor: str, action: str, *, organ=None, submission=None, detail: str = "", ip: str = "") -> None:
    AuditLog.objects.create(actor=actor[:250], action=action, organ=organ, submission=submission, detail=detail,
                            ip=ip[:64])


def create_api_token(username: str) -> str:
    token = "gxxl_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(token_hash=token_hash(token), username=username)
    audit(f"管理员 {username}", "token_created")
    return token


# -- roster ------------------------------------------------------------------

@dataclass
class RosterRow:
    name: str
    aliases: tuple = ()
    code: str = ""
    contact: str = ""
    phone: str = ""


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_roster(path) -> list[RosterRow]:
    """名单.xlsx/.csv: names by the same rules as ``gxxl consolidate --roster``, plus 联系人/电话 columns."""
    from gxxl.consolidation import load_roster

    roster = load_roster(path)
    extra = _roster_contacts(Path(path))
    out = []
    for e in roster.entries:
        contact, phone = extra.get(e.name, ("", ""))
        out.append(RosterRow(e.name, tuple(e.aliases), e.code or "", contact, phone))
    return out


def _roster_contacts(p: Path) -> dict[str, tuple[str, str]]:
    try:
        if p.suffix.lower() == ".csv":
            from gxxl.util.fileio import decode_text

            text = decode_text(p.read_bytes()) or ""
            rows = list(csv.reader(io.StringIO(text)))
        else:
            import openpyxl

            wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
            try:
                rows = [[_cell(v) for v in r] for r in wb.worksheets[0].iter_rows(max_row=5000, max_col=30, values_only=True)]
            finally:
                wb.close()
    except Exception:  # noqa: BLE001 — contacts are optional; the names were read already
        return {}
    rows = [[_cell(v) for v in r] for r in rows]
    for i, head in enumerate(rows[:5]):
        name = next((j for j, h in enumerate(head) if h in ("机关名称", "单位名称", "名称", "机关", "单位", "部门", "报送单位")), None)
        if name is None:
            continue
        contact = next((j for j, h in enumerate(head) if "联系人" in h), None)
        phone = next((j for j, h in enumerate(head) if "电话" in h or "手机" in h), None)
        out = {}
        for r in rows[i + 1:]:
            if name < len(r) and r[name]:
                out[r[name]] = (r[contact] if contact is not None and contact < len(r) else "",
                                r[phone] if phone is not None and phone < len(r) else "")
        return out
    return {}


def add_organ(row: RosterRow, *, actor: str = "", ip: str = "") -> tuple[Organ, str]:
    name = clean_name(row.name)
    if not name:
        raise Refused("机关名称不能为空")
    if any(norm(o.name) == norm(name) for o in Organ.objects.filter(active=True)):
        raise Refused(f"名单中已有“{name}”")
    token = new_token()
    pos = (Organ.objects.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    organ = Organ.objects.create(name=name, aliases="、".join(clean_name(a) for a in row.aliases if clean_name(a)),
                                 code=row.code[:50], contact=row.contact[:100], phone=row.phone[:100],
                                 token_hash=token_hash(token), link_created=timezone.now(), position=pos)
    if actor:
        audit(actor, "organ_added", organ=organ, ip=ip)
    return organ, token


def _split(s: str) -> list[str]:
    return [a.strip() for a in re.split(r"[、,，;；/|]+", s or "") if a.strip()]


def add_roster(rows: list[RosterRow], *, actor: str = "", ip: str = "", source: str = "") -> tuple[list, list[str]]:
    """Add the organs not yet on the roster; returns ([(organ, token)], names skipped)."""
    have = {norm(o.name) for o in Organ.objects.filter(active=True)}
    added, skipped = [], []
    with transaction.atomic():
        for r in rows:
            if norm(r.name) in have:
                skipped.append(r.name)
                continue
            have.add(norm(r.name))
            added.append(add_organ(r))
        if actor:
            audit(actor, "roster_imported", ip=ip, detail=f"{source}：新增{len(added)}个，已有{len(skipped)}个")
    return added, skipped


def import_roster_upload(f, *, actor: str, ip: str = "") -> tuple[list, list[str]]:
    """名单 uploaded on the roster page → new organs with their links (shown once)."""
    suffix = suffix_of(f.name)
    if suffix not in (".xlsx", ".csv"):
        raise Refused("名单文件应为.xlsx或.csv（第一列为机关名称，可有“别名”“代码”“联系人”“联系电话”列）")
    if f.size > 5 * 1024 * 1024:
        raise Refused("名单文件过大（超过5 MB）")
    from gxxl.errors import GxxlError

    with tempfile.TemporaryDirectory(prefix="gxxl-serve-") as tmp:
        p = Path(tmp) / f"名单{suffix}"
        with open(p, "wb") as fh:
            for c in f.chunks():
                fh.write(c)
        try:
            rows = read_roster(p)
        except GxxlError as exc:
            raise Refused(str(exc).replace(str(p), clean_name(f.name))) from None
    site = Site.get()
    added, skipped = add_roster(rows, actor=actor, ip=ip, source=clean_name(f.name))
    return [(o, link_for(t, site)) for o, t in added], skipped


def regenerate_link(organ: Organ, *, actor: str, ip: str = "") -> str:
    token = new_token()
    organ.token_hash = token_hash(token)
    organ.link_created = timezone.now()
    organ.save(update_fields=["token_hash", "link_created"])
    audit(actor, "link_regenerated", organ=organ, ip=ip, detail="旧链接已失效")
    return token


def clean_name(s: str) -> str:
    """Names as typed, minus control characters (a name is shown, never interpreted)."""
    s = "".join(ch for ch in str(s or "") if unicodedata.category(ch) != "Cc")
    return s.strip()[:200]


def norm(s) -> str:
    s = unicodedata.normalize("NFKC", str(s or ""))
    return re.sub(r"\s+", "", s).lower()


def links_csv(rows: list[tuple[Organ, str]], site: Site) -> bytes:
    """上报链接.csv for the office to send out (UTF-8 with BOM so that Excel shows the Chinese)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["序号", "机关名称", "上报链接", "令牌", "联系人", "联系电话", "截止日期"])
    for i, (o, token) in enumerate(rows, start=1):
        w.writerow([i, _csv_safe(o.name), link_for(token, site), token, _csv_safe(o.contact), _csv_safe(o.phone),
                    site.deadline.isoformat()])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _csv_safe(s: str) -> str:
    from gxxl.util.safety import neutralise

    return neutralise(s) if s else s


# -- submissions ---------------------------------------------------------------

def suffix_of(name: str) -> str:
    return Path(name or "").suffix.lower()


def submit(organ: Organ, upload, *, via: str, ip: str = "") -> Submission:
    """Store, validate and record one upload. ``upload``: a Django UploadedFile. Raises Refused."""
    from . import storage, worker

    name = clean_name(Path(upload.name or "").name) or "未命名文件"
    actor = f"机关 {organ.name}"
    limit = settings.GXXL_MAX_UPLOAD
    suffix = suffix_of(name)

    def refuse(msg, status=422, stored=None):
        audit(actor, "upload_refused", organ=organ, ip=ip,
              detail=f"{name}：{msg}" + (f"（sha256 {stored.sha256}）" if stored else ""))
        raise Refused(msg, status)

    if suffix == ".xlsm":
        refuse(f"文件“{name}”是启用宏的工作簿（.xlsm），出于安全考虑不予接收。请在Excel中“另存为”.xlsx后重新上传。")
    if suffix not in ALLOWED_SUFFIXES:
        refuse(f"文件“{name}”的类型不能接收。请上传年报工作簿（.xlsx、.xls、.ods），"
               f"没有工作簿的单位可上传已公开的年报（.docx、.pdf、.html、.txt）。", 415)
    if upload.size > limit:
        refuse(f"文件“{name}”有{upload.size / 1048576:.1f} MB，超过上限{limit // 1048576} MB。年报工作簿通常不到1 MB，请确认选对了文件。", 413)
    if upload.size == 0:
        refuse(f"文件“{name}”是空的（0字节），请重新选择文件。")
    stored = storage.store(settings.GXXL_DATA_DIR, upload.chunks(), suffix)
    try:
        res = worker.pool().run(worker.validate_file, str(stored.path), name, timeout=worker.VALIDATE_TIMEOUT)
    except worker.WorkerFailed as exc:
        refuse(f"文件“{name}”无法读取：{exc}。请确认文件是用gxxl工作簿填写并正常保存的。", stored=stored)
    if not res["usable"]:
        refuse(res["error"], stored=stored)
    if res["macros"]:
        refuse(f"文件“{name}”中含有宏（VBA代码），出于安全考虑不予接收。gxxl下发的工作簿不需要宏，请另存为.xlsx后重新上传。",
               stored=stored)
    findings = res["findings"] + serve_findings(organ, res)
    errors = sum(1 for f in findings if f["severity"] == "error")
    warnings = sum(1 for f in findings if f["severity"] == "warning")
    with write_lock(), transaction.atomic():
        sub = Submission.objects.create(
            organ=organ, sha256=stored.sha256, stored_name=stored.relpath, original_name=name, size=stored.size,
            received=timezone.now(), via=via, ip=ip[:64], cover_organ=clean_name(res["organ"] or "")[:300],
            year=res["year"], errors=errors, warnings=warnings, findings_json=_dumps(findings),
            notes_json=_dumps(res["notes"]), meta_json=_dumps(res["meta"]))
        audit(actor, "upload", organ=organ, submission=sub, ip=ip,
              detail=f"{name}（{stored.size}字节，sha256 {stored.sha256[:12]}…）：错误{errors}处，提示{warnings}条")
    return sub


_SQLITE_WRITES = threading.Lock()


@contextmanager
def write_lock():
    """SQLite has one writer: queue this process's writers here, in order, rather than in SQLite's
    busy handler, whose growing sleeps made some uploads wait a second behind luckier ones."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    with _SQLITE_WRITES:
        yield


def _dumps(x) -> str:
    import json

    return json.dumps(x, ensure_ascii=False, default=str)


def serve_findings(organ: Organ, res: dict) -> list[dict]:
    """What only the service knows: the link's organ and the collection's year."""
    from gxxl import schema

    out = []
    workbook = res.get("kind") == "workbook"
    loc = schema.layout()
    cover = res.get("organ")
    names = {norm(organ.name), *(norm(a) for a in organ.alias_list())}
    if cover and norm(cover) not in names and _summary_of(cover) not in names:
        l = loc["meta.organ"]
        out.append({"rule": "serve.organ_mismatch", "severity": "error",
                    "message": f"封面填写的机关名称为“{cover}”，而本上报链接属于“{organ.name}”。"
                               f"请确认上传的是本单位的年报；如果机关名称写法不同，请改为“{organ.name}”后重新上传。",
                    "codes": ["meta.organ"], "sheet": l.sheet if workbook else None,
                    "cell": l.cell if workbook else None, "expected": organ.name, "actual": cover, "explained": False})
    site = Site.get()
    if res.get("year") and res["year"] != site.year:
        l = loc["meta.year"]
        out.append({"rule": "serve.wrong_year", "severity": "error",
                    "message": f"报告年度为{res['year']}年，本次收集的是{site.year}年度的年报，请上传{site.year}年度的工作簿。",
                    "codes": ["meta.year"], "sheet": l.sheet if workbook else None, "cell": l.cell if workbook else None,
                    "expected": site.year, "actual": res["year"], "explained": False})
    return out


def _summary_of(cover: str) -> str:
    """A county's 汇总 workbook names itself "示例县（汇总）": at the city it is the county's report."""
    n = norm(cover)
    for suffix in ("(汇总)", "汇总"):
        if n.endswith(suffix):
            return n[: -len(suffix)]
    return n


def explain(sub: Submission, texts: dict[str, str], *, actor: str, ip: str = "") -> int:
    """Explanations typed on the page for the submission's warnings; returns how many were saved."""
    keys = {f["key"] for f in sub.findings_with_explanations() if f["severity"] == "warning"}
    cur = sub.page_explanations
    n = 0
    for k, v in texts.items():
        v = clean_name_multiline(v)
        if k in keys and v:
            cur[k] = v[:2000]
            n += 1
    if n:
        sub.explanations_json = _dumps(cur)
        sub.save(update_fields=["explanations_json"])
        audit(actor, "explain", organ=sub.organ, submission=sub, ip=ip, detail=f"说明了{n}条提示")
    return n


def clean_name_multiline(s: str) -> str:
    return "".join(ch for ch in str(s or "") if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


def review(sub: Submission, action: str, reason: str, *, user: str, ip: str = "") -> None:
    reason = clean_name_multiline(reason)
    if action == "return":
        if not reason:
            raise Refused("退回时请填写退回原因，报送单位会在上报页面看到它。", 400)
        sub.review, sub.review_reason = "returned", reason[:4000]
    elif action == "confirm":
        if sub.errors:
            raise Refused("这份报送有错误，不能确认；请退回并说明原因。", 400)
        sub.review, sub.review_reason = "confirmed", reason[:4000]
    elif action == "unconfirm":
        sub.review, sub.review_reason = "", ""
    else:
        raise Refused("未知操作", 400)
    sub.reviewed_by, sub.reviewed_at = user, timezone.now()
    sub.save(update_fields=["review", "review_reason", "reviewed_by", "reviewed_at"])
    audit(f"管理员 {user}", action, organ=sub.organ, submission=sub, ip=ip, detail=reason)


# -- the board ---------------------------------------------------------------

def local_today() -> date:
    return timezone.localdate()


def days_left(site: Site) -> int:
    return (site.deadline - local_today()).days


def is_late(site: Site, when: datetime | None) -> bool:
    return timezone.localtime(when).date() > site.deadline if when else local_today() > site.deadline


def counted(subs: list[Submission], only_confirmed: bool) -> Submission | None:
    """The organ's submission that goes into the 汇总: the latest acceptable one since the last 退回."""
    for s in subs:  # newest first
        if s.review == "returned":
            return None
        if only_confirmed:
            if s.review == "confirmed" and not s.errors:
                return s
        elif s.state in COUNTED_STATES:
            return s
    return None


@dataclass
class BoardRow:
    organ: Organ
    state: str
    latest: Submission | None
    counted: Submission | None
    count: int
    late: bool
    contact: str
    phone: str
    subs: list = field(default_factory=list)

    def to_json(self) -> dict:
        l = self.latest
        return {"id": self.organ.id, "organ": self.organ.name, "code": self.organ.code, "status": self.state,
                "late": self.late, "submissions": self.count, "last_upload": _iso(l.received) if l else None,
                "latest_id": l.id if l else None, "errors": l.errors if l else None,
                "warnings": l.warnings if l else None, "unexplained": l.unexplained if l else None,
                "counted_id": self.counted.id if self.counted else None, "contact": self.contact, "phone": self.phone,
                "return_reason": l.review_reason if l and l.review == "returned" else None}


def board(site: Site | None = None) -> list[BoardRow]:
    site = site or Site.get()
    by_organ: dict[int, list[Submission]] = {}
    for s in Submission.objects.filter(organ__active=True).order_by("-received", "-id"):
        by_organ.setdefault(s.organ_id, []).append(s)
    rows = []
    for o in Organ.objects.filter(active=True):
        subs = by_organ.get(o.id, [])
        latest = subs[0] if subs else None
        state = latest.state if latest else NOT_SUBMITTED
        c = counted(subs, site.only_confirmed)
        late = is_late(site, c.received) if c else is_late(site, None)
        meta = latest.meta if latest else {}
        rows.append(BoardRow(o, state, latest, c, len(subs), late, o.contact or str(meta.get("contact") or ""),
                             o.phone or str(meta.get("phone") or ""), subs))
    return rows


def counts(rows: list[BoardRow]) -> dict[str, int]:
    c = {s: 0 for s in STATES}
    for r in rows:
        c[r.state] += 1
    return c


def local_str(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


def chase_xlsx(rows: list[BoardRow], site: Site) -> bytes:
    """催报名单: everyone whose organ has not 已报送/已确认, with contacts (user text stays text)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    from gxxl.util.safety import set_text

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "催报名单"
    ws.append([f"{site.name}{site.year}年度政府信息公开工作年度报告催报名单（截止日期{site.deadline:%Y年%m月%d日}，"
               f"导出时间{timezone.localtime():%Y-%m-%d %H:%M}）"])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append(["序号", "机关名称", "状态", "最近上传", "错误数", "待说明提示", "退回原因", "联系人", "联系电话", "上报链接生成时间"])
    for c in ws[2]:
        c.font = Font(bold=True)
    i = 0
    for r in rows:
        if r.state in COUNTED_STATES:
            continue
        i += 1
        l = r.latest
        ws.append([i, None, r.state + ("（已逾期）" if r.late else ""), local_str(l.received) if l else "未上传",
                   l.errors if l else None, l.unexplained if l else None, None, None, None, local_str(r.organ.link_created)])
        row = ws.max_row
        for col, text in ((2, r.organ.name), (7, l.review_reason if l and l.review == "returned" else ""),
                          (8, r.contact), (9, r.phone)):
            if text:
                set_text(ws.cell(row, col), text)
    for col, w in zip("ABCDEFGHIJ", (6, 36, 16, 18, 8, 10, 40, 12, 16, 18)):
        ws.column_dimensions[col].width = w
    for row in ws.iter_rows(min_row=3):
        row[6].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "C3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _fs_name(s: str, limit: int = 60) -> str:
    """A file name on every OS from user text (no separators, reserved characters or bidi controls)."""
    s = "".join("_" if ch in '<>:"/\\|?*' or unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in s)
    s = s.strip(" .") or "未命名"
    return s[:limit]


def consolidated(site: Site | None = None, *, docx: bool = False) -> tuple[bytes, dict]:
    """The 汇总 workbook (or the draft report .docx rendered from it) over each organ's counted submission."""
    from . import worker

    site = site or Site.get()
    rows = board(site)
    items, roster_rows, board_rows = [], [], []
    for i, r in enumerate(rows, start=1):
        roster_rows.append([r.organ.name, "、".join(r.organ.alias_list()), r.organ.code])
        c = r.counted
        disp = ""
        if c is not None:
            disp = f"{i:03d}_{_fs_name(r.organ.name)}{suffix_of(c.stored_name)}"
            items.append((str(c.path()), disp))
        status = ""
        if c is not None:
            status = "有错误" if c.errors else ("仅提示" if c.warnings else "通过")
        note = []
        if r.latest:
            note.append(f"最近上传{local_str(r.latest.received)}")
            if r.latest.review == "returned":
                note.append(f"退回原因：{r.latest.review_reason}")
        if c is not None and r.latest is not None and c.id != r.latest.id:
            note.append(f"采用{local_str(c.received)}上传的版本")
        if r.late:
            note.append("逾期")
        board_rows.append([i, r.organ.name, r.organ.code, r.state, status, disp, c.errors if c else None,
                           c.warnings if c else None, "；".join(note)])
    if not items:
        raise Refused("还没有可以汇总的报送（没有错误且提示均已说明的报送才计入汇总）。", 409)
    with tempfile.TemporaryDirectory(prefix="gxxl-serve-") as tmp:
        out = Path(tmp) / "汇总.xlsx"
        doc = Path(tmp) / "汇总报告草稿.docx" if docx else None
        try:
            info = worker.pool().run(worker.consolidate_files, items, roster_rows, site.year, f"{site.name}（汇总）",
                                     board_rows, str(out), str(doc) if doc else None,
                                     timeout=worker.CONSOLIDATE_TIMEOUT)
        except worker.WorkerFailed as exc:
            raise Refused(f"汇总失败：{exc}", 500) from None
        return (doc or out).read_bytes(), info


def archive(fh) -> int:
    """Every received file, untouched, into the zip ``fh``: <organ>/<time>_<original name>; returns the count."""
    import zipfile

    n = 0
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        listing = io.StringIO()
        w = csv.writer(listing)
        w.writerow(["机关名称", "上传时间", "原文件名", "压缩包内文件", "sha256", "状态", "错误数", "提示数"])
        for s in Submission.objects.select_related("organ").order_by("organ__position", "organ_id", "received", "id"):
            when = timezone.localtime(s.received).strftime("%Y%m%d-%H%M%S")
            arc = f"{_fs_name(s.organ.name)}/{when}_{s.id}_{_fs_name(s.original_name, 80)}"
            zf.write(s.path(), arc)
            w.writerow([_csv_safe(s.organ.name), local_str(s.received), _csv_safe(s.original_name), arc, s.sha256,
                        s.state, s.errors, s.warnings])
            n += 1
        zf.writestr("清单.csv", "\ufeff" + listing.getvalue())
    return n


def _iso(dt) -> str:
    return timezone.localtime(dt).isoformat(timespec="seconds")  # Asia/Shanghai, +08:00


def submission_json(sub: Submission) -> dict:
    return {"id": sub.id, "organ": sub.organ.name, "status": sub.state, "errors": sub.errors,
            "warnings": sub.warnings, "unexplained": sub.unexplained, "findings": sub.findings,
            "cover_organ": sub.cover_organ or None, "year": sub.year, "file": sub.original_name, "size": sub.size,
            "sha256": sub.sha256, "received": _iso(sub.received), "via": sub.via,
            "review": sub.review or None, "review_reason": sub.review_reason or None}


__all__ = ["Refused", "submit", "board", "consolidated", "archive", "review", "explain", "add_organ",
           "regenerate_link", "read_roster", "links_csv", "chase_xlsx", "new_token", "link_for", "audit",
           "HAS_ERRORS", "NEEDS_EXPLANATION", "SUBMITTED", "RETURNED", "CONFIRMED", "NOT_SUBMITTED"]
