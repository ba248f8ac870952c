"""Synthetic traffic for a newcomer's first report (``citizen-bot demo-data``).

Nothing here shortcuts the bot: every message is a real :class:`Incoming` run through
:class:`~bot.turns.assistant.Assistant` (redaction, the real matcher, the conversation) and
written by the real event log; votes are real button presses (``fb:y:<event>``);
follow-ups go through the real :class:`~bot.storage.followups.FollowupRepository` state
machine and demo uptake figures through the real importer. Only the clock is
simulated: a thin wrapper around the event log stamps each record with its simulated
time and ``demo = true`` before queueing it.

Texts come from the knowledge base's own example questions with the noise citizens
add (no diacritics, abbreviations, typos, "cho em hỏi … ạ"), plus knowledge gaps,
out-of-scope questions and greetings. A few topics are in high demand and trending
(căn cước, VNeID, khai sinh, tạm trú), and some are rarely done online, so the
uptake gap shows. Everything is drawn from ``random.Random(seed)``: the same seed and
week give the same report. Earlier demo data is removed first; real data is never
touched (demo events are flagged, demo users' keys start with ``demo-``, demo
figures carry :data:`~bot.storage.demo_data.DEMO_SOURCE`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.outreach.demo import clear_demo_outreach, seed_demo_campaign
from bot.reports.weeks import DEFAULT_TZ, week_label
from bot.storage.demo_data import DEMO_SOURCE, DEMO_USER_PREFIX
from bot.storage.events import EventLog, EventRecord
from bot.storage.followups import FollowupState
from bot.storage.models import utcnow
from bot.storage.uptake import UptakeRecord, import_uptake
from bot.turns.assistant import Assistant
from handlers.conversation import Conversation
from handlers.messages import Incoming, MessageKind
from knowledge.schema import OnlineLevel
from knowledge.vietnamese import fold

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.storage import Storage
    from knowledge.service import KnowledgeService

# Relative demand and weekly growth (0.15 = +15 % a week); other topics weigh 1.
DEMAND: dict[str, tuple[float, float]] = {
    "can-cuoc-cap-moi": (11, 0.10), "can-cuoc-cap-doi-cap-lai": (7, 0.05),
    "vneid-muc-1": (6, 0.12), "vneid-mat-khau-thiet-bi": (7, 0.15),
    "dinh-danh-muc-2": (6, 0.08), "khai-sinh": (8, 0.0),
    "lien-thong-khai-sinh": (8, 0.25), "dang-ky-tam-tru": (7, 0.18),
    "dang-ky-thuong-tru": (4, 0.0), "xac-nhan-cu-tru": (4, -0.05),
    "bhyt-gia-han": (4, 0.0), "ket-hon": (3, 0.0), "doi-gplx": (3, 0.05),
    "dat-dai-so-do": (3, 0.0), "tro-cap-xa-hoi": (3, 0.0), "khai-tu": (2, 0.0),
    "xac-nhan-hon-nhan": (2, 0.0), "ho-chieu": (2, 0.0), "nop-phat-giao-thong": (2, 0.1),
}
# Share of follow-up answers "đã làm trực tuyến" per topic (others: ONLINE_DEFAULT).
ONLINE_SHARE = {
    "lien-thong-khai-sinh": 0.12, "khai-sinh": 0.2, "dang-ky-tam-tru": 0.3,
    "can-cuoc-cap-moi": 0.15, "can-cuoc-cap-doi-cap-lai": 0.25, "vneid-muc-1": 0.65,
    "doi-gplx": 0.35, "xac-nhan-cu-tru": 0.3, "vneid-mat-khau-thiet-bi": 0.4,
}
ONLINE_DEFAULT = 0.45
# Official figures (online, total dossiers per week on average) imported for a few topics.
OFFICIAL = {"khai-sinh": (2, 11), "dang-ky-thuong-tru": (1, 5), "ket-hon": (1, 6),
            "xac-nhan-cu-tru": (4, 9), "dang-ky-tam-tru": (3, 10)}
LOW_HELPFUL = {"vneid-mat-khau-thiet-bi": 0.55, "dat-dai-so-do": 0.6, "dinh-danh-muc-2": 0.65}
HELPFUL_DEFAULT = 0.85

GAPS: list[tuple[str, int]] = [  # knowledge gaps: (question, weight)
    ("thủ tục ly hôn thuận tình làm ở đâu", 5), ("rút bảo hiểm xã hội một lần như thế nào", 5),
    ("làm trợ cấp thất nghiệp ở đâu", 4), ("thi bằng lái xe máy ở đâu", 4),
    ("chế độ thai sản cho vợ", 3), ("làm mã số thuế cá nhân", 3),
    ("đền bù giải phóng mặt bằng bao nhiêu", 2), ("tiêm chủng cho trẻ ở đâu", 2),
    ("đăng kiểm xe ô tô ở đâu", 1),
]
OUT_OF_SCOPE = [
    "giá vàng hôm nay bao nhiêu", "thời tiết ngày mai có mưa không",
    "kết quả xổ số miền bắc hôm qua", "cách nấu phở bò", "lịch cắt điện tuần này",
    "tỷ giá đô la hôm nay",
]
VAGUE = [  # too vague for one answer: the bot offers choices
    "giấy tờ cho con", "vneid không vào được", "thủ tục cho người mới chuyển đến",
    "đăng ký cho con đi học", "làm giấy tờ cho mẹ già",
]
SMALLTALK = ["chào bạn", "xin chào", "cảm ơn nhé", "cam on ad", "ok", "hi", "chào ad"]
MIX = (("topic", 0.8), ("vague", 0.04), ("gap", 0.07), ("out", 0.03), ("small", 0.06))
CHANNELS = (("telegram", 0.45), ("zalo", 0.45), ("web", 0.10))
WEEKDAY = (1.2, 1.15, 1.1, 1.05, 1.0, 0.85, 0.65)  # Monday first; sums to 7
HOURS = [(7, 4), (8, 8), (9, 9), (10, 8), (11, 6), (12, 4), (13, 4), (14, 6), (15, 6),
         (16, 5), (17, 4), (18, 3), (19, 4), (20, 5), (21, 4), (22, 2)]
PREFIXES = ["cho em hỏi ", "ad ơi ", "cho hỏi ", "xin hỏi ", "chị ơi cho em hỏi ", "anh ơi "]
SUFFIXES = [" ạ", " vậy", "?", " vậy ạ"]
ABBREVIATIONS = {"căn cước": "cccd", "giấy khai sinh": "gks", "không": "ko", "được": "dc",
                 "đăng ký": "dk", "bảo hiểm y tế": "bhyt", "dịch vụ công": "dvc",
                 "tài khoản": "tk", "mật khẩu": "mk", "điện thoại": "dt"}
FEEDBACK_RATE = 0.2
# After 👎 most citizens tap what was wrong (one more press on the same vote).
REASONS = [("topic", 0.3), ("missing", 0.3), ("wrong", 0.15), ("", 0.25)]
OFFER_ACCEPT, OFFER_DECLINE = 0.4, 0.15  # otherwise the offer is ignored
ANSWER_RATE = 0.7  # share of sent follow-ups that get an answer
# Share of Telegram/Zalo users the bot can still write to days later (the others left
# the chat or blocked the bot).
REACHABLE = 0.7


@dataclass(frozen=True, slots=True)
class DemoSummary:
    events: int
    questions: int
    votes: int
    followups_answered: int
    uptake_rows: int
    removed: int
    weeks: tuple[str, ...]
    first_day: dt.date
    last_day: dt.date
    campaign_id: int | None = None  # the demo campaign (bot.outreach.demo)


class _StampedLog:
    """The real event log, with the simulated time and the demo flag on every record."""

    def __init__(self, inner: EventLog) -> None:
        self.inner = inner
        self.now = utcnow()
        self.events = 0

    def record(self, ev: EventRecord) -> None:
        ev.created_at, ev.demo = self.now, True
        self.events += 1
        self.inner.record(ev)

    def record_feedback(self, event_id: str, helpful: bool, *,
                        user_key: str | None = None, reason: str | None = None) -> None:
        self.inner.record_feedback(event_id, helpful, created_at=self.now, user_key=user_key,
                                   reason=reason)


@dataclass(frozen=True, slots=True)
class _Message:
    at: dt.datetime
    user: int
    text: str


def _pick(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


def noisy(rng: random.Random, text: str) -> str:
    """A citizen's version of a clean question."""
    if rng.random() < 0.3:
        for full, short in ABBREVIATIONS.items():
            if rng.random() < 0.6:
                text = re.sub(full, short, text, flags=re.IGNORECASE)
    if rng.random() < 0.25:
        text = rng.choice(PREFIXES) + text[:1].lower() + text[1:]
    if rng.random() < 0.2:
        text = text.rstrip("?.! ") + rng.choice(SUFFIXES)
    if rng.random() < 0.12:
        words = text.split()
        long = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
        if long:
            i = rng.choice(long)
            j = rng.randrange(len(words[i]) - 1)
            w = words[i]
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]  # swapped letters
            text = " ".join(words)
    if rng.random() < 0.5:
        text = text.lower()
    if rng.random() < 0.4:
        text = fold(text)
    return text


