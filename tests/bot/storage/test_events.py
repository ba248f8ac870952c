"""The event log under real databases: batching, ordering, outages, shutdown, the bound."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.engine import create_engine, migrate
from bot.storage.events import EventLog, EventRecord
from bot.storage.models import Event, Feedback
from bot.storage.transactions import Transactions
from tests.bot.storage.conftest import pg_outage

FAST = {"flush_interval": 0.02, "retry_initial": 0.02, "retry_max": 0.1}


def make_event(i: int = 0, **kw: object) -> EventRecord:
    base: dict[str, object] = {
        "channel": "telegram", "user_key": f"user{i % 7}", "kind": "text",
        "decision": "answer", "text_redacted": f"câu hỏi số {i}",
        "text_normalized": f"cau hoi so {i}", "topic_id": "khai-sinh", "score": 0.87,
        "candidates": [{"topic": "khai-sinh", "score": 0.87}], "latency_ms": 12,
        "redactions": []}
    base.update(kw)
    return EventRecord(**base)  # type: ignore[arg-type]


async def count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def wait_for(predicate: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


# --- outages: a real database failure on each backend ----------------------------------


@asynccontextmanager
async def sqlite_outage(url: str) -> AsyncIterator[None]:
    """Another process-like connection holds the write lock."""
    holder = create_engine(url)
    async with holder.connect() as conn:
        await conn.execute(select(1))  # BEGIN IMMEDIATE: the write lock is taken
        yield
    await holder.dispose()


@pytest.fixture
async def outage_db(db_url: str) -> AsyncIterator[tuple[AsyncEngine, Callable]]:
    """A migrated engine plus a context manager that breaks it for real."""
    url = db_url
    if url.startswith("sqlite"):
        engine = create_engine(url)
        # Fail fast while locked instead of waiting the production 15 s.
        event.listen(engine.sync_engine, "connect",
                     lambda dbapi, rec: dbapi.cursor().execute("PRAGMA busy_timeout=20"))
        breaker: Callable = sqlite_outage
    else:
        engine = create_engine(url, connect_args={"timeout": 2})
        breaker = pg_outage
    await migrate(engine)
    yield engine, lambda: breaker(url)
    await engine.dispose()


async def test_batches_are_one_executemany_each(sessions: async_sessionmaker[AsyncSession],
                                                engine: AsyncEngine) -> None:
    inserts: list[int] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def spy(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO EVENTS"):
            inserts.append(len(parameters) if executemany else 1)

    log = EventLog(sessions, batch_size=200, **FAST)
    for i in range(450):
        log.record(make_event(i))
    assert await log.flush()
    assert await count(sessions, Event) == 450
    assert inserts == [200, 200, 50]  # one executemany per batch, not one per row
    assert log.pending == 0 and log.written == 450


async def test_rows_keep_every_field(sessions: async_sessionmaker[AsyncSession]) -> None:
    ev = make_event(1, area="Thôn 3", redactions=["phone"], demo=True, latency_ms=12.6,
                    text_redacted="gọi [số điện thoại]\x00")
    log = EventLog(sessions)
    log.record(ev)
    assert await log.flush()
    async with sessions() as session:
        row = await session.get(Event, ev.id)
    assert row is not None
    assert (row.area, row.redactions, row.demo, row.latency_ms) == ("Thôn 3", ["phone"], True, 13)
    assert row.candidates == [{"topic": "khai-sinh", "score": 0.87}]
    assert row.text_redacted == "gọi [số điện thoại]"  # NUL removed: PostgreSQL refuses it
    assert row.created_at == ev.created_at


async def test_feedback_for_an_unflushed_event_lands_after_it(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    log = EventLog(sessions, batch_size=2, **FAST)
    events = [make_event(i) for i in range(3)]
    for ev in events:
        log.record(ev)
    log.record_feedback(events[0].id, True, user_key=events[0].user_key)
    log.record_feedback(events[2].id, False, user_key=events[2].user_key)
    log.record_feedback("f" * 32, True, user_key="user0")  # forged: ignored, not stuck
    assert await log.flush()
    async with sessions() as session:
        votes = {(v.event_id, v.helpful) for v in (await session.scalars(select(Feedback)))}
    assert votes == {(events[0].id, True), (events[2].id, False)}
    assert log.rejected == 1 and log.pending == 0


async def test_a_refused_row_does_not_block_the_rest(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    log = EventLog(sessions, **FAST)
    first = make_event(0)
    log.record(first)
    assert await log.flush()
    # The same id again (as after a commit whose reply was lost), among good rows.
    log.record(make_event(1))
    log.record(make_event(2, id=first.id))
    log.record(make_event(3))
    assert await log.flush()
    assert await count(sessions, Event) == 3
    assert log.rejected == 1 and log.pending == 0


async def test_nothing_is_lost_across_a_database_outage(
        outage_db: tuple[AsyncEngine, Callable], caplog: pytest.LogCaptureFixture) -> None:
    engine, outage = outage_db
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    log = EventLog(sessions, batch_size=10, **FAST)
    log.start()
    log.record(make_event(0))
    await wait_for(lambda: log.written == 1)
    caplog.set_level(logging.WARNING, logger="bot.storage.events")
    async with outage():
        events = [make_event(i) for i in range(1, 31)]
        for ev in events:
            log.record(ev)
        log.record_feedback(events[5].id, False, user_key=events[5].user_key)
        await wait_for(lambda: "database write failed" in caplog.text)
        await asyncio.sleep(0.2)  # several retries fail while the database is down
        assert log.written == 1 and log.pending == 31
    await wait_for(lambda: log.pending == 0)
    assert await log.stop() == 0
    assert await count(sessions, Event) == 31
    assert await count(sessions, Feedback) == 1
    assert log.dropped == 0
    assert "work again" in caplog.text
    assert "câu hỏi" not in caplog.text  # error lines carry no statement parameters


async def test_stop_flushes_without_waiting_for_the_interval(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    log = EventLog(sessions, batch_size=500, flush_interval=60)
    log.start()
    for i in range(25):
        log.record(make_event(i))
    started = time.monotonic()
    assert await log.stop() == 0
    assert time.monotonic() - started < 5
    assert await count(sessions, Event) == 25


class GatedTransactions(Transactions):
    """The real transaction runner, held at the door until the test opens it: the
    background writer's batch is then off the queue but not yet committed."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions)
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def run(self, work: Callable[..., object]) -> object:  # type: ignore[override]
        self.entered.set()
        await self.gate.wait()
        return await super().run(work)


