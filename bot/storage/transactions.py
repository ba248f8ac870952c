"""Short write transactions run whole, in one step.

Through the async driver every statement, BEGIN and COMMIT is a separate await; on
SQLite each of those is a hop to aiosqlite's thread and back, about eight per
transaction, and under load each hop also waits for a turn of the busy event loop.
The hot, tiny writes (duplicate claims, flood counters, follow-up offers) therefore
run as plain synchronous SQLAlchemy Core code: on a SQLite file in one dedicated thread
with its own connection (one hop per transaction), elsewhere through
``AsyncSession.run_sync`` (asyncpg has no threads to hop to).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.engine import create_sync_sqlite_engine

T = TypeVar("T")
# PostgreSQL: these writes do not wait for their commit to reach the disk. A server
# crash may forget the last fraction of a second of them (never corrupt anything):
# a claim (a redelivery of that update could then be answered twice), a flood count,
# a follow-up offer, demand-log rows — which a crashed worker would lose anyway.
# In exchange a reply never waits for a slow disk flush (checkpoints made p99 at
# 200 updates/s jump from ~15 ms to 130–240 ms in bench/throughput.py).
ASYNC_COMMIT = "SET LOCAL synchronous_commit TO OFF"


class Transactions:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *,
                 sqlite_thread: bool = False) -> None:
        """``sqlite_thread``: on a SQLite file, use the dedicated thread (the owner must
        then :meth:`close`); otherwise every backend goes through ``run_sync``."""
        bind = sessions.kw.get("bind")
        if not isinstance(bind, AsyncEngine):
            raise TypeError("the session factory must be bound to an AsyncEngine")
        self._async_engine = bind
        self._engine: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        if sqlite_thread:
            self._engine = create_sync_sqlite_engine(bind.url)
        if self._engine is not None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")

    async def run(self, work: Callable[[Connection], T]) -> T:
        """``work(connection)`` inside one transaction, committed if it returns."""
        if self._thread is None:
            async with self._async_engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    await connection.exec_driver_sql(ASYNC_COMMIT)
                return await connection.run_sync(work)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self._run_here, work)

    def _run_here(self, work: Callable[[Connection], T]) -> T:
        assert self._engine is not None
        with self._engine.begin() as connection:
            return work(connection)

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        if self._engine is not None:
            self._engine.dispose()
