"""Flood-limit tests count messages per wall-clock minute (``bot.storage.counters``).

A test that sends a few messages must not straddle a minute boundary, or the count
restarts half-way and more messages pass than the limit allows — a flaky failure, not
a bug. The counters' clock is frozen for the test instead (restarting each minute is
``tests/bot/storage/test_counters.py``'s); waiting for a new minute cost up to 20 s.
"""

from __future__ import annotations

import pytest

from bot.storage import counters


def freeze_minute(monkeypatch: pytest.MonkeyPatch) -> int:
    """Count every message of the test in the minute it started in; that minute."""
    minute = counters.current_minute()
    monkeypatch.setattr(counters, "current_minute", lambda now=None: minute)
    return minute
