"""The live knowledge: one immutable snapshot, swapped atomically on change.

Readers grab ``service.current`` once per message and use that snapshot to the
end, so a reload in the middle of a conversation never mixes two versions. A
knowledge base that fails validation is never swapped in: the bot keeps
serving the last good one.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.index import SearchIndex
from knowledge.loader import DEFAULT_CONTENT_DIR, KnowledgeBase, KnowledgeError, load_directory
from knowledge.matcher import MatchConfig, Matcher, MatchResult
from knowledge.normalize import Normalizer
from knowledge.off_topic import load_off_topic
from knowledge.scope import ScopeGuard
from knowledge.smalltalk import SmalltalkDetector

log = logging.getLogger(__name__)
KnowledgeSource = Callable[[], KnowledgeBase]


MATCH_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Snapshot:
    kb: KnowledgeBase
    index: SearchIndex
    matcher: Matcher
    _cache: OrderedDict[str, MatchResult] = field(default_factory=OrderedDict, repr=False,
                                                  compare=False)

    @property
    def version(self) -> str:
        return self.kb.version

    def match(self, text: str) -> MatchResult:
        """:meth:`Matcher.match`, remembered for the questions asked most.

        Citizens ask the same few things in the same few words ("cccd", "menu",
        "làm căn cước ở đâu"); a result depends only on the text and this snapshot,
        so it is kept per snapshot (an edit builds a new one) in a bounded LRU.
        """
        cache = self._cache
        result = cache.get(text)
        if result is not None:
            cache.move_to_end(text)
            return result
        result = self.matcher.match(text)
        cache[text] = result
        if len(cache) > MATCH_CACHE_SIZE:
            cache.popitem(last=False)
        return result


def build_snapshot(kb: KnowledgeBase, dictionary_dir: Path | None = None,
                   config: MatchConfig | None = None) -> Snapshot:
    """All per-version work happens here, once: normaliser, index, and the matcher's model.

    The matcher trains its topic model and confidence on this version's example questions
    (knowledge/matcher.py), so whatever staff added is learned with no separate step.
    """
    examples = (text for t in kb.topics.values() for text in (t.title, *t.keywords, *t.questions))
    normalizer = Normalizer.from_directory(dictionary_dir).taught_by(examples)
    index = SearchIndex(kb, normalizer)
    matcher = Matcher(index, SmalltalkDetector.from_directory(normalizer, dictionary_dir),
                      config, ScopeGuard.from_directory(normalizer, dictionary_dir),
                      negatives=load_off_topic(dictionary_dir))
    return Snapshot(kb, index, matcher)


class KnowledgeService:
    """Holds the current snapshot and knows how to rebuild it from its source."""

    def __init__(self, source: KnowledgeSource, dictionary_dir: Path | None = None,
                 content_dir: Path = DEFAULT_CONTENT_DIR) -> None:
        self._source = source
        self.content_dir = content_dir
        self._dictionary_dir = dictionary_dir
        self._current = build_snapshot(source(), dictionary_dir)
        self.stored_version: int | None = None  # id of the database version being served

    @classmethod
    def from_directory(cls, content_dir: Path = DEFAULT_CONTENT_DIR,
                       dictionary_dir: Path | None = None) -> KnowledgeService:
        return cls(lambda: load_directory(content_dir), dictionary_dir, content_dir)

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

    def install(self, kb: KnowledgeBase, stored_version: int | None = None) -> None:
        """Serve an already validated knowledge base (e.g. the newest database version).

        The same content as the one being served (its hash: e.g. the starter files, just
        stored as the first version) keeps the snapshot: a rebuild would come out equal.
        """
        if kb.version != self._current.version:
            self._current = build_snapshot(kb, self._dictionary_dir)
        self.stored_version = stored_version
        log.info("knowledge version %s (stored #%s) is live", kb.version, stored_version)

    async def install_in_background(self, kb: KnowledgeBase,
                                    stored_version: int | None = None) -> None:
        await asyncio.to_thread(self.install, kb, stored_version)

    async def reload_in_background(self) -> list[str]:
        """Index building is CPU work; keep the event loop answering meanwhile."""
        return await asyncio.to_thread(self.reload)
