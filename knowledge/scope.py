"""Known gaps: procedures close to covered topics that the knowledge base lacks.

"Thủ tục nhận con nuôi" shares most words with "nhận cha, mẹ, con"; without
this list the matcher could answer it confidently and wrongly. Naming the gap
lets the bot say it has no guide for it and offer a person instead.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from knowledge.normalize import DEFAULT_DICTIONARY_DIR, Normalized, Normalizer

NOT_COVERED_FILE = "not_covered.yaml"


class ScopeGuard:
    def __init__(self, phrases: list[str], normalizer: Normalizer) -> None:
        self._phrases: list[tuple[tuple[str, ...], str]] = []
        for phrase in phrases:
            tokens = tuple(t.folded for t in normalizer.normalize(str(phrase)).tokens)
            if tokens:
                self._phrases.append((tokens, str(phrase)))
        self._phrases.sort(key=lambda p: -len(p[0]))

    @classmethod
    def from_directory(cls, normalizer: Normalizer, directory: Path | None = None
                       ) -> ScopeGuard:
        path = (directory or DEFAULT_DICTIONARY_DIR) / NOT_COVERED_FILE
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else []
        if not isinstance(data, list):
            raise ValueError(f"{NOT_COVERED_FILE}: phải là một danh sách")
        return cls([str(p) for p in data], normalizer)

    def gap(self, norm: Normalized, topic_text: str = "") -> str | None:
        """The uncovered subject the question names, unless the topic mentions it too."""
        words = [t.folded for t in norm.tokens]
        joined = f" {' '.join(words)} "
        for tokens, label in self._phrases:
            needle = f" {' '.join(tokens)} "
            if needle in joined and needle not in f" {topic_text} ":
                return label
        return None
