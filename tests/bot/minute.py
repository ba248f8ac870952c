"""Flood-limit tests count messages per wall-clock minute (``bot.storage.counters``).

A test that sends a few messages must not straddle a minute boundary, or the count
restarts half-way and more messages pass than the limit allows — a flaky failure, not
a bug. Waiting is cheaper than faking the clock inside the database counters.
"""

from __future__ import annotations

import asyncio
import time


async def away_from_minute_edge(seconds_needed: float = 20.0) -> None:
    """Return once at least ``seconds_needed`` remain in the current minute."""
    left = 60 - time.time() % 60
    if left < seconds_needed:
        await asyncio.sleep(left + 0.05)  # the next minute has just begun
