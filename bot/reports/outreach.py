"""Campaigns in the weekly summary: plain rows and the leader-facing wording.

The report stays free of the database and of the sender: :mod:`bot.reports.from_storage`
measures each campaign with :mod:`bot.outreach.effect` (which decides what may be
concluded) and hands over these rows; this module only words them. Wording rules:
counts are people, never questions; a comparison always names both groups and their
sizes, and the verdict is the effect module's, so a small group is "chưa đủ số liệu".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote

# The staff campaign form, prefilled with a topic (bot.web.staff.pages_outreach serves it;
# a test ties the two). Relative: it works when the summary is opened from the staff site.
COMPOSE_URL = "/staff/campaigns/new?topic="
COMPOSE_LABEL = "✉ soạn thông báo"
COMPOSE_HINT = ("Muốn nhắc người dân về một chủ đề ở trên: vào trang cán bộ, mục Thông báo → "
                "“Soạn thông báo” và chọn chủ đề đó.")


def compose_url(topic_id: str) -> str:
    return COMPOSE_URL + quote(topic_id, safe="")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One outcome in the recipients and in the held-back group, with its verdict."""

    label: str
    recipients: int
    recipients_size: int
    held_back: int
    held_back_size: int
    verdict: str


@dataclass(frozen=True, slots=True)
class CampaignWeek:
    """One campaign as the weekly summary shows it (aggregates only)."""

    title: str
    topic_title: str | None
    started: dt.date  # local date
    sent: int  # handed to the platform: delivered + failed + unknown
    delivered: int
    failed: int
    unknown: int
    held_back: int
    taps: int
    asked: Outcome
    online: Outcome
    measuring_until: dt.date | None = None  # last local day a number may still change
    has_link: bool = True  # the announcement carries a "Xem hướng dẫn" button (taps count)
