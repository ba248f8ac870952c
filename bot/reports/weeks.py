"""Calendar arithmetic for the report: ISO weeks in the commune's time zone,
the default "last full week", and the start of an imported uptake period.

Kept apart from the aggregation so the CLI can validate ``--week`` without
loading any rows.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def iso_week_bounds(week: str, tz: str = DEFAULT_TZ) -> tuple[dt.datetime, dt.datetime]:
    """``"2026-W48"`` → [Monday 00:00, next Monday 00:00) as aware datetimes in ``tz``."""
    match = _WEEK_RE.match(week.strip())
    if not match:
        raise ValueError(f"tuần không hợp lệ: {week!r} (đúng dạng: 2026-W48)")
    year, number = int(match[1]), int(match[2])
    try:
        monday = dt.date.fromisocalendar(year, number, 1)
    except ValueError as exc:
        raise ValueError(f"năm {year} không có tuần {number}") from exc
    zone = ZoneInfo(tz)
    start = dt.datetime.combine(monday, dt.time(), zone)
    return start, start + dt.timedelta(days=7)


def week_label(day: dt.date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def default_week(now: dt.datetime | None = None, tz: str = DEFAULT_TZ) -> str:
    """The last full ISO week in ``tz``: on any day of W49 this is W48."""
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    today = now.astimezone(ZoneInfo(tz)).date()
    return week_label(today - dt.timedelta(days=7))


def months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    return dt.date(year, month, min(day.day, 28))


def period_start(period: str) -> dt.date | None:
    """First day of an uptake period label, or None if the label is not understood."""
    text = period.strip()
    patterns: list[tuple[str, Any]] = [
        (r"^(\d{4})-W(\d{2})$", lambda m: dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)),
        (r"^(\d{4})-Q([1-4])$", lambda m: dt.date(int(m[1]), 3 * int(m[2]) - 2, 1)),
        (r"^(\d{4})-(\d{2})-(\d{2})", lambda m: dt.date(int(m[1]), int(m[2]), int(m[3]))),
        (r"^(\d{4})-(\d{2})$", lambda m: dt.date(int(m[1]), int(m[2]), 1)),
        (r"^(\d{4})$", lambda m: dt.date(int(m[1]), 1, 1)),
    ]
    for pattern, build in patterns:
        match = re.match(pattern, text, re.IGNORECASE)
        if match:
            try:
                return build(match)
            except ValueError:
                return None
    return None
