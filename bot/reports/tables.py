"""The CSV files: full per-topic figures and every unanswered group, for staff who
want more than the phone summary shows.

Written as UTF-8 with a byte-order mark so Excel opens Vietnamese correctly, and
cells that start like a formula (``=``, ``+``, ``-``, ``@``) are prefixed with an
apostrophe: question examples are citizen text and must not run in a spreadsheet.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.reports.gaps import topic_gap
from bot.reports.model import FOLLOWUP_ANSWERS, NOT_HELPFUL_REASONS, TopicWeek, WeekStats

TOPIC_COLUMNS = (
    "topic_id", "title", "category", "online", "questions", "prev_questions", "change",
    "people", "answered", "suggested", "fallback", "helpful", "not_helpful",
    *(f"not_helpful_{r or 'unsaid'}" for r in NOT_HELPFUL_REASONS),
    *(f"followup_{a}" for a in FOLLOWUP_ANSWERS),
    "official_online", "official_total", "official_period",
    "online_share", "online_share_source", "uptake_gap", "reviewed",
)
UNANSWERED_COLUMNS = ("rank", "count", "unanswered", "example", "sample")


def safe_cell(value: object) -> object:
    """Neutralise spreadsheet formulas in text cells (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _write(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([safe_cell(v) for v in row] for row in rows)
    return path


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _topic_row(t: TopicWeek) -> list[object]:
    gap = topic_gap(t)
    return [
        t.topic_id, t.title, t.category, t.online, t.questions, t.prev_questions, t.change,
        t.people, t.answered, t.suggested, t.fallback, t.helpful, t.not_helpful,
        *(t.not_helpful_reasons.get(r, 0) for r in NOT_HELPFUL_REASONS),
        *(t.followups.get(a, 0) for a in FOLLOWUP_ANSWERS),
        "" if t.official_online is None else t.official_online,
        "" if t.official_total is None else t.official_total,
        t.official_period or "",
        _share(gap.online_share), gap.source or "",
        "" if gap.gap is None or not t.online_possible else f"{gap.gap:.1f}",
        t.reviewed.isoformat() if t.reviewed else "",
    ]


def write_topics_csv(stats: WeekStats, path: Path) -> Path:
    """Every catalogue topic, most asked first; the gap only where online is possible."""
    return _write(path, TOPIC_COLUMNS, (_topic_row(t) for t in stats.topics))


def write_unanswered_csv(stats: WeekStats, path: Path) -> Path:
    rows = ((i, g.count, g.unanswered, g.example, g.sample)
            for i, g in enumerate(stats.unanswered, start=1))
    return _write(path, UNANSWERED_COLUMNS, rows)
