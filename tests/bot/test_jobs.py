"""Background jobs against a real database: the retention job and handoff cases."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select, update

from bot import jobs
from bot.jobs import housekeeping, run_retention
from bot.storage import Storage
from bot.storage.models import HandoffCase, utcnow
from bot.turns.handoff import HandoffService
from handlers.messages import Incoming
from tests.bot.turns.test_handoff import RecordingChannel


async def test_retention_job_forgets_old_handoff_questions(storage: Storage) -> None:
    chat = RecordingChannel("telegram")
    service = HandoffService(storage, {"telegram": chat}, [("telegram", "-100")])
    old_no = await service.open_case(Incoming("telegram", "u-old", text="…", chat_ref="501"),
                                     "khai-sinh", "khai sinh cho con, nhà ở thôn 3")
    new_no = await service.open_case(Incoming("telegram", "u-new", text="…", chat_ref="502"),
                                     "tam-tru", "đăng ký tạm trú")
    await service.drain()  # both cases posted to the staff chat ("open"), not still "pending"
    async with storage.sessions() as session, session.begin():
        await session.execute(update(HandoffCase).where(HandoffCase.case_no == old_no)
                              .values(created_at=utcnow() - dt.timedelta(days=181)))

    assert await run_retention(storage, 180) == 1
    assert await run_retention(storage, 180) == 0

    async with storage.sessions() as session:
        rows = {c.case_no: c for c in await session.scalars(select(HandoffCase))}
    assert rows[old_no].question_redacted is None
    assert rows[new_no].question_redacted == "đăng ký tạm trú"
    assert (rows[old_no].topic_id, rows[old_no].status) == ("khai-sinh", "open")
    # The case number still works: staff see it and a late answer still reaches the citizen.
    assert await service.case_number("telegram", "-100", "101") == old_no
    assert await service.relay_staff_reply("telegram", "-100", "101", "Mời chị lên xã", "Bình")
    assert chat.pushes[-1][0] == "501"


async def test_housekeeping_drops_old_claims_and_quiet_counters(
        storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.storage import counters as counters_module
    from bot.storage.models import ProcessedUpdate

    assert await storage.dedup.claim("telegram", "old")
    assert await storage.dedup.claim("telegram", "new")
    async with storage.sessions() as session, session.begin():
        await session.execute(update(ProcessedUpdate).where(ProcessedUpdate.key == "old")
                              .values(created_at=utcnow() - dt.timedelta(days=8)))
    minute = counters_module.current_minute()
    monkeypatch.setattr(counters_module, "current_minute", lambda now=None: minute - 61)
    await storage.counters.hit("telegram:quiet")
    monkeypatch.setattr(counters_module, "current_minute", lambda now=None: minute)
    await storage.counters.hit("telegram:active")

    assert await housekeeping(storage) == 2
    assert await storage.dedup.claim("telegram", "new") is False  # still remembered
    assert await storage.counters.hit("telegram:active") == 2
    assert await storage.counters.hit("telegram:quiet") == 1  # started afresh


async def test_stopping_lets_a_run_in_progress_finish(storage: Storage) -> None:
    """A run that is writing when the job is stopped commits; the next start on the same
    database is not left waiting for a lock (a cancelled database call could keep it)."""
    writing, release = asyncio.Event(), asyncio.Event()
    runs: list[str] = []

    async def job() -> None:
        async with storage.sessions() as session, session.begin():
            await session.execute(update(HandoffCase).values(topic_id="x"))
            writing.set()
            await release.wait()
        runs.append("committed")

    task = jobs.every(3600, job, "test-job")
    await writing.wait()
    stopping = asyncio.create_task(jobs.cancel([task]))
    await asyncio.sleep(0)
    assert not stopping.done()  # waits for the run in progress
    release.set()
    await stopping
    assert runs == ["committed"] and task.cancelled()


async def test_stopping_cancels_a_run_that_outlasts_the_grace(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "STOP_GRACE_S", 0.01)
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def job() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    task = jobs.every(3600, job, "stuck-job")
    await started.wait()
    await jobs.cancel([task])
    assert cancelled.is_set() and task.cancelled()
