"""The runtime's entry for every channel: handle a message, then log it.

Channels call :meth:`Assistant.handle` and render the reply; logging goes to a
sink that never blocks or fails the reply (the demand log queues in memory).
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from handlers.conversation import Conversation, Turn
from handlers.messages import Incoming

log = logging.getLogger(__name__)


class TurnSink(Protocol):
    """Receives every handled turn; implementations must not raise or block."""

    def record_turn(self, msg: Incoming, turn: Turn, latency_ms: float) -> None: ...


class Assistant:
    def __init__(self, conversation: Conversation, sink: TurnSink | None = None) -> None:
        self.conversation = conversation
        self.sink = sink

    def handle(self, msg: Incoming) -> Turn:
        started = time.perf_counter()
        turn = self.conversation.handle(msg)
        latency_ms = (time.perf_counter() - started) * 1000
        if self.sink is not None:
            try:
                self.sink.record_turn(msg, turn, latency_ms)
            except Exception:  # the reply matters more than its log line
                log.exception("could not queue the event for %s", turn.event_id)
        return turn
