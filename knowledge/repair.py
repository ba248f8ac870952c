"""Repair words the knowledge base has never seen: Telex/VNI residue and typos.

A phone keyboard without Vietnamese input leaves "thur tucj" for "thủ tục" or
"thu3 tuc5"; tired thumbs leave "tam truu". Only words outside the knowledge
base's vocabulary are touched, and only when the repair lands on a known word,
so correct input is never changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from knowledge.normalize import Normalized, Token

_TELEX_PAIRS = (("dd", "d"), ("aa", "a"), ("aw", "a"), ("ee", "e"), ("oo", "o"),
                ("ow", "o"), ("uw", "u"), ("w", "u"))
_TONE_KEYS = "sfrxj"
_VNI_RE = re.compile(r"(?<=[a-z])[1-9]")
MIN_TYPO_LEN = 4


def _telex(word: str) -> Iterable[str]:
    base = re.sub(r"([aeo])([bcdghklmnpqrtv]+)\1", r"\1\2", word)  # "ketes" -> "kets"
    for pair, single in _TELEX_PAIRS:
        base = base.replace(pair, single)
    yield base
    if len(base) > 2 and base[-1] in _TONE_KEYS:
        yield base[:-1]
    inner = re.sub(r"(?<=[aeiouy])[sfrxj](?=[a-z])", "", base)
    if inner != base:
        yield inner
        if len(inner) > 2 and inner[-1] in _TONE_KEYS:
            yield inner[:-1]


class Repairer:
    """Built once per knowledge version from the index vocabulary."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary = frozenset(vocabulary)
        self._long_words = sorted(w for w in self.vocabulary if len(w) >= MIN_TYPO_LEN)
        self._cache: dict[str, str | None] = {}

    def repair_word(self, word: str) -> str | None:
        """A known word this one was meant to be, or None."""
        if word in self.vocabulary or word.isdigit():
            return None
        if word in self._cache:
            return self._cache[word]
        fixed = self._find(word)
        if len(self._cache) < 50_000:
            self._cache[word] = fixed
        return fixed

    def _find(self, word: str) -> str | None:
        vni = _VNI_RE.sub("", word)
        if vni != word and vni in self.vocabulary:
            return vni
        for candidate in _telex(vni):
            if candidate != word and candidate in self.vocabulary:
                return candidate
        if len(word) < MIN_TYPO_LEN or not word.isalpha():
            return None
        hits = process.extract(word, self._long_words, scorer=Levenshtein.distance,
                               score_cutoff=1, limit=2)
        if len(hits) == 1 or (len(hits) == 2 and hits[0][1] < hits[1][1]):
            return hits[0][0]
        return None

    def repair(self, norm: Normalized) -> Normalized:
        tokens = []
        changed = False
        for token in norm.tokens:
            fixed = self.repair_word(token.folded) if token.text == token.folded else None
            if fixed:
                tokens.append(Token(fixed, fixed, token.core))
                changed = True
            else:
                tokens.append(token)
        return Normalized(norm.text, tuple(tokens), norm.accented) if changed else norm
