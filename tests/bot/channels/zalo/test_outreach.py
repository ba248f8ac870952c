"""Consent, stop, a campaign's numbered guide and a blocked user on Zalo, against the fake."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import yaml

from bot.channels.zalo.channel import SECRET_HEADER, WEBHOOK_PATH
from bot.outreach.consent import ConsentStep
from bot.outreach.sender import CampaignSender
from bot.privacy import pseudonymise
from bot.storage.outreach import Audience, CampaignDraft, RecipientState, SubStatus
from handlers import subscription as sub
from knowledge.loader import DEFAULT_CONTENT_DIR
from knowledge.service import KnowledgeService
from tests.bot.channels.zalo.conftest import SALT, SECRET, Bot, FakeZalo, message

USER = "u-citizen-7"
AREAS = ["Thôn Nà Pài", "Thôn Bản Lạ", "Tổ 3"]


@pytest.fixture(scope="module")
def knowledge_with_areas(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeService:
    target = tmp_path_factory.mktemp("kb") / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, target)
    commune = target / "commune.yaml"
    data = yaml.safe_load(commune.read_text(encoding="utf-8"))
    data["areas"] = AREAS
    commune.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return KnowledgeService.from_directory(target)


@pytest.fixture
async def bot(make_bot: Callable[..., Any], knowledge_with_areas: KnowledgeService) -> Bot:
    made: Bot = await make_bot(mode="webhook", webhook_url="https://x.vn/zalo/webhook",
                               webhook_secret=SECRET)
    pipeline = made.channel.pipeline
    pipeline.assistant.conversation.knowledge = knowledge_with_areas
    pipeline.consent = ConsentStep(lambda: made.storage, knowledge_with_areas)
    return made


@pytest.fixture
async def http(bot: Bot) -> AsyncIterator[httpx.AsyncClient]:
    from starlette.applications import Starlette

    app = Starlette(routes=bot.channel.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        yield client


async def say(http: httpx.AsyncClient, bot: Bot, fake: FakeZalo, text: str) -> list[str]:
    before = len(fake.sent(USER))
    response = await http.post(WEBHOOK_PATH, json=message(text, user=USER),
                               headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    await bot.channel.drain()
    return fake.sent(USER)[before:]


async def subscription(bot: Bot) -> Any:
    return await bot.storage.subscriptions.get("zalo", pseudonymise("zalo", USER, SALT))


async def test_subscribe_with_thon_by_numbers_then_stop(http: httpx.AsyncClient, bot: Bot,
                                                        fake_zalo: FakeZalo) -> None:
    menu = await say(http, bot, fake_zalo, "menu")
    assert sub.BUTTON_SUBSCRIBE in menu[-1]
    asked = await say(http, bot, fake_zalo, "Nhận tin từ xã")
    assert f"1. {sub.YES}" in asked[-1] and f"2. {sub.NO}" in asked[-1]
    done = await say(http, bot, fake_zalo, "1")
    assert sub.ASK_AREA in done[-1] and "2. Thôn Bản Lạ" in done[-1]
    placed = await say(http, bot, fake_zalo, "2")
    assert "Thôn Bản Lạ" in placed[-1]
    found = await subscription(bot)
    assert found.status is SubStatus.ACTIVE and found.area == "Thôn Bản Lạ"
    assert found.chat_ref == USER  # what a push needs; staff never see it
    stopped = await say(http, bot, fake_zalo, "dung nhan tin")  # without diacritics too
    assert sub.STOPPED in stopped[-1]
    assert (await subscription(bot)).status is SubStatus.STOPPED


async def test_campaign_guide_by_number_counts_a_tap_and_blocked_user_stops(
        http: httpx.AsyncClient, bot: Bot, fake_zalo: FakeZalo,
        knowledge_with_areas: KnowledgeService) -> None:
    storage = bot.storage
    key = pseudonymise("zalo", USER, SALT)
    await storage.subscriptions.subscribe("zalo", key, USER)
    await storage.subscriptions.subscribe("zalo", "other-key", "u-gone")
    draft = CampaignDraft("Khai sinh", "Xã nhận hồ sơ khai sinh trực tuyến.", "khai-sinh",
                          Audience.ALL, holdback_pct=0)
    info = await storage.campaigns.create(draft, "editor")
    await storage.campaigns.move(info.id, "submit")
    await storage.campaigns.move(info.id, "approve", by="reviewer")
    fake_zalo.blocked.add("u-gone")
    sender = CampaignSender(storage, {"zalo": bot.channel}, knowledge_with_areas)
    await sender.run_once()
    pushed = fake_zalo.sent(USER)[-1]
    assert "Xã nhận hồ sơ khai sinh trực tuyến." in pushed and "1. 📖 Xem hướng dẫn" in pushed
    counts = await storage.campaigns.counts(info.id)
    assert counts is not None
    assert counts.state(RecipientState.DELIVERED) == 1 and counts.state(RecipientState.FAILED) == 1
    gone = await storage.subscriptions.get("zalo", "other-key")
    assert gone is not None and gone.status is SubStatus.STOPPED
    guide = await say(http, bot, fake_zalo, "1")
    assert "KHAI SINH" in guide[0].upper()
    counts = await storage.campaigns.counts(info.id)
    assert counts is not None and counts.taps == 1


async def test_zalo_sending_keeps_the_configured_rate(bot: Bot, fake_zalo: FakeZalo,
                                                      knowledge_with_areas: KnowledgeService
                                                      ) -> None:
    storage = bot.storage
    for i in range(6):
        await storage.subscriptions.subscribe("zalo", f"rate-{i}", f"u-rate-{i}")
    draft = CampaignDraft("Tin", "Thứ Bảy xã làm định danh điện tử.", None, Audience.ALL,
                          holdback_pct=0)
    info = await storage.campaigns.create(draft, "editor")
    await storage.campaigns.move(info.id, "submit")
    await storage.campaigns.move(info.id, "approve", by="reviewer")
    sender = CampaignSender(storage, {"zalo": bot.channel}, knowledge_with_areas,
                            rates={"zalo": 8})
    await sender.run_once()
    sends = sorted(c.at for c in fake_zalo.of("sendMessage"))
    assert len(sends) == 6
    assert sends[-1] - sends[0] >= 5 / 8 * 0.9  # 6 messages at 8/s: at least 5 gaps
