"""Process each platform update once, across retries, restarts, workers — and outages.

Inserting the update's key is the claim: the unique primary key lets exactly one
worker win, with no read-then-write race. Claims arriving together are inserted in
one statement (:mod:`bot.storage.group_commit`), ``ON CONFLICT DO NOTHING RETURNING``
telling which keys were new.

Each worker also remembers the keys it has seen lately. That answers a redelivery to
the same worker without asking the database, and keeps working while the database is
away: a key first seen during an outage is claimed in memory and written to the
database with the first batch after it returns, so a redelivery after recovery — to
any worker — is still recognised.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import OrderedDict
from itertools import islice

from sqlalchemy import Connection, delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.group_commit import GroupCommit, Unavailable
from bot.storage.models import ProcessedUpdate, utcnow
from bot.storage.rows import affected
from bot.storage.transactions import Transactions
from bot.storage.upsert import insert_for, prepared

log = logging.getLogger(__name__)
MAX_KEY = 128
REMEMBERED = 50_000  # per worker: hours of traffic at a commune's or province's rate
BACKLOG_PER_BATCH = 1000  # outage claims written along with each batch once it is back
Key = tuple[str, str]


class RecentKeys:
    """A bounded set of the most recently seen keys."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self._keys: OrderedDict[Key, None] = OrderedDict()
        self._size = size

    def add(self, key: Key) -> bool:
        """True if ``key`` is new (and now remembered), False if it was seen."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        if len(self._keys) > self._size:
            self._keys.popitem(last=False)
        return True


class UpdateDeduplicator:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession],
                 transactions: Transactions | None = None) -> None:
        self._sessions = session_factory
        self._tx = transactions or Transactions(session_factory)
        self._claims: GroupCommit[Key, bool] = GroupCommit(self._claim_many)
        self._seen = RecentKeys()
        self._unwritten: OrderedDict[Key, None] = OrderedDict()  # claimed in an outage

    async def claim(self, channel: str, key: str) -> bool:
        """True the first time ``(channel, key)`` is seen, False for a duplicate.

        Never fails: without the database the answer comes from this worker's memory.
        """
        item = (channel, key[:MAX_KEY])
        if not self._seen.add(item):
            return False
        try:
            return await self._claims.submit(item)
        except Exception as exc:
            if not isinstance(exc, Unavailable):
                log.warning("update claims: database unavailable (%s); deduplicating in "
                            "memory until it returns", type(exc).__name__)
            self._unwritten[item] = None
            while len(self._unwritten) > REMEMBERED:
                self._unwritten.popitem(last=False)
            return True

    async def _claim_many(self, keys: list[Key]) -> list[bool]:
        backlog = list(islice(self._unwritten, BACKLOG_PER_BATCH))
        won = await self._tx.run(lambda connection: _insert_new(connection, keys + backlog))
        for item in backlog:
            self._unwritten.pop(item, None)
        results = []
        for key in keys:  # the same key twice in one batch: only the first wins
            results.append(key in won)
            won.discard(key)
        return results

    async def purge(self, older_than: dt.timedelta) -> int:
        """Platforms redeliver for hours, not weeks; old keys can go."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(ProcessedUpdate).where(
                ProcessedUpdate.created_at < utcnow() - older_than))
        return affected(result)


_claim = prepared(lambda dialect: insert_for(dialect, ProcessedUpdate)
                  .on_conflict_do_nothing()
                  .returning(ProcessedUpdate.channel, ProcessedUpdate.key))


def _insert_new(connection: Connection, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Insert the keys not yet there; those that were inserted."""
    now = utcnow()
    rows = [{"channel": channel, "key": key, "created_at": now}
            for channel, key in dict.fromkeys(keys)]
    return {(channel, key) for channel, key in connection.execute(_claim(connection), rows)}
