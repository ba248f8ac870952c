"""Update dedup and leases on SQLite and PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.storage.dedup import UpdateDeduplicator
from bot.storage.engine import create_engine, migrate
from bot.storage.leases import LeaseManager


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
        assert await dedup.claim("telegram", "42") is True
    finally:
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
