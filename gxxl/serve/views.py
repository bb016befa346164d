"""Server-rendered Chinese pages: the bureau's page behind its secret link, and the office's board."""
from __future__ import annotations

import tempfile
from datetime import date

from django.contrib.auth import authenticate, login, logout
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from gxxl import schema

from . import service
from .api import XLSX, _attachment
from .auth import admin_name, admin_required, client_ip, login_blocked, organ_for_token
from .models import (ACTION_LABELS, STATES, AuditLog, Organ, Site, Submission)

SHEET_ORDER = [schema.SHEET_COVER, *(t.sheet for t in schema.TABLES), schema.SHEET_NARRATIVE, schema.SHEET_NOTES]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def page(request, template, ctx=None, status=200):
    site = Site.objects.filter(pk=1).first()
    base = {"site": site, "is_admin": request.user.is_authenticated and request.user.is_staff}
    return render(request, f"serve/{template}", {**base, **(ctx or {})}, status=status)


def message(request, title, text, status=200, back=None):
    return page(request, "message.html", {"title": title, "message": text, "back": back}, status=status)


def csrf_failure(request, reason=""):
    return message(request, "页面已过期", "表单已过期或不是从本页面提交的（安全校验未通过）。请返回上一页，刷新后重新操作。", 403)


def bad_request(request, exception=None):
    return message(request, "请求有误", "提交的内容格式不正确。请返回上一页重新操作；上传时请选择一个文件。", 400)


def forbidden(request, exception=None):
    return message(request, "没有权限", "没有权限进行这项操作。", 403)


def not_found(request, exception=None):
    return message(request, "页面不存在", "没有这个页面。报送单位请使用县政务公开办发来的上报链接。", 404)


def server_error(request):
    return HttpResponse("<!doctype html><meta charset=utf-8><title>服务器内部错误</title>"
                        "<p>服务器内部错误，请稍后再试，或联系管理员查看服务窗口中的信息。</p>", status=500)


def grouped(findings: list[dict]) -> list[tuple[str, list[dict]]]:
    """Findings grouped by sheet in workbook order (errors first within a sheet)."""
    groups: dict[str, list[dict]] = {}
    for f in findings:
        groups.setdefault(f.get("sheet") or "整体", []).append(f)
    order = {s: i for i, s in enumerate(SHEET_ORDER)}
    out = sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order)))
    return [(k, sorted(v, key=lambda f: 0 if f["severity"] == "error" else 1)) for k, v in out]


def next_step(sub: Submission | None, site: Site) -> tuple[str, str]:
    """(css class, what happens next) for the bureau."""
    if sub is None:
        return "info", "尚未上传。请上传本单位填好的年报工作簿，上传后立即显示校验结果。"
    st = sub.state
    if st == service.RETURNED:
        return "bad", "县政务公开办已退回这份报送，请按退回原因修改后重新上传。"
    if st == service.HAS_ERRORS:
        return "bad", "有错误，这份报送不计入汇总。请改正后重新上传。"
    if st == service.NEEDS_EXPLANATION:
        return "warn", ("没有错误，但有提示需要说明：请核实每条提示；确属正常的，在下方填写理由并保存"
                        "（也可以写在工作簿的“说明”页后重新上传）。全部说明后即为“已报送”。")
    if st == service.CONFIRMED:
        return "ok", "县政务公开办已确认这份报送，无需其他操作。"
    return "ok", "已报送，计入汇总。县政务公开办审核后会确认或退回；如需修改，可以重新上传，以最新一次为准。"


# -- the bureau's pages (secret link) --------------------------------------------

def _organ(token) -> Organ:
    organ = organ_for_token(token)
    if organ is None:
        raise Http404
    return organ


@require_http_methods(["GET", "POST"])
def bureau(request, token):
    organ = _organ(token)
    site = Site.get()
    error = None
    if request.method == "POST":
        f = request.FILES.get("file")
        if f is None:
            error = "请先选择要上传的文件。"
        else:
            try:
                sub = service.submit(organ, f, via="web", ip=client_ip(request))
                return HttpResponseRedirect(f"/b/{token}/s/{sub.id}/")
            except service.Refused as exc:
                error = str(exc)
    return _bureau_page(request, token, organ, site, None, error)


def _bureau_page(request, token, organ, site, sub, error=None, saved=None):
    subs = list(organ.submissions.all())
    latest = subs[0] if subs else None
    shown = sub or latest
    findings = shown.findings_with_explanations() if shown else []
    cls, step = next_step(shown, site)
    left = service.days_left(site)
    ctx = {"organ": organ, "token": token, "subs": subs, "latest": latest, "shown": shown,
           "groups": grouped(findings), "step": step, "step_class": cls, "days_left": left,
           "days_over": -left, "error": error, "saved": saved, "state": latest.state if latest else service.NOT_SUBMITTED,
           "unexplained": [f for f in findings if f["severity"] == "warning" and not f["explained"]],
           "is_latest": shown is not None and latest is not None and shown.id == latest.id,
           "accept": ",".join(service.ALLOWED_SUFFIXES), "max_mb": _max_mb()}
    return page(request, "bureau.html", ctx, status=422 if error else 200)


