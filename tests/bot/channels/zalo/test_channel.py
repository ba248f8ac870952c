"""The Zalo channel end to end: real assistant, real database, fake Zalo API on loopback."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.channels.zalo import ZaloChannel
from bot.channels.zalo.channel import SECRET_HEADER, WEBHOOK_PATH, parse_choice
from bot.privacy import pseudonymise
from bot.storage.models import Event
from bot.turns.handoff import HandoffService
from bot.turns.relay import RELAYED, UNKNOWN_CASE
from handlers import followup, texts
from handlers.messages import Block, BlockKind, Choice, Reply, ReplyKind
from knowledge.service import KnowledgeService
from tests.bot.channels.zalo.conftest import SALT, SECRET, TOKEN, Bot, FakeZalo, message
from tests.bot.minute import freeze_minute

USER = "u-citizen-1"
MakeBot = Callable[..., Any]


@pytest.fixture
async def webhook_bot(make_bot: MakeBot) -> Bot:
    return await make_bot(mode="webhook", webhook_url="https://bot.example.vn/zalo/webhook",
                          webhook_secret=SECRET)


@pytest.fixture
async def http(webhook_bot: Bot) -> AsyncIterator[httpx.AsyncClient]:
    """POSTs straight into the channel's route, as Zalo's servers would."""
    from starlette.applications import Starlette

    app = Starlette(routes=webhook_bot.channel.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        yield client


async def deliver(http: httpx.AsyncClient, bot: Bot, payload: Any, *,
                  secret: str | None = SECRET) -> httpx.Response:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    response = await http.post(WEBHOOK_PATH, json=payload, headers=headers)
    await bot.channel.drain()
    return response


async def say(http: httpx.AsyncClient, bot: Bot, fake: FakeZalo, text: str,
              user: str = USER) -> list[str]:
    """Send one citizen message; return the messages the bot sent back for it."""
    before = len(fake.sent(user))
    response = await deliver(http, bot, message(text, user=user))
    assert response.status_code == 200
    return fake.sent(user)[before:]


def test_parse_choice() -> None:
    for text, number in [("2", 2), (" 2 ", 2), ("số 2", 2), ("So 2", 2), ("2.", 2),
                         ("chọn 3", 3), ("#1", 1), ("0", 0), ("12", 12)]:
        assert parse_choice(text) == number, text
    for text in ("2024", "2 cái", "thủ tục 2", "", "một", "0912345678"):
        assert parse_choice(text) is None, text


# --- webhook -------------------------------------------------------------------------


async def test_webhook_secret_header(http: httpx.AsyncClient, webhook_bot: Bot,
                                     fake_zalo: FakeZalo) -> None:
    body = message("menu")
    assert (await deliver(http, webhook_bot, body, secret=None)).status_code == 403
    assert (await deliver(http, webhook_bot, body, secret="wrong-secret")).status_code == 403
    assert (await deliver(http, webhook_bot, body, secret=SECRET[:-1])).status_code == 403
    assert not fake_zalo.sent()
    ok = await deliver(http, webhook_bot, body)
    assert ok.status_code == 200 and ok.json() == {"ok": True}
    assert len(fake_zalo.sent(USER)) == 1
    assert texts.MENU_TITLE in fake_zalo.sent(USER)[0]


async def test_bad_json_is_400_and_malformed_updates_are_acknowledged(
        http: httpx.AsyncClient, webhook_bot: Bot, fake_zalo: FakeZalo) -> None:
    bad = await http.post(WEBHOOK_PATH, content=b"{not json",
                          headers={SECRET_HEADER: SECRET})
    assert bad.status_code == 400
    for payload in ([1, 2], {"ok": True, "result": "x"}, {"event_name": 3},
                    {"ok": True, "result": {"event_name": "message.text.received",
                                            "message": {"text": "no chat, no sender"}}}):
        assert (await deliver(http, webhook_bot, payload)).status_code == 200
    assert not fake_zalo.sent()
    # …and the channel still answers afterwards.
    assert await say(http, webhook_bot, fake_zalo, "menu")


async def test_duplicate_deliveries_are_answered_once(http: httpx.AsyncClient,
                                                      webhook_bot: Bot,
                                                      fake_zalo: FakeZalo) -> None:
    body = message("menu", message_id="dup-1")
    responses = await asyncio.gather(*(http.post(WEBHOOK_PATH, json=body,
                                                 headers={SECRET_HEADER: SECRET})
                                       for _ in range(3)))
    await webhook_bot.channel.drain()
    await deliver(http, webhook_bot, body)  # a redelivery later on
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len(fake_zalo.sent(USER)) == 1


@pytest.mark.parametrize("event", ["message.image.received", "message.sticker.received",
                                   "message.voice.received",
                                   "message.unsupported.received"])
async def test_non_text_events_get_a_polite_reply(event: str, http: httpx.AsyncClient,
                                                  webhook_bot: Bot,
                                                  fake_zalo: FakeZalo) -> None:
    extra = {"message.image.received": {"photo": "https://x/p.jpg"},
             "message.sticker.received": {"sticker": "abc", "url": "https://x/s"},
             "message.voice.received": {"voice_url": "https://x/v.aac"}}.get(event, {})
    await deliver(http, webhook_bot, message(None, event=event, **extra))
    sent = fake_zalo.sent(USER)
    assert len(sent) == 1 and texts.UNSUPPORTED in sent[0]
    assert "1. 📋 Danh mục" in sent[0]


async def test_events_that_cannot_or_should_not_be_answered(
        http: httpx.AsyncClient, webhook_bot: Bot, fake_zalo: FakeZalo) -> None:
    payloads = [
        {"ok": True, "result": {"event_name": "message.unsupported.received"}},  # no message
        message("hi", event="message.reaction.received"),  # an event name we do not know
        message("menu", chat_type="GROUP"),  # groups are not served
        {"ok": True, "result": {"event_name": "message.text.received", "message": {
            **message("menu")["result"]["message"],
            "from": {"id": "other-bot", "is_bot": True}}}},
    ]
    for payload in payloads:
        assert (await deliver(http, webhook_bot, payload)).status_code == 200
    assert not fake_zalo.sent()


async def test_text_answer_is_split_and_logged_with_channel_zalo(
        http: httpx.AsyncClient, webhook_bot: Bot, fake_zalo: FakeZalo) -> None:
    first = await say(http, webhook_bot, fake_zalo, "làm căn cước cho con dưới 14 tuổi")
    assert len(first) == 1 and ". 👍 Có ích" in first[0]  # short: no split needed
    full = number_of(first[-1], texts.BUTTON_PART_DOCUMENTS)  # part:documents:…
    assert full is not None, first[-1]
    sent = await say(http, webhook_bot, fake_zalo, str(full))
    sent = await say(http, webhook_bot, fake_zalo, str(number_of(sent[-1], texts.BUTTON_FULL)))
    assert len(sent) >= 2 and all(1 <= len(s) <= 2000 for s in sent)
    assert ". 👍 Có ích" in sent[-1] and sent[-1].rstrip().endswith("để chọn.")
    # "typing…" went out before the first part of the answer.
    methods = [c.method for c in fake_zalo.calls]
    assert methods.index("sendChatAction") < methods.index("sendMessage")
    await webhook_bot.storage.events.flush()
    async with webhook_bot.storage.sessions() as session:
        events = (await session.execute(select(Event))).scalars().all()
    assert {(e.channel, e.user_key) for e in events} == {
        ("zalo", pseudonymise("zalo", USER, SALT))}
    assert [e.kind for e in events] == ["text", "action", "action"]  # the numbers resolved
    assert USER not in (events[0].user_key or "")


async def test_long_push_is_split_under_2000(webhook_bot: Bot, fake_zalo: FakeZalo) -> None:
    paragraphs = tuple(Block(BlockKind.PARAGRAPH, text=f"Đoạn {i}: " + "chữ " * 150)
                       for i in range(12))  # ~7,300 characters
    reply = Reply(ReplyKind.INFO, paragraphs, (Choice("A", "menu"), Choice("B", "help")))
    await webhook_bot.channel.push("chat-9", reply)
    sent = fake_zalo.sent("chat-9")
    assert len(sent) >= 4 and all(len(s) <= 2000 for s in sent)
    assert sent[0].startswith("Đoạn 0:") and all(s.startswith("Đoạn") for s in sent)
    assert sent[-1].endswith("1. A\n2. B\nTrả lời 1 hoặc 2 để chọn.")


async def test_send_failure_is_logged_not_raised(http: httpx.AsyncClient, webhook_bot: Bot,
                                                 fake_zalo: FakeZalo,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    fake_zalo.script("sendMessage", 200, {"ok": False, "error_code": 403,
                                          "description": "blocked"})
    with caplog.at_level(logging.ERROR, logger="bot.channels.zalo.channel"):
        assert (await deliver(http, webhook_bot, message("menu"))).status_code == 200
    assert "could not answer" in caplog.text and "blocked" in caplog.text
    assert "NOT delivered" in caplog.text
    assert USER not in caplog.text
    assert await say(http, webhook_bot, fake_zalo, "menu")  # and it carries on


# --- numbered choices ------------------------------------------------------------------


def number_of(text: str, label: str) -> int | None:
    """The number a rendered reply gives the choice whose label starts with ``label``."""
    match = re.search(rf"^(\d+)\. {re.escape(label)}", text, re.MULTILINE)
    return int(match.group(1)) if match else None



async def test_numbers_resolve_against_the_last_offered_choices(
        http: httpx.AsyncClient, webhook_bot: Bot, fake_zalo: FakeZalo,
        knowledge: KnowledgeService) -> None:
    categories = [c for c in knowledge.current.kb.categories
                  if knowledge.current.kb.by_category(c.id)]
    menu = await say(http, webhook_bot, fake_zalo, "menu")
    assert f"2. {categories[1].icon} {categories[1].label}" in menu[-1]
    picked = await say(http, webhook_bot, fake_zalo, "số 2")
    assert texts.CATEGORY_TITLE.format(label=categories[1].label) in picked[0]
    first_topic = knowledge.current.kb.by_category(categories[1].id)[0]
    answer = await say(http, webhook_bot, fake_zalo, " 1 ")
    assert first_topic.title.upper() in answer[0]
    # The numbers now mean that answer's choices: "👍 Có ích" among them.
    thanks = await say(http, webhook_bot, fake_zalo, str(number_of(answer[-1], "👍 Có ích")))
    assert texts.FEEDBACK_YES in thanks[0]
    back = await say(http, webhook_bot, fake_zalo, "0")
    assert texts.MENU_TITLE in back[0]


async def test_an_unplaced_follow_up_offers_the_topic_in_context_by_number(
        http: httpx.AsyncClient, webhook_bot: Bot, fake_zalo: FakeZalo,
        knowledge: KnowledgeService) -> None:
    """Circumstances in words no entry uses: not answered, but the topic just answered is
    choice 1, and picking it by number leads with what was asked (online)."""
    title = knowledge.current.kb.topics["dang-ky-tam-tru"].title
    answer = await say(http, webhook_bot, fake_zalo, "đăng ký tạm trú làm thế nào")
    assert title.upper() in answer[0]
    offer = await say(http, webhook_bot, fake_zalo,
                      "mẹ tôi mắt kém không đọc được chữ nhỏ, ra chỗ nào nộp")
    assert "tiếp về" in offer[0] and number_of(offer[-1], title) == 1
    picked = await say(http, webhook_bot, fake_zalo, "1")
    assert title.upper() in picked[0] and "Làm ở đâu:" in picked[0]


async def test_not_helpful_reason_by_number_reaches_the_staff_inbox(
        http: httpx.AsyncClient, webhook_bot: Bot, fake_zalo: FakeZalo) -> None:
    answer = await say(http, webhook_bot, fake_zalo, "đăng ký kết hôn cần giấy tờ gì")
    why = await say(http, webhook_bot, fake_zalo,
                    str(number_of(answer[-1], texts.BUTTON_NOT_HELPFUL)))
    assert texts.FEEDBACK_WHY in why[0]
    wrong = number_of(why[-1], texts.FEEDBACK_REASONS["wrong"])
    assert wrong is not None
    thanks = await say(http, webhook_bot, fake_zalo, str(wrong))
    assert texts.FEEDBACK_REASON_THANKS in thanks[0]
    await webhook_bot.storage.events.flush()
    [found] = await webhook_bot.storage.disputes.pending(
        dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    assert (found.reason, found.channel) == ("wrong", "zalo")
    assert found.question == "đăng ký kết hôn cần giấy tờ gì" and found.topic_id


async def test_unknown_or_stale_numbers_get_a_polite_message(
        http: httpx.AsyncClient, webhook_bot: Bot, fake_zalo: FakeZalo) -> None:
    first = await say(http, webhook_bot, fake_zalo, "3")  # nothing was offered yet
    assert "lựa chọn số 3" in first[0] and "gõ 0" in first[0]
    await say(http, webhook_bot, fake_zalo, "help")  # offers 2 choices
    stale = await say(http, webhook_bot, fake_zalo, "7")
    assert "lựa chọn số 7" in stale[0]
    # The polite message offers the menu as 1.
    assert texts.MENU_TITLE in (await say(http, webhook_bot, fake_zalo, "1"))[0]


async def test_choices_are_per_citizen(http: httpx.AsyncClient, webhook_bot: Bot,
                                       fake_zalo: FakeZalo) -> None:
    await say(http, webhook_bot, fake_zalo, "menu", user="alice")
    await say(http, webhook_bot, fake_zalo, "help", user="bob")
    assert "lựa chọn số 5" in (await say(http, webhook_bot, fake_zalo, "5", user="bob"))[0]
    alice = await say(http, webhook_bot, fake_zalo, "5", user="alice")
    assert "lựa chọn" not in alice[0]


async def test_numbered_choice_survives_a_restart(make_bot: MakeBot, fake_zalo: FakeZalo,
                                                  knowledge: KnowledgeService) -> None:
    from starlette.applications import Starlette

    async def run(bot: Bot, text: str) -> list[str]:
        app = Starlette(routes=bot.channel.routes())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://t") as client:
            return await say(client, bot, fake_zalo, text)

    options = {"mode": "webhook", "webhook_url": "https://x.vn/zalo/webhook",
               "webhook_secret": SECRET}
    first = await make_bot(**options)
    await run(first, "menu")
    await first.close()  # the process stops; nothing survives but the database
    second = await make_bot(**options)
    category = [c for c in knowledge.current.kb.categories
                if knowledge.current.kb.by_category(c.id)][2]
    picked = await run(second, "3")
    assert texts.CATEGORY_TITLE.format(label=category.label) in picked[0]


async def test_followup_push_is_answered_by_number(webhook_bot: Bot, http: httpx.AsyncClient,
                                                   fake_zalo: FakeZalo,
                                                   knowledge: KnowledgeService) -> None:
    topic = next(iter(knowledge.current.kb.topics.values()))
    await webhook_bot.channel.push(USER, followup.question(topic.id, topic.title))
    pushed = fake_zalo.sent(USER)[-1]
    assert "1. Đã làm trực tuyến" in pushed and "4. Gặp khó khăn" in pushed
    answer = await say(http, webhook_bot, fake_zalo, "1")
    assert followup.THANKS["online"] in answer[0]


# --- handoff -----------------------------------------------------------------------------


async def handoff_bot(make_bot: MakeBot, knowledge: KnowledgeService,
                      staff: list[tuple[str, str]]) -> tuple[Bot, HandoffService]:
    """A webhook bot with the real HandoffService; staff chats on Zalo."""
    bot = await make_bot(mode="webhook", webhook_url="https://x.vn/zalo/webhook",
                         webhook_secret=SECRET, handoff_available=True)
    service = HandoffService(lambda: bot.storage, {"zalo": bot.channel}, staff,
                             knowledge=knowledge)
    bot.channel.pipeline.handoff = service
    return bot, service


def client_for(bot: Bot) -> httpx.AsyncClient:
    from starlette.applications import Starlette

    app = Starlette(routes=bot.channel.routes())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def pick(sent: list[str], label: str) -> str:
    """The number in front of ``label`` in the last message's numbered list."""
    for line in sent[-1].splitlines():
        number, _, rest = line.partition(". ")
        if number.isdigit() and label in rest:
            return number
    raise AssertionError(f"{label!r} not offered in {sent[-1]!r}")


