"""Update dedup and leases on SQLite and PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.storage.dedup import UpdateDeduplicator
from bot.storage.engine import create_engine, migrate
from bot.storage.leases import LeaseManager
from bot.storage.transactions import Transactions


async def _sessions(db_url: str):
    engine = create_engine(db_url)
    await migrate(engine)
    return engine, async_sessionmaker(engine, expire_on_commit=False)


async def test_each_update_is_claimed_once_even_concurrently(db_url: str) -> None:
    engine, sessions = await _sessions(db_url)
    try:
        dedup = UpdateDeduplicator(sessions)
        results = await asyncio.gather(*(dedup.claim("telegram", "42") for _ in range(8)))
        assert sorted(results) == [False] * 7 + [True]
        assert await dedup.claim("zalo", "42") is True  # keys are per channel
        assert await dedup.purge(dt.timedelta(seconds=-1)) == 2
        assert await UpdateDeduplicator(sessions).claim("telegram", "42") is True
    finally:
        await engine.dispose()


async def test_claims_from_two_workers_at_once_have_one_winner_per_update(
        db_url: str) -> None:
    engine, sessions = await _sessions(db_url)
    other = create_engine(db_url)
    try:
        workers = [UpdateDeduplicator(sessions),
                   UpdateDeduplicator(async_sessionmaker(other, expire_on_commit=False))]
        keys = [str(n) for n in range(50)] * 3  # every update delivered three times
        results = await asyncio.gather(*(workers[i % 2].claim("telegram", key)
                                         for i, key in enumerate(keys)))
        winners = [key for key, first in zip(keys, results, strict=True) if first]
        assert sorted(winners) == sorted(str(n) for n in range(50))
    finally:
        await other.dispose()
        await engine.dispose()


async def test_lease_is_exclusive_until_it_expires(db_url: str) -> None:
    engine, sessions = await _sessions(db_url)
    try:
        leases = LeaseManager(sessions)
        now = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
        ttl = dt.timedelta(minutes=5)
        assert await leases.acquire("weekly", "w1", ttl, now=now)
        assert not await leases.acquire("weekly", "w2", ttl, now=now)
        assert await leases.acquire("weekly", "w1", ttl, now=now)  # renew
        later = now + dt.timedelta(minutes=6)
        assert await leases.acquire("weekly", "w2", ttl, now=later)
        await leases.release("weekly", "w2")
        assert await leases.acquire("weekly", "w3", ttl, now=later)
    finally:
        await engine.dispose()


class FlakyTransactions(Transactions):
    """The real database, with a switch that makes it unreachable."""

    down = False

    async def run(self, work):  # type: ignore[no-untyped-def]
        if self.down:
            raise ConnectionRefusedError("database unreachable")
        return await super().run(work)


async def test_redeliveries_around_an_outage_are_still_answered_once(db_url: str) -> None:
    engine, sessions = await _sessions(db_url)
    try:
        tx = FlakyTransactions(sessions)
        worker = UpdateDeduplicator(sessions, tx)
        assert await worker.claim("telegram", "1") is True
        tx.down = True
        assert await worker.claim("telegram", "1") is False  # seen before the outage
        assert await worker.claim("telegram", "2") is True  # new during it: answered
        assert await worker.claim("telegram", "2") is False  # and remembered
        await asyncio.sleep(0)
        tx.down = False
        worker._claims._failed_at = None  # skip the cooldown instead of sleeping
        assert await worker.claim("telegram", "3") is True  # the first batch back…
        other = UpdateDeduplicator(sessions)  # …wrote "2": another worker knows it
        assert await other.claim("telegram", "2") is False
        assert await other.claim("telegram", "3") is False
    finally:
        await engine.dispose()