def _user_key(seed: int, user: int) -> str:
    digest = hashlib.sha256(f"{seed}:{user}".encode()).hexdigest()
    return DEMO_USER_PREFIX + digest[: 20 - len(DEMO_USER_PREFIX)]


def _day_end(at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The last microsecond of ``at``'s local day."""
    next_day = at.astimezone(zone).date() + dt.timedelta(days=1)
    return dt.datetime.combine(next_day, dt.time(), zone) - dt.timedelta(microseconds=1)


def _days(weeks: int, now: dt.datetime, tz: str) -> list[dt.date]:
    """The ``weeks`` full ISO weeks before the current one, in ``tz``."""
    today = now.astimezone(ZoneInfo(tz)).date()
    monday = today - dt.timedelta(days=today.weekday())
    first = monday - dt.timedelta(days=7 * weeks)
    return [first + dt.timedelta(days=i) for i in range(7 * weeks)]


def _messages(rng: random.Random, knowledge: KnowledgeService, days: list[dt.date],
              per_day: int, tz: str) -> list[_Message]:
    kb = knowledge.current.kb
    topic_ids = sorted(kb.topics)
    zone = ZoneInfo(tz)
    users = max(20, per_day * len(days) * 2 // 5)  # about 2.5 messages per person
    weeks = len(days) // 7
    gap_texts = [t for t, _ in GAPS]
    gap_weights = [w for _, w in GAPS]
    out: list[_Message] = []
    for index, day in enumerate(days):
        week = index // 7
        weights = [DEMAND.get(t, (1, 0.0))[0] * (1 + DEMAND.get(t, (1, 0.0))[1])
                   ** (week - weeks + 1) for t in topic_ids]
        growth = 1.08 ** (week - weeks + 1)  # the bot is getting known
        count = round(per_day * WEEKDAY[day.weekday()] * growth * rng.uniform(0.9, 1.1))
        for _ in range(count):
            kind = _pick(rng, MIX)
            if kind == "topic":
                topic = kb.topics[rng.choices(topic_ids, weights)[0]]
                text = noisy(rng, rng.choice(topic.questions))
            elif kind == "gap":
                text = noisy(rng, rng.choices(gap_texts, gap_weights)[0])
            elif kind == "vague":
                text = noisy(rng, rng.choice(VAGUE))
            elif kind == "out":
                text = noisy(rng, rng.choice(OUT_OF_SCOPE))
            else:
                text = rng.choice(SMALLTALK)
            if rng.random() < 0.01:  # someone pastes a phone number: redacted on the way in
                text += f", sđt em 09{rng.randrange(10**8):08d}"
            hour = int(_pick(rng, [(str(h), w) for h, w in HOURS]))
            at = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)),
                                     zone)
            out.append(_Message(at, rng.randrange(users), text))
    out.sort(key=lambda m: (m.at, m.user, m.text))
    return out


