"""Recognise greetings, thanks, acknowledgements and requests for help.

These must not reach the topic matcher as questions ("chào bạn" is not about
any procedure) and they deserve a friendly, short reply with the menu.
"""

from __future__ import annotations

from pathlib import Path

from knowledge import yaml_text
from knowledge.normalize import DEFAULT_DICTIONARY_DIR, Normalized, Normalizer
from knowledge.vietnamese import fold

SMALLTALK_FILE = "smalltalk.yaml"
# Politeness particles that may surround a social message without changing it.
PARTICLES = frozenset(
    "a ah ạ à ơi nhé nhe nha nhá với đi luôn hen nghen ha hả vậy dạ vâng bạn ad admin bot "
    "em anh chị cháu bác tôi mình tui thế cả chút tí mãi sao gì gấp lắm quá thật hết mà "
    "ê nè hè rứa là đó"  # central and southern "hey", "right?", "so"; "vậy là", "hay đó"
    .split()
)
MAX_TOKENS = 10
# A message made of several social phrases ("chào bạn, cho hỏi chút") takes the kind
# that asks the most of the bot; later kinds lose to earlier ones.
PRIORITY = ("complaint", "confused", "help", "presence", "bye", "thanks", "ack", "greeting")
# A phrase marked "*" in the file also marks a longer message as that kind, found anywhere
# in it, when the matcher can place the message nowhere ("đọc không hiểu gì hết, già rồi
# mắt kém"). Whatever else such a message says, the bot cannot answer it.
INSIDE = "*"
MAX_INSIDE_TOKENS = 2 * MAX_TOKENS
# Folded words said in place of others in these phrases: "chẳng", "chả", unaccented "hong"
# for "không" ("ko", "k", "hông" already are, by abbreviations.yaml); southern "hoài" for
# "mãi".
_SAME = {"khong": ("hong", "chang", "cha"), "mai": ("hoai",)}


class SmalltalkDetector:
    """Looks a short message up in the phrase list, ignoring particles."""

    def __init__(self, phrases: dict[str, list[str]], normalizer: Normalizer) -> None:
        self._phrases: dict[str, str] = {}
        self._inside: dict[str, str] = {}
        self._particles = frozenset(fold(p) for p in PARTICLES)
        for kind, items in phrases.items():
            for item in items or []:
                phrase = str(item).strip()
                inside = phrase.startswith(INSIDE)
                norm = normalizer.normalize(phrase.removeprefix(INSIDE))
                key = self._key(norm)
                self._phrases.setdefault(key, kind)
                stripped = self._strip(norm)
                # Not a stripped key of one short word: "dở quá" would make every "đó"
                # (also folded "do") a complaint.
                if stripped and (" " in stripped or len(stripped) >= 3):
                    self._phrases.setdefault(stripped, kind)
                if inside and " " in key:  # whole: "không hiểu gì" stripped is "không hiểu"
                    for variant in _variants(key.split()):
                        self._inside.setdefault(variant, kind)
        self._thanks_openings = frozenset(
            phrase.split()[0] for phrase, kind in self._phrases.items()
            if kind in ("thanks", "ack") and phrase)

    @classmethod
    def from_directory(cls, normalizer: Normalizer, directory: Path | None = None
                       ) -> SmalltalkDetector:
        path = (directory or DEFAULT_DICTIONARY_DIR) / SMALLTALK_FILE
        data = yaml_text.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
        return cls(data or {}, normalizer)

    @staticmethod
    def _key(norm: Normalized) -> str:
        return " ".join(t.folded for t in norm.tokens)

    def _strip(self, norm: Normalized) -> str:
        return " ".join(t.folded for t in norm.tokens if t.folded not in self._particles)

    def detect(self, norm: Normalized) -> str | None:
        """The kind of social message ("greeting", "thanks"…), or None."""
        if not norm.tokens:
            return "empty"
        if len(norm.tokens) > MAX_TOKENS:
            return None
        kind = self._phrases.get(self._key(norm))
        if kind:
            return kind
        stripped = self._strip(norm)
        if not stripped:
            return "greeting"
        return self._phrases.get(stripped) or self._segmented(stripped.split())

    def within(self, norm: Normalized) -> str | None:
        """The kind of a "*" phrase the message holds anywhere, for a message the matcher
        cannot place (the caller checks that); the kind asking most of the bot wins."""
        if len(norm.tokens) > MAX_INSIDE_TOKENS:
            return None
        padded = f" {self._key(norm)} "
        kinds = [kind for phrase, kind in self._inside.items() if f" {phrase} " in padded]
        return _asking_most(kinds) if kinds else None

    def after_thanks(self, norm: Normalized) -> str | None:
        """What follows thanks or an acknowledgement that opens a longer message ("dạ cám
        ơn nhiều, để mai em lên xã làm" → "de mai em len xa lam"), else None. The caller
        decides whether that rest asks anything."""
        tokens = [t.folded for t in norm.tokens]
        opening = next((t for t in tokens if t not in self._particles), None)
        if opening not in self._thanks_openings:  # most messages: one set lookup
            return None
        for end in range(min(len(tokens) - 1, MAX_TOKENS), 0, -1):
            head = [t for t in tokens[:end] if t not in self._particles]
            kinds = self._split(tuple(head)) if head else None
            if kinds and all(k in ("thanks", "ack") for k in kinds) and "thanks" in kinds:
                return " ".join(tokens[end:])
        return None

    def _segmented(self, tokens: list[str]) -> str | None:
        """The kind of a message that splits wholly into known phrases, else None."""
        kinds = self._split(tuple(tokens))
        if not kinds:
            return None
        return _asking_most(kinds)

    def _split(self, tokens: tuple[str, ...]) -> list[str] | None:
        """Phrase kinds covering ``tokens`` exactly (longest phrase first), or None."""
        if not tokens:
            return []
        for end in range(len(tokens), 0, -1):
            kind = self._phrases.get(" ".join(tokens[:end]))
            if kind:
                rest = self._split(tokens[end:])
                if rest is not None:
                    return [kind, *rest]
        return None


def _variants(tokens: list[str]) -> list[str]:
    """The phrase with each word said in place of another (``_SAME``) swapped in."""
    out = [""]
    for token in tokens:
        out = [f"{head} {alt}".strip() for head in out for alt in (token, *_SAME.get(token, ()))]
    return out


def _asking_most(kinds: list[str]) -> str:
    return min(kinds, key=lambda k: PRIORITY.index(k) if k in PRIORITY else len(PRIORITY))
