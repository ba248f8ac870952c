"""A campaign's effect, stated honestly: recipients against a held-back group.

The held-back group is a random share of the same audience that was not sent the
announcement, so the difference between the groups is the campaign's effect plus
chance. Chance is large for small groups: under :data:`MIN_GROUP` people in either
group the page says "chưa đủ số liệu để kết luận" instead of a difference. Above it,
each rate carries a 95 % Wilson score interval (closed form, good for small counts and
rates near 0 — unlike the plain normal interval); the difference is called clear only
when the two intervals do not overlap, a conservative reading.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from bot.storage import Storage
from bot.storage.outreach import CampaignCounts, CampaignInfo, GroupCounts
from bot.storage.outreach import RecipientState as R

MIN_GROUP = 20
Z95 = 1.959963984540054
NOT_ENOUGH = "chưa đủ số liệu để kết luận"
NO_CLEAR_DIFFERENCE = "chưa thấy khác biệt rõ (có thể do ngẫu nhiên)"
HIGHER = "cao hơn rõ ở nhóm nhận tin"
LOWER = "thấp hơn ở nhóm nhận tin"


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (Wilson 1927)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    size: int

    @property
    def value(self) -> float | None:
        return self.count / self.size if self.size else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.count, self.size)


@dataclass(frozen=True, slots=True)
class Comparison:
    """One outcome in both groups and what may be said about it."""

    label: str
    recipients: Rate
    held_back: Rate

    @property
    def verdict(self) -> str:
        if min(self.recipients.size, self.held_back.size) < MIN_GROUP:
            return NOT_ENOUGH
        low_r, high_r = self.recipients.interval
        low_h, high_h = self.held_back.interval
        if low_r > high_h:
            return HIGHER
        if high_r < low_h:
            return LOWER
        return NO_CLEAR_DIFFERENCE

    @property
    def conclusive(self) -> bool:
        return self.verdict in {HIGHER, LOWER}


@dataclass(frozen=True, slots=True)
class Effect:
    sent: int  # claimed for sending: delivered + failed + unknown
    delivered: int
    failed: int
    unknown: int
    not_sent: int  # still pending (paused, cancelled)
    held_back: int
    taps: int
    asked: Comparison
    online: Comparison


def effect_of(counts: CampaignCounts) -> Effect:
    delivered, failed, unknown = (counts.state(R.DELIVERED), counts.state(R.FAILED),
                                  counts.state(R.UNKNOWN))
    not_sent = counts.state(R.PENDING) + counts.state(R.CLAIMED)
    return Effect(delivered + failed + unknown, delivered, failed, unknown, not_sent,
                  counts.state(R.HELD), counts.taps,
                  _compare("Hỏi bot về thủ tục này trong 7 ngày", counts.recipients,
                           counts.held_back, asked=True),
                  _compare("Trả lời “đã làm trực tuyến” trong 30 ngày", counts.recipients,
                           counts.held_back, asked=False))


def _compare(label: str, recipients: GroupCounts, held: GroupCounts, *, asked: bool
             ) -> Comparison:
    pick = (lambda g: g.asked) if asked else (lambda g: g.online)
    return Comparison(label, Rate(pick(recipients), recipients.size),
                      Rate(pick(held), held.size))


async def measure(storage: Storage, campaign_id: int) -> Effect | None:
    counts = await storage.campaigns.counts(campaign_id)
    return effect_of(counts) if counts is not None else None


async def recent_effects(storage: Storage, since: dt.datetime, *, include_demo: bool = False
                         ) -> list[tuple[CampaignInfo, Effect]]:
    """Campaigns started since ``since`` with their effect (for the weekly summary)."""
    found = []
    for info in await storage.campaigns.all():
        if info.started_at is None or info.started_at < since or (info.demo and not include_demo):
            continue
        effect = await measure(storage, info.id)
        if effect is not None:
            found.append((info, effect))
    return found
