"""Find the names of topics (titles and keywords) a question contains, word for word.

A question that contains a topic's own name ("lam thuong tru het bao nhieu tien" holds the
keyword "thuong tru") is about that topic far more surely than its n-gram score says. The
ranker finds the names once per question, among those of the topics it was trained on
(knowledge/ranker.py): they are evidence for the answer decision, and the matcher's
two-subject and vague-question rules read the same result.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)


class Names(Generic[T]):
    """Name phrases (folded, space-separated words) → the topics each one names."""

    def __init__(self, pairs: Iterable[tuple[str, T]]) -> None:
        found: dict[str, set[T]] = {}
        for phrase, topic in pairs:
            key = " ".join(phrase.split())
            if key:
                found.setdefault(key, set()).add(topic)
        self.topics = {name: frozenset(ids) for name, ids in found.items()}
        # Every run of words a name starts with: a lookup extends a phrase only while some
        # name still starts that way (one or two steps, not every length).
        self._prefixes = frozenset(
            " ".join(words[:n]) for words in (name.split() for name in self.topics)
            for n in range(1, len(words) + 1))

    def find(self, words: list[str]) -> dict[str, frozenset[T]]:
        """Each name the words contain → the topics it names."""
        found = {}
        prefixes, topics = self._prefixes, self.topics
        for i, phrase in enumerate(words):
            end = i + 1
            while phrase in prefixes:
                if phrase in topics:
                    found[phrase] = topics[phrase]
                if end == len(words):
                    break
                phrase = f"{phrase} {words[end]}"
                end += 1
        return found

    @staticmethod
    def longest(found: Mapping[str, frozenset[T]], topic: T) -> int:
        """Words in the longest of ``found`` that names ``topic`` (0: none does)."""
        return max((len(name.split()) for name, ids in found.items() if topic in ids),
                   default=0)