async def clear_demo(storage: Storage) -> int:
    """Remove earlier demo data (events, their votes, demo follow-ups and figures,
    the demo campaign and subscriptions)."""
    await clear_demo_outreach(storage)
    return await storage.demo.clear()


@dataclass(frozen=True, slots=True)
class _Answered:
    user_key: str
    channel: str
    topic_id: str
    event_id: str
    at: dt.datetime


class _Followups:
    """Drives the real follow-up state machine at simulated times.

    Each user's follow-ups run in order (consent depends on the earlier ones) with a
    random generator of their own, so users can run concurrently and the result stays
    the same for a seed: the database round trips, not the work, are the slow part.
    """

    def __init__(self, storage: Storage, seed: int, until: dt.datetime) -> None:
        self.repo = storage.followups
        self.seed = seed
        # The end of the demo weeks, not "now": an answer given after it would be counted
        # by demo-data but by no weekly report of those weeks.
        self.until = until
        self.plans: dict[str, list[_Answered]] = {}
        self.seen: set[tuple[str, str]] = set()
        self.answered = 0

    def after_answer(self, item: _Answered) -> None:
        if (item.user_key, item.topic_id) not in self.seen:  # one follow-up per topic
            self.seen.add((item.user_key, item.topic_id))
            self.plans.setdefault(item.user_key, []).append(item)

    async def run(self, concurrency: int) -> int:
        gate = asyncio.Semaphore(concurrency)

        async def user(user_key: str, items: list[_Answered]) -> None:
            rng = random.Random(f"{self.seed}:{user_key}")  # noqa: S311 - not a secret
            async with gate:
                for item in items:
                    if not await self._one(rng, item):
                        return

        await asyncio.gather(*(user(k, v) for k, v in sorted(self.plans.items())))
        return self.answered

    async def _one(self, rng: random.Random, item: _Answered) -> bool:
        """Offer/schedule, send and maybe answer; False once the user said no."""
        info = await self.repo.on_answer(user_key=item.user_key, channel=item.channel,
                                         chat_ref=f"demo:{item.user_key}",
                                         topic_id=item.topic_id, event_id=item.event_id,
                                         now=item.at)
        if info is None:
            return False
        if info.state is FollowupState.OFFERED:
            roll, later = rng.random(), item.at + dt.timedelta(minutes=1)
            if roll >= OFFER_ACCEPT:  # declined, or ignored (it expires: no more offers)
                if roll < OFFER_ACCEPT + OFFER_DECLINE:
                    await self.repo.respond_to_offer(item.user_key, item.topic_id, False,
                                                     now=later)
                return False
            info = await self.repo.respond_to_offer(item.user_key, item.topic_id, True,
                                                    now=later)
        if info is None or info.due_at is None or info.due_at >= self.until:
            return True
        await self.repo.mark_sent(info.id, now=info.due_at)
        answered_at = info.due_at + dt.timedelta(hours=rng.uniform(0.2, 30))
        if rng.random() >= ANSWER_RATE or answered_at >= self.until:
            return True
        share = ONLINE_SHARE.get(item.topic_id, ONLINE_DEFAULT)
        answer = _pick(rng, [("online", share), ("in_person", (1 - share) * 0.45),
                             ("not_yet", (1 - share) * 0.35), ("difficulty", (1 - share) * 0.2)])
        if await self.repo.record_answer(item.user_key, item.topic_id, answer,
                                         now=answered_at):
            self.answered += 1
        return True


