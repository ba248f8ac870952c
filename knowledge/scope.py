"""Known gaps: subjects close to covered topics, or plainly off-topic, that the bot lacks.

"Thủ tục nhận con nuôi" shares most words with "nhận cha, mẹ, con"; without
this list the matcher could answer it confidently and wrongly. Naming the gap
lets the bot say it has no guide for it and offer a person instead.

Matching respects diacritics: a one-word entry such as "chữa" must not catch
"chưa" once accents are gone, so single words match only as typed (or when the
entry itself has no diacritics); phrases of several words also match unaccented.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from knowledge import yaml_text
from knowledge.normalize import DEFAULT_DICTIONARY_DIR, Normalized, Normalizer, Token

NOT_COVERED_FILE = "not_covered.yaml"
GENERIC_WORDS_FILE = "generic_words.yaml"


@dataclass(frozen=True)
class _Phrase:
    label: str
    words: tuple[Token, ...]

    def matches_at(self, tokens: tuple[Token, ...], start: int) -> bool:
        if start + len(self.words) > len(tokens):
            return False
        loose = len(self.words) > 1
        for want, got in zip(self.words, tokens[start:], strict=False):
            if got.text == want.text:
                continue
            unaccented = got.text == got.folded
            if not (unaccented and got.folded == want.folded
                    and (loose or want.text == want.folded)):
                return False
        return True


# "để …" after the request introduces its purpose (typed without accents, "de" is
# nearly always "để" in a question).
_PURPOSE = frozenset({"để", "de", "đặng"})


class ScopeGuard:
    def __init__(self, phrases: list[str], normalizer: Normalizer,
                 generic_words: list[str] | None = None) -> None:
        self._generic = frozenset(
            w for word in generic_words or [] for t in normalizer.normalize(str(word)).tokens
            for w in (t.text, t.folded))
        self._by_first: dict[str, list[_Phrase]] = {}
        for raw in phrases:
            words = tuple(t for t in normalizer.normalize(str(raw)).tokens if t.core)
            if words:
                self._by_first.setdefault(words[0].folded, []).append(_Phrase(str(raw), words))
        for group in self._by_first.values():
            group.sort(key=lambda p: -len(p.words))

    @classmethod
    def from_directory(cls, normalizer: Normalizer, directory: Path | None = None
                       ) -> ScopeGuard:
        path = (directory or DEFAULT_DICTIONARY_DIR) / NOT_COVERED_FILE
        data = yaml_text.safe_load(path.read_text(encoding="utf-8")) if path.exists() else []
        generic_path = (directory or DEFAULT_DICTIONARY_DIR) / GENERIC_WORDS_FILE
        generic = (yaml_text.safe_load(generic_path.read_text(encoding="utf-8"))
                   if generic_path.exists() else [])
        if not isinstance(data, list) or not isinstance(generic, list):
            raise ValueError(f"{NOT_COVERED_FILE}, {GENERIC_WORDS_FILE}: phải là danh sách")
        return cls([str(p) for p in data], normalizer, [str(w) for w in generic])

    def vague(self, norm: Normalized) -> bool:
        """True when every word only says what kind of help is wanted, not which procedure."""
        words = [t for t in norm.tokens if t.core and not t.text.isdigit()]
        return bool(self._generic) and all(
            t.text in self._generic or (t.text == t.folded and t.folded in self._generic)
            for t in words)

    def find(self, norm: Normalized) -> list[tuple[str, str]]:
        """Every listed subject the question names, as (label, folded phrase)."""
        tokens = tuple(t for t in norm.tokens if t.core)
        found = []
        for i, token in enumerate(tokens):
            if i > 0 and token.text in _PURPOSE:
                # "xin giấy độc thân để làm hồ sơ vay vốn": what follows is what the
                # citizen needs it for, not what they ask about.
                break
            for phrase in self._by_first.get(token.folded, ()):
                if phrase.matches_at(tokens, i):
                    found.append((phrase.label, " ".join(w.folded for w in phrase.words)))
        return found

    @staticmethod
    def first_gap(found: list[tuple[str, str]], topic_text: str) -> str | None:
        """The first subject found that the topic itself does not mention."""
        padded = f" {topic_text} "
        return next((label for label, folded in found if f" {folded} " not in padded), None)

    def gap(self, norm: Normalized, topic_text: str = "") -> str | None:
        return self.first_gap(self.find(norm), topic_text)
