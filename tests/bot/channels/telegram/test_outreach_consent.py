"""Consent on Telegram through the real client: the menu, the one-time offer, stop."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.channels.telegram import callbacks
from bot.privacy import pseudonymise
from bot.storage.outreach import SubStatus
from handlers import subscription as sub
from tests.bot.channels.telegram.conftest import Harness, next_id


async def status(tg: Harness, uid: int) -> SubStatus | None:
    storage = tg.runtime.storage
    assert storage is not None
    key = pseudonymise("telegram", str(uid), tg.runtime.settings.salt())
    found = await storage.subscriptions.get("telegram", key)
    return found.status if found else None


async def press(tg: Harness, uid: int, data: str) -> Any:
    before = len(tg.fake.sent(chat_id=uid))
    await tg.press(uid, data)
    return (await tg.fake.wait_sent(uid, before + 1))[-1]


async def test_subscribe_from_the_menu_and_stop_by_text(tg: Harness) -> None:
    uid = next_id()
    (menu,) = await tg.say(uid, "/menu")
    assert (sub.BUTTON_SUBSCRIBE, "sub") in menu.buttons
    asked = await press(tg, uid, "sub")
    assert [d for _, d in asked.buttons] == ["sub:y", "sub:n"]
    assert await status(tg, uid) is None  # asking is not consent
    done = await press(tg, uid, "sub:y")
    assert "Từ nay xã sẽ gửi tin cho bạn" in done.text
    assert await status(tg, uid) is SubStatus.ACTIVE
    (stopped,) = await tg.say(uid, "Dừng nhận tin")
    assert stopped.text == sub.STOPPED
    assert await status(tg, uid) is SubStatus.STOPPED


async def test_offered_once_after_a_helpful_answer(tg: Harness) -> None:
    uid = next_id()
    for round_ in range(2):
        await tg.say(uid, "cách đăng ký tạm trú")
        last = await tg.fake.wait_for(
            lambda f: (lambda s: s[-1] if s and s[-1].buttons else None)(f.sent(chat_id=uid)))
        helpful = next(d for _, d in last.buttons if d.startswith("fb:y:"))
        thanks = await press(tg, uid, helpful)
        offered = sub.OFFER in thanks.text and ("Có, tôi muốn nhận", "sub:y") in thanks.buttons
        assert offered == (round_ == 0)  # at most once
    assert await status(tg, uid) is SubStatus.OFFERED  # offered is not subscribed
    declined = await press(tg, uid, "sub:n")
    assert declined.text == sub.DECLINED


async def test_blocking_the_bot_ends_the_subscription(tg: Harness) -> None:
    uid = next_id()
    await press(tg, uid, "sub:y")
    assert await status(tg, uid) is SubStatus.ACTIVE
    bot = {"id": 777000, "is_bot": True, "first_name": "Bot", "username": "phuthong_test_bot"}
    await tg.send({"update_id": next_id(), "my_chat_member": {
        "chat": {"id": uid, "type": "private", "first_name": "An"},
        "from": {"id": uid, "is_bot": False, "first_name": "An"}, "date": 1,
        "old_chat_member": {"status": "member", "user": bot},
        "new_chat_member": {"status": "kicked", "user": bot, "until_date": 0}}})
    for _ in range(100):
        if await status(tg, uid) is SubStatus.STOPPED:
            break
        await asyncio.sleep(0.02)
    assert await status(tg, uid) is SubStatus.STOPPED


def test_telegram_accepts_these_buttons_and_nothing_forged() -> None:
    topics, cats = ["khai-sinh"], ["civil"]
    for data in ("sub", "sub:y", "sub:n", "sub:x", "sub:a:3", "sub:a:-", "cp:7:khai-sinh"):
        assert callbacks.decode_citizen(data, topics, cats) == data
    for data in ("sub:z", "sub:a:abc", "cp:7:khong-co", "cp:x:khai-sinh"):
        assert callbacks.decode_citizen(data, topics, cats) is None


async def test_no_subscription_from_a_group_chat(tg: Harness) -> None:
    uid, group = next_id(), -1_009_000 - next_id()
    (said,) = await tg.say(uid, "nhận tin từ xã", chat_id=group, mention=True)
    assert said.text == sub.GROUP_CHAT
    before = len(tg.fake.sent(chat_id=group))
    await tg.press(uid, "sub:y", chat_id=group)
    (pressed,) = (await tg.fake.wait_sent(group, before + 1))[before:]
    assert pressed.text == sub.GROUP_CHAT
    assert await status(tg, uid) is None
