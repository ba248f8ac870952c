"""Consent, stop, a campaign's numbered guide and unreachable users on Zalo, against the fake."""

from __future__ import annotations

import shutil
from collections import Counter
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
    fake_zalo.refuse["u-gone"] = (400, "User has blocked the bot")  # said in words
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


async def test_only_words_not_error_codes_end_a_zalo_subscription(
        bot: Bot, fake_zalo: FakeZalo, knowledge_with_areas: KnowledgeService) -> None:
    """Zalo's error table has no "blocked" code; its 403 is "Internal server error" and
    404 "Not found". Those recipients fail this campaign and stay subscribed; the 403 is
    not sent again (the message may have gone out). Only a description saying the user
    blocked the bot ends the subscription."""
    storage = bot.storage
    refused = {"u-403": (403, "Internal server error"), "u-404": (404, "Not Found"),
               "u-vi": (400, "Người dùng đã chặn bot"), "u-ok": None}
    for chat in refused:
        await storage.subscriptions.subscribe("zalo", f"key-{chat}", chat)
        if refused[chat]:
            fake_zalo.refuse[chat] = refused[chat]  # type: ignore[assignment]
    draft = CampaignDraft("Tin", "Thứ Bảy xã làm định danh điện tử.", None, Audience.ALL,
                          holdback_pct=0)
    info = await storage.campaigns.create(draft, "editor")
    await storage.campaigns.move(info.id, "submit")
    await storage.campaigns.move(info.id, "approve", by="reviewer")
    await CampaignSender(storage, {"zalo": bot.channel}, knowledge_with_areas).run_once()

    tries = Counter(c.body["chat_id"] for c in fake_zalo.of("sendMessage"))
    assert tries == {"u-403": 1, "u-404": 1, "u-vi": 1, "u-ok": 1}
    status = {chat: (await storage.subscriptions.get("zalo", f"key-{chat}")).status
              for chat in refused}
    assert status == {"u-403": SubStatus.ACTIVE, "u-404": SubStatus.ACTIVE,
                      "u-vi": SubStatus.STOPPED, "u-ok": SubStatus.ACTIVE}
    counts = await storage.campaigns.counts(info.id)
    assert counts is not None
    assert counts.state(RecipientState.DELIVERED) == 1
    assert counts.state(RecipientState.FAILED) == 3
