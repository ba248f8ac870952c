"""Citizen text on its way into a report or a staff screen is redacted once more.

The events table should hold only redacted text, but rows written by an older version
(or missed by an older rule set) may not. A report is read by many people and kept, so
it redacts again instead of trusting what is stored. The stored ``text_normalized`` has
lost the punctuation that marks an e-mail ("nguyen van a gmail com"), so when the
redacted text still held something, its re-redacted form replaces the stored one.
"""

from __future__ import annotations

from bot.privacy import redact


def safe_texts(normalized: str | None, redacted: str | None) -> tuple[str, str]:
    """``(normalized, example)`` of one stored question, fit to be shown."""
    again = redact(redacted or "")
    if again.found:
        return again.text, again.text
    return (redact(normalized).text if normalized else ""), again.text


def safe_text(text: str) -> str:
    """One text already chosen for display (an example, a group's sample)."""
    return redact(text).text if text else text