async def test_flush_waits_for_the_batch_the_writer_has_in_hand(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    tx = GatedTransactions(sessions)
    log = EventLog(sessions, batch_size=5, flush_interval=0.02, transactions=tx)
    log.start()
    for i in range(5):
        log.record(make_event(i))
    await asyncio.wait_for(tx.entered.wait(), 5)
    flushing = asyncio.create_task(log.flush())
    await asyncio.sleep(0.05)
    assert not flushing.done()  # the rows are not written yet: flush must not say so
    tx.gate.set()
    assert await asyncio.wait_for(flushing, 5)
    assert await count(sessions, Event) == 5
    assert await log.stop() == 0


async def test_stop_during_an_outage_reports_what_is_unwritten(
        outage_db: tuple[AsyncEngine, Callable], caplog: pytest.LogCaptureFixture) -> None:
    engine, outage = outage_db
    log = EventLog(async_sessionmaker(engine), batch_size=10, **FAST)
    log.start()
    async with outage():
        for i in range(15):
            log.record(make_event(i))
        assert await log.stop(grace=0.3) == 15
    assert "stopped with 15 records unwritten" in caplog.text


async def test_bound_drops_the_oldest_with_one_error_line(
        sqlite_sessions: async_sessionmaker[AsyncSession],
        caplog: pytest.LogCaptureFixture) -> None:
    log = EventLog(sqlite_sessions, batch_size=100, max_pending=250, **FAST)
    events = [make_event(i) for i in range(300)]
    with caplog.at_level(logging.ERROR, logger="bot.storage.events"):
        for ev in events:  # no writer running: as if the database were down
            log.record(ev)
    assert log.pending == 250 and log.dropped == 50
    assert len(caplog.records) == 1 and "buffer full" in caplog.records[0].message
    caplog.clear()
    assert await log.flush()
    async with sqlite_sessions() as session:
        ids = set(await session.scalars(select(Event.id)))
    assert ids == {ev.id for ev in events[50:]}  # the newest were kept
    assert "50 oldest records were dropped" in caplog.text


async def test_record_is_cheap_and_never_raises(
        sqlite_sessions: async_sessionmaker[AsyncSession]) -> None:
    log = EventLog(sqlite_sessions, max_pending=50_000)
    events = [make_event(i) for i in range(20_000)]
    started = time.perf_counter()
    for ev in events:
        log.record(ev)
    assert time.perf_counter() - started < 0.5
    log.record(None)  # type: ignore[arg-type]  # garbage in: still no exception
    log.record_feedback(None, "yes")  # type: ignore[arg-type]
    assert log.pending == 20_002


async def test_one_vote_per_asker_per_answer_whoever_presses(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    log = EventLog(sessions, batch_size=7, **FAST)
    answer = make_event(0)
    log.record(answer)
    # 100 presses of fb:y:<id>: the asker again and again, and 60 other clients.
    for i in range(100):
        voter = answer.user_key if i % 5 == 0 else f"stranger{i}"
        log.record_feedback(answer.id, True, user_key=voter)
    log.record_feedback(answer.id, True)  # no voter known: ignored
    assert await log.flush()
    async with sessions() as session:
        votes = (await session.scalars(select(Feedback))).all()
    assert [(v.event_id, v.user_key, v.helpful) for v in votes] == [
        (answer.id, answer.user_key, True)]
    assert log.rejected == 81


async def test_the_askers_last_vote_counts_across_batches(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    log = EventLog(sessions, **FAST)
    answer = make_event(1)
    log.record(answer)
    log.record_feedback(answer.id, True, user_key=answer.user_key)
    assert await log.flush()
    log.record_feedback(answer.id, False, user_key=answer.user_key)
    log.record_feedback(answer.id, True, user_key="someone-else")
    assert await log.flush()
    async with sessions() as session:
        votes = (await session.scalars(select(Feedback))).all()
    assert [(v.user_key, v.helpful) for v in votes] == [(answer.user_key, False)]
