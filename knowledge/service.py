"""The live knowledge: one immutable snapshot, swapped atomically on change.

Readers grab ``service.current`` once per message and use that snapshot to the
end, so a reload in the middle of a conversation never mixes two versions. A
knowledge base that fails validation is never swapped in: the bot keeps
serving the last good one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from knowledge.index import SearchIndex
from knowledge.loader import DEFAULT_CONTENT_DIR, KnowledgeBase, KnowledgeError, load_directory
from knowledge.matcher import MatchConfig, Matcher
from knowledge.normalize import Normalizer
from knowledge.scope import ScopeGuard
from knowledge.smalltalk import SmalltalkDetector

log = logging.getLogger(__name__)
KnowledgeSource = Callable[[], KnowledgeBase]


@dataclass(frozen=True)
class Snapshot:
    kb: KnowledgeBase
    index: SearchIndex
    matcher: Matcher

    @property
    def version(self) -> str:
        return self.kb.version


def build_snapshot(kb: KnowledgeBase, dictionary_dir: Path | None = None,
                   config: MatchConfig | None = None) -> Snapshot:
    """All per-version work (normaliser, index, matcher) happens here, once."""
    normalizer = Normalizer.from_directory(dictionary_dir)
    index = SearchIndex(kb, normalizer)
    matcher = Matcher(index, SmalltalkDetector.from_directory(normalizer, dictionary_dir),
                      config, ScopeGuard.from_directory(normalizer, dictionary_dir))
    return Snapshot(kb, index, matcher)


class KnowledgeService:
    """Holds the current snapshot and knows how to rebuild it from its source."""

    def __init__(self, source: KnowledgeSource, dictionary_dir: Path | None = None) -> None:
        self._source = source
        self._dictionary_dir = dictionary_dir
        self._current = build_snapshot(source(), dictionary_dir)

    @classmethod
    def from_directory(cls, content_dir: Path = DEFAULT_CONTENT_DIR,
                       dictionary_dir: Path | None = None) -> KnowledgeService:
        return cls(lambda: load_directory(content_dir), dictionary_dir)

    @property
    def current(self) -> Snapshot:
        return self._current

    def reload(self) -> list[str]:
        """Rebuild from the source; returns the problems (empty when swapped in)."""
        try:
            snapshot = build_snapshot(self._source(), self._dictionary_dir)
        except KnowledgeError as exc:
            log.error("knowledge reload refused, keeping version %s: %d problem(s)",
                      self._current.version, len(exc.problems))
            return [str(p) for p in exc.problems]
        except (OSError, ValueError) as exc:
            log.error("knowledge reload failed, keeping version %s: %s",
                      self._current.version, exc)
            return [str(exc)]
        if snapshot.version != self._current.version:
            log.info("knowledge version %s -> %s", self._current.version, snapshot.version)
        self._current = snapshot
        return []

    async def reload_in_background(self) -> list[str]:
        """Index building is CPU work; keep the event loop answering meanwhile."""
        return await asyncio.to_thread(self.reload)
