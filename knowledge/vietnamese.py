"""Low-level Vietnamese text primitives: cleaning, accent folding, tone placement.

Citizens type on many keyboards: NFD input from some phones, old-style tone
placement ("hoà", "thuý"), stray zero-width or bidi characters pasted from web
pages. Two spellings of the same word must become one token before matching.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Zero-width, BOM, bidi embedding/override/isolate marks and other invisibles.
_INVISIBLE_RE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE_RE = re.compile(r"\s+")

TONE_MARKS = {
    "\u0300": "f",  # huyền
    "\u0301": "s",  # sắc
    "\u0309": "r",  # hỏi
    "\u0303": "x",  # ngã
    "\u0323": "j",  # nặng
}
_QUALITY_VOWELS = set("ăâêôơư")
_VOWELS = set("aăâeêioôơuưy")
# fold and place_tone run on every token of every message and are pure functions of a
# short string; words repeat endlessly, so a bounded memo saves most of their cost.
# Longer strings (whole messages) are rarely seen twice and are not kept.
_MEMO_SIZE = 65536
_MEMO_MAX_LEN = 32


def clean(text: str) -> str:
    """NFC, invisible and control characters removed, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE_RE.sub("", text)
    text = _CONTROL_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip()


def _fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


_fold_memo = lru_cache(maxsize=_MEMO_SIZE)(_fold)


def fold(text: str) -> str:
    """Remove every diacritic (đ→d included, which NFD does not decompose).

    A longer text is folded word by word through the memo: a space is a starter that
    NFD neither decomposes nor reorders marks across, so this is exactly ``_fold`` of
    the whole text — at a fraction of the cost for the whole messages folded on every
    turn."""
    if len(text) <= _MEMO_MAX_LEN:
        return _fold_memo(text)
    return " ".join(_fold_memo(word) if len(word) <= _MEMO_MAX_LEN else _fold(word)
                    for word in text.split(" "))


def has_diacritics(text: str) -> bool:
    return fold(text) != text


def _split_tone(syllable: str) -> tuple[str, str | None]:
    """Return the syllable without its tone mark (vowel qualities kept) and the tone."""
    tone = None
    kept = []
    for ch in unicodedata.normalize("NFD", syllable):
        if ch in TONE_MARKS:
            tone = ch
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _tone_position(base: str) -> int | None:
    """Index of the vowel that carries the tone, by the modern placement rule."""
    start = 0
    if (base.startswith("gi") and len(base) > 2 and base[2] in _VOWELS) or base.startswith("qu"):
        start = 2
    positions = [i for i in range(start, len(base)) if base[i] in _VOWELS]
    if not positions:
        positions = [i for i in range(len(base)) if base[i] in _VOWELS]
    if not positions:
        return None
    quality = [i for i in positions if base[i] in _QUALITY_VOWELS]
    if quality:
        return quality[-1]
    if len(positions) == 1:
        return positions[0]
    has_final = positions[-1] < len(base) - 1
    if has_final or len(positions) >= 3:
        return positions[1] if len(positions) >= 3 else positions[-1]
    pair = base[positions[0]] + base[positions[1]]
    return positions[1] if pair in {"oa", "oe", "uy"} else positions[0]


def place_tone(syllable: str) -> str:
    """Put the tone mark where the modern rule puts it ("hoà" → "hòa")."""
    return _place_tone_memo(syllable) if len(syllable) <= _MEMO_MAX_LEN \
        else _place_tone(syllable)


def _place_tone(syllable: str) -> str:
    base, tone = _split_tone(syllable)
    if tone is None:
        return syllable
    pos = _tone_position(base)
    if pos is None:
        return syllable
    marked = unicodedata.normalize("NFD", base[pos]) + tone
    return base[:pos] + unicodedata.normalize("NFC", marked) + base[pos + 1 :]


_place_tone_memo = lru_cache(maxsize=_MEMO_SIZE)(_place_tone)


_WORD_RE = re.compile(r"\w+", re.UNICODE)


def normalise_tones(text: str) -> str:
    """Apply :func:`place_tone` to every word of a lower-cased text."""
    return _WORD_RE.sub(lambda m: place_tone(m.group(0)), text)


def words(text: str) -> list[str]:
    """Word tokens, keeping one-letter syllables such as "ở" and numbers."""
    return _WORD_RE.findall(text)


def folded_words(text: str) -> str:
    """Lower-case, accent-folded words separated by single spaces: how the rules that
    compare wordings (aspects, follow-ups, duplicate questions, taught old terms) see text."""
    return " ".join(fold(w) for w in words(clean(text).lower()))
