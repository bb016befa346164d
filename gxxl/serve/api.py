"""The public JSON API (a contract: the Excel add-in, the level above and scripts use it).

POST /api/submit                 bureau token, multipart field "file"  → the submission with its findings
GET  /api/submissions/<id>       the bureau's own, or admin
GET  /api/me                     bureau: its organ, deadline, state and submissions
GET  /api/status                 admin: one object per roster organ
GET  /api/consolidated.xlsx      admin: the 汇总 workbook
No or bad token → 401; a bureau token on an admin route → 403; another bureau's submission → 404.
"""
from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import service
from .auth import bearer, client_ip
from .models import Site, Submission

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _json(data, status=200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def error(message: str, status: int) -> JsonResponse:
    r = _json({"error": message}, status)
    if status == 401:
        r["WWW-Authenticate"] = 'Bearer realm="gxxl"'
    return r


def _who(request, *, admin: bool = False, bureau: bool = False):
    """(kind, who, None) or (None, None, error response)."""
    who = bearer(request)
    if who is None:
        msg = ("缺少令牌：请在请求头中给出 Authorization: Bearer <令牌>" if not request.META.get("HTTP_AUTHORIZATION")
               else "令牌无效或已失效")
        return None, None, error(msg, 401)
    kind, x = who
    if kind == "bureau" and not bureau:
        return None, None, error("报送单位的令牌不能访问此接口（仅限管理员）", 403)
    if kind == "admin" and not admin:
        return None, None, error("管理员令牌不能报送；请使用机关的上报令牌", 403)
    return kind, x, None


@csrf_exempt  # token-authenticated: a browser never sends the Authorization header cross-site by itself
@require_POST
def submit(request):
    kind, organ, err = _who(request, bureau=True)
    if err:
        return err
    f = request.FILES.get("file")
    if f is None:
        return error("请求中没有文件：请用 multipart/form-data 的 file 字段上传工作簿", 400)
    try:
        sub = service.submit(organ, f, via="api", ip=client_ip(request))
    except service.Refused as exc:
        return error(str(exc), exc.status)
    return _json(service.submission_json(sub), 201)


@require_GET
def submission(request, sid: int):
    kind, who, err = _who(request, admin=True, bureau=True)
    if err:
        return err
    sub = Submission.objects.select_related("organ").filter(pk=sid).first()
    if sub is None or (kind == "bureau" and sub.organ_id != who.id):
        return error("没有这份报送", 404)  # another bureau's: not even whether it exists
    return _json(service.submission_json(sub))


@require_GET
def me(request):
    kind, organ, err = _who(request, bureau=True)
    if err:
        return err
    site = Site.get()
    row = next(r for r in service.board(site) if r.organ.id == organ.id)
    return _json({"organ": organ.name, "year": site.year, "deadline": site.deadline.isoformat(),
                  "days_left": service.days_left(site), "status": row.state, "late": row.late,
                  "submissions": [{"id": s.id, "received": service._iso(s.received), "status": s.state,
                                   "errors": s.errors, "warnings": s.warnings, "file": s.original_name}
                                  for s in row.subs]})


@require_GET
def status(request):
    kind, who, err = _who(request, admin=True)
    if err:
        return err
    return _json([r.to_json() for r in service.board()])


@require_GET
def consolidated(request):
    kind, who, err = _who(request, admin=True)
    if err:
        return err
    try:
        data, info = service.consolidated()
    except service.Refused as exc:
        return error(str(exc), exc.status)
    service.audit(f"管理员 {who}（API）", "download", detail=f"汇总工作簿（计入{info['included']}个机关）", ip=client_ip(request))
    r = HttpResponse(data, content_type=XLSX)
    r["Content-Disposition"] = _attachment(f"{Site.get().name}{Site.get().year}年度汇总.xlsx")
    return r


def _attachment(name: str) -> str:
    from urllib.parse import quote

    ascii_name = "gxxl" + (name[name.rfind('.'):] if '.' in name else '')
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
