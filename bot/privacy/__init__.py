"""Privacy before storage: redact personal data from free text, pseudonymise platform ids.

Citizens paste their căn cước number, phone, bank account or even an OTP into a chat
while asking for help. Nothing like that may reach the database, a staff chat or a
report, so every text is passed through :func:`redact` first. The rules err on the side
of redacting, but keep the ordinary numbers that make a question meaningful (years,
ages, money, days, dates, legal document numbers), because the demand log is only
useful if the questions stay readable.

Any message is redacted in time linear in its length: one message must never freeze
a worker. The finders live in their own modules (:mod:`.emails`, :mod:`.codes`,
:mod:`.numbers`); each is a single pass with bounded or possessive patterns.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

from bot.privacy.codes import redact_otps, redact_passwords
from bot.privacy.emails import redact_emails
from bot.privacy.kinds import (
    ACCOUNT,
    CARD,
    CCCD,
    CMND,
    EMAIL,
    OTP,
    PASSWORD,
    PHONE,
    PLACEHOLDERS,
)
from bot.privacy.numbers import redact_numbers
from knowledge.vietnamese import clean

__all__ = [
    "ACCOUNT", "CARD", "CCCD", "CMND", "EMAIL", "OTP", "PASSWORD", "PHONE", "PLACEHOLDERS",
    "SENSITIVE_WARNING", "Redaction", "contains_sensitive", "pseudonymise", "redact",
]

SENSITIVE_WARNING = (
    "⚠️ Vì an toàn, bạn đừng gửi số căn cước, số điện thoại, mật khẩu hay mã OTP qua tin "
    "nhắn — kể cả cho mình. Cán bộ và cơ quan nhà nước không bao giờ hỏi mật khẩu hay mã "
    "OTP của bạn; ai hỏi những thông tin này là kẻ lừa đảo. Mình đã che các thông tin đó "
    "và không lưu lại."
)


@dataclass(frozen=True, slots=True)
class Redaction:
    """The text with placeholders and the kinds found, in the fixed order of PLACEHOLDERS.

    A fixed order makes the stored ``redactions`` list the same for the same findings.
    """

    text: str
    kinds: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return bool(self.kinds)


def redact(text: str) -> Redaction:
    """Replace personal data in ``text`` by placeholders such as ``[số điện thoại]``.

    Order matters: e-mails first (they contain digits), then passwords and OTPs, which
    are recognised by their keyword, then bare numbers by their shape.
    """
    if not text:
        return Redaction(text or "")
    text = _canonical(text)
    found: list[str] = []
    out = redact_emails(text, found)
    out = redact_passwords(out, found)
    out = redact_otps(out, found)
    out = redact_numbers(out, found)
    return Redaction(out, tuple(kind for kind in PLACEHOLDERS if kind in found))


_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_OTHER_DIGIT_RE = re.compile(r"(?![0-9])\d")


def _ascii_digit(m: re.Match[str]) -> str:
    return str(unicodedata.digit(m.group()))


def _canonical(text: str) -> str:
    """One spelling of every number before looking for them.

    Fullwidth digits and thin spaces (NFKC), digits of other scripts (٠١٢, ০১২),
    zero-width, word-joiner and soft-hyphen characters inside a number, and lone
    surrogates (valid JSON that no database accepts) must not let a number slip
    through or an event be refused.
    """
    text = _SURROGATE_RE.sub("\ufffd", unicodedata.normalize("NFKC", text))
    if not text.isascii():
        text = _OTHER_DIGIT_RE.sub(_ascii_digit, text)
    return clean(text)


def contains_sensitive(text: str) -> bool:
    """Whether the reply should carry :data:`SENSITIVE_WARNING`."""
    return redact(text).found


def pseudonymise(channel: str, raw_id: str, salt: bytes) -> str:
    """A stable, short, keyed pseudonym for a platform user id.

    HMAC-SHA256 with a secret salt, so that the pseudonym cannot be reversed by
    hashing every phone number or Telegram id; the channel is part of the message so
    the same number on two platforms gives two unrelated keys. 80 bits of hex are
    plenty for a commune and keep the column small.
    """
    if not salt:
        raise ValueError("pseudonymise needs a non-empty secret salt")
    digest = hmac.new(salt, f"{channel}\x1f{raw_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:20]