async def _import_official(storage: Storage, days: list[dt.date], rng: random.Random,
                           per_day: int) -> int:
    """Monthly demo figures for a few topics, where no figure exists for that month."""
    months = sorted({d.replace(day=1) for d in days})
    scale = per_day / 50
    rows: list[UptakeRecord] = []
    existing = await storage.demo.uptake_periods()
    for month in months:
        end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        for topic_id, (online, total) in OFFICIAL.items():
            if (topic_id, month) in existing:
                continue
            total_n = max(1, round(total * 4.3 * scale * rng.uniform(0.8, 1.2)))
            online_n = min(total_n, round(online * 4.3 * scale * rng.uniform(0.7, 1.3)))
            rows.append(UptakeRecord(0, topic_id, month, end, online_n, total_n))
    if rows:
        await import_uptake(storage.sessions, rows, source=DEMO_SOURCE)
    return len(rows)


async def generate_demo(storage: Storage, knowledge: KnowledgeService, *, weeks: int = 4,
                        seed: int = 1, per_day: int = 50, tz: str = DEFAULT_TZ,
                        now: dt.datetime | None = None, uptake: bool = True) -> DemoSummary:
    """Replace earlier demo data with ``weeks`` full weeks of traffic before this week."""
    if weeks < 1 or per_day < 1:
        raise ValueError("weeks and per_day must be at least 1")
    now = now or utcnow()
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not a secret
    removed = await clear_demo(storage)
    days = _days(weeks, now, tz)
    kb = knowledge.current.kb
    log = _StampedLog(storage.events)
    # Synthetic chats are one question each: their context would only cost writes.
    assistant = Assistant(Conversation(knowledge), storage, store_context=False, events=log)
    zone = ZoneInfo(tz)
    until = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(), zone)
    followups = _Followups(storage, seed, until)
    channel_of: dict[int, str] = {}
    reachable: dict[int, bool] = {}
    questions = votes = 0
    for message in _messages(rng, knowledge, days, per_day, tz):
        user_key = _user_key(seed, message.user)
        channel = channel_of.setdefault(message.user, _pick(rng, CHANNELS))
        log.now = message.at
        turn = await assistant.handle(Incoming(channel, user_key, text=message.text))
        decision = turn.match.decision.value if turn.match else turn.reply.kind.value
        questions += decision in ("answer", "suggest", "fallback")
        topic = kb.topic(turn.reply.topic_id or "") if decision == "answer" else None
        if topic is None:
            continue
        if rng.random() < FEEDBACK_RATE:
            helpful = rng.random() < LOW_HELPFUL.get(topic.id, HELPFUL_DEFAULT)
            # A vote stays on the day of its answer, so both fall in the same report week.
            log.now = min(message.at + dt.timedelta(minutes=rng.randint(1, 5)),
                          _day_end(message.at, zone))
            await assistant.handle(Incoming(channel, user_key, kind=MessageKind.ACTION,
                                            action=f"fb:{'y' if helpful else 'n'}:"
                                                   f"{turn.event_id}"))
            votes += 1
            reason = "" if helpful else _pick(rng, REASONS)
            if reason:  # the same vote, now with its reason: still one vote
                await assistant.handle(Incoming(channel, user_key, kind=MessageKind.ACTION,
                                                action=f"fr:{reason}:{turn.event_id}"))
        if channel != "web" and topic.online in (OnlineLevel.FULL, OnlineLevel.PARTIAL) \
                and reachable.setdefault(message.user, rng.random() < REACHABLE):
            followups.after_answer(_Answered(user_key, channel, topic.id, turn.event_id,
                                             message.at))
    if not await storage.events.flush():
        raise RuntimeError("the database refused the demo events")
    # SQLite takes one writer at a time and its busy handler sleeps: no point queueing.
    answered = await followups.run(1 if storage.engine.dialect.name == "sqlite" else 8)
    await storage.followups.expire(now=now)
    rows = await _import_official(storage, days, rng, per_day) if uptake else 0
    labels = tuple(dict.fromkeys(week_label(d) for d in days))
    users = sorted({(channel, _user_key(seed, user)) for user, channel in channel_of.items()})
    start_day = days[min(7, len(days) - 1)]
    start = dt.datetime.combine(start_day, dt.time(8), tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)
    campaign = await seed_demo_campaign(storage, knowledge, users, start=start, seed=seed)
    return DemoSummary(log.events, questions, votes, answered, rows, removed,
                       labels, days[0], days[-1], campaign)


