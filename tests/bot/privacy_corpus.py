"""The redaction corpora (``tests/bot/data/privacy_*.jsonl``) and how a leak is detected.

``privacy_sensitive.jsonl``: one way of writing personal data per line — the text, the
kinds it must be reported as, and the secrets that must not survive. ``privacy_benign``:
ordinary questions whose numbers (dates, money, laws, counts) must come out unchanged.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from knowledge.vietnamese import fold

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Sensitive:
    text: str
    kinds: tuple[str, ...]
    secrets: tuple[str, ...]


def _lines(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


SENSITIVE = [Sensitive(r["text"], tuple(r["kinds"]), tuple(r["secrets"]))
             for r in _lines("privacy_sensitive.jsonl")]
BENIGN = [r["text"] for r in _lines("privacy_benign.jsonl")]


def digits(text: str | None) -> str:
    """Every digit of the text, in any script, as ASCII, with everything else dropped."""
    return "".join(str(unicodedata.digit(c)) for c in text or ""
                   if unicodedata.digit(c, None) is not None)


def _squash(text: str) -> str:
    """Lower-case ASCII letters and digits only: "Nguyen.Van.A" and "nguyen van anh"
    (how the matcher's normaliser writes it) both contain "nguyenvana"."""
    return re.sub(r"[^a-z0-9]", "", fold(text.lower()))


# Digits with a few separators between them ("0912 . 345", "0010/9900"): one number as
# a reader would take it. Letters and line breaks end it, so the counts and dates of a
# report are not glued into a false match.
_NUMBER_RE = re.compile(r"\d(?:[^\w\n]{0,3}\d)*")


def survives(text: str | None, secret: str) -> bool:
    """Whether ``secret`` can still be read in ``text``, whatever spacing it now has."""
    if secret.isdigit():
        return any(secret in digits(m.group()) for m in _NUMBER_RE.finditer(text or ""))
    return _squash(secret) in _squash(text or "")


def leaked(text: str | None) -> list[str]:
    """The secrets of the whole sensitive corpus still readable in ``text``."""
    return [s for row in SENSITIVE for s in row.secrets if survives(text, s)]


SECRETS = tuple(dict.fromkeys(s for row in SENSITIVE for s in row.secrets))


def readable_secrets(text: str | None, secrets: Iterable[str] = SECRETS) -> list[str]:
    """``survives`` for many secrets at once (scanning a whole database): the text's
    numbers and its squashed form are worked out once, not once per secret."""
    text = text or ""
    numbers = [digits(m.group()) for m in _NUMBER_RE.finditer(text)]
    squashed: str | None = None
    found = []
    for secret in secrets:
        if secret.isdigit():
            if any(secret in number for number in numbers):
                found.append(secret)
            continue
        squashed = _squash(text) if squashed is None else squashed
        if _squash(secret) in squashed:
            found.append(secret)
    return found
