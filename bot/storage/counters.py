"""Per-sender message counts for the inbound flood limit, exact across workers.

One row per sender: the current minute and how many messages arrived in it. A hit is
a single upsert that either adds to this minute's count or restarts it, returning
the new total, so two workers counting the same sender never lose a message (a
read-then-write would). Hits arriving together share one statement.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from typing import Any

from sqlalchemy import Connection, case, delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.group_commit import GroupCommit
from bot.storage.models import RateCounter
from bot.storage.rows import affected
from bot.storage.transactions import Transactions
from bot.storage.upsert import insert_for, prepared

MAX_KEY = 160


def current_minute(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // 60)


class RateCounters:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession],
                 transactions: Transactions | None = None) -> None:
        self._sessions = session_factory
        self._tx = transactions or Transactions(session_factory)
        self._hits: GroupCommit[str, int] = GroupCommit(self._hit_many)

    async def hit(self, key: str) -> int:
        """Count one message from ``key``; its number within the current minute (1, 2…)."""
        return await self._hits.submit(key[:MAX_KEY])

    async def _hit_many(self, keys: list[str]) -> list[int]:
        minute = current_minute()
        added = Counter(keys)
        totals = await self._tx.run(lambda session: _add(session, added, minute))
        # Within the batch, the requests of one key take the last numbers in order.
        seen: Counter[str] = Counter()
        results = []
        for key in keys:
            results.append(totals[key] - added[key] + 1 + seen[key])
            seen[key] += 1
        return results

    async def purge(self, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
        """Counters of senders quiet for a while are just zeros; drop them."""
        cutoff = current_minute() - int(older_than.total_seconds() // 60)
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(RateCounter).where(
                RateCounter.minute < cutoff))
        return affected(result)


def _build_add(dialect: str) -> Any:
    stmt = insert_for(dialect, RateCounter)
    return stmt.on_conflict_do_update(
        index_elements=[RateCounter.key],
        set_={"hits": case((RateCounter.minute == stmt.excluded.minute,
                            RateCounter.hits + stmt.excluded.hits),
                           else_=stmt.excluded.hits),
              "minute": stmt.excluded.minute},
    ).returning(RateCounter.key, RateCounter.hits)


_add_hits = prepared(_build_add)


def _add(connection: Connection, added: Counter[str], minute: int) -> dict[str, int]:
    """Add this minute's hits per key (restarting a key whose minute is over)."""
    rows = [{"key": key, "minute": minute, "hits": n} for key, n in added.items()]
    return {key: hits for key, hits in connection.execute(_add_hits(connection), rows)}
