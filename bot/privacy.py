"""Privacy before storage: redact personal data from free text, pseudonymise platform ids.

Citizens paste their căn cước number, phone or even an OTP into a chat while asking
for help. Nothing like that may reach the database or a log line, so every text is
passed through :func:`redact` first. The rules err on the side of redacting, but keep
the ordinary numbers that make a question meaningful (years, ages, money, days, dates,
legal document numbers), because the demand log is only useful if the questions stay
readable.

Numbers are found as *candidates* (digit groups joined by single spaces, dots, dashes
or brackets) and then classified by digit count and shape, so that "0912 345 678",
"+84 912.345.678" and "001 234 567 890" are recognised however they are grouped, while
"500.000 đồng" or "01-07-2025" are not.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

from knowledge.vietnamese import clean

CCCD = "cccd"
CMND = "cmnd"
PHONE = "phone"
EMAIL = "email"
OTP = "otp"
PASSWORD = "password"  # noqa: S105 - a kind label, not a secret
CARD = "card"

PLACEHOLDERS: dict[str, str] = {
    CCCD: "[số căn cước]",
    CMND: "[số CMND]",
    PHONE: "[số điện thoại]",
    EMAIL: "[email]",
    OTP: "[mã OTP]",
    PASSWORD: "[mật khẩu]",
    CARD: "[số thẻ]",
}

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


_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

# "mật khẩu là abc123", "mk: Abc@123", "pass 12345678", "mật khẩu của em = x".
# After an explicit "là" / ":" / "=" the next word is taken unless it is a question word;
# without one, only a word that looks like a password (has a digit or a symbol) is taken.
_OWNER = r"(?:\s+của\s+(?:tôi|em|mình|tui|tớ|anh|chị|con|cháu))?"
_PASSWORD_RE = re.compile(
    r"\b(?P<key>mật\s*khẩu|mat\s*khau|password|passwd|pass|mk|pw)" + _OWNER
    + r"(?P<sep>\s*(?:[:=]|\s(?:là|la)\b)\s*|\s+)(?P<value>\S+)",
    re.IGNORECASE,
)
_NOT_A_PASSWORD = frozenset((
    "gì", "gi", "sao", "thế", "the", "như", "nhu", "bao", "mấy", "may", "ai", "đâu", "dau",
    "bị", "bi", "không", "khong", "ko", "k", "của", "cua", "cái", "cai", "được", "duoc",
    "phải", "phai", "mới", "moi", "cũ", "cu", "cho", "và", "va", "thì", "thi", "là", "la", "ở",
    "o", "có", "co", "nào", "nao", "đã", "da", "gồm", "gom", "quên", "quen", "đổi", "doi",
    "lấy", "lay", "ít", "it", "nhiều", "nhieu",
))
_LOOKS_LIKE_SECRET = re.compile(r"^(?=.*[0-9@#$%^&*!?_~+=]).{4,}$")

# "mã OTP 123456", "otp: 1234", "mã xác thực là 482 913", "mã PIN 1234".
_OTP_RE = re.compile(
    r"\b(?:otp|mã\s+xác\s+(?:thực|nhận|minh)|ma\s+xac\s+(?:thuc|nhan|minh)|mã\s+kích\s+hoạt"
    r"|mã\s+pin|pin)" + _OWNER
    + r"(?:\s*(?:[:=]|\s(?:là|la|gồm)\b)\s*|\s+)(?P<value>\d(?:[ .-]?\d){3,7})(?!\d)",
    re.IGNORECASE,
)

# A run of digit groups joined by one separator; brackets and "+" allowed in front.
_CANDIDATE_RE = re.compile(
    r"(?<![0-9])(?P<lead>\(?\+?)"
    r"(?P<body>\d+(?:(?:\)[ \u00a0]?|[ \u00a0]?\(|[ \u00a0.\-])\d+)*)(?![0-9])"
)
_GROUP_RE = re.compile(r"\d+")
_ID_CONTEXT_RE = re.compile(
    r"(?:căn\s*cước|can\s*cuoc|cccd|cmnd|cmt|chứng\s*minh|chung\s*minh|định\s*danh|dinh\s*danh"
    r"|số\s*thẻ|so\s*the|stk|tài\s*khoản|tai\s*khoan)\W*(?:\w+\W+){0,3}$",
    re.IGNORECASE,
)
_MOBILE_PREFIXES = "35789"


def _money_style(groups: list[str], seps: list[str]) -> bool:
    """1.500.000 / 150 000 000: thousands grouping, which ids and phones never use."""
    return (len(groups) > 1 and 1 <= len(groups[0]) <= 3 and groups[0][0] != "0"
            and all(len(g) == 3 for g in groups[1:]) and len(set(seps)) == 1
            and seps[0] in {".", " ", "\u00a0"})


def _phone(digits: str, groups: list[str], plus: bool) -> bool:
    if plus or digits.startswith("84"):
        rest = digits[2:]
        if rest.startswith("0") and len(rest) in (10, 11):
            rest = rest[1:]
        if (len(rest) == 9 and rest[0] in _MOBILE_PREFIXES) or (len(rest) == 10
                                                                 and rest[0] == "2"):
            return True
    if digits.startswith("0") and len(groups[0]) >= 2:
        if len(digits) == 10 and digits[1] in _MOBILE_PREFIXES:
            return True
        if len(digits) == 11 and digits[1] == "2":
            return True
    return False


def _card_grouping(groups: list[str]) -> bool:
    lengths = [len(g) for g in groups]
    if len(lengths) == 1:
        return True
    if lengths[:3] == [4, 6, 5] or lengths[:3] == [4, 6, 4]:  # American Express style
        return len(lengths) == 3
    return all(n == 4 for n in lengths[:-1]) and 1 <= lengths[-1] <= 4


def _date_like(groups: list[str]) -> bool:
    """05 07 2025 …: a date written with spaces or dots, not a phone number."""
    if len(groups) < 3 or len(groups[0]) > 2 or len(groups[1]) > 2 or len(groups[2]) != 4:
        return False
    return 1 <= int(groups[0]) <= 31 and 1 <= int(groups[1]) <= 12 and groups[2][:2] in (
        "19", "20")


def _classify(groups: list[str], seps: list[str], plus: bool, id_context: bool,
              slashed: bool = False) -> str | None:
    """Which sensitive kind these digit groups are, or None for an ordinary number.

    ``slashed`` numbers touch a "/": legal references (118/2025/NĐ-CP) and dates live
    there, so only a phone shape counts ("0912345678/0987654321").
    """
    if _date_like(groups):
        return None
    digits = "".join(groups)
    if slashed:
        return PHONE if _phone(digits, groups, plus) and len(groups[0]) >= 3 else None
    money = _money_style(groups, seps) and not plus
    if money and not id_context:
        return None
    if _phone(digits, groups, plus):
        return PHONE
    if len(digits) == 12 and (len(groups) == 1 or id_context
                              or (digits[0] == "0" and len(groups[0]) >= 3)):
        return CCCD
    if 13 <= len(digits) <= 19 and (_card_grouping(groups) or id_context):
        return CARD
    if len(digits) == 9 and (len(groups) == 1 or id_context):
        return CMND
    return None


def _redact_numbers(text: str, kinds: list[str]) -> str:
    out: list[str] = []
    last = 0
    for m in _CANDIDATE_RE.finditer(text):
        body_start = m.start("body")
        spans = [(g.start() + body_start, g.end() + body_start)
                 for g in _GROUP_RE.finditer(m.group("body"))]
        groups = [text[a:b] for a, b in spans]
        seps = [text[spans[k][1]:spans[k + 1][0]] for k in range(len(spans) - 1)]
        plus = "+" in m.group("lead")
        id_context = _ID_CONTEXT_RE.search(text, max(0, m.start() - 40), m.start()) is not None
        slashed = text[m.start() - 1:m.start()] == "/" or text[m.end():m.end() + 1] == "/"
        i = 0
        while i < len(groups):
            # The longest run of groups starting here that is sensitive wins, so that
            # "0912 345 678" is one phone and "0912345678 001234567890" is two items.
            for j in range(len(groups), i, -1):
                kind = _classify(groups[i:j], seps[i:j - 1], plus and i == 0, id_context,
                                 slashed)
                if kind:
                    # Later segments take their opening bracket along: "… (024) 3825 1234".
                    start = m.start() if i == 0 else spans[i][0] - seps[i - 1].endswith("(")
                    out.append(text[last:start])
                    out.append(PLACEHOLDERS[kind])
                    last = spans[j - 1][1]
                    kinds.append(kind)
                    i = j
                    break
            else:
                i += 1
    out.append(text[last:])
    return "".join(out)


def _redact_passwords(text: str, kinds: list[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        value = m.group("value")
        explicit = m.group("sep").strip() != ""
        bare = value.strip(".,;!?\"'()").lower()
        if explicit and bare in _NOT_A_PASSWORD:
            return m.group(0)
        if not explicit and not _LOOKS_LIKE_SECRET.match(value):
            return m.group(0)
        kinds.append(PASSWORD)
        return m.group(0)[: m.start("value") - m.start()] + PLACEHOLDERS[PASSWORD]

    return _PASSWORD_RE.sub(repl, text)


def _redact_otps(text: str, kinds: list[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        kinds.append(OTP)
        return m.group(0)[: m.start("value") - m.start()] + PLACEHOLDERS[OTP]

    return _OTP_RE.sub(repl, text)


def _redact_emails(text: str, kinds: list[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        kinds.append(EMAIL)
        return PLACEHOLDERS[EMAIL]

    return _EMAIL_RE.sub(repl, text)


def redact(text: str) -> Redaction:
    """Replace personal data in ``text`` by placeholders such as ``[số điện thoại]``.

    Order matters: e-mails first (they contain digits), then passwords and OTPs, which
    are recognised by their keyword, then bare numbers by their shape.
    """
    if not text:
        return Redaction(text or "")
    text = _canonical(text)
    found: list[str] = []
    out = _redact_emails(text, found)
    out = _redact_passwords(out, found)
    out = _redact_otps(out, found)
    out = _redact_numbers(out, found)
    return Redaction(out, tuple(kind for kind in PLACEHOLDERS if kind in found))


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _canonical(text: str) -> str:
    """One spelling of every number before looking for them.

    Fullwidth digits and thin spaces (NFKC), zero-width, word-joiner and soft-hyphen
    characters inside a number, and lone surrogates (valid JSON that no database
    accepts) must not let a number slip through or an event be refused.
    """
    text = _SURROGATE_RE.sub("\ufffd", unicodedata.normalize("NFKC", text))
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
