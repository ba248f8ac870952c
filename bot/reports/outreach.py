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

# Pages of the staff workspace (bot.web.staff serves them under /staff; a test ties the two).
# A report file is opened from disk, a download or a chat, where a relative link leads
# nowhere: links are made absolute with the public address (PUBLIC_BASE_URL) and, without
# one, the summary only says where to click in the workspace.
COMPOSE_URL = "/staff/campaigns/new?topic="
CAMPAIGN_URL = "/staff/campaigns/"
COMPOSE_LABEL = "✉ soạn thông báo"
COMPOSE_HINT = ("Muốn nhắc người dân về một chủ đề ở trên: vào trang cán bộ, mục Thông báo → "
                "“Soạn thông báo” và chọn chủ đề đó.")
COMPOSE_HINT_LEAD = "Muốn nhắc người dân về một chủ đề ở trên: "
COMPOSE_HINT_LINK = "soạn thông báo"
COMPOSE_HINT_TAIL = " và chọn chủ đề đó."
CAMPAIGN_LINK = "Xem trang của thông báo này"
CAMPAIGN_HINT = "Chi tiết: trang cán bộ, mục Thông báo."


def compose_url(topic_id: str | None, base_url: str) -> str | None:
    """The campaign form (prefilled with ``topic_id`` if given) at ``base_url``; None
    without a public address."""
    if not base_url:
        return None
    return base_url + COMPOSE_URL + quote(topic_id or "", safe="")


def campaign_url(campaign_id: int, base_url: str) -> str | None:
    return f"{base_url}{CAMPAIGN_URL}{campaign_id}" if base_url else None


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
    campaign_id: int | None = None  # its staff page, linked when the public address is known
