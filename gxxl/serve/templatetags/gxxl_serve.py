"""Chinese dates and small labels for the templates (times shown in Asia/Shanghai)."""
from django import template
from django.utils import timezone

register = template.Library()

STATE_CLASS = {"未报送": "s-none", "有错误": "s-bad", "待说明": "s-warn", "已报送": "s-ok", "已退回": "s-bad",
               "已确认": "s-done"}


@register.filter
def cn_dt(dt):
    if not dt:
        return ""
    t = timezone.localtime(dt)
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


@register.filter
def cn_date(d):
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


@register.filter
def state_class(s):
    return STATE_CLASS.get(s, "")


@register.filter
def size(n):
    if n is None:
        return ""
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, round(n / 1024))} KB"


@register.filter
def sev(f):
    if f.get("severity") == "error":
        return "错误"
    return "已说明" if f.get("explained") else "提示"


@register.filter
def get(d, k):
    return d.get(k) if hasattr(d, "get") else None


@register.filter
def plain(s):
    """For <title>, where <bdi> cannot isolate: drop bidi and other format controls."""
    import unicodedata

    return "".join(ch for ch in str(s or "") if unicodedata.category(ch) != "Cf")
