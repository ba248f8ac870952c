"""The effect's wording: small groups are noise, intervals decide the rest."""

from __future__ import annotations

import pytest

from bot.outreach.effect import (
    HIGHER,
    NO_CLEAR_DIFFERENCE,
    NOT_ENOUGH,
    Comparison,
    Rate,
    wilson,
)


def test_wilson_matches_published_values() -> None:
    # Newcombe (1998), table I: 81/263 → 0.2553–0.3662.
    low, high = wilson(81, 263)
    assert low == pytest.approx(0.2553, abs=5e-4)
    assert high == pytest.approx(0.3662, abs=5e-4)
    assert wilson(0, 10)[0] == 0.0 and wilson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("recipients", "held", "verdict"), [
    (Rate(15, 19), Rate(0, 200), NOT_ENOUGH),  # a huge gap, but 19 people
    (Rate(0, 200), Rate(10, 19), NOT_ENOUGH),
    (Rate(60, 200), Rate(2, 40), HIGHER),
    (Rate(30, 200), Rate(5, 40), NO_CLEAR_DIFFERENCE),
])
def test_verdicts(recipients: Rate, held: Rate, verdict: str) -> None:
    assert Comparison("x", recipients, held).verdict == verdict
