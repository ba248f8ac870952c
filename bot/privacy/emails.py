"""E-mail addresses, including the spellings people use to dodge spam filters.

``nguyen.van.a @ gmail.com``, ``a[at]gmail(dot)com``, ``a (at) gmail chấm com`` are as
personal as the plain form. The pattern is built so that no input makes it backtrack:
the local part is taken possessively from the start of a run of address characters
only, and the domain has at most :data:`MAX_LABELS` labels of at most 63 characters, so
each "@" costs a bounded amount of work and a long word costs one scan.
"""

from __future__ import annotations

import re

from bot.privacy.kinds import EMAIL, PLACEHOLDERS

MAX_LABELS = 8
# Words standing for "@" need a real top-level domain after them: " at " is English.
COMMON_TLDS = frozenset(("com", "vn", "net", "org", "edu", "gov", "info", "io", "me", "biz"))

_LOCAL = r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]++"
_AT_SIGN = r"(?: ?@ ?| ?[\[({] ?(?:at|@|a còng|a cong) ?[\])}] ?)"
_AT_WORD = r" (?:at|a còng|a cong) "
_LABEL = r"[A-Za-z0-9\-]{1,63}+"
_DOT = r"(?: ?\. ?| ?[\[({] ?(?:dot|chấm|cham) ?[\])}] ?| (?:dot|chấm|cham) )"

_EMAIL_RE = re.compile(
    _LOCAL + r"(?:" + _AT_SIGN + r"|(?P<word>" + _AT_WORD + r"))"
    + r"(?P<domain>" + _LABEL + r"(?:" + _DOT + _LABEL + r"){1," + str(MAX_LABELS) + r"}+)",
    re.IGNORECASE,
)
_DOT_RE = re.compile(_DOT, re.IGNORECASE)


def _domain_end(text: str, m: re.Match[str]) -> int | None:
    """Where the address ends: after its last plausible top-level domain, or None.

    The domain pattern stops at the first character that cannot be in a label, so
    "gmail.com. Cảm ơn" reads "gmail", "com", "C": the address is cut back to "com".
    """
    start = m.start("domain")
    domain = m.group("domain")
    labels: list[tuple[int, int]] = []
    pos = 0
    for dot in _DOT_RE.finditer(domain):
        labels.append((pos, dot.start()))
        pos = dot.end()
    labels.append((pos, len(domain)))
    after = text[m.end():m.end() + 1]
    for k in range(len(labels) - 1, 0, -1):
        a, b = labels[k]
        label = domain[a:b]
        if not (label.isalpha() and len(label) >= 2):
            continue
        if b == len(domain) and after.isalnum():
            continue  # "C" of "Cảm": the label goes on in letters the pattern cannot read
        if m.group("word") and label.lower() not in COMMON_TLDS:
            continue
        return start + b
    return None


def redact_emails(text: str, kinds: list[str]) -> str:
    """Replace every e-mail address by its placeholder; note the kind in ``kinds``."""
    out: list[str] = []
    last = 0
    for m in _EMAIL_RE.finditer(text):
        end = _domain_end(text, m)
        if end is None:
            continue
        out.append(text[last:m.start()])
        out.append(PLACEHOLDERS[EMAIL])
        last = end
        kinds.append(EMAIL)
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)