async def test_handoff_round_trip_with_staff_on_zalo(make_bot: MakeBot, fake_zalo: FakeZalo,
                                                     knowledge: KnowledgeService) -> None:
    bot, _service = await handoff_bot(make_bot, knowledge, [("zalo", "staff-chat")])
    async with client_for(bot) as client:
        asked = await say(client, bot, fake_zalo,
                          "con tôi mất giấy khai sinh bản gốc thì làm sao, sđt 0912345678")
        sent = await say(client, bot, fake_zalo, pick(asked, "Hỏi cán bộ"))
        assert texts.HANDOFF_SENT in sent[0] and "HS-0001" in sent[0]
        # The staff member on Zalo got the redacted question and how to answer it.
        to_staff = fake_zalo.sent("staff-chat")
        assert len(to_staff) == 1 and to_staff[0].startswith("[HS-0001] ")
        assert "0912345678" not in to_staff[0] and "[số điện thoại]" in to_staff[0]
        assert "#HS-0001 <câu trả lời>" in to_staff[0] and USER not in to_staff[0]
        ok = await say(client, bot, fake_zalo, "#HS-0001 Bạn mang căn cước đến UBND xã nhé",
                       user="staff-chat")
        unknown = await say(client, bot, fake_zalo, "#HS-0999 trả lời", user="staff-chat")
        hint = await say(client, bot, fake_zalo, "#HS-0001", user="staff-chat")
        # The same words from a citizen are an ordinary question, not a relay.
        citizen = await say(client, bot, fake_zalo, "#HS-0001 trả lời", user="someone-else")
    assert ok == [RELAYED.format(case_no="HS-0001")]
    assert fake_zalo.sent(USER)[-1].startswith(
        "Cán bộ xã trả lời (HS-0001): Bạn mang căn cước đến UBND xã nhé")
    assert unknown == [UNKNOWN_CASE.format(case_no="HS-0999")]
    assert hint == ["↩️ Để trả lời người dân, gửi: #HS-0001 <câu trả lời>"]
    assert citizen and "HS-0001" not in citizen[0]


