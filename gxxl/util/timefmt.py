"""Times for people: China Standard Time, written as Chinese dates ("2025年1月24日 05:41").

Workbooks store their save time in UTC (docProps/core.xml); a county office reads local time. zoneinfo needs the
tzdata package on Windows (a dependency); without any time-zone data the fixed +08:00 is the same answer, China
has had no daylight saving time since 1991.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

ZONE_NAME = "Asia/Shanghai"


def china_tz():
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(ZONE_NAME)
    except Exception:  # ZoneInfoNotFoundError, or no zoneinfo at all
        return timezone(timedelta(hours=8), "CST")


def local_datetime(value) -> datetime | None:
    """An ISO text, a timestamp or a datetime as an aware datetime in China time; naive values are UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        dt = datetime.fromtimestamp(value, timezone.utc)
    elif isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(china_tz())


def chinese_datetime(value) -> str:
    """"2025年1月24日 05:41" (China time); the text itself when it is not a time, "" for nothing."""
    dt = local_datetime(value)
    if dt is None:
        return "" if value in (None, "") else str(value)
    return f"{dt.year}年{dt.month}月{dt.day}日 {dt:%H:%M}"


def local_iso(value) -> str | None:
    """ISO 8601 with the +08:00 offset, for JSON (machine-readable, still local)."""
    dt = local_datetime(value)
    return dt.isoformat(timespec="seconds") if dt is not None else (None if value in (None, "") else str(value))


def now_chinese() -> str:
    return chinese_datetime(datetime.now(timezone.utc))
