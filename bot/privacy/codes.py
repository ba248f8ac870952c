"""Secrets recognised by the word next to them: passwords and one-time codes.

A six-digit number is an ordinary number until someone calls it "mã OTP", and that
word may come before it ("OTP482913", "Mã OTP của tôi là: 482913") or after it
("482913 là mã OTP của em"). Every quantifier here is bounded or possessive, so a
message costs one scan whatever it contains.
"""

from __future__ import annotations

import re

from bot.privacy.kinds import OTP, PASSWORD, PLACEHOLDERS

# "mật khẩu là abc123", "mk: Abc@123", "pass 12345678", "mật khẩu của em = x".
# After an explicit "là" / ":" / "=" the next word is taken unless it is a question word;
# without one, only a word that looks like a password (has a digit or a symbol) is taken.
_OWNER = (r"(?: (?:của|cua) (?:tôi|toi|em|mình|minh|tui|tớ|to|anh|chị|chi|con|cháu"
          r"|chau))?")
_PASSWORD_RE = re.compile(
    r"\b(?P<key>mật ?khẩu|mat ?khau|password|passwd|pass|mk|pw)" + _OWNER
    + r"(?P<sep> ?(?:[:=]| (?:là|la)\b) ?| )(?P<value>\S++)",
    re.IGNORECASE,
)
_NOT_A_PASSWORD = frozenset((
    "gì", "gi", "sao", "thế", "the", "như", "nhu", "bao", "mấy", "may", "ai", "đâu", "dau",
    "bị", "bi", "không", "khong", "ko", "k", "của", "cua", "cái", "cai", "được", "duoc",
    "phải", "phai", "mới", "moi", "cũ", "cu", "cho", "và", "va", "thì", "thi", "là", "la", "ở",
    "o", "có", "co", "nào", "nao", "đã", "da", "gồm", "gom", "quên", "quen", "đổi", "doi",
    "lấy", "lay", "ít", "it", "nhiều", "nhieu",
))
_PLACEHOLDER_STARTS = tuple(PLACEHOLDERS.values())
_SECRET_SYMBOLS = frozenset("0123456789@#$%^&*!?_~+=")

# The words that make a number a one-time code. A bare "pin" is a battery in Vietnamese.
_OTP_KEY = (r"(?:otp|passcode|m[ãa] (?:x[áa]c (?:th[ựu]c|nh[ậa]n|minh)|k[íi]ch ?ho[ạa]t|pin"
            r"|code|b[ảa]o m[ậa]t|giao d[ịi]ch))")
# Four to eight digits, with the gaps numbers are written with (as in .numbers) or
# none: "482913", "48 29 13", "4 8 2 9 1 3", "482 - 913", "48/29/13".
# Not a piece of a longer run of digit groups ("0010/9900/1234, otp …").
_CODE = (r"(?<![0-9][ ._/\-–])(?P<value>[0-9](?:(?: ?[._/\-–—] ?| )?[0-9]){3,7}+)"
         r"(?![0-9]|[ ._/\-–][0-9])")
# Keyword first; up to four words may sit between ("OTP của tôi là: 482913").
_OTP_BEFORE_RE = re.compile(
    r"\b" + _OTP_KEY + r"(?: [^\W\d]++){0,4}+ ?[:=]? ?" + _CODE, re.IGNORECASE)
# Code first: "482913 là mã OTP", "482913 (mã xác thực)", "482913 - OTP của em".
_OTP_AFTER_RE = re.compile(
    r"(?<![0-9])" + _CODE + r" ?(?:[,:\-(] ?)?(?:(?:là|la|chính là|chinh la) )?"
    r"(?:(?:cái|cai) )?" + r"(?:(?:mã|ma) )?" + r"(?:otp|passcode|x[áa]c (?:th[ựu]c|nh[ậa]n))\b",
    re.IGNORECASE,
)


def _looks_like_secret(value: str) -> bool:
    return len(value) >= 4 and any(c in _SECRET_SYMBOLS for c in value)


def redact_passwords(text: str, kinds: list[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        value = m.group("value")
        if value.startswith("[") and m.string.startswith(_PLACEHOLDER_STARTS, m.start("value")):
            return m.group(0)  # already redacted: redacting twice changes nothing
        explicit = m.group("sep").strip() != ""
        bare = value.strip(".,;!?\"'()").lower()
        if explicit and bare in _NOT_A_PASSWORD:
            return m.group(0)
        if not explicit and not _looks_like_secret(value):
            return m.group(0)
        kinds.append(PASSWORD)
        return m.group(0)[: m.start("value") - m.start()] + PLACEHOLDERS[PASSWORD]

    return _PASSWORD_RE.sub(repl, text)


def redact_otps(text: str, kinds: list[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        kinds.append(OTP)
        a, b = m.start("value") - m.start(), m.end("value") - m.start()
        whole = m.group(0)
        return whole[:a] + PLACEHOLDERS[OTP] + whole[b:]

    return _OTP_AFTER_RE.sub(repl, _OTP_BEFORE_RE.sub(repl, text))