async def test_handoff_with_staff_on_telegram_only(make_bot: MakeBot, fake_zalo: FakeZalo,
                                                   knowledge: KnowledgeService) -> None:
    # A Telegram staff chat, but no Telegram channel running: no staff chat is reachable,
    # so the citizen gets the centre's contacts instead of a promise.
    bot, _service = await handoff_bot(make_bot, knowledge, [("telegram", "-100123")])
    async with client_for(bot) as client:
        await say(client, bot, fake_zalo, "help")
        sent = await say(client, bot, fake_zalo, "hỏi cán bộ")
    assert texts.HANDOFF_NOBODY in sent[0] and texts.HANDOFF_SENT not in sent[0]


async def test_handoff_without_service_gives_contacts(make_bot: MakeBot,
                                                      fake_zalo: FakeZalo) -> None:
    bot = await make_bot(mode="webhook", webhook_url="https://x.vn/zalo/webhook",
                         webhook_secret=SECRET, handoff_available=True)  # no service
    async with client_for(bot) as client:
        sent = await say(client, bot, fake_zalo, "hỏi cán bộ")
    assert texts.HANDOFF_NOBODY in sent[0] and texts.HANDOFF_SENT not in sent[0]


async def test_chat_id_command_for_staff_setup(webhook_bot: Bot, http: httpx.AsyncClient,
                                               fake_zalo: FakeZalo) -> None:
    sent = await say(http, webhook_bot, fake_zalo, "/chatid")
    assert sent == [f"Mã cuộc trò chuyện Zalo của bạn: {USER}\nĐể nhận câu hỏi chuyển cán "
                    f"bộ, quản trị viên thêm zalo:{USER} vào STAFF_CHAT_IDS."]


