"""The weekly summary for a commune leader: what people asked, what went unanswered,
and where demand is high but online uptake is low.

The package never touches the database: the storage layer queries plain rows
(:mod:`bot.reports.model`), :func:`compute_week` aggregates them and
:func:`write_report` turns the aggregate into Markdown, HTML, PNG and CSV files.
"""

from bot.reports.model import (
    EventRow,
    FeedbackRow,
    FollowupRow,
    TopicRow,
    UptakeRow,
    WeekStats,
    compute_week,
    default_week,
    iso_week_bounds,
)
from bot.reports.render import write_report

__all__ = [
    "EventRow",
    "FeedbackRow",
    "FollowupRow",
    "TopicRow",
    "UptakeRow",
    "WeekStats",
    "compute_week",
    "default_week",
    "iso_week_bounds",
    "write_report",
]
