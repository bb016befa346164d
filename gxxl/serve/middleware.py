"""Refuse oversized uploads before they are read; headers that keep pages and links private."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

# Content-Security-Policy: the pages use no JavaScript at all, so none may run.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")


def too_large(request, size: int) -> HttpResponse:
    limit = settings.GXXL_MAX_UPLOAD // 1048576
    msg = f"上传的内容有{size / 1048576:.1f} MB，超过上限{limit} MB。年报工作簿通常不到1 MB，请确认选对了文件。"
    if request.path.startswith("/api/"):
        return JsonResponse({"error": msg}, status=413, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(render_to_string("serve/message.html", {"title": "文件过大", "message": msg}), status=413)


class UploadLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if size > settings.GXXL_MAX_UPLOAD + 64 * 1024:  # room for the form's other fields
            return too_large(request, size)
        return self.get_response(request)


API_ERRORS = {400: "请求格式不正确（上传请用 multipart/form-data，文件放在 file 字段）", 403: "没有权限",
              404: "没有这个接口", 405: "不支持这种请求方法（上传用 POST，查询用 GET）", 500: "服务器内部错误，请稍后再试"}


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.path.startswith("/api/") and response.status_code in API_ERRORS
                and not response.get("Content-Type", "").startswith("application/json")):
            # the API answers in JSON and Chinese even where Django produced a bare error page
            response = JsonResponse({"error": API_ERRORS[response.status_code]}, status=response.status_code,
                                    json_dumps_params={"ensure_ascii": False})
        response.setdefault("Content-Security-Policy", CSP)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"  # bureau pages and downloads are not for shared caches
        return response
