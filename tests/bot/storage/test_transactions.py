"""Short write transactions: one step on a SQLite file's own thread, run_sync elsewhere."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Connection, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.storage.engine import create_engine
from bot.storage.models import ProcessedUpdate, utcnow
from bot.storage.transactions import Transactions


def _add(key: str, fail: bool = False):  # type: ignore[no-untyped-def]
    def work(connection: Connection) -> str:
        connection.execute(insert(ProcessedUpdate).values(
            channel="t", key=key, created_at=utcnow()))
        if fail:
            raise RuntimeError("after the insert")
        return threading.current_thread().name

    return work


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


@pytest.mark.parametrize("sqlite_thread", [True, False])
async def test_work_commits_or_rolls_back_as_a_whole(engine: AsyncEngine,
                                                     sqlite_thread: bool) -> None:
    tx = Transactions(async_sessionmaker(engine), sqlite_thread=sqlite_thread)
    try:
        thread = await tx.run(_add("a"))
        with pytest.raises(RuntimeError):
            await tx.run(_add("b", fail=True))
        assert await _count(engine) == 1  # "b" was rolled back with its transaction
        on_own_thread = sqlite_thread and engine.dialect.name == "sqlite"
        assert thread.startswith("sqlite-writer") is on_own_thread
    finally:
        tx.close()


@pytest.mark.postgres
async def test_bookkeeping_commits_skip_the_flush_only_for_themselves(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        tx = Transactions(async_sessionmaker(engine))
        inside = await tx.run(lambda c: c.exec_driver_sql("SHOW synchronous_commit").scalar())
        async with engine.connect() as conn:  # everything else keeps the server's default
            outside = await conn.scalar(text("SHOW synchronous_commit"))
        assert (inside, outside) == ("off", "on")
    finally:
        await engine.dispose()
