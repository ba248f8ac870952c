"""What a citizen or an attacker types, from a seeded generator.

:class:`TextMaker` draws a :class:`Sample` of one kind — huge, empty, control
characters, bidi and zero-width marks, markup and injection, emoji, lone surrogates,
mixed scripts, long digit runs, the shapes that once made redaction slow, ordinary
questions — or personal data from the privacy corpus, rewritten with other separators
and buried in hostile text. Only ``personal`` samples carry secrets: every other sample
is redrawn until no secret of the corpus can be read in it, so a secret found in the
database later can only have come from a ``personal`` sample.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from tests.bot.privacy_corpus import BENIGN, SENSITIVE, readable_secrets
from tests.fuzz.strategies import (
    BIDI,
    CONTROL,
    DIGIT_SEPARATORS,
    EMOJI,
    INJECTION,
    OTHER_SCRIPTS,
    SURROGATES,
    VIETNAMESE,
    WORST_UNITS,
)

# Code point ranges random characters come from: ASCII, Latin and Vietnamese letters,
# combining marks, Arabic, CJK, emoji, private use, specials, astral planes, C0 controls.
RANGES = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x1EA0, 0x1EF9), (0x600, 0x6FF),
          (0x4E00, 0x4FFF), (0x1F300, 0x1F64F), (0xE000, 0xE0FF), (0xFFF0, 0xFFFF),
          (0x10000, 0x1007F), (0xE0000, 0xE007F), (0x0, 0x1F), (0x2000, 0x206F)]
# Between the digits of an ID or a phone: what people type, and what pasting adds.
DIGIT_GAPS = [" ", ".", "-", "_", "/", " - ", " . ", " / ", "–", "\u00a0", "\u2009", "\u200b",
              "  "]
# Between the personal data and the text around it.
AROUND = [" ", "\n", ", ", ": ", " (", ") ", " - ", "\t", "\u00a0", "\u200b "]
AT_FORMS = ["@", " @ ", "[at]", "(at)", " [at] ", " (at) ", " at ", " a còng ", " {at} "]
DOT_FORMS = [".", " . ", "[dot]", "(dot)", " [dot] ", " (dot) ", " dot ", " chấm ", " {dot} "]
EMAIL_RE = re.compile(r"([\w.+-]+)@([\w-]+)((?:\.[\w-]+)+)")
BLANKS = ["", " ", "\n", "\t\t", "\u200b", "\ufeff", "\u3000", "   \n  ", "\u2028", "\r\n"]
FILLERS = ["Làm căn cước <b>ở đâu</b>? ", "'; DROP TABLE events; -- ", "x", "ệ", "\u202e",
           "\U0001f468\u200d\U0001f469\u200d\U0001f467", "a b ", "\n", "<&>"]


@dataclass(frozen=True)
class Sample:
    text: str
    kind: str
    secrets: tuple[str, ...] = ()


def without_digits(text: str) -> str:
    return "".join(c for c in text if not (c.isnumeric() or unicodedata.digit(c, None)
                                            is not None))


class TextMaker:
    """Hostile texts from one seeded ``random.Random``: the same seed, the same texts."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.kinds: dict[str, tuple[int, Callable[[], str]]] = {
            "mixed": (16, self.mixed), "huge": (5, self.huge), "empty": (4, self.blank),
            "control": (6, self.control), "bidi": (6, self.bidi),
            "injection": (8, self.injection), "emoji": (5, self.emoji),
            "surrogates": (4, self.surrogates), "scripts": (6, self.scripts),
            "digits": (6, self.digits), "worst": (4, self.worst), "benign": (8, self.benign),
        }
        self.personal_weight = 22

    def sample(self, *, surrogates: bool = True, personal: bool = True,
               max_chars: int | None = None) -> Sample:
        """One text of a random kind; ``personal`` ones carry the secrets they hide."""
        names = [n for n in self.kinds if surrogates or n != "surrogates"]
        weights = [self.kinds[n][0] for n in names]
        if personal:
            names.append("personal")
            weights.append(self.personal_weight)
        kind = self.rng.choices(names, weights)[0]
        sample = self.personal() if kind == "personal" else self.clean(kind)
        if max_chars is not None and len(sample.text) > max_chars:
            return Sample(sample.text[:max_chars], sample.kind, sample.secrets)
        return sample

    def clean(self, kind: str) -> Sample:
        """A text of ``kind`` in which no secret of the corpus can be read."""
        make = self.kinds[kind][1]
        while True:
            text = make()
            if not readable_secrets(text):
                return Sample(text, kind)

    # --- the kinds ---------------------------------------------------------------------

    def char(self) -> str:
        low, high = self.rng.choice(RANGES)
        return chr(self.rng.randint(low, high))

    def piece(self) -> str:
        rng = self.rng
        source = rng.randrange(8)
        if source == 0:
            return "".join(self.char() for _ in range(rng.randint(1, 12)))
        return rng.choice([INJECTION, CONTROL, BIDI, VIETNAMESE, VIETNAMESE, OTHER_SCRIPTS,
                           EMOJI][source - 1])

    def mixed(self) -> str:
        sep = self.rng.choice([" ", "", "\n", " \u200b"])
        return sep.join(self.piece() for _ in range(self.rng.randint(1, 12)))

    def huge(self) -> str:
        unit = "".join(self.rng.choice(FILLERS) for _ in range(self.rng.randint(1, 4)))
        size = self.rng.choice([4001, 4096, 5000, 12_000, 30_000, 60_000, 70_000])
        return (unit * (size // len(unit) + 1))[:size]

    def blank(self) -> str:
        return self.rng.choice(BLANKS)

    def _sprinkle(self, marks: list[str]) -> str:
        words = self.rng.sample(VIETNAMESE, 4)
        out = []
        for word in words:
            out.append(word)
            out.extend(self.rng.choice(marks) for _ in range(self.rng.randint(0, 4)))
        return "".join(out)

    def control(self) -> str:
        return self._sprinkle(CONTROL)

    def bidi(self) -> str:
        return self._sprinkle(BIDI)

    def injection(self) -> str:
        picks = self.rng.sample(INJECTION, self.rng.randint(1, 4))
        return self.rng.choice(["", " ", "lam can cuoc "]).join(picks)

    def emoji(self) -> str:
        parts = [self.rng.choice([*EMOJI, "ệ", " ", "\ufe0f", "\u200d"])
                 for _ in range(self.rng.randint(1, 8))]
        return "".join(parts) * self.rng.choice([1, 2, 50, 600])

    def surrogates(self) -> str:
        parts = [self.rng.choice([*SURROGATES, "a", " ", "ệ", "làm căn cước"])
                 for _ in range(self.rng.randint(1, 10))]
        return "".join(parts)

    def scripts(self) -> str:
        return " ".join(self.rng.choice([*OTHER_SCRIPTS, *VIETNAMESE])
                        for _ in range(self.rng.randint(2, 10)))

    def digits(self) -> str:
        """Long runs of digit groups: few digits, so corpus secrets rarely appear."""
        rng = self.rng
        alphabet = "".join(rng.sample("0123456789", rng.randint(1, 4)))
        pattern = "".join(
            "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4)))
            + rng.choice(DIGIT_SEPARATORS) for _ in range(rng.randint(1, 3)))
        size = rng.choice([20, 200, 1000, 4000, 4500])
        return (pattern * (size // len(pattern) + 1))[:size]

    def worst(self) -> str:
        units = "".join(self.rng.sample(WORST_UNITS, self.rng.randint(1, 3)))
        return (units * (4000 // len(units) + 1))[:4000]

    def benign(self) -> str:
        return self.rng.choice([*BENIGN, *VIETNAMESE])

    # --- personal data --------------------------------------------------------------------

    def personal(self) -> Sample:
        """A corpus line, its numbers regrouped and its e-mail obfuscated at random,
        between two digit-free hostile texts (digits around it would change the number)."""
        rng = self.rng
        row = rng.choice(SENSITIVE)
        text = row.text
        for secret in row.secrets:
            # Two numbers joined by "/" ("0912345678/0987654321") stay as written: with
            # other gaps inside them, no reader could tell where one ends. A number
            # before "/word" is regrouped without "/": "09/1234/5678/zalo" reads as a
            # document number ("118/2025/NĐ-CP") to a person too.
            if secret.isdigit() and rng.random() < 0.7 and not re.search(r"\d/\d", text):
                text = self.regroup_in(text, secret, slash=not re.search(r"\d/\w", text))
        if "email" in row.kinds and rng.random() < 0.7:
            text = EMAIL_RE.sub(self._obfuscated_email, text, count=1)
        before = without_digits(self.mixed()) if rng.random() < 0.6 else ""
        if rng.random() < 0.1:  # deep inside a long message
            before = without_digits(self.huge())[:rng.randint(500, 3800)]
        after = without_digits(self.mixed()) if rng.random() < 0.6 else ""
        text = before + rng.choice(AROUND) + text + rng.choice(AROUND) + after
        return Sample(text, "personal", row.secrets)

    def regroup_in(self, text: str, secret: str, *, slash: bool = True) -> str:
        """``secret`` written with other gaps, where it stands alone in ``text``."""
        match = re.search(rf"(?<!\d){secret}(?!\d)", text)
        if match is None:
            return text
        return text[:match.start()] + self.regroup(secret, slash=slash) + text[match.end():]

    def regroup(self, number: str, *, slash: bool = True) -> str:
        rng = self.rng
        gaps = DIGIT_GAPS if slash else [g for g in DIGIT_GAPS if "/" not in g]
        if len(number) >= 13:  # a card is written in fours (pasting may add invisible gaps)
            groups = [number[k:k + 4] for k in range(0, len(number), 4)]
            return rng.choice([" ", ".", "-", " - ", "\u200b", "\u00a0"]).join(groups)
        elif rng.random() < 0.2:  # read out digit by digit
            return rng.choice([" ", ".", "-", "\u00a0"]).join(number)
        else:
            sizes = []
            while sum(sizes) < len(number):
                sizes.append(rng.randint(2, 4))
        groups, at = [], 0
        for size in sizes:
            groups.append(number[at:at + size])
            at += size
        groups = [g for g in groups if g]
        same = rng.choice(gaps)
        mixed = rng.random() < 0.5
        out = groups[0]
        for group in groups[1:]:
            out += (rng.choice(gaps) if mixed else same) + group
        return out

    def _obfuscated_email(self, match: re.Match[str]) -> str:
        at, dot = self.rng.choice(AT_FORMS), self.rng.choice(DOT_FORMS)
        domain = match.group(2) + match.group(3).replace(".", dot)
        return match.group(1) + at + domain
