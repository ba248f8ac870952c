"""The weekly summary from the database: read rows, aggregate, write the files.

The report package itself is pure (:mod:`bot.reports.model`); the queries live in
:class:`bot.storage.demand.DemandFigures`, and this is the one place that turns its
stored rows into report rows. Mapping decisions, so the numbers can be checked by hand:

* Events of the week and of the week before (for the comparison); every decision is
  passed on and :func:`~bot.reports.model.compute_week` counts answer/suggest/fallback
  as questions (typed questions, and topics opened from the menu or a suggestion).
* A suggestion has no ``topic_id`` in the log (the matcher was not sure); its best
  candidate becomes the topic, as the report model expects.
* Event ids are uuid hex strings; they are used as they are to link feedback.
* Feedback takes its topic from the event it votes on (joined).
* Follow-ups: answered ones within the last ``followup_weeks`` weeks of the week's end.
* Uptake figures: every imported period that started before the week ended, labelled
  ``2026-11`` / ``2026-Q4`` / ``2026`` when the period is a whole month, quarter or year.
* Campaigns: those started in the week or in the 7 days before it (still measuring
  "asked within 7 days" during the week), measured by :mod:`bot.outreach.effect`.

Demo data (``citizen-bot demo-data``) is excluded unless ``include_demo`` is set: demo
events have ``demo = true``, their feedback and follow-ups hang off demo events, demo
uptake figures have :data:`DEMO_SOURCE`. A report that includes any says so in its
title, in a first section and on every chart.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.reports.grouping import QuestionGroup, comparable, group_questions
from bot.reports.model import (
    EventRow,
    FeedbackRow,
    FollowupRow,
    TopicRow,
    UptakeRow,
    compute_week,
)
from bot.reports.outbound import safe_texts
from bot.reports.outreach import CampaignWeek, Outcome
from bot.reports.render import write_report
from bot.reports.suggestions import upkeep
from bot.reports.weeks import DEFAULT_TZ, default_week, iso_week_bounds
from bot.storage.demand import TopicOpened, UnmatchedQuestion
from bot.storage.demo_data import DEMO_SOURCE
from bot.storage.models import utcnow
from bot.storage.outreach import ANSWER_WINDOW, FOLLOWUP_WINDOW

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.outreach.effect import Comparison
    from bot.storage import Storage
    from knowledge.service import KnowledgeService

MAX_KEY_CHARS = 500  # triage.text_normalized
# The staff pages group the most recent unmatched questions only: a commune's week is a
# few dozen to a few hundred; a flood of thousands must not make the pages slow.
MAX_GROUPED_QUESTIONS = 600
MAX_CANDIDATES = 3
# A topic opened from a suggestion's choices this soon after it answers that question.
PICK_WINDOW = dt.timedelta(minutes=10)
_LOCAL_UNITS = ("xã ", "phường ", "thị trấn ", "đặc khu ")


@dataclass(frozen=True, slots=True)
class ReportRows:
    """What :func:`compute_week` needs from the database for one week."""

    events: list[EventRow]
    feedback: list[FeedbackRow]
    followups: list[FollowupRow]
    uptake: list[UptakeRow]
    demo_events: int = 0  # demo events in the two weeks, whether included or not
    demo_uptake: int = 0  # demo uptake figures, whether included or not
    include_demo: bool = False

    @property
    def contains_demo(self) -> bool:
        return self.include_demo and bool(self.demo_events or self.demo_uptake)


@dataclass(frozen=True, slots=True)
class UnansweredGroup:
    """Similar recent questions the bot could not answer or only suggested for.

    ``key`` is the group's normalised (accent-folded, comparable) text: pass it back
    when triaging the group. ``candidates`` are topic ids the matcher offered for the
    group's questions, most often offered first.
    """

    key: str
    example: str
    count: int
    candidates: tuple[str, ...] = ()
    unanswered: int = 0  # how many got no suggestion at all (fallback)
    # Topics citizens opened from the choices offered, most picked first, with how often:
    # their own label for the question (the inbox proposes the first).
    picked: tuple[tuple[str, int], ...] = ()


def _best_candidate(candidates: Any) -> str | None:
    if isinstance(candidates, list) and candidates and isinstance(candidates[0], dict):
        topic = candidates[0].get("topic")
        return topic if isinstance(topic, str) else None
    return None


def _candidate_topics(candidates: Any) -> list[str]:
    if not isinstance(candidates, list):
        return []
    return [c["topic"] for c in candidates
            if isinstance(c, dict) and isinstance(c.get("topic"), str)]


def period_label(start: dt.date, end: dt.date) -> str:
    """``2026-11`` for a whole month, ``2026-Q4`` a quarter, ``2026`` a year, else the
    two dates (the report reads the start from the first ten characters)."""
    next_day = end + dt.timedelta(days=1)
    if start.day == 1 and next_day.day == 1:
        months = (next_day.year - start.year) * 12 + next_day.month - start.month
        if months == 1:
            return f"{start:%Y-%m}"
        if months == 3 and start.month % 3 == 1:
            return f"{start.year}-Q{start.month // 3 + 1}"
        if months == 12 and start.month == 1:
            return str(start.year)
    return f"{start.isoformat()}..{end.isoformat()}"


async def load_rows(storage: Storage, start: dt.datetime, end: dt.datetime, *,
                    include_demo: bool = False, followup_weeks: int = 4) -> ReportRows:
    """Rows for the week [start, end) and the week before it (aware datetimes)."""
    stored = await storage.demand.week(start - dt.timedelta(days=7), end,
                                       followups_since=end - dt.timedelta(days=7 * followup_weeks),
                                       include_demo=include_demo)
    events = [
        EventRow(id=r.id, created_at=r.created_at, channel=r.channel, decision=r.decision,
                 topic_id=r.topic_id or (_best_candidate(r.candidates)
                                         if r.decision == "suggest" else None),
                 score=r.score, text_redacted=r.text_redacted or "",
                 text_normalized=r.text_normalized or "", user_key=r.user_key)
        for r in stored.events
    ]
    feedback = [
        FeedbackRow(event_id=r.event_id, helpful=r.helpful, created_at=r.created_at,
                    topic_id=r.topic_id or (_best_candidate(r.candidates)
                                            if r.decision == "suggest" else None),
                    reason=r.reason)
        for r in stored.votes
    ]
    followups = [
        FollowupRow(event_id=r.event_id or f"followup-{r.id}", topic_id=r.topic_id,
                    answer=r.answer, answered_at=r.answered_at)
        for r in stored.followups
    ]
    demo_uptake = sum(1 for u in stored.uptake if u.source == DEMO_SOURCE)
    uptake = [UptakeRow(u.topic_id, period_label(u.period_start, u.period_end), u.online, u.total)
              for u in stored.uptake if include_demo or u.source != DEMO_SOURCE]
    return ReportRows(events, feedback, followups, uptake, stored.demo_events, demo_uptake,
                      include_demo)


def commune_label(name: str) -> str:
    """"Phủ Thông" → "Xã Phủ Thông"; a name that already says its unit is kept."""
    name = " ".join(name.split())
    if not name or name.lower().startswith(_LOCAL_UNITS):
        return name
    return f"Xã {name}"


async def generate_report(storage: Storage, knowledge: KnowledgeService, week: str | None,
                          out_dir: Path, *, include_demo: bool = False, tz: str = DEFAULT_TZ,
                          now: dt.datetime | None = None, base_url: str = "") -> list[Path]:
    """Write the summary of ``week`` (default: the last full week in ``tz``) to ``out_dir``.

    ``base_url`` is the public address of the staff workspace (``Settings.public_url``):
    with it the summary links to its pages, without it it only names them.

    Raises ``ValueError`` with a Vietnamese message for a malformed week.
    """
    week = week or default_week(now, tz)
    start, end = iso_week_bounds(week, tz)
    rows = await load_rows(storage, start, end, include_demo=include_demo)
    kb = knowledge.current.kb
    stats = compute_week(rows.events, rows.feedback, rows.followups, rows.uptake,
                         [TopicRow.from_topic(t) for t in kb.topics.values()], week,
                         tz=tz, now=now, commune=commune_label(kb.commune.name))
    stats = stats.without(await _triaged_keys(storage, "out_of_scope"),
                          key_chars=MAX_KEY_CHARS)
    if rows.contains_demo:
        stats = dataclasses.replace(stats, demo_events=max(rows.demo_events, 1))
    campaigns = await campaign_weeks(storage, {t.id: t.title for t in kb.topics.values()},
                                     start, end, tz=tz, now=now, include_demo=include_demo)
    stats = dataclasses.replace(stats, campaigns=campaigns)
    # Drawing charts is CPU work; keep the event loop answering (it may run inside serve).
    today = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(tz)).date()
    todo = upkeep(kb.topics.values(), today)
    return await asyncio.to_thread(write_report, stats, Path(out_dir), todo,
                                   base_url=base_url)


async def campaign_weeks(storage: Storage, titles: dict[str, str], start: dt.datetime,
                         end: dt.datetime, *, tz: str = DEFAULT_TZ,
                         now: dt.datetime | None = None, include_demo: bool = False
                         ) -> tuple[CampaignWeek, ...]:
    """Campaigns started in the week [start, end) or in the 7 days before it (their
    "asked within 7 days" window reaches into the week), oldest first, with their effect.

    The effect and its verdicts are :mod:`bot.outreach.effect`'s (imported here, not in
    the pure report modules); a campaign whose 30-day follow-up window is still open at
    ``now`` is marked as still being measured.
    """
    from bot.outreach.effect import recent_effects

    zone, now = ZoneInfo(tz), now or utcnow()
    found = [(info, effect) for info, effect in await recent_effects(
                 storage, start - ANSWER_WINDOW, include_demo=include_demo)
             if info.started_at is not None and info.started_at < end]
    out = []
    for info, effect in sorted(found, key=lambda pair: (pair[0].started_at, pair[0].id)):
        assert info.started_at is not None
        started = info.started_at
        closes = started + FOLLOWUP_WINDOW
        topic = info.measured_topic
        out.append(CampaignWeek(
            title=info.title, topic_title=titles.get(topic, topic) if topic else None,
            started=started.astimezone(zone).date(), sent=effect.sent,
            delivered=effect.delivered, failed=effect.failed, unknown=effect.unknown,
            held_back=effect.held_back, taps=effect.taps,
            asked=_outcome(effect.asked), online=_outcome(effect.online),
            measuring_until=((closes - dt.timedelta(seconds=1)).astimezone(zone).date()
                             if now < closes else None),
            has_link=info.topic_id is not None, campaign_id=info.id))
    return tuple(out)


def _outcome(comparison: Comparison) -> Outcome:
    return Outcome(comparison.label, comparison.recipients.count, comparison.recipients.size,
                   comparison.held_back.count, comparison.held_back.size, comparison.verdict)


async def count_demo_events(storage: Storage) -> int:
    """How many demo events the database holds (the CLI hints at ``--include-demo``)."""
    return await storage.demand.demo_events()


async def _triaged_keys(storage: Storage, action: str | None = None) -> set[str]:
    return {comparable(k)[:MAX_KEY_CHARS]
            for k in await storage.demand.triaged_keys(action)}


def _top_candidates(rows: Iterable[tuple[str, Any]], members: set[str],
                    known: Iterable[str]) -> tuple[str, ...]:
    known_ids = set(known)
    offered: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for key, candidates in rows:
        if key in members:
            for rank, topic in enumerate(_candidate_topics(candidates)):
                if topic in known_ids:
                    offered[topic] += 1
                    first_seen[topic] = min(first_seen.get(topic, rank), rank)
    ranked = sorted(offered, key=lambda t: (-offered[t], first_seen[t], t))
    return tuple(ranked[:MAX_CANDIDATES])


def _picks(rows: list[UnmatchedQuestion], opened: list[TopicOpened]) -> list[str | None]:
    """Per question, the offered topic its asker opened within ``PICK_WINDOW`` after it.

    Only a suggestion's own candidates count: a topic opened from the menu afterwards
    may be a new question altogether.
    """
    by_user: dict[str, list[TopicOpened]] = {}
    for o in opened:
        by_user.setdefault(o.user_key, []).append(o)
    out: list[str | None] = []
    for r in rows:
        offered = set(_candidate_topics(r.candidates)) if r.decision == "suggest" else set()
        asked = r.created_at
        out.append(next((o.topic_id for o in by_user.get(r.user_key, ())
                         if offered and asked is not None
                         and asked < o.created_at <= asked + PICK_WINDOW
                         and o.topic_id in offered), None))
    return out


def _group_unmatched(rows: list[UnmatchedQuestion]
                     ) -> tuple[list[tuple[str, Any]], list[QuestionGroup]]:
    texts = [safe_texts(r.text_normalized, r.text_redacted) for r in rows]
    keyed = [(comparable(normalized or example), r.candidates)
             for (normalized, example), r in zip(texts, rows, strict=True)]
    groups = group_questions(
        (normalized, example, r.decision == "fallback")
        for (normalized, example), r in zip(texts, rows, strict=True))
    return keyed, groups


async def unanswered_groups(storage: Storage, knowledge: KnowledgeService, *, days: int = 7,
                            limit: int = 10, include_demo: bool = False,
                            now: dt.datetime | None = None) -> list[UnansweredGroup]:
    """Recent fallback/suggest questions grouped by similarity, largest group first.

    A group is left out once staff triaged it: when any of its questions' normalised
    text equals a ``triage.text_normalized`` (compared in the same folded form), so a
    triaged wording does not come back under a slightly different leader.
    """
    since = (now or utcnow()) - dt.timedelta(days=days)
    rows = await storage.demand.unmatched_since(since, include_demo=include_demo,
                                                latest=MAX_GROUPED_QUESTIONS)
    triaged = await _triaged_keys(storage)
    # Grouping compares every wording with every group leader: off the event loop, and
    # over a bounded number of questions, so a flood of distinct questions can't stall
    # the staff pages or the worker (found by the hostile-input suite).
    keyed, groups = await asyncio.to_thread(_group_unmatched, rows)
    opened = await storage.demand.topics_opened_since(
        since, {r.user_key for r in rows if r.decision == "suggest"})
    picks = _picks(rows, opened)
    topics = knowledge.current.kb.topics
    out: list[UnansweredGroup] = []
    for group in groups:
        if any(m[:MAX_KEY_CHARS] in triaged for m in group.members):
            continue
        members = set(group.members)
        picked = Counter(p for (key, _), p in zip(keyed, picks, strict=True)
                         if key in members and p is not None and p in topics)
        candidates = _top_candidates(keyed, members, topics)
        most = tuple(t for t, _ in picked.most_common())
        out.append(UnansweredGroup(
            key=group.sample[:MAX_KEY_CHARS], example=group.example, count=group.count,
            candidates=(*most, *(c for c in candidates if c not in most))[:MAX_CANDIDATES],
            unanswered=group.unanswered, picked=tuple(picked.most_common())))
        if len(out) >= limit:
            break
    return out


@asynccontextmanager
async def open_live(settings: Settings) -> AsyncIterator[tuple[Storage, KnowledgeService]]:
    """The database and the knowledge version being served (for CLI jobs).

    The knowledge is the newest live version in the database (staff edits), as
    ``serve`` would answer from; a database without versions is seeded from the
    starter files first, exactly as ``serve`` does.
    """
    from bot.editing.editor import KnowledgeEditor
    from bot.storage import Storage
    from knowledge.service import KnowledgeService

    storage = await Storage.open(settings)
    try:
        knowledge = await asyncio.to_thread(
            KnowledgeService.from_directory, settings.knowledge_dir, settings.dictionary_dir)
        # The same path as `serve`: seed an empty database, then install the live version.
        await KnowledgeEditor(knowledge, lambda: storage).sync()
        yield storage, knowledge
    finally:
        await storage.close()


# --- command-line jobs (``citizen-bot report | uptake import | retention``) ----------------


def _err(message: str) -> int:
    print(f"Lỗi: {message}", file=sys.stderr)
    return 1


async def report_command(settings: Settings, week: str | None, out: str | None,
                         include_demo: bool) -> int:
    """Validate the week first (no database needed), write the files, print their paths."""
    tz = settings.timezone
    week = (week or default_week(tz=tz)).strip().upper()
    try:
        iso_week_bounds(week, tz)
    except ValueError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    out_dir = Path(out) if out else settings.data_dir / "reports" / week
    async with open_live(settings) as (storage, knowledge):
        paths = await generate_report(storage, knowledge, week, out_dir,
                                      include_demo=include_demo, tz=tz,
                                      base_url=settings.public_url)
        demo = await count_demo_events(storage)
    print(f"Báo cáo {week}{' (có dữ liệu mẫu)' if include_demo and demo else ''}:")
    for path in paths:
        print(path)
    if demo and not include_demo:
        print(f"Lưu ý: cơ sở dữ liệu có {demo} sự kiện mẫu (demo) không được tính; thêm "
              "--include-demo để xem báo cáo với dữ liệu mẫu.", file=sys.stderr)
    return 0


async def uptake_import_command(settings: Settings, file: str, source: str | None) -> int:
    """Import an uptake CSV all-or-nothing; every error as "dòng N: cột X: …"."""
    from bot.storage.uptake import UptakeImportError, import_uptake_csv

    path = Path(file)
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        return _err(f"không đọc được tệp {path}: {exc.strerror or exc}")
    async with open_live(settings) as (storage, knowledge):
        try:
            summary = await import_uptake_csv(storage.sessions, data,
                                              known_topics=knowledge.current.kb.topics,
                                              source=source or path.name)
        except UptakeImportError as exc:
            for error in exc.errors:
                print(error, file=sys.stderr)
            return _err(f"{len(exc.errors)} lỗi trong {path.name}; chưa nhập dòng nào. "
                        "Sửa tệp rồi chạy lại lệnh.")
    print(f"Đã nhập {path.name}: {summary.inserted} dòng mới, {summary.updated} dòng cập nhật.")
    return 0


async def retention_command(settings: Settings, days: int | None) -> int:
    from bot.storage import Storage
    from bot.storage.retention import purge_raw_text

    days = days or settings.retention_days
    if days < 1:
        return _err("số ngày phải từ 1 trở lên")
    storage = await Storage.open(settings)
    try:
        removed = await purge_raw_text(storage.sessions, days)
    finally:
        await storage.close()
    print(f"Đã xoá nội dung câu hỏi của {removed} sự kiện cũ hơn {days} ngày "
          "(số liệu tổng hợp vẫn giữ).")
    return 0
