"""The web chat's own flood limit: per network address.

``RATE_LIMIT_PER_MINUTE`` per citizen is the turn pipeline's, as on Telegram and Zalo.
But a web client names itself (its ``client_id``), so a counter per network address
stops a script from dodging that limit by inventing a new id for each message. The
address limit is a few times the per-citizen one because a household or the commune
centre may share one address. Counts live in ``storage.counters`` (exact across
workers); when the database is away, answering matters more and nothing is limited.
"""

from __future__ import annotations

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

    async def check(self, storage: Storage | None, request: Request) -> Verdict:
        if not self.per_minute or storage is None:
            return Verdict.OK
        try:
            shared = await storage.counters.hit(f"web-ip:{self.address(request)}")
        except Exception as exc:  # the database is away: answering matters more
            log.debug("web: flood counter unavailable (%s)", type(exc).__name__)
            return Verdict.OK
        per_address = self.per_minute * ADDRESS_FACTOR
        if shared <= per_address:
            return Verdict.OK
        return Verdict.NOTICE if shared == per_address + 1 else Verdict.REFUSE

    def address(self, request: Request) -> str:
        """The client's address; behind our own proxy, the last hop it recorded."""
        if self.behind_proxy:
            hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
            hops = [h for h in hops if h]
            if hops:
                return hops[-1][:64]
        return (request.client.host if request.client else "unknown")[:64]