def _max_mb():
    from django.conf import settings

    return settings.GXXL_MAX_UPLOAD // 1048576


def bureau_submission(request, token, sid):
    organ = _organ(token)
    sub = Submission.objects.filter(pk=sid, organ=organ).first()
    if sub is None:
        raise Http404
    return _bureau_page(request, token, organ, Site.get(), sub)


@require_POST
def bureau_explain(request, token, sid):
    organ = _organ(token)
    sub = Submission.objects.filter(pk=sid, organ=organ).first()
    if sub is None:
        raise Http404
    texts = {k[3:]: v for k, v in request.POST.items() if k.startswith("ex:")}
    n = service.explain(sub, texts, actor=f"机关 {organ.name}", ip=client_ip(request))
    sub.refresh_from_db()
    return _bureau_page(request, token, organ, Site.get(), sub, saved=n,
                        error=None if n else "没有保存：请在提示下方的方框中填写理由。")


def _download(sub: Submission, actor: str, request):
    service.audit(actor, "download", organ=sub.organ, submission=sub, ip=client_ip(request), detail=sub.original_name)
    r = FileResponse(open(sub.path(), "rb"), content_type="application/octet-stream")
    r["Content-Disposition"] = _attachment(sub.original_name)
    return r


def bureau_download(request, token, sid):
    organ = _organ(token)
    sub = Submission.objects.filter(pk=sid, organ=organ).first()
    if sub is None:
        raise Http404
    return _download(sub, f"机关 {organ.name}", request)


# -- the office ------------------------------------------------------------------

def index(request):
    if request.user.is_authenticated and request.user.is_staff:
        return HttpResponseRedirect("/board/")
    return page(request, "index.html")


@require_http_methods(["GET", "POST"])
def login_view(request):
    nxt = request.GET.get("next") or request.POST.get("next") or "/board/"
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/board/"
    error = None
    status = 200
    if request.method == "POST":
        username = request.POST.get("username", "").strip()[:150]
        if login_blocked(request, username):
            error, status = "登录失败次数过多，请15分钟后再试。", 429
        else:
            user = authenticate(request, username=username, password=request.POST.get("password", ""))
            if user is not None and user.is_staff:
                login(request, user)
                service.audit(f"管理员 {username}", "login", ip=client_ip(request))
                return HttpResponseRedirect(nxt)
            service.audit("（未登录）", "login_failed", ip=client_ip(request), detail=f"用户名：{username[:100]}")
            error, status = "用户名或密码不正确。", 401
    return page(request, "login.html", {"error": error, "next": nxt}, status=status)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        service.audit(admin_name(request), "logout", ip=client_ip(request))
    logout(request)
    return HttpResponseRedirect("/login/")


@admin_required
def board(request):
    site = Site.get()
    rows = service.board(site)
    counts = service.counts(rows)
    state = request.GET.get("state", "")
    q = request.GET.get("q", "").strip()
    late = request.GET.get("late") == "1"
    shown = [r for r in rows if (not state or r.state == state) and (not q or q in r.organ.name)
             and (not late or r.late)]
    left = service.days_left(site)
    return page(request, "board.html", {"rows": shown, "total": len(rows), "counts": counts, "states": STATES,
                                        "state": state, "q": q, "late": late, "days_left": left, "days_over": -left,
                                        "counted": sum(1 for r in rows if r.counted)})


@admin_required
def organ_detail(request, oid):
    organ = Organ.objects.filter(pk=oid).first()
    if organ is None:
        raise Http404
    return page(request, "organ.html", {"organ": organ, "subs": list(organ.submissions.all())})


@admin_required
@require_http_methods(["GET", "POST"])
def submission_detail(request, sid):
    sub = Submission.objects.select_related("organ").filter(pk=sid).first()
    if sub is None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            service.review(sub, request.POST.get("action", ""), request.POST.get("reason", ""),
                           user=request.user.get_username(), ip=client_ip(request))
            return HttpResponseRedirect(f"/board/s/{sub.id}/")
        except service.Refused as exc:
            error = str(exc)
    latest = sub.organ.submissions.first()
    findings = sub.findings_with_explanations()
    return page(request, "submission.html", {"sub": sub, "groups": grouped(findings), "error": error,
                                             "is_latest": latest.id == sub.id, "latest": latest,
                                             "notes": __import__("json").loads(sub.notes_json or "[]")},
                status=400 if error else 200)


@admin_required
def admin_download(request, sid):
    sub = Submission.objects.filter(pk=sid).first()
    if sub is None:
        raise Http404
    return _download(sub, admin_name(request), request)


