"""What the runtime needs from a channel adapter.

Adapters own everything platform-specific (updates, rendering, limits, ids);
the runtime only starts and stops them, mounts their webhook routes on the one
ASGI app and asks them to push a reply (follow-ups, staff answers).
"""

from __future__ import annotations

from typing import Protocol

from starlette.routing import BaseRoute

from handlers.messages import Reply


class Channel(Protocol):
    name: str

    def routes(self) -> list[BaseRoute]:
        """Webhook routes to mount on the shared app (empty in polling mode)."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def push(self, chat_ref: str, reply: Reply) -> None:
        """Send a reply the citizen did not just ask for (raises on failure)."""
        ...
