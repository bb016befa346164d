"""Who is asking: a bureau (by its secret link token), an admin (session or API token), or nobody."""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django.shortcuts import redirect
from django.utils import timezone

from .models import ApiToken, AuditLog, Organ, token_hash

LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_PER_IP = 5
LOGIN_MAX_PER_USER = 10


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


def organ_for_token(token: str) -> Organ | None:
    if not token or len(token) > 200:
        return None
    return Organ.objects.filter(token_hash=token_hash(token), active=True).first()


def bearer(request):
    """("bureau", Organ) | ("admin", username) | None for the Authorization: Bearer header."""
    h = request.META.get("HTTP_AUTHORIZATION", "")
    if not h.lower().startswith("bearer "):
        return None
    token = h[7:].strip()
    if token.startswith("gxxl_"):
        t = ApiToken.objects.filter(token_hash=token_hash(token)).first()
        if t is not None:
            ApiToken.objects.filter(pk=t.pk).update(last_used=timezone.now())
            return ("admin", t.username)
        return None
    organ = organ_for_token(token)
    return ("bureau", organ) if organ else None


def login_blocked(request, username: str) -> bool:
    since = timezone.now() - LOGIN_WINDOW
    fails = AuditLog.objects.filter(action="login_failed", at__gte=since)
    return (fails.filter(ip=client_ip(request)).count() >= LOGIN_MAX_PER_IP
            or (bool(username) and fails.filter(detail=f"用户名：{username[:100]}").count() >= LOGIN_MAX_PER_USER))


def admin_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_staff):
            from urllib.parse import quote

            return redirect(f"/login/?next={quote(request.get_full_path())}")
        return view(request, *args, **kwargs)

    return wrapper


def admin_name(request) -> str:
    return f"管理员 {request.user.get_username()}"
