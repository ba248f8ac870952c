"""A demo campaign for ``citizen-bot demo-data``, so the campaign page shows something.

It goes the real way — subscriptions, create, submit, approve, start (the audience and
its held-back share), claims and outcomes — only the sending itself is simulated (no
platform is contacted: demo chats have no address). The campaign starts a week into
the demo period, so the demo questions and follow-ups after it give its effect figures.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from bot.storage import Storage
from bot.storage.demo_data import DEMO_USER_PREFIX
from bot.storage.outreach import Audience, CampaignDraft, RecipientState
from knowledge.schema import OnlineLevel
from knowledge.service import KnowledgeService

SUBSCRIBE_RATE = 0.6
FAILED_RATE = 0.03  # blocked the bot or left
TAP_RATE = 0.2
DEMO_TITLE = "Dữ liệu mẫu: {title} làm trực tuyến"
DEMO_BODY = ("Bà con có thể làm thủ tục “{title}” trực tuyến, không phải đi lại. "
             "Bấm nút bên dưới để xem từng bước. Cần giúp, hãy đến Trung tâm Phục vụ "
             "hành chính công xã.")


async def clear_demo_outreach(storage: Storage) -> int:
    await storage.subscriptions.delete_with_prefix(DEMO_USER_PREFIX)
    return await storage.campaigns.delete_demo()


def _topic(knowledge: KnowledgeService) -> tuple[str, str] | None:
    kb = knowledge.current.kb
    preferred = kb.topic("khai-sinh")
    online = [t for t in kb.topics.values() if t.online is OnlineLevel.FULL]
    topic = preferred if preferred is not None and preferred.online is OnlineLevel.FULL \
        else (online[0] if online else None)
    return (topic.id, topic.title) if topic else None


async def seed_demo_campaign(storage: Storage, knowledge: KnowledgeService,
                             users: Sequence[tuple[str, str]], *, start: dt.datetime,
                             seed: int = 1, holdback_pct: int = 10) -> int | None:
    """Subscribe a share of the demo users (channel, key) and send them one campaign."""
    await clear_demo_outreach(storage)
    picked = _topic(knowledge)
    if picked is None:
        return None
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not a secret
    areas = list(knowledge.current.kb.commune.areas)
    await storage.subscriptions.add_many(
        (channel, key, "demo", rng.choice(areas) if areas else None)
        for channel, key in users if channel != "web" and rng.random() < SUBSCRIBE_RATE)
    topic_id, title = picked
    draft = CampaignDraft(DEMO_TITLE.format(title=title), DEMO_BODY.format(title=title),
                          topic_id, Audience.ALL, holdback_pct=holdback_pct, send_at=start)
    campaigns = storage.campaigns
    info = await campaigns.create(draft, "demo", demo=True)
    await campaigns.move(info.id, "submit", now=start)
    await campaigns.move(info.id, "approve", by="demo", now=start)
    await campaigns.start(info.id, now=start)
    for channel in ("telegram", "zalo"):
        token, batch = await campaigns.claim(info.id, channel, 100_000, now=start)
        delivered = []
        for item in batch:
            if rng.random() < FAILED_RATE:
                await campaigns.record(token, item.id, RecipientState.FAILED,
                                       error="unreachable: demo", now=start)
            else:
                delivered.append(item.id)
        await campaigns.record_delivered(token, delivered, now=start)
    await campaigns.finish_if_complete(info.id)
    await campaigns.tap_share(info.id, TAP_RATE, rng, now=start + dt.timedelta(hours=2))
    return info.id