# --- polling -------------------------------------------------------------------------------


async def test_polling_answers_one_update_per_call_through_408s(
        make_bot: MakeBot, fake_zalo: FakeZalo) -> None:
    fake_zalo.poll_wait = 0.05
    fake_zalo.webhook_url = "https://old.example/zalo"
    bot = await make_bot(mode="polling")
    await bot.channel.start()
    await fake_zalo.wait_for(lambda: len(fake_zalo.of("getUpdates")) >= 3)  # 408s
    for i, text in enumerate(["menu", "help", "menu"]):
        fake_zalo.updates.put_nowait(message(text, message_id=f"p{i}")["result"])
    fake_zalo.updates.put_nowait(message("menu", message_id="p0")["result"])  # duplicate
    await fake_zalo.wait_for(lambda: len(fake_zalo.sent(USER)) >= 3)
    await asyncio.sleep(0.2)
    await bot.channel.drain()
    sent = fake_zalo.sent(USER)
    assert len(sent) == 3
    assert texts.MENU_TITLE in sent[0] and texts.CAN_DO in sent[1]
    assert fake_zalo.calls[0].method == "deleteWebhook" and fake_zalo.webhook_url == ""


async def test_polling_does_not_spin_on_instant_408s(make_bot: MakeBot,
                                                     fake_zalo: FakeZalo) -> None:
    fake_zalo.poll_wait = 0  # a server that answers 408 at once
    bot = await make_bot(mode="polling", min_poll_interval=0.1)
    await bot.channel.start()
    await asyncio.sleep(0.6)
    polls = len(fake_zalo.of("getUpdates"))
    assert 3 <= polls <= 8


