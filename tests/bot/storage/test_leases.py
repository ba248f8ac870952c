"""A non-reentrant lease is a one-off claim: not even its holder takes it twice."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.leases import LeaseManager

NOW = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
TTL = dt.timedelta(hours=1)


async def test_a_claim_is_taken_once_even_by_its_holder(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    leases = LeaseManager(sessions)
    assert await leases.acquire("weekly-report:2026-W48", "w1", TTL, now=NOW, reentrant=False)
    assert not await leases.acquire("weekly-report:2026-W48", "w1", TTL, now=NOW,
                                    reentrant=False)
    assert not await leases.acquire("weekly-report:2026-W48", "w2", TTL, now=NOW,
                                    reentrant=False)
    # Its holder may still extend it (the ordinary, reentrant call) ...
    assert await leases.acquire("weekly-report:2026-W48", "w1", 2 * TTL, now=NOW)
    later = NOW + TTL + dt.timedelta(minutes=1)
    assert not await leases.acquire("weekly-report:2026-W48", "w2", TTL, now=later,
                                    reentrant=False)
    # ... and once it has expired anyone takes it again.
    expired = NOW + 2 * TTL + dt.timedelta(minutes=1)
    assert await leases.acquire("weekly-report:2026-W48", "w2", TTL, now=expired,
                                reentrant=False)


async def test_concurrent_claims_have_one_winner(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    leases = LeaseManager(sessions)
    results = await asyncio.gather(*(
        leases.acquire("weekly-report:2026-W49", f"w{i % 2}", TTL, now=NOW, reentrant=False)
        for i in range(6)))
    assert sorted(results) == [False] * 5 + [True]
