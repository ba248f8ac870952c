"""What an entry says on a given day, and what staff must watch as dates pass.

Pure functions of (topics, day): the answer renderer asks for a topic *as of
today*, so an expired fee cut is never quoted as current and a rule that takes
effect later is not shown before its date; ``kb validate``, the staff home and
the weekly report ask what starts or ends soon and what needs a person's review.
The clock is always passed in, never read here, so tests can cross a date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from knowledge.schema import Dated, DatedField, Topic, Verify, VerifyField

WATCH_DAYS = 30
ENTRY = "entry"  # a date change that concerns the whole entry, not one field

# Order in which unconfirmed parts are named to a citizen (most decisive first).
CITIZEN_FIELDS = (VerifyField.FEE, VerifyField.PROCESSING_TIME, VerifyField.DOCUMENTS,
                  VerifyField.WHERE, VerifyField.STEPS, VerifyField.SUMMARY, VerifyField.NOTES)


@dataclass(frozen=True)
class AsOf:
    """A topic with its dated texts resolved for one day.

    ``ask`` names the single-text fields that have no figure holding on that
    day: the renderer shows "ask before you file" for them instead of a text.
    ``starts``/``ended`` tell whether the entry as a whole is not yet or no
    longer in force.
    """

    topic: Topic
    day: dt.date
    ask: frozenset[DatedField]
    starts: dt.date | None = None
    ended: dt.date | None = None


def as_of(topic: Topic, day: dt.date) -> AsOf:
    """The entry as a citizen should read it on ``day``."""
    update: dict[str, object] = {}
    ask: set[DatedField] = set()
    for field in DatedField:
        items = [d for d in topic.dated if d.field is field]
        if not items:
            continue
        holding = [d for d in items if d.holds_on(day)]
        if field.is_single:
            if holding:
                update[field.value] = _most_recent(holding).text
            elif not getattr(topic, field.value):
                ask.add(field)
        else:
            update[field.value] = _with_lines(list(getattr(topic, field.value)), holding)
    resolved = topic.model_copy(update=update) if update else topic
    starts = topic.valid_from if topic.valid_from and day < topic.valid_from else None
    ended = topic.valid_until if topic.valid_until and day > topic.valid_until else None
    return AsOf(resolved, day, frozenset(ask), starts, ended)


def _with_lines(lines: list[str], holding: list[Dated]) -> list[str]:
    """Dated lines go where their ``position`` says (a step's order matters), else last."""
    for d in sorted(holding, key=lambda d: d.position or len(lines) + 1):
        at = min(d.position - 1, len(lines)) if d.position else len(lines)
        lines.insert(at, d.text)
    return lines


def _most_recent(items: list[Dated]) -> Dated:
    """Of several texts holding at once, the one that started last is the newest rule."""
    return max(items, key=lambda d: d.valid_from or dt.date.min)


class ChangeKind(StrEnum):
    STARTS = "starts"
    ENDS = "ends"


@dataclass(frozen=True)
class DateChange:
    """A dated fact that starts or ends on ``day`` (``field`` is ``entry`` for the topic)."""

    topic_id: str
    field: str
    kind: ChangeKind
    day: dt.date
    text: str

    def describe(self) -> str:
        verb = "bắt đầu áp dụng" if self.kind is ChangeKind.STARTS else "hết hiệu lực sau"
        return f"{verb} {self.day.strftime('%d/%m/%Y')} — {self.text[:80]}"


def date_changes(topic: Topic) -> list[DateChange]:
    """Every start and end date the entry carries, in date order."""
    out: list[DateChange] = []
    if topic.valid_from:
        out.append(DateChange(topic.id, ENTRY, ChangeKind.STARTS, topic.valid_from, topic.title))
    if topic.valid_until:
        out.append(DateChange(topic.id, ENTRY, ChangeKind.ENDS, topic.valid_until, topic.title))
    for d in topic.dated:
        field = d.field.value
        if d.valid_from:
            out.append(DateChange(topic.id, field, ChangeKind.STARTS, d.valid_from, d.text))
        if d.valid_until:
            out.append(DateChange(topic.id, field, ChangeKind.ENDS, d.valid_until, d.text))
    return sorted(out, key=lambda c: (c.day, c.topic_id, c.field))


def upcoming(topics: Iterable[Topic], today: dt.date,
             days: int = WATCH_DAYS) -> list[DateChange]:
    """What starts or ends within ``days`` days from ``today`` (staff should check it then).

    A text "ends" on the last day it holds, so an end date of today is still
    upcoming: tomorrow the answer changes.
    """
    horizon = today + dt.timedelta(days=days)
    return sorted(
        (c for t in topics for c in date_changes(t)
         if (today < c.day <= horizon if c.kind is ChangeKind.STARTS
             else today <= c.day <= horizon)),
        key=lambda c: (c.day, c.topic_id, c.field))


@dataclass(frozen=True)
class Review:
    """An entry whose answer went blank or stale when a date passed: a person must act."""

    topic_id: str
    field: str
    ended: dt.date
    reason: str


def needs_review(topics: Iterable[Topic], today: dt.date) -> list[Review]:
    """Expired figures that were the only ones, and entries past their end date.

    An expired fee cut with a regular fee behind it is fine (the answer falls
    back to it); an expired figure with nothing behind it leaves citizens with
    "ask before you file" until someone enters the new figure.
    """
    out: list[Review] = []
    for topic in topics:
        if topic.valid_until and topic.valid_until < today:
            out.append(Review(topic.id, ENTRY, topic.valid_until,
                              "chủ đề đã hết hiệu lực — sửa lại hoặc gỡ bỏ"))
        resolved = as_of(topic, today)
        for field in sorted(resolved.ask):
            ended = [d.valid_until for d in topic.dated
                     if d.field is field and d.valid_until and d.valid_until < today]
            if ended:
                out.append(Review(topic.id, field.value, max(ended),
                                  "mức cũ đã hết hạn và chưa có mức mới — người dân đang "
                                  "được bảo hỏi lại ở xã"))
    return out


def open_checks(topics: Iterable[Topic]) -> list[tuple[str, Verify]]:
    """The staff verification queue: every open check, topic by topic."""
    return [(t.id, v) for t in topics for v in t.open_checks()]


def unverified_fields(topic: Topic) -> list[VerifyField]:
    """The parts of the answer a citizen should confirm, most decisive first."""
    fields = {v.field for v in topic.open_checks()}
    return [f for f in CITIZEN_FIELDS if f in fields]