async def test_polling_survives_errors_with_backoff(make_bot: MakeBot, fake_zalo: FakeZalo,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    fake_zalo.poll_wait = 0.05
    fake_zalo.script("deleteWebhook", 503, "unavailable", times=5)  # client retries 3 ×
    fake_zalo.script("getUpdates", 500, {"ok": False, "error_code": 500,
                                         "description": "boom"}, times=6)
    fake_zalo.script("getUpdates", 200, "<html>proxy error</html>", times=2)
    fake_zalo.script("getUpdates", 200, {"ok": False, "error_code": 401,
                                         "description": "Unauthorized"})
    bot = await make_bot(mode="polling", backoff_base=0.05, backoff_max=0.1)
    with caplog.at_level(logging.WARNING):
        await bot.channel.start()
        fake_zalo.updates.put_nowait(message("menu")["result"])
        await fake_zalo.wait_for(lambda: len(fake_zalo.sent(USER)) == 1, within=10)
    assert texts.MENU_TITLE in fake_zalo.sent(USER)[0]
    assert "zalo polling" in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text
    # Failures are spaced out: no two failed polls closer than the client's own backoff.
    polls = [c.at for c in fake_zalo.of("getUpdates")]
    assert len(polls) >= 9 and polls[-1] - polls[0] > 0.1


async def test_only_one_worker_polls(make_bot: MakeBot, fake_zalo: FakeZalo) -> None:
    fake_zalo.poll_wait = 0.05
    first = await make_bot(mode="polling", lease_wait=0.05)
    second = await make_bot(mode="polling", lease_wait=0.05)
    await first.channel.start()
    await fake_zalo.wait_for(lambda: len(fake_zalo.of("getUpdates")) >= 1)
    await second.channel.start()
    await asyncio.sleep(0.4)
    assert first.channel._holder != second.channel._holder
    taken = await first.storage.leases.acquire("zalo-polling", second.channel._holder,
                                               dt.timedelta(seconds=1))
    assert taken is False  # the first worker holds the polling lease


# --- start-up through the real runtime -------------------------------------------------------


async def test_serve_registers_the_webhook_and_mounts_the_route(
        fake_zalo: FakeZalo, tmp_path: Any) -> None:
    from bot.config import Settings
    from bot.server import create_app

    settings = Settings(data_dir=tmp_path / "d", zalo_bot_token=TOKEN, zalo_mode="webhook",
                        zalo_webhook_secret=SECRET, zalo_api_base_url=fake_zalo.url,
                        webhook_base_url="https://bot.example.vn/")
    app = create_app(settings)
    channel = app.state.runtime.channels["zalo"]
    assert isinstance(channel, ZaloChannel)
    async with app.router.lifespan_context(app):
        await fake_zalo.wait_for(lambda: bool(fake_zalo.of("setWebhook")))
        assert fake_zalo.of("setWebhook")[0].body == {
            "url": "https://bot.example.vn/zalo/webhook", "secret_token": SECRET}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://t") as client:
            denied = await client.post(WEBHOOK_PATH, json=message("menu"))
            ok = await client.post(WEBHOOK_PATH, json=message("menu"),
                                   headers={SECRET_HEADER: SECRET})
            await channel.drain()
            health = await client.get("/healthz")
    assert (denied.status_code, ok.status_code, health.status_code) == (403, 200, 200)
    assert len(fake_zalo.sent(USER)) == 1


async def test_serve_wires_the_runtime_handoff_to_zalo_staff(fake_zalo: FakeZalo,
                                                              tmp_path: Any) -> None:
    from bot.config import Settings
    from bot.server import create_app

    settings = Settings(data_dir=tmp_path / "d", zalo_bot_token=TOKEN, zalo_mode="webhook",
                        zalo_webhook_secret=SECRET, zalo_api_base_url=fake_zalo.url,
                        webhook_base_url="https://bot.example.vn",
                        staff_chat_ids="zalo:staff-chat")
    app = create_app(settings)
    channel = app.state.runtime.channels["zalo"]
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for text, user in [("đăng ký tạm trú cho sinh viên", USER), ("hỏi cán bộ", USER),
                           ("#HS-0001 Bạn làm trên VNeID nhé", "staff-chat")]:
            await client.post(WEBHOOK_PATH, json=message(text, user=user),
                              headers={SECRET_HEADER: SECRET})
            await channel.drain()
            await app.state.runtime.handoff.drain()  # staff posts go out in the background
    assert fake_zalo.sent("staff-chat")[0].startswith("[HS-0001] đăng ký tạm trú")
    assert fake_zalo.sent(USER)[-1].startswith("Cán bộ xã trả lời (HS-0001): Bạn làm")


@pytest.mark.parametrize(("overrides", "problem"), [
    ({"zalo_webhook_secret": None}, "needs ZALO_WEBHOOK_SECRET"),
    ({"zalo_webhook_secret": "12345678"}, "ZALO_WEBHOOK_SECRET is weak"),
    ({"zalo_webhook_secret": "a" * 40}, "ZALO_WEBHOOK_SECRET is weak"),
    ({"zalo_webhook_secret": "x" * 257}, "ZALO_WEBHOOK_SECRET is weak"),
    ({"zalo_webhook_secret": "CHANGE_ME_16_to_256_random_chars"}, "is weak"),
    ({"webhook_base_url": "http://bot.example.vn"}, "WEBHOOK_BASE_URL"),
    ({"webhook_base_url": ""}, "WEBHOOK_BASE_URL"),
    ({"zalo_bot_token": "no-colon"}, "does not look like a Zalo bot token"),
])
def test_start_up_refuses_unsafe_webhook_settings(overrides: dict[str, Any], problem: str,
                                                  tmp_path: Any) -> None:
    from bot.channels.zalo import build_channel
    from bot.config import Settings

    values = {"data_dir": tmp_path / "d", "zalo_bot_token": TOKEN, "zalo_mode": "webhook",
              "zalo_webhook_secret": SECRET, "webhook_base_url": "https://bot.example.vn",
              **overrides}
    with pytest.raises(ValueError, match=problem) as err:
        build_channel(Settings(**values), None)  # type: ignore[arg-type]  # refused first
    assert SECRET not in str(err.value) and TOKEN not in str(err.value)


def test_serve_refuses_to_start_with_a_weak_secret(tmp_path: Any) -> None:
    from bot.config import Settings
    from bot.server import build_runtime

    with pytest.raises(ValueError, match="ZALO_WEBHOOK_SECRET is weak"):
        build_runtime(Settings(data_dir=tmp_path, zalo_bot_token=TOKEN, zalo_mode="webhook",
                               zalo_webhook_secret="password",
                               webhook_base_url="https://bot.example.vn"))


def test_no_token_no_channel_and_polling_needs_no_address(tmp_path: Any) -> None:
    from bot.config import Settings
    from bot.server import build_runtime

    assert "zalo" not in build_runtime(Settings(data_dir=tmp_path / "a")).channels
    assert "zalo" not in build_runtime(Settings(data_dir=tmp_path / "b",
                                                zalo_bot_token="  ")).channels
    runtime = build_runtime(Settings(data_dir=tmp_path / "c", zalo_bot_token=TOKEN))
    assert runtime.channels["zalo"].routes() == []


async def test_flood_limit_notices_once_across_workers_and_drops_the_rest(
        make_bot: Callable[..., Any], fake_zalo: FakeZalo,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.channels.zalo.updates import parse_update

    workers = [await make_bot(rate_limit_per_minute=3) for _ in range(2)]
    freeze_minute(monkeypatch)
    for i in range(6):  # one citizen's messages land on two workers in turn
        update = parse_update(message("menu", user="u-flood"))
        assert update is not None
        await workers[i % 2].channel.process(update)
    replies = fake_zalo.sent("u-flood")
    assert len(replies) == 4  # three answers, one notice, then silence
    assert sum(texts.FLOOD_NOTICE in r for r in replies) == 1
    update = parse_update(message("menu", user="u-calm"))
    assert update is not None
    await workers[0].channel.process(update)
    assert len(fake_zalo.sent("u-calm")) == 1  # others are not affected


@pytest.mark.postgres
async def test_choices_offered_during_an_outage_still_resolve_after_it(
        tmp_path: Any, pg_url: str, fake_zalo: FakeZalo, knowledge: KnowledgeService) -> None:
    from bot.channels.zalo.client import ZaloClient
    from bot.channels.zalo.updates import parse_update
    from bot.config import Settings
    from bot.storage import Storage
    from bot.turns.assistant import Assistant
    from bot.turns.pipeline import TurnPipeline
    from handlers.conversation import Conversation
    from tests.bot.storage.conftest import pg_outage

    storage = await Storage.open(Settings(data_dir=tmp_path, database_url=pg_url))
    client = ZaloClient(TOKEN, base_url=fake_zalo.url)
    channel = ZaloChannel(TurnPipeline(Assistant(Conversation(knowledge), storage)), client,
                          salt=SALT)

    async def say(text: str) -> str:
        before = len(fake_zalo.sent("u-outage"))
        update = parse_update(message(text, user="u-outage"))
        assert update is not None
        await channel.process(update)
        return "\n".join(fake_zalo.sent("u-outage")[before:])

    try:
        await say("menu")  # the menu's numbers are stored in the database
        category = next(c for c in knowledge.current.kb.categories
                        if knowledge.current.kb.by_category(c.id))
        async with pg_outage(pg_url):
            assert category.label in await say("1")  # new numbers: only in memory
        first_topic = knowledge.current.kb.by_category(category.id)[0]
        assert (await say("1")).startswith(first_topic.title.upper())  # its answer
    finally:
        await channel.stop()
        await client.aclose()
        await storage.close()