async def demo_command(settings: Settings, weeks: int, seed: int, per_day: int,
                       uptake: bool = True) -> int:
    """``citizen-bot demo-data``: fill the configured database and say what was made."""
    import sys

    from bot.reports.from_storage import open_live

    if not 1 <= weeks <= 52 or not 1 <= per_day <= 10_000:
        print("Lỗi: --weeks phải từ 1 đến 52, --per-day từ 1 đến 10000", file=sys.stderr)
        return 2
    async with open_live(settings) as (storage, knowledge):
        summary = await generate_demo(storage, knowledge, weeks=weeks, seed=seed,
                                      per_day=per_day, tz=settings.timezone, uptake=uptake)
    if summary.removed:
        print(f"Đã xoá {summary.removed} sự kiện mẫu cũ.")
    print(f"Đã tạo dữ liệu mẫu (demo) {summary.first_day:%d/%m} – {summary.last_day:%d/%m/%Y} "
          f"({summary.weeks[0]} … {summary.weeks[-1]}): {summary.events} sự kiện, "
          f"{summary.questions} câu hỏi, {summary.votes} đánh giá, "
          f"{summary.followups_answered} câu trả lời hỏi lại, "
          f"{summary.uptake_rows} dòng số liệu hồ sơ mẫu.")
    if summary.campaign_id is not None:
        print(f"Thông báo mẫu #{summary.campaign_id}: xem ở /staff/campaigns/"
              f"{summary.campaign_id}")
    print(f"Xem báo cáo: citizen-bot report --week {summary.weeks[-1]} --include-demo")
    return 0
