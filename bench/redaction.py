"""Redaction speed on the worst shapes: the linear implementation against the old one.

Usage: python bench/redaction.py [--sizes 4000 40000] [--old-timeout 10] [--repeat 3]

Each shape (a unit repeated to the size) is redacted by ``bot.privacy.redact`` (best of
``--repeat``) and by the implementation this replaced — copied below, unchanged apart
from its name and returning only the text, as the baseline measured in the same run.
The old one runs in a child process that is stopped after ``--old-timeout`` seconds
of wall time (its worst cases take minutes to hours), so its figure and the ratio are
then lower bounds, shown with ">". Times are CPU time of the redacting thread. The
message limit is 4,000 characters; 40,000 shows the scaling (linear: about ten times
the 4,000 figure).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import time
import unicodedata
from collections.abc import Callable

from bot.privacy import redact
from knowledge.vietnamese import clean

SHAPES: dict[str, str] = {
    "1.": "1.",
    "0912 ": "0912 ",
    "x": "x",
    "0 9 1 2 ": "0 9 1 2 ",
    "0.00.": "0.00.",
    "0 00 ": "0 00 ",
    "01/": "01/",
    "1.500.000 ": "1.500.000 ",
    "a@b.": "a@b.",
    "a.b @ ": "a.b @ ",
    "otp 1 ": "otp 1 ",
    "mixed message": ("CCCD 0010/9900/1234, sđt 0 9 1 2 3 4 5 6 7 8, mail nguyen.van.a[at]"
                      "gmail.com, OTP482913, phí 500.000 đồng từ 01/7/2025. "),
}


# --- BASELINE: the old implementation (bot/privacy.py before the linear rewrite) -----------
# Copied verbatim for measurement only: cubic in the number of digit groups
# (_redact_numbers tries every sub-run) and quadratic on long words (_EMAIL_RE).

CCCD, CMND, PHONE, EMAIL, OTP, PASSWORD, CARD = (
    "cccd", "cmnd", "phone", "email", "otp", "password", "card")
PLACEHOLDERS: dict[str, str] = {
    CCCD: "[số căn cước]", CMND: "[số CMND]", PHONE: "[số điện thoại]", EMAIL: "[email]",
    OTP: "[mã OTP]", PASSWORD: "[mật khẩu]", CARD: "[số thẻ]",
}

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


def old_redact(text: str) -> str:
    """Replace personal data in ``text`` by placeholders such as ``[số điện thoại]``.

    Order matters: e-mails first (they contain digits), then passwords and OTPs, which
    are recognised by their keyword, then bare numbers by their shape.
    """
    if not text:
        return text or ""
    text = _canonical(text)
    found: list[str] = []
    out = _redact_emails(text, found)
    out = _redact_passwords(out, found)
    out = _redact_otps(out, found)
    out = _redact_numbers(out, found)
    return out


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _canonical(text: str) -> str:
    """One spelling of every number before looking for them.

    Fullwidth digits and thin spaces (NFKC), zero-width, word-joiner and soft-hyphen
    characters inside a number, and lone surrogates (valid JSON that no database
    accepts) must not let a number slip through or an event be refused.
    """
    text = _SURROGATE_RE.sub("\ufffd", unicodedata.normalize("NFKC", text))
    return clean(text)



# --- END OF BASELINE ---------------------------------------------------------------------


def _best(fn: Callable[[str], object], text: str, repeat: int) -> float:
    """CPU seconds of this thread: on a shared machine, wall time mostly measures the
    neighbours (a preempted run looks ten times slower); redaction never waits."""
    best = float("inf")
    for _ in range(repeat):
        started = time.thread_time()
        fn(text)
        best = min(best, time.thread_time() - started)
    return best


def _old_child(text: str, out: mp.Queue) -> None:
    out.put(_best(old_redact, text, 1))


def _old_seconds(text: str, timeout: float) -> float | None:
    """The baseline's time in a child process, or None when it ran past ``timeout``."""
    queue: mp.Queue = mp.Queue()
    child = mp.Process(target=_old_child, args=(text, queue), daemon=True)
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return None
    return queue.get()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4000, 40000])
    parser.add_argument("--old-timeout", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'shape':<16}{'chars':>8}{'new ms':>10}{'old ms':>14}{'old/new':>12}")
    for name, unit in SHAPES.items():
        for size in args.sizes:
            text = (unit * (size // len(unit) + 1))[:size]
            new = _best(lambda t: redact(t), text, args.repeat)
            old = _old_seconds(text, args.old_timeout)
            if old is None:
                old_s, ratio = f">{_ms(args.old_timeout)}", f">{args.old_timeout / new:,.0f}x"
            else:
                old_s, ratio = _ms(old), f"{old / new:,.1f}x"
            print(f"{name!r:<16}{size:>8}{_ms(new):>10}{old_s:>14}{ratio:>12}", flush=True)


if __name__ == "__main__":
    main()
