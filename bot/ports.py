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


class RecipientGone(Exception):
    """The platform says this chat can no longer be reached (blocked the bot, deleted):
    raised by :meth:`Channel.push`; outreach ends the chat's subscription."""


class SendLater(Exception):
    """The platform asked to slow down and the channel's own retries are used up;
    nothing was delivered, so sending again after ``retry_after`` seconds is safe."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:g} s")
        self.retry_after = retry_after


class Channel(Protocol):
    name: str

    def routes(self) -> list[BaseRoute]:
        """Webhook routes to mount on the shared app (empty in polling mode)."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def push(self, chat_ref: str, reply: Reply) -> None:
        """Send a reply the citizen did not just ask for (raises on failure:
        :class:`RecipientGone` when the chat is unreachable for good, :class:`SendLater`
        when the platform asks to wait)."""
        ...


@runtime_checkable
class StaffChannel(Protocol):
    """A channel that can also post to staff chats (handoff cases, reports)."""

    async def send_to_staff(self, chat_id: str, text: str) -> list[str]:
        """Post plain ``text`` to a staff chat; the ids of the messages sent."""
        ...
