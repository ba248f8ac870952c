"""Citizen flows end to end: webhook POST → real app → PTB's HTTP client → fake Bot API."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.telegram import callbacks
from bot.channels.telegram.bot import ChatOrderedProcessor
from handlers import followup, texts
from tests.bot.channels.telegram.conftest import (
    INJECTED_STEP,
    LONG_ID,
    Harness,
    bot_message,
    message,
    next_id,
    raw_message,
)
from tests.bot.minute import freeze_minute


def markup_of(call: Any) -> dict[str, Any]:
    return call.params.get("reply_markup") or {}


async def test_start_up_registers_vietnamese_commands_and_the_webhook(tg: Harness) -> None:
    fake = tg.fake
    commands = fake.sent("setMyCommands")
    scopes = {c.params.get("scope", {}).get("type"): c for c in commands}
    citizen = [c["command"] for c in scopes["default"].params["commands"]]
    assert citizen == ["start", "help", "menu", "lienhe"]
    staff = [c["command"] for c in scopes["chat"].params["commands"]]
    assert staff[-2:] == ["baocao", "chuatraloi"] and scopes["chat"].params["scope"]["chat_id"]
    assert all(c["description"] for c in scopes["default"].params["commands"])
    hook = fake.sent("setWebhook")[0].params
    assert hook["url"] == "https://bot.example.test/telegram/webhook"
    assert len(hook["secret_token"]) >= 32
    assert set(hook["allowed_updates"]) == {"message", "callback_query", "my_chat_member"}


async def test_start_greets_says_limits_and_shows_the_menu(tg: Harness) -> None:
    uid = next_id()
    (reply,) = await tg.say(uid, "/start")
    assert reply.params["parse_mode"] == "HTML"
    assert "Phủ Thông" in reply.text and "OTP" in reply.text  # can and cannot do
    actions = [data for _, data in reply.buttons]
    assert actions and all(a.startswith("cat:") for a in actions)


async def test_menu_category_topic_by_buttons(tg: Harness) -> None:
    uid = next_id()
    (menu,) = await tg.say(uid, "/menu")
    cat = dict((d, t) for t, d in menu.buttons)
    assert "cat:civil-status" in cat
    before = len(tg.fake.sent(chat_id=uid))
    await tg.press(uid, "cat:civil-status")
    topics = (await tg.fake.wait_sent(uid, before + 1))[-1]
    assert ("topic:khai-sinh") in [d for _, d in topics.buttons]
    answer = tg.fake.sent("answerCallbackQuery")[-1]
    assert "text" not in answer.params  # a plain acknowledgement, no "expired"
    await tg.press(uid, "topic:khai-sinh")
    answers = await tg.fake.wait_for(
        lambda f: (lambda s: s if len(s) > before + 1 and s[-1].buttons else None)(
            f.sent(chat_id=uid)))
    assert answers[before + 1].text.startswith("<b>Đăng ký khai sinh")


async def test_contact_command(tg: Harness) -> None:
    uid = next_id()
    (reply,) = await tg.say(uid, "/lienhe")
    assert "Liên hệ" in reply.text and "Trung tâm Phục vụ hành chính công xã Phủ Thông" in \
        reply.text


async def test_free_text_answer_is_structured_escaped_split_and_has_buttons(tg: Harness) -> None:
    uid = next_id()
    (lead,) = await tg.say(uid, "làm giấy khai sinh cho con ở đâu")
    assert "Làm ở đâu" in lead.text and "Các bước" not in lead.text  # leads with the aspect
    assert any(d.startswith("fu:y:") for _, d in lead.buttons)  # follow-up offer
    assert "full:khai-sinh" in [d for _, d in lead.buttons]
    before = len(tg.fake.sent(chat_id=uid))
    await tg.press(uid, "full:khai-sinh", markup=markup_of(lead))
    replies = await tg.fake.wait_for(
        lambda f: (lambda s: s[before:] if len(s) > before + 1 and s[-1].buttons else None)(
            f.sent(chat_id=uid)))
    full = "\n".join(r.text for r in replies)
    assert len(replies) >= 2 and all(len(r.text.encode("utf-16-le")) // 2 <= 4096
                                     for r in replies)
    assert "<b>Các bước:</b>\n1. Mang &lt;b&gt;giấy chứng sinh&lt;/b&gt; &amp;" in full
    assert "&lt;script&gt;" in full and INJECTED_STEP not in full
    for label in ("Giấy tờ cần chuẩn bị", "Lệ phí", "Thời gian giải quyết", "Căn cứ pháp lý",
                  "cán bộ xã chưa kiểm tra lại", "Làm ở đâu"):
        assert label in full
    assert '<a href="https://' in full
    assert all(not r.buttons for r in replies[:-1])  # the keyboard rides on the last one
    labels = [label for label, _ in replies[-1].buttons]
    assert {texts.BUTTON_HELPFUL, texts.BUTTON_NOT_HELPFUL, texts.BUTTON_HANDOFF} <= set(labels)
    rows = markup_of(replies[-1])["inline_keyboard"]
    assert [b["text"] for b in rows[0]] == [texts.BUTTON_HELPFUL, texts.BUTTON_NOT_HELPFUL]
    data = [d for _, d in replies[-1].buttons]
    assert "handoff:khai-sinh" in data and any(d.startswith("topic:") for d in data)


async def test_feedback_button_records_and_removes_the_vote_buttons(tg: Harness) -> None:
    uid = next_id()
    await tg.say(uid, "cách đăng ký tạm trú")
    last = await tg.fake.wait_for(
        lambda f: (lambda s: s[-1] if s and s[-1].buttons else None)(f.sent(chat_id=uid)))
    yes = next(d for _, d in last.buttons if d.startswith("fb:y:"))
    before = len(tg.fake.sent(chat_id=uid))
    await tg.press(uid, yes, markup=markup_of(last))
    thanks = (await tg.fake.wait_sent(uid, before + 1))[-1]
    assert thanks.text.startswith(texts.FEEDBACK_YES)  # + the one-time "Nhận tin" offer
    edit = await tg.fake.wait_for(lambda f: f.sent("editMessageReplyMarkup"))
    remaining = [b.get("callback_data") for row in edit[-1].params["reply_markup"][
        "inline_keyboard"] for b in row]
    assert remaining and not any(d.startswith("fb:") for d in remaining)


async def test_not_helpful_asks_why_in_one_tap_and_stores_the_reason(tg: Harness) -> None:
    uid = next_id()
    await tg.say(uid, "cách đăng ký tạm trú")
    last = await tg.fake.wait_for(
        lambda f: (lambda s: s[-1] if s and s[-1].buttons else None)(f.sent(chat_id=uid)))
    no = next(d for _, d in last.buttons if d.startswith("fb:n:"))
    event_id = no[5:]
    before = len(tg.fake.sent(chat_id=uid))
    await tg.press(uid, no, markup=markup_of(last))
    why = (await tg.fake.wait_sent(uid, before + 1))[-1]
    assert why.text == texts.FEEDBACK_WHY
    reasons = [(t, d) for t, d in why.buttons if d.startswith("fr:")]
    assert [t for t, _ in reasons] == list(texts.FEEDBACK_REASONS.values())
    missing = next(d for _, d in reasons if d.startswith("fr:missing:"))
    before = len(tg.fake.sent(chat_id=uid))
    await tg.press(uid, missing, markup=markup_of(why))
    thanks = (await tg.fake.wait_sent(uid, before + 1))[-1]
    assert thanks.text == texts.FEEDBACK_REASON_THANKS
    storage = tg.runtime.storage
    assert storage is not None
    await storage.events.flush()
    found = await storage.disputes.find(event_id)
    assert found is not None and found.reason == "missing"
    assert found.question == "cách đăng ký tạm trú"


async def test_long_topic_id_button_is_shortened_and_still_works(tg: Harness) -> None:
    uid = next_id()
    await tg.say(uid, "cấp đổi thẻ căn cước bị mất")
    last = await tg.fake.wait_for(
        lambda f: (lambda s: s[-1] if s and s[-1].buttons else None)(f.sent(chat_id=uid)))
    handoff = next(d for _, d in last.buttons if d.startswith("handoff"))
    assert handoff.startswith("handoff:~") and len(handoff.encode()) <= 64
    topic_data = "topic:" + handoff.split(":", 1)[1]
    before = len(tg.fake.sent(chat_id=uid))
    await tg.press(uid, topic_data)
    answer = await tg.fake.wait_for(
        lambda f: (lambda s: s if len(s) > before and s[-1].buttons else None)(
            f.sent(chat_id=uid)))
    assert f"handoff:{LONG_ID}" not in [d for _, d in answer[-1].buttons]  # re-shortened
    assert any("căn cước" in c.text.lower() for c in answer[before:])


AMBIGUOUS = ["thu tuc nhan con nuoi", "trợ cấp trẻ mồ côi", "cach chua ho cho tre 2 tuoi",
             "đăng kí vneid cho con 15 tuổi được chưa", "Lệ phí làm căn cước trả online ở đâu?"]


async def test_suggestions_and_fallback(tg: Harness) -> None:
    uid = next_id()
    (fallback,) = await tg.say(uid, "cho tôi hỏi giá vàng hôm nay bao nhiêu")
    assert texts.FALLBACK_TITLE in fallback.text
    assert [d for _, d in fallback.buttons] == ["menu", "handoff", "contact"]
    matcher = tg.runtime.knowledge.current.matcher
    query = next(q for q in AMBIGUOUS if matcher.match(q).decision.value == "suggest")
    candidates = [c.topic for c in matcher.match(query).candidates]
    (suggest,) = await tg.say(uid, query)
    assert texts.SUGGEST_TITLE in suggest.text
    assert [d for _, d in suggest.buttons] == \
        [callbacks.encode(f"topic:{t}") for t in candidates] + ["menu", "handoff"]


async def test_non_text_messages_get_a_polite_text_only_reply(tg: Harness) -> None:
    uid = next_id()
    kinds = [
        {"sticker": {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                     "is_animated": False, "is_video": False, "type": "regular"}},
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}],
         "caption": "<b>ảnh</b>"},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}},
        {"document": {"file_id": "d", "file_unique_id": "d", "file_name": "a.pdf"}},
        {"location": {"latitude": 22.1, "longitude": 105.8}},
    ]
    for content in kinds:
        await tg.send({"update_id": next_id(), "message": raw_message(uid, **content)})
    replies = await tg.fake.wait_sent(uid, len(kinds))
    assert [r.text for r in replies] == [texts.UNSUPPORTED] * len(kinds)


async def test_ignored_edited_messages_channel_posts_and_service_messages(tg: Harness) -> None:
    uid = next_id()
    edited = message(uid, "làm căn cước ở đâu")
    edited["edited_message"] = edited.pop("message")
    await tg.send(edited)
    channel_post = {"update_id": next_id(), "channel_post": {
        "message_id": 1, "date": 1, "chat": {"id": -100777, "type": "channel", "title": "Kênh"},
        "text": "/start"}}
    await tg.send(channel_post)
    joined = {"update_id": next_id(), "message": raw_message(
        uid, chat_id=-100888, new_chat_members=[{"id": 5, "is_bot": False, "first_name": "B"}])}
    await tg.send(joined)
    await tg.fake.settle()
    assert tg.fake.sent() == []


async def test_group_chat_answers_only_when_addressed(tg: Harness) -> None:
    uid, group = next_id(), -100_000 - next_id()
    await tg.send(message(uid, "làm căn cước ở đâu", chat_id=group))
    await tg.send(message(uid, "/start@some_other_bot", chat_id=group))
    await tg.send({"update_id": next_id(), "message": raw_message(
        uid, chat_id=group, photo=[{"file_id": "p", "file_unique_id": "p", "width": 1,
                                    "height": 1}])})
    await tg.fake.settle()
    assert tg.fake.sent(chat_id=group) == []
    (menu,) = await tg.say(uid, "/menu", chat_id=group)
    assert menu.buttons
    mentioned = await tg.say(uid, "đăng ký tạm trú", chat_id=group, mention=True)
    assert mentioned[0].params["reply_parameters"]["message_id"]  # threads under the question
    reply_to_bot = bot_message(group, 77)
    replies = await tg.say(uid, "cảm ơn", chat_id=group, reply_to=reply_to_bot)
    assert replies


async def test_ten_thousand_character_message(tg: Harness) -> None:
    uid = next_id()
    text = ("làm giấy khai sinh cho con " * 400)[:10_000]
    replies = await tg.say(uid, text)
    assert texts.TOO_LONG in replies[0].text
    assert all(len(r.text.encode("utf-16-le")) // 2 <= 4096 for r in tg.fake.sent(chat_id=uid))


async def test_markup_in_citizen_text_never_breaks_the_reply(tg: Harness) -> None:
    uid = next_id()
    (reply,) = await tg.say(uid, '<b>xin</b> & <a href="x">chào</a>')
    assert "<b>xin</b>" not in reply.text and "<a href=\"x\">" not in reply.text


async def test_tampered_and_stale_callbacks_get_expired_and_nothing_else(tg: Harness) -> None:
    uid = next_id()
    forged = ["topic:khong-ton-tai", "cat:../../etc", "fb:y:" + "z" * 32, "x" * 64,
              "handoff:~0000000000", "fa:on:khong-ton-tai", "🙂" * 16]
    for data in forged:
        await tg.press(uid, data)
    answers = await tg.fake.wait_for(
        lambda f: (lambda s: s if len(s) >= len(forged) else None)(f.sent("answerCallbackQuery")))
    assert [a.params.get("text") for a in answers] == [texts.EXPIRED] * len(forged)
    await tg.fake.settle()
    assert tg.fake.sent(chat_id=uid) == [] and tg.fake.sent("editMessageReplyMarkup") == []


async def test_follow_up_push_has_inline_choices_and_the_answer_is_recorded(tg: Harness) -> None:
    uid = next_id()
    channel = tg.runtime.channels["telegram"]
    await channel.push(str(uid), followup.question("khai-sinh", "Đăng ký khai sinh"))
    (pushed,) = await tg.fake.wait_sent(uid)
    assert "Đăng ký khai sinh" in pushed.text
    data = [d for _, d in pushed.buttons]
    assert data == ["fa:on:khai-sinh", "fa:ip:khai-sinh", "fa:ny:khai-sinh", "fa:hd:khai-sinh"]
    await tg.press(uid, "fa:hd:khai-sinh", markup=markup_of(pushed))
    thanks = (await tg.fake.wait_sent(uid, 2))[-1]
    assert thanks.text == followup.THANKS["difficulty"]
    assert "handoff:khai-sinh" in [d for _, d in thanks.buttons]


async def test_flood_limit_notices_once_and_drops_the_rest(
        tg: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    uid = next_id()
    pipeline = tg.runtime.pipeline
    pipeline.rate_limit = 3
    freeze_minute(monkeypatch)
    try:
        for _ in range(6):
            await tg.send(message(uid, "/help"))
        replies = await tg.fake.wait_sent(uid, 4)
        await tg.fake.settle()
        replies = tg.fake.sent(chat_id=uid)
        assert len(replies) == 4
        assert sum("hơi nhanh" in r.text for r in replies) == 1
        other = next_id()
        assert await tg.say(other, "/help")  # others are not affected
    finally:
        pipeline.rate_limit = tg.runtime.settings.rate_limit_per_minute


async def test_updates_from_one_chat_are_answered_in_order(tg: Harness) -> None:
    processor = tg.runtime.channels["telegram"].application.update_processor
    assert isinstance(processor, ChatOrderedProcessor) and processor.max_concurrent_updates > 1
    uid = next_id()
    for text in ["/lienhe", "/menu", "/help", "/start"] * 2:
        await tg.send(message(uid, text))
    replies = await tg.fake.wait_sent(uid, 8)
    marks = [texts.CONTACT_TITLE, texts.MENU_TITLE, texts.CAN_DO, "Xin chào"] * 2
    assert [m in r.text for m, r in zip(marks, replies, strict=True)] == [True] * 8
    assert texts.MENU_TITLE not in replies[2].text and "Xin chào" not in replies[2].text
