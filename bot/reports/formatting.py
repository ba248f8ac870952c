"""Numbers, dates and labels the way a Vietnamese reader expects them.

One place for "1.234", "17%", "23/11/2026" and "tăng 17%" so the Markdown,
HTML, charts and suggestions never disagree about how a figure is written.
"""

from __future__ import annotations

import datetime as dt

DECISION_LABELS = {
    "answer": "Trả lời được",
    "suggest": "Chỉ gợi ý",
    "fallback": "Chưa trả lời được",
    "smalltalk": "Chào hỏi",
}
FOLLOWUP_LABELS = {
    "online": "Đã làm trực tuyến",
    "in_person": "Đã làm trực tiếp",
    "not_yet": "Chưa làm",
    "difficulty": "Gặp khó khăn",
}
FOLLOWUP_SHORT = {
    "online": "trực tuyến",
    "in_person": "trực tiếp",
    "not_yet": "chưa làm",
    "difficulty": "khó khăn",
}
ONLINE_LABELS = {
    "full": "trực tuyến toàn trình",
    "partial": "trực tuyến một phần",
    "none": "chưa làm trực tuyến được",
    "info": "thông tin, tiện ích",
}
CHANNEL_LABELS = {"telegram": "Telegram", "zalo": "Zalo", "web": "Web"}
WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


def num(value: float) -> str:
    """Integer with Vietnamese thousands separator: 1234 → "1.234"."""
    return f"{round(value):,}".replace(",", ".")


def pct(share: float | None) -> str:
    """0.1666 → "17%"; None → "–"."""
    if share is None:
        return "–"
    return f"{round(share * 100)}%"


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def day(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def day_short(value: dt.date) -> str:
    return value.strftime("%d/%m")


def weekday(value: dt.date) -> str:
    return WEEKDAYS[value.weekday()]


def week_title(week: str) -> str:
    """``2026-W48`` → ``Tuần 48/2026``."""
    year, number = week.split("-W")
    return f"Tuần {int(number)}/{year}"


def period(start: dt.date, end: dt.date) -> str:
    return f"{day_short(start)} – {day(end)}"


def change(current: int, previous: int) -> str:
    """How this week compares with the last, in words a leader reads at a glance."""
    if current == previous:
        return f"không đổi so với tuần trước ({num(previous)})"
    if previous == 0:
        return "tuần trước không có"
    direction = "tăng" if current > previous else "giảm"
    amount = pct(abs(current - previous) / previous)
    return f"{direction} {amount} so với tuần trước ({num(previous)})"


def signed(delta: int) -> str:
    """+5 / −3 / ±0 (a real minus sign, it reads better on a phone)."""
    if delta > 0:
        return f"+{num(delta)}"
    if delta < 0:
        return f"−{num(-delta)}"
    return "±0"


def channel(name: str) -> str:
    return CHANNEL_LABELS.get(name, name.capitalize() or "Khác")


def one_line(text: str, limit: int = 120) -> str:
    """Collapse whitespace and cut long text with an ellipsis (phones, charts)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
