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


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"  # bureau pages and downloads are not for shared caches
        return response
