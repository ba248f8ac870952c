"""Personal numbers among the digits of a message, in time linear in its length.

Citizens write the same number in many ways: "0912 345 678", "0912.345-678",
"0010/9900/1234", "001_099_001_234", "0 9 1 2 3 4 5 6 7 8", "+84 (0) 912345678". So a
message is cut, in one regular-expression pass that never backtracks, into *runs*:
digit groups joined by one separator each (a space, ``. - _ /``, a dash with spaces
around it, or a bracket). A run of single digits ("0 9 1 2 …") is first read as one
group, the way it was meant.

Inside a run, the sensitive numbers are found greedily from the left: at each group
the longest *window* of following groups that classifies as a phone, id, card or
account number wins. No such number has more than :data:`MAX_DIGITS` digits, so only
windows of at most that many digits are tried — a bounded number per group — and
cheap necessary conditions (the first digit, the digit count) rule most of them out
before any string is built. Ordinary numbers keep the question readable: dates
(01/7/2025), money (500.000 đồng), legal references (118/2025/NĐ-CP), years and counts.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from bot.privacy.kinds import ACCOUNT, CARD, CCCD, CMND, PHONE, PLACEHOLDERS

MAX_DIGITS = 19  # a card number; phones, ids and accounts are shorter
MIN_DIGITS = 8  # the shortest number that can be redacted (a bank account)
SPELLED_MIN = 4  # "0 9 1 2 …": this many single digits in a row are one number
CONTEXT_BEFORE = 40  # characters before a run searched for "cccd", "stk", …

_SEP = r"(?: ?[._/\-–—] ?| |\) ?| ?\()"
_RUN_RE = re.compile(
    r"(?<![0-9])(?P<lead>\(?\+?)(?P<body>[0-9]++(?:" + _SEP + r"[0-9]++)*+)")
_GROUP_RE = re.compile(r"[0-9]++")
_NOT_DIGITS = str.maketrans("", "", " ._/-–—()")

_ID_WORDS = (r"căn ?cước|can ?cuoc|cccd|cmnd|cmt|chứng ?minh|chung ?minh|định ?danh"
             r"|dinh ?danh|hộ chiếu|ho chieu|passport")
_CARD_WORDS = r"số thẻ|so the|thẻ atm|the atm|thẻ tín dụng|the tin dung|visa|mastercard|jcb"
_BANKS = (r"vietcombank|vcb|techcombank|tcb|bidv|agribank|vietinbank|viettinbank|mbbank"
          r"|mb ?bank|acb|tpbank|vpbank|sacombank|shb|hdbank|ocb|msb|seabank|vib|eximbank"
          r"|scb|lpbank|lienvietpostbank|abbank|pvcombank|kienlongbank|momo|zalopay"
          r"|ngân hàng|ngan hang")
_BANK_WORDS = r"stk|số tk|so tk|tài khoản|tai khoan|tk ngân hàng|tk ngan hang|" + _BANKS
# Context words, found once per message: "cccd … 001 099 001 234", "stk: 1903 …".
_KEYWORD_RE = re.compile(
    r"\b(?=[abcdđehjklmnopstvz])(?:(?P<id>" + _ID_WORDS + r")|(?P<card>" + _CARD_WORDS
    + r")|(?P<bank>(?:" + _BANK_WORDS + r")\b))", re.IGNORECASE)
# Context after the number: "… là số CCCD của em", "… Vietcombank", "… (VCB)".
_AFTER_RE = re.compile(
    r"\W{0,3}(?:(?:là|la|tại|tai|ở|o) )?(?:(?:số|so) )?(?:(?P<id>" + _ID_WORDS
    + r")|(?P<card>" + _CARD_WORDS + r")|(?P<bank>(?:" + _BANK_WORDS + r")\b))",
    re.IGNORECASE)
# "500.000 đồng", "15000000đ", "2 triệu": an amount, whatever its digits.
_MONEY_AFTER_RE = re.compile(
    r" ?(?:đồng|dong|đ\b|vnđ|vnd|triệu|trieu|nghìn|nghin|ngàn|ngan|tỷ|ty\b|k\b|usd)",
    re.IGNORECASE)
# "118/2025/NĐ-CP", "0123/UBND-VP", "QĐ/123": a document number, not a person's.
_LEGAL_AFTER_RE = re.compile(r"/[^\W\d_]")
_LEGAL_BEFORE_RE = re.compile(r"[^\W\d_]/\Z")

_MOBILE_PREFIXES = "35789"


@dataclass(frozen=True, slots=True)
class _Context:
    """What the words around a run say it is."""

    id: bool = False
    card: bool = False
    bank: bool = False
    legal: bool = False

    @property
    def any(self) -> bool:
        return self.id or self.card or self.bank


class _Keywords:
    """Where each kind of context word ends in one message, found in a single pass.

    Looking for them again before every run would cost a search per run, and a message
    can hold hundreds of runs.
    """

    def __init__(self, text: str) -> None:
        self.ends: dict[str, list[int]] = {"id": [], "card": [], "bank": []}
        for m in _KEYWORD_RE.finditer(text):
            kind = m.lastgroup
            if kind:
                self.ends[kind].append(m.end())

    def before(self, kind: str, start: int) -> bool:
        """Whether a word of ``kind`` ends within :data:`CONTEXT_BEFORE` before ``start``."""
        ends = self.ends[kind]
        k = bisect_right(ends, start)
        return k > 0 and ends[k - 1] > start - CONTEXT_BEFORE


def _context(text: str, start: int, end: int, words: _Keywords) -> _Context:
    after = _AFTER_RE.match(text, end)
    kind_after = after.lastgroup if after else None
    return _Context(
        id=kind_after == "id" or words.before("id", start),
        card=kind_after == "card" or words.before("card", start),
        bank=kind_after == "bank" or words.before("bank", start),
        legal=bool(_LEGAL_AFTER_RE.match(text, end)
                   or _LEGAL_BEFORE_RE.search(text, max(0, start - 2), start)),
    )


@dataclass(slots=True)
class _Run:
    """The digit groups of one run, their positions and the separators between them."""

    groups: list[str]
    spans: list[tuple[int, int]]
    seps: list[str]
    spelled: set[int] = field(default_factory=set)  # groups read from single digits


def _spelled(run: _Run) -> _Run:
    """Read "0 9 1 2 3 4 5 6 7 8" as one group: single digits in a row are one number."""
    groups, spans, seps = run.groups, run.spans, run.seps
    if sum(1 for g in groups if len(g) == 1) < SPELLED_MIN:
        return run
    out = _Run([], [], [])
    k = 0
    while k < len(groups):
        j = k
        while j < len(groups) and len(groups[j]) == 1:
            j += 1
        if j - k >= SPELLED_MIN:
            out.spelled.add(len(out.groups))
            out.groups.append("".join(groups[k:j]))
            out.spans.append((spans[k][0], spans[j - 1][1]))
            k = j
        else:
            out.groups.append(groups[k])
            out.spans.append(spans[k])
            k += 1
        if k < len(groups):
            out.seps.append(seps[k - 1])
    return out


def _year(group: str) -> bool:
    return len(group) == 4 and group[:2] in ("19", "20")


def _day_month(day: str, month: str) -> bool:
    return len(day) <= 2 and len(month) <= 2 and 1 <= int(day) <= 31 and 1 <= int(month) <= 12


def _dates(groups: list[str], seps: list[str]) -> list[bool]:
    """Which groups belong to a date: 05/07/2025, 05 07 2025, 2025-07-05, 7/2025.

    Every date has a year, so only the groups around a year are looked at.
    """
    in_date = [False] * len(groups)
    for k, group in enumerate(groups):
        if not _year(group):
            continue
        if k >= 2 and seps[k - 2] == seps[k - 1] and _day_month(groups[k - 2], groups[k - 1]):
            in_date[k - 2] = in_date[k - 1] = in_date[k] = True
        elif k + 2 < len(groups) and seps[k] == seps[k + 1] \
                and _day_month(groups[k + 2], groups[k + 1]):
            in_date[k] = in_date[k + 1] = in_date[k + 2] = True
        elif k >= 1 and seps[k - 1].strip() in ("/", "-", ".") and len(groups[k - 1]) <= 2 \
                and 1 <= int(groups[k - 1]) <= 12:
            in_date[k - 1] = in_date[k] = True
    return in_date


def _ordinary_marks(run: _Run) -> tuple[list[int], list[bool]]:
    """Prefix counts of groups inside dates, and groups that continue an amount.

    A window containing part of a date is not a number anyone owns ("03/09/2023 đến
    05/09/2024" has a phone-shaped "0920230509" inside). A window may not start on the
    "000" of "100.000 200.000": only at the head of an amount.
    """
    groups, seps = run.groups, run.seps
    prefix = [0]
    for flag in _dates(groups, seps):
        prefix.append(prefix[-1] + flag)
    continues = [False] * len(groups)
    for k in range(1, len(groups)):
        prev = groups[k - 1]
        if len(groups[k]) == 3 and seps[k - 1] in (".", " ") and (
                continues[k - 1] or (len(prev) <= 3 and prev[0] != "0")):
            continues[k] = True
    return prefix, continues


def _money_style(groups: list[str], seps: list[str]) -> bool:
    """1.500.000 / 150 000 000: thousands grouping, which ids and phones never use."""
    return (len(groups) > 1 and 1 <= len(groups[0]) <= 3 and groups[0][0] != "0"
            and all(len(g) == 3 for g in groups[1:]) and len(set(seps)) == 1
            and seps[0] in (".", " "))


def _phone(digits: str, first: int, plus: bool) -> bool:
    """Vietnamese mobile (0912345678, +84 912…) or landline (024 3825 1234) numbers."""
    if digits.startswith("00"):  # 0084 912 345 678
        digits = digits[2:]
        plus = True
    if plus or digits.startswith("84"):
        rest = digits[2:]
        if rest.startswith("0") and len(rest) in (10, 11):
            rest = rest[1:]
        if (len(rest) == 9 and rest[0] in _MOBILE_PREFIXES) or (len(rest) == 10
                                                                 and rest[0] == "2"):
            return True
    if digits.startswith("0"):  # "0 912 345 678" is a mobile, "0 24…" is not a landline
        if len(digits) == 10 and digits[1] in _MOBILE_PREFIXES:
            return True
        if len(digits) == 11 and digits[1] == "2" and first >= 2:
            return True
    return False


def _card_grouping(groups: list[str]) -> bool:
    lengths = [len(g) for g in groups]
    if len(lengths) == 1:
        return True
    if lengths[:3] == [4, 6, 5] or lengths[:3] == [4, 6, 4]:  # American Express style
        return len(lengths) == 3
    return all(n == 4 for n in lengths[:-1]) and 1 <= lengths[-1] <= 4


def _luhn(digits: str) -> bool:
    """The card-number checksum: tells "4 1 1 1 …" (a card read out) from a count."""
    total = 0
    for k, c in enumerate(reversed(digits)):
        d = int(c) * (2 if k % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _classify(groups: list[str], seps: list[str], plus: bool, ctx: _Context,
              spelled: bool = False) -> str | None:
    """Which sensitive kind these digit groups are, or None for an ordinary number.

    A ``spelled`` group ("1 2 3 4 5 6 7 8 9") is not taken for an unbroken number: a
    count is written that way too, so a bare 9 or 13-19 digits need context words.
    """
    digits = "".join(groups)
    single = len(groups) == 1 and not spelled
    n = len(digits)
    # Joined by "/" next to a "/word" ("118/2025/NĐ-CP") it is a document number; only a
    # phone is written that way too ("0912345678/zalo"). Other separators ("09 . 1234 .
    # 5678/zalo") never make a document number.
    if ctx.legal and all(s.strip() == "/" for s in seps):
        return PHONE if len(groups[0]) >= 3 and _phone(digits, len(groups[0]), plus) else None
    money = _money_style(groups, seps) and not plus
    # After "stk"/a bank, "123 456 789" is read as the account it may be: an amount is
    # more often written with dots, and the rules err on the side of redacting.
    if money and not (ctx.id or ctx.card or (ctx.bank and seps[0] == " ")):
        return None
    if _phone(digits, len(groups[0]), plus):
        return PHONE
    # Both kinds of words nearby ("cccd và stk 0123456789"): the lengths of an id are
    # the id, any other length the account.
    if ctx.bank and MIN_DIGITS <= n <= MAX_DIGITS and not (ctx.id and n in (9, 12)):
        return ACCOUNT
    if n == 12 and (single or ctx.id or (digits[0] == "0" and len(groups[0]) >= 3)):
        return CCCD
    if 13 <= n <= MAX_DIGITS and (ctx.any or (_luhn(digits) if spelled
                                               else _card_grouping(groups))):
        return CARD
    if n == 9 and (single or ctx.id):
        return CMND
    return None


_ANY_LENGTH = frozenset(range(MIN_DIGITS, MAX_DIGITS + 1))
_CARD_LENGTHS = frozenset(range(13, MAX_DIGITS + 1))


@lru_cache(maxsize=1024)
def _lengths(first: int, head: str, plus: bool, context: bool) -> frozenset[int]:
    """Digit counts a window of several groups starting with ``first`` can classify at.

    Necessary conditions of :func:`_classify` read from the first group's length and
    the first four digits (``head``) alone. Without context words a multi-group number
    starts with 0 (phones, ids), 84 or 0084 (a phone without its "+"), or a group of
    four (a card); on inputs made of many tiny groups ("0.00.0.00…") this leaves few
    windows to build.
    """
    if plus or context:
        return _ANY_LENGTH
    out: set[int] = set()
    if head[:1] == "0":
        if head[1:2] and head[1] in _MOBILE_PREFIXES:
            out.add(10)
        if head[1:2] == "2" and first >= 2:
            out.add(11)
        if first >= 3:
            out.add(12)
    if head.startswith("84"):
        out.update((11, 12))
    if head.startswith("0084"):
        out.update((13, 14))
    if first == 4:
        out.update(_CARD_LENGTHS)
    return frozenset(out)


def _find(run: _Run, plus: bool, ctx: _Context, amount_after: bool
          ) -> list[tuple[int, int, str]]:
    """(first group, last group + 1, kind) of each sensitive number, left to right.

    At each group only windows of at most :data:`MAX_DIGITS` digits are considered,
    and only those whose digit count :func:`_lengths` admits are classified, longest
    first. ``amount_after``: the run is followed by a currency word, so its last group
    ends an amount ("chuyển 15000000đ") and no window may end there.
    """
    groups, seps = run.groups, run.seps
    sizes = [len(group) for group in groups]
    prefix, continues = _ordinary_marks(run)
    found: list[tuple[int, int, str]] = []
    i, g = 0, len(groups)
    while i < g:
        lead = plus and i == 0
        ends: list[int] = []
        if not continues[i] or ctx.any:
            first = groups[i]
            if sizes[i] >= MIN_DIGITS and not (amount_after and i + 1 == g):
                ends.append(i + 1)
            head = first[:4] if sizes[i] >= 4 else "".join(groups[i:i + 4])[:4]
            lengths = _lengths(min(sizes[i], 5), head, lead, ctx.any)
            if lengths:
                longest = max(lengths)
                total, j = sizes[i], i + 1
                while j < g and total + sizes[j] <= longest:
                    total += sizes[j]
                    j += 1
                    if total in lengths and prefix[j] == prefix[i] \
                            and not (amount_after and j == g):
                        ends.append(j)
        for j in reversed(ends):
            kind = _classify(groups[i:j], seps[i:j - 1], lead, ctx,
                             spelled=bool(run.spelled) and not run.spelled.isdisjoint(range(i, j)))
            if kind:
                found.append((i, j, kind))
                i = j
                break
        else:
            i += 1
    return found


def redact_numbers(text: str, kinds: list[str]) -> str:
    """Replace phones, ids, cards and account numbers; note each kind in ``kinds``."""
    out: list[str] = []
    last = 0
    words: _Keywords | None = None
    for m in _RUN_RE.finditer(text):
        body_start = m.start("body")
        body = m.group("body")
        if len(body.translate(_NOT_DIGITS)) < MIN_DIGITS:
            continue
        spans = [(g.start() + body_start, g.end() + body_start)
                 for g in _GROUP_RE.finditer(body)]
        run = _spelled(_Run([text[a:b] for a, b in spans], spans,
                            [text[spans[k][1]:spans[k + 1][0]] for k in range(len(spans) - 1)]))
        plus = "+" in m.group("lead")
        words = words or _Keywords(text)
        ctx = _context(text, m.start(), m.end(), words)
        # "15000000đ", "500 k": the last group ends an amount. Not a run of 8+ digits that
        # starts with 0 ("0010 9900 1234 k…"): no amount is written that way.
        amount_after = _MONEY_AFTER_RE.match(text, m.end()) is not None and not (
            body[0] == "0" and len(body.translate(_NOT_DIGITS)) >= MIN_DIGITS)
        for i, j, kind in _find(run, plus, ctx, amount_after):
            # Later numbers take their opening bracket along: "… (024) 3825 1234".
            start = m.start() if i == 0 else run.spans[i][0] - run.seps[i - 1].endswith("(")
            out.append(text[last:start])
            out.append(PLACEHOLDERS[kind])
            last = run.spans[j - 1][1]
            kinds.append(kind)
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)
