"""Group commit: small writes that arrive together share one transaction.

Every incoming update needs a few tiny writes (its duplicate claim, its sender's
flood counter). One transaction each costs a round trip, a commit and — on SQLite —
several hops to the driver's thread; under load that, not the SQL, is the limit. So
requests queue, and whenever no transaction of this kind is in flight the whole
queue goes in the next one. At low load a request waits for nothing (its batch is
itself); under load the cost per request falls as batches grow. Correctness across
workers stays with the database: each batch is one atomic upsert.

When a batch fails the database is probably away; for ``cooldown`` seconds further
requests then fail at once with :class:`Unavailable` instead of each waiting for a
connection timeout, so replies keep flowing while it is down (callers treat every
failure as "no answer from the database"). The next request after the cooldown tries
again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Req = TypeVar("Req")
Res = TypeVar("Res")

log = logging.getLogger(__name__)
MAX_BATCH = 500
COOLDOWN_S = 5.0


class Unavailable(ConnectionError):
    """The last write failed moments ago; not trying again yet."""


class GroupCommit(Generic[Req, Res]):
    """``await submit(request)`` → its result, computed by ``write`` for a whole batch.

    ``write`` gets the requests in arrival order and returns one result per request,
    in the same order. If it raises, every request of that batch gets the exception.
    """

    def __init__(self, write: Callable[[list[Req]], Awaitable[Sequence[Res]]], *,
                 max_batch: int = MAX_BATCH, cooldown: float = COOLDOWN_S) -> None:
        self._write = write
        self._max_batch = max_batch
        self._cooldown = cooldown
        self._queue: list[tuple[Req, asyncio.Future[Res]]] = []
        self._draining = False
        self._failed_at: float | None = None

    @property
    def name(self) -> str:
        return getattr(self._write, "__qualname__", "write")

    async def submit(self, request: Req) -> Res:
        failed_at = self._failed_at
        if failed_at is not None and time.monotonic() - failed_at < self._cooldown:
            raise Unavailable(f"{self.name}: the database failed moments ago")
        future: asyncio.Future[Res] = asyncio.get_running_loop().create_future()
        self._queue.append((request, future))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                await self._run(batch)
        finally:
            self._draining = False

    async def _run(self, batch: list[tuple[Req, asyncio.Future[Res]]]) -> None:
        try:
            results = await self._write([request for request, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"{len(results)} results for {len(batch)} requests")
        except BaseException as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            if self._failed_at is None:  # once per outage, with the traceback
                log.error("%s failed; answering without it, retrying in %.0f s",
                          self.name, self._cooldown, exc_info=exc)
            self._failed_at = time.monotonic()
            return
        if self._failed_at is not None:
            log.warning("%s works again", self.name)
            self._failed_at = None
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
