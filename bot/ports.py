"""What the runtime needs from a channel adapter, below both.

The runtime (jobs, handoff, the turn pipeline) pushes replies through these
protocols and never imports an adapter; adapters implement them without importing
anything above them. Adapters own everything platform-specific (updates, rendering,
limits, ids).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

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


@runtime_checkable
class StaffChannel(Protocol):
    """A channel that can also post to staff chats (handoff cases, reports)."""

    async def send_to_staff(self, chat_id: str, text: str) -> list[str]:
        """Post plain ``text`` to a staff chat; the ids of the messages sent."""
        ...
