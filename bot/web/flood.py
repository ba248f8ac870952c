"""The web chat's flood limit: ``RATE_LIMIT_PER_MINUTE`` per citizen, as on Telegram/Zalo.

A web client names itself (its ``client_id``), so a second counter per network address
stops a script from dodging the limit by inventing a new id for each message. The
address limit is a few times the per-citizen one because a household or the commune
centre may share one address. Counts live in ``storage.counters`` (exact across
workers); when the database is away, answering matters more and nothing is limited.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import Enum

from starlette.requests import Request

from bot.storage import Storage

log = logging.getLogger(__name__)
ADDRESS_FACTOR = 5  # citizens that may share one address at full speed


class Verdict(Enum):
    OK = "ok"
    NOTICE = "notice"  # the first message over the limit: explain once
    REFUSE = "refuse"  # later ones: a short refusal (the page waits for an answer)


@dataclass(frozen=True)
class WebFloodLimit:
    per_minute: int
    behind_proxy: bool = False

    async def check(self, storage: Storage | None, user_key: str, request: Request) -> Verdict:
        if not self.per_minute or storage is None:
            return Verdict.OK
        try:
            # Both in one group commit: one database round trip per message.
            mine, shared = await asyncio.gather(
                storage.counters.hit(f"web:{user_key}"),
                storage.counters.hit(f"web-ip:{self.address(request)}"))
        except Exception as exc:  # the database is away: answering matters more
            log.debug("web: flood counter unavailable (%s)", type(exc).__name__)
            return Verdict.OK
        per_address = self.per_minute * ADDRESS_FACTOR
        if mine <= self.per_minute and shared <= per_address:
            return Verdict.OK
        if mine == self.per_minute + 1 or shared == per_address + 1:
            return Verdict.NOTICE
        return Verdict.REFUSE

    def address(self, request: Request) -> str:
        """The client's address; behind our own proxy, the last hop it recorded."""
        if self.behind_proxy:
            hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
            hops = [h for h in hops if h]
            if hops:
                return hops[-1][:64]
        return (request.client.host if request.client else "unknown")[:64]
