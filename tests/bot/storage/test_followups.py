"""The follow-up state machine: every move, legal or not, then the repository on a database."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.events import EventLog, EventRecord
from bot.storage.followups import (
    Consent,
    FollowupAction,
    FollowupAnswer,
    FollowupRepository,
    FollowupState,
    IllegalTransition,
    consent_from,
    transition,
)

S, A = FollowupState, FollowupAction
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)

# Written out independently of the module's table, so a change there must be deliberate.
LEGAL = {
    (None, A.OFFER): S.OFFERED,
    (S.OFFERED, A.OPT_IN): S.OPTED_IN,
    (S.OFFERED, A.DECLINE): S.DECLINED,
    (S.OFFERED, A.EXPIRE): S.EXPIRED,
    (S.OPTED_IN, A.SCHEDULE): S.SCHEDULED,
    (S.OPTED_IN, A.DECLINE): S.DECLINED,
    (S.SCHEDULED, A.DECLINE): S.DECLINED,
    (S.SCHEDULED, A.SEND): S.SENT,
    (S.SENT, A.ANSWER): S.ANSWERED,
    (S.SENT, A.EXPIRE): S.EXPIRED,
}
ALL_PAIRS = list(itertools.product([None, *S], A))


@pytest.mark.parametrize(("state", "action"), [p for p in ALL_PAIRS if p in LEGAL])
def test_legal_transitions(state: FollowupState | None, action: FollowupAction) -> None:
    assert transition(state, action) is LEGAL[(state, action)]


@pytest.mark.parametrize(("state", "action"), [p for p in ALL_PAIRS if p not in LEGAL])
def test_illegal_transitions_raise(state: FollowupState | None, action: FollowupAction) -> None:
    with pytest.raises(IllegalTransition):
        transition(state, action)


def test_terminal_states_accept_nothing() -> None:
    for state, action in itertools.product((S.DECLINED, S.ANSWERED, S.EXPIRED), A):
        with pytest.raises(IllegalTransition):
            transition(state, action)


@pytest.mark.parametrize(("history", "expected"), [
    ([], Consent.UNASKED),
    ([(S.OFFERED, False)], Consent.PENDING),
    ([(S.DECLINED, False)], Consent.DECLINED),
    ([(S.EXPIRED, False)], Consent.DECLINED),  # an ignored offer: never ask again
    ([(S.EXPIRED, True)], Consent.OPTED_IN),  # said yes, just did not answer the question
    ([(S.SCHEDULED, False), (S.DECLINED, False)], Consent.OPTED_IN),
    ([(S.DECLINED, False), (S.ANSWERED, True)], Consent.DECLINED),  # withdrew later
])
def test_consent_follows_the_newest_decision(history: list, expected: Consent) -> None:
    assert consent_from(history) is expected


# --- the repository on a real database ------------------------------------------------


@pytest.fixture
async def repo(sessions: async_sessionmaker[AsyncSession]) -> FollowupRepository:
    log = EventLog(sessions)
    for name in ("e1", "e2", "e3"):
        log.record(EventRecord(channel="telegram", user_key="u1", kind="text",
                               decision="answer", id=name.ljust(32, "0")))
    assert await log.flush()
    return FollowupRepository(sessions, delay=3 * DAY, expire_after=14 * DAY)


async def answered(repo: FollowupRepository, topic: str, user: str = "u1",
                   when: dt.datetime = NOW, event: str | None = "e1"):  # type: ignore[no-untyped-def]
    return await repo.on_answer(user_key=user, channel="telegram", chat_ref=f"chat-{user}",
                                topic_id=topic, event_id=event and event.ljust(32, "0"),
                                now=when)


async def test_full_journey_offer_to_answer(repo: FollowupRepository) -> None:
    offered = await answered(repo, "khai-sinh")
    assert offered is not None and offered.state is S.OFFERED and offered.due_at is None
    assert offered.event_id == "e1".ljust(32, "0") and offered.chat_ref == "chat-u1"
    # While the offer is open, other topics are not offered again.
    assert await answered(repo, "tam-tru", event="e2") is None

    scheduled = await repo.respond_to_offer("u1", "khai-sinh", True, now=NOW)
    assert scheduled is not None and scheduled.state is S.SCHEDULED
    assert scheduled.due_at == NOW + 3 * DAY
    assert await repo.respond_to_offer("u1", "khai-sinh", True, now=NOW) is None  # 2nd click

    # Consent covers later topics: scheduled directly, without asking.
    later = await answered(repo, "ket-hon", when=NOW + DAY, event="e3")
    assert later is not None and later.state is S.SCHEDULED
    assert later.due_at == NOW + 4 * DAY
    assert await answered(repo, "khai-sinh", when=NOW + DAY) is None  # one per topic

    assert await repo.due(NOW + 3 * DAY - dt.timedelta(seconds=1)) == []
    due = await repo.due(NOW + 5 * DAY)
    assert [f.topic_id for f in due] == ["khai-sinh", "ket-hon"]

    assert await repo.mark_sent(due[0].id, now=NOW + 3 * DAY) is True
    assert await repo.mark_sent(due[0].id, now=NOW + 3 * DAY) is False  # another worker
    assert [f.topic_id for f in await repo.due(NOW + 5 * DAY)] == ["ket-hon"]

    assert await repo.record_answer("u1", "ket-hon", "online") is None  # not sent yet
    done = await repo.record_answer("u1", "khai-sinh", FollowupAnswer.ONLINE,
                                    now=NOW + 4 * DAY)
    assert done is not None and done.state is S.ANSWERED
    assert done.answer is FollowupAnswer.ONLINE and done.answered_at == NOW + 4 * DAY
    assert await repo.record_answer("u1", "khai-sinh", "in_person") is None  # answered once
    assert (await repo.get("u1", "khai-sinh")).answer is FollowupAnswer.ONLINE  # type: ignore[union-attr]


async def test_unknown_answer_is_refused(repo: FollowupRepository) -> None:
    with pytest.raises(ValueError, match="maybe"):
        await repo.record_answer("u1", "khai-sinh", "maybe")


async def test_decline_is_final_for_the_user(repo: FollowupRepository) -> None:
    await answered(repo, "khai-sinh")
    declined = await repo.respond_to_offer("u1", "khai-sinh", False, now=NOW)
    assert declined is not None and declined.state is S.DECLINED
    assert await repo.respond_to_offer("u1", "khai-sinh", True, now=NOW) is None
    assert await answered(repo, "tam-tru", event="e2") is None
    assert await repo.consent("u1") is Consent.DECLINED
    # Another user is unaffected.
    other = await answered(repo, "tam-tru", user="u2", event=None)
    assert other is not None and other.state is S.OFFERED


async def test_withdraw_cancels_what_is_not_sent(repo: FollowupRepository) -> None:
    await answered(repo, "khai-sinh")
    await repo.respond_to_offer("u1", "khai-sinh", True, now=NOW)
    await answered(repo, "ket-hon", event="e2")
    assert await repo.withdraw("u1") == 2
    assert await repo.due(NOW + 30 * DAY) == []
    assert await repo.consent("u1") is Consent.DECLINED


async def test_unanswered_offers_and_questions_expire(repo: FollowupRepository) -> None:
    await answered(repo, "khai-sinh")  # offer ignored
    await answered(repo, "tam-tru", user="u2", event=None)
    await repo.respond_to_offer("u2", "tam-tru", True, now=NOW)
    [due] = await repo.due(NOW + 3 * DAY)
    await repo.mark_sent(due.id, now=NOW + 3 * DAY)

    assert await repo.expire(NOW + 14 * DAY) == 0  # exactly 14 days: not yet
    assert await repo.expire(NOW + 15 * DAY) == 1  # the offer; the question is younger
    assert await repo.expire(NOW + 17 * DAY + dt.timedelta(seconds=1)) == 1
    assert (await repo.get("u1", "khai-sinh")).state is S.EXPIRED  # type: ignore[union-attr]
    assert (await repo.get("u2", "tam-tru")).state is S.EXPIRED  # type: ignore[union-attr]
    assert await repo.record_answer("u2", "tam-tru", "not_yet") is None
    assert await repo.consent("u1") is Consent.DECLINED
    assert await repo.consent("u2") is Consent.OPTED_IN


async def test_two_workers_create_at_most_one_per_topic(repo: FollowupRepository) -> None:
    results = await asyncio.gather(*(answered(repo, "khai-sinh", user="u9", event=None)
                                     for _ in range(4)))
    assert sum(r is not None for r in results) == 1


async def test_answers_given_together_see_each_other(repo: FollowupRepository) -> None:
    """Concurrent answers share one transaction; the offer rules still hold in order."""
    first, second = await asyncio.gather(answered(repo, "khai-sinh", user="u7", event=None),
                                         answered(repo, "tam-tru", user="u7", event=None))
    assert first is not None and first.state is S.OFFERED
    assert second is None  # the offer made a moment earlier is still open
    assert await repo.respond_to_offer("u7", "khai-sinh", accept=True) is not None
    later = await asyncio.gather(*(answered(repo, topic, user="u7", event=None)
                                   for topic in ("tam-tru", "ket-hon", "tam-tru")))
    assert [info.state if info else None for info in later] == [
        S.SCHEDULED, S.SCHEDULED, None]  # one follow-up per topic
    assert all(info.id for info in later if info)