@admin_required
@require_http_methods(["GET", "POST"])
def roster(request):
    site = Site.get()
    new_links, error, info = [], None, None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                row = service.RosterRow(request.POST.get("name", ""), tuple(service._split(request.POST.get("aliases", ""))),
                                        request.POST.get("code", "").strip(), request.POST.get("contact", "").strip(),
                                        request.POST.get("phone", "").strip())
                organ, token = service.add_organ(row, actor=admin_name(request), ip=client_ip(request))
                new_links.append((organ, service.link_for(token, site)))
            elif action == "import":
                f = request.FILES.get("roster")
                if f is None:
                    raise service.Refused("请选择名单文件（.xlsx或.csv）")
                new_links, skipped = service.import_roster_upload(f, actor=admin_name(request), ip=client_ip(request))
                info = f"导入{len(new_links)}个机关" + (f"；已在名单中、未重复添加：{'、'.join(skipped[:20])}" if skipped else "")
            elif action in ("remove", "restore", "link", "edit"):
                organ = Organ.objects.filter(pk=request.POST.get("organ")).first()
                if organ is None:
                    raise service.Refused("没有这个机关")
                if action == "link":
                    token = service.regenerate_link(organ, actor=admin_name(request), ip=client_ip(request))
                    new_links.append((organ, service.link_for(token, site)))
                    info = f"已为“{organ.name}”生成新链接，旧链接立即失效。"
                elif action == "edit":
                    organ.contact = request.POST.get("contact", "").strip()[:100]
                    organ.phone = request.POST.get("phone", "").strip()[:100]
                    organ.save(update_fields=["contact", "phone"])
                    service.audit(admin_name(request), "organ_edited", organ=organ, ip=client_ip(request))
                else:
                    organ.active = action == "restore"
                    organ.save(update_fields=["active"])
                    service.audit(admin_name(request), "organ_removed" if action == "remove" else "organ_restored",
                                  organ=organ, ip=client_ip(request))
                    info = f"已{'移出' if action == 'remove' else '恢复'}“{organ.name}”（报送记录保留）。"
            else:
                raise service.Refused("未知操作")
        except service.Refused as exc:
            error = str(exc)
    return page(request, "roster.html", {"organs": list(Organ.objects.all()), "new_links": new_links, "error": error,
                                         "info": info}, status=400 if error else 200)


@admin_required
@require_POST
def settings_view(request):
    site = Site.get()
    try:
        d = date.fromisoformat(request.POST.get("deadline", ""))
    except ValueError:
        return message(request, "设置未保存", "截止日期格式应为 2025-01-31。", 400, back="/board/")
    changes = []
    if d != site.deadline:
        changes.append(f"截止日期 {site.deadline} → {d}")
        site.deadline = d
    year = request.POST.get("year", "").strip()
    if year and year != str(site.year):
        if Submission.objects.exists():
            return message(request, "设置未保存", "已经收到报送，报告年度不能再改；新的年度请用 gxxl serve init 建立新的数据文件夹。",
                           400, back="/board/")
        if not year.isdigit() or not 2021 <= int(year) <= 2100:
            return message(request, "设置未保存", "报告年度应为2021年以后的四位数年份。", 400, back="/board/")
        changes.append(f"报告年度 {site.year} → {year}")
        site.year = int(year)
    oc = request.POST.get("only_confirmed") == "1"
    if oc != site.only_confirmed:
        changes.append("只汇总已确认的报送" if oc else "汇总所有已报送的报送")
        site.only_confirmed = oc
    site.save()
    if changes:
        service.audit(admin_name(request), "settings", detail="；".join(changes), ip=client_ip(request))
    return HttpResponseRedirect("/board/")


@admin_required
def chase(request):
    site = Site.get()
    data = service.chase_xlsx(service.board(site), site)
    service.audit(admin_name(request), "download", detail="催报名单", ip=client_ip(request))
    r = HttpResponse(data, content_type=XLSX)
    r["Content-Disposition"] = _attachment(f"{site.name}催报名单{timezone.localdate():%Y%m%d}.xlsx")
    return r


@admin_required
def consolidated(request, kind):
    site = Site.get()
    try:
        data, info = service.consolidated(site, docx=kind == "docx")
    except service.Refused as exc:
        return message(request, "无法汇总", str(exc), exc.status if exc.status != 500 else 500, back="/board/")
    what = "汇总报告草稿" if kind == "docx" else "汇总工作簿"
    service.audit(admin_name(request), "download", detail=f"{what}（计入{info['included']}个机关）", ip=client_ip(request))
    r = HttpResponse(data, content_type=DOCX if kind == "docx" else XLSX)
    name = f"{site.name}{site.year}年度政府信息公开工作年度报告（汇总草稿）.docx" if kind == "docx" else f"{site.name}{site.year}年度汇总.xlsx"
    r["Content-Disposition"] = _attachment(name)
    return r


@admin_required
def archive(request):
    site = Site.get()
    fh = tempfile.TemporaryFile()  # deleted when closed (Windows too), however large the collection
    n = service.archive(fh)
    fh.seek(0)
    service.audit(admin_name(request), "download", detail=f"全部报送文件（{n}个）", ip=client_ip(request))
    r = FileResponse(fh, content_type="application/zip")
    r["Content-Disposition"] = _attachment(f"{site.name}{site.year}年度全部报送文件.zip")
    return r


@admin_required
def audit_log(request):
    entries = list(AuditLog.objects.select_related("organ")[:500])
    for e in entries:
        e.label = ACTION_LABELS.get(e.action, e.action)
    return page(request, "audit.html", {"entries": entries})
