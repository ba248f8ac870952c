"""Turn what a citizen typed into tokens the matcher can compare.

The same question arrives as "Làm CCCD ở đâu?", "lam cccd o dau", "làm căn cước
công dân ở đâu ạ" or with old-style tones. Normalisation makes them meet:
clean Unicode, one tone placement, abbreviations and old terms expanded from
data files that staff can extend, and an accent-folded twin of every token
because about half of all questions are typed without diacritics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge import yaml_text
from knowledge.vietnamese import clean, fold, folded_words, has_diacritics, normalise_tones, words

DEFAULT_DICTIONARY_DIR = Path(__file__).parent / "data"
ABBREVIATIONS_FILE = "abbreviations.yaml"
OLD_TERMS_FILE = "old_terms.yaml"
# An old term used in this many example texts is taught by them: it is no longer expanded.
TAUGHT = 3


@dataclass(frozen=True)
class Token:
    """One word in both spellings; ``core`` is False for words added by expansion."""

    text: str
    folded: str
    core: bool = True


@dataclass(frozen=True)
class Normalized:
    """A normalised question: display form, tokens, and whether it had diacritics."""

    text: str
    tokens: tuple[Token, ...]
    accented: bool

    @property
    def folded(self) -> str:
        return " ".join(t.folded for t in self.tokens)

    @property
    def folded_core(self) -> str:
        return " ".join(t.folded for t in self.tokens if t.core)


@dataclass(frozen=True)
class _Rule:
    replacement: tuple[str, ...]
    keep_original: bool


class Normalizer:
    """Applies the dictionaries; built once at start-up and shared (immutable)."""

    def __init__(self, abbreviations: Mapping[str, str], old_terms: Mapping[str, str]) -> None:
        self._abbreviations = dict(abbreviations)
        self._old_terms = dict(old_terms)
        rules: dict[tuple[str, ...], _Rule] = {}
        for key, value in abbreviations.items():
            self._add_rule(rules, key, value, keep_original=False)
        for key, value in old_terms.items():
            self._add_rule(rules, key, value, keep_original=True)
        self._rules = rules
        self._max_len = max((len(k) for k in rules), default=1)
        self._firsts = frozenset(k[0] for k in rules)  # most words start no rule

    @staticmethod
    def _add_rule(rules: dict[tuple[str, ...], _Rule], key: str, value: str,
                  *, keep_original: bool) -> None:
        key_words = tuple(words(normalise_tones(clean(str(key)).lower())))
        replacement = tuple(words(normalise_tones(clean(str(value)).lower())))
        if not key_words or not replacement:
            return
        rule = _Rule(replacement, keep_original)
        rules.setdefault(key_words, rule)
        # A phrase of several words is unambiguous without diacritics too; a
        # single word is not ("hông" = "không", but "hong" may be "hỏng").
        if len(key_words) > 1:
            rules.setdefault(tuple(fold(w) for w in key_words), rule)

    @classmethod
    def from_directory(cls, directory: Path | None = None) -> Normalizer:
        directory = directory or DEFAULT_DICTIONARY_DIR
        return cls(
            _read_mapping(directory / ABBREVIATIONS_FILE),
            _read_mapping(directory / OLD_TERMS_FILE),
        )

    def taught_by(self, examples: Iterable[str]) -> Normalizer:
        """This normaliser without the old terms the example texts already use.

        An old term is expanded so the matcher links it to the current one ("chứng minh
        nhân dân" → "thẻ căn cước"). Once enough of the knowledge base's own examples use
        it ("sổ đỏ" in 56), the learned model links it itself, and the appended official
        phrase only adds the words of one topic's title to every question that mentions it
        in passing ("chứng thực bản sao sổ đỏ" pulled towards the land topic). Measured with
        `citizen-bot eval --cv` (1,914 examples): every old term expanded, 78.0 / 77.8 %
        answered right (as written / no diacritics); none, 78.5 / 78.7 %; only those used
        in fewer than ``TAUGHT`` examples, 78.6 / 78.6 %. A staff member who adds examples
        with an old term retires its expansion at the next knowledge version.
        """
        padded = [f" {folded_words(t)} " for t in examples]
        kept = {key: value for key, value in self._old_terms.items()
                if sum(f" {folded_words(key)} " in text for text in padded) < TAUGHT}
        if len(kept) == len(self._old_terms):
            return self
        return Normalizer(self._abbreviations, kept)

    def normalize(self, text: str) -> Normalized:
        display = normalise_tones(clean(text).lower())
        raw = words(display)
        return Normalized(display, tuple(self._expand(raw)), has_diacritics(display))

    def _expand(self, raw: list[str]) -> Iterable[Token]:
        i = 0
        while i < len(raw):
            if raw[i] not in self._firsts:
                yield Token(raw[i], fold(raw[i]))
                i += 1
                continue
            for size in range(min(self._max_len, len(raw) - i), 0, -1):
                rule = self._rules.get(tuple(raw[i : i + size]))
                if rule is None:
                    continue
                if rule.keep_original:
                    yield from (Token(w, fold(w)) for w in raw[i : i + size])
                    yield from (Token(w, fold(w), core=False) for w in rule.replacement)
                else:
                    yield from (Token(w, fold(w)) for w in rule.replacement)
                i += size
                break
            else:
                yield Token(raw[i], fold(raw[i]))
                i += 1


def _read_mapping(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    data = yaml_text.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: phải là các dòng 'từ viết tắt: nghĩa đầy đủ'")
    return {str(k): str(v) for k, v in data.items() if v is not None}
