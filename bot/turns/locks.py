"""One citizen's messages one after another, many citizens at once.

A chat's messages must be answered in the order they arrived ("làm hộ chiếu ở đâu?"
then "còn lệ phí?"), while other chats proceed in parallel. Locks are created on first
use and dropped when nobody holds or waits for them, so memory follows the number of
chats active right now, not every chat ever seen. ``asyncio.Lock`` wakes waiters first
come first served, which keeps the arrival order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class ChatLocks:
    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._users: dict[Hashable, int] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    def __len__(self) -> int:
        """Chats with a message in hand or waiting (tests check nothing leaks)."""
        return len(self._locks)
