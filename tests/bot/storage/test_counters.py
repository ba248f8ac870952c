"""Flood counters are exact across workers, restart each minute and are purged."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.storage import counters as counters_module
from bot.storage.counters import RateCounters
from bot.storage.engine import create_engine, migrate


async def test_two_workers_counting_one_sender_lose_no_message(db_url: str) -> None:
    engines = [create_engine(db_url) for _ in range(2)]  # two processes' pools
    await migrate(engines[0])
    try:
        workers = [RateCounters(async_sessionmaker(e, expire_on_commit=False))
                   for e in engines]
        numbers = await asyncio.gather(*(workers[i % 2].hit("telegram:u1")
                                         for i in range(60)))
        assert sorted(numbers) == list(range(1, 61))
        assert await workers[0].hit("telegram:u2") == 1  # senders are apart
        assert await workers[1].hit("telegram:u1") == 61
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_new_minute_starts_again_and_old_counters_go(
        db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(db_url)
    await migrate(engine)
    try:
        counters = RateCounters(async_sessionmaker(engine, expire_on_commit=False))
        minute = counters_module.current_minute()
        monkeypatch.setattr(counters_module, "current_minute", lambda now=None: minute)
        assert [await counters.hit("k") for _ in range(3)] == [1, 2, 3]
        monkeypatch.setattr(counters_module, "current_minute", lambda now=None: minute + 1)
        assert await asyncio.gather(counters.hit("k"), counters.hit("k")) == [1, 2]
        monkeypatch.setattr(counters_module, "current_minute", lambda now=None: minute + 90)
        await counters.hit("fresh")
        assert await counters.purge() == 1  # "k" was quiet for an hour; "fresh" stays
        assert await counters.hit("fresh") == 2
    finally:
        await engine.dispose()
