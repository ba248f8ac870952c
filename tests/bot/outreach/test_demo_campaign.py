"""`demo-data` leaves a campaign with figures, and clearing demo data removes it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.commands.demo import clear_demo, generate_demo
from bot.config import Settings
from bot.outreach.effect import measure, recent_effects
from bot.storage import Storage
from bot.storage.outreach import CampaignStatus
from knowledge.service import KnowledgeService

NOW = dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC)


async def test_demo_data_includes_a_sent_campaign(tmp_path: Path,
                                                  knowledge: KnowledgeService) -> None:
    storage = await Storage.open(Settings(data_dir=tmp_path))
    try:
        summary = await generate_demo(storage, knowledge, weeks=2, per_day=15, now=NOW,
                                      uptake=False)
        assert summary.campaign_id is not None
        info = await storage.campaigns.get(summary.campaign_id)
        assert info is not None and info.demo and info.status is CampaignStatus.DONE
        effect = await measure(storage, info.id)
        assert effect is not None
        assert effect.delivered > 0 and effect.held_back > 0
        assert effect.sent == effect.delivered + effect.failed
        assert sum((await storage.subscriptions.counts_by_area()).values()) == \
            effect.sent + effect.held_back
        since = NOW - dt.timedelta(weeks=3)
        assert await recent_effects(storage, since) == []  # demo is never real
        assert [i.id for i, _ in await recent_effects(storage, since, include_demo=True)] \
            == [info.id]
        await clear_demo(storage)
        assert await storage.campaigns.all() == []
        assert await storage.subscriptions.counts_by_area() == {}
    finally:
        await storage.close()
