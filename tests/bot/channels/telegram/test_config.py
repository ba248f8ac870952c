"""Settings the operator gets wrong are refused at start-up; ordering per chat holds."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from telegram import Chat, Update

from bot.channels.settings import ConfigError, telegram_problems
from bot.channels.telegram.adapter import strip_mention
from bot.channels.telegram.bot import ChatOrderedProcessor
from bot.config import Settings
from bot.server import build_runtime
from tests.bot.channels.telegram.conftest import SECRET, TOKEN, tg_settings


def settings(tmp_path: Path, **overrides: Any) -> Settings:
    return tg_settings(tmp_path, Path("knowledge/content"), "http://127.0.0.1:9/bot",
                       **overrides)


@pytest.mark.parametrize("secret", [None, "", "short-secret", "x" * 31, "a" * 40 + "!",
                                    "a" * 40 + " ", "ä" * 40, "a" * 257])
def test_webhook_mode_refuses_a_missing_or_weak_secret(tmp_path: Path, secret: str | None) -> None:
    value = SecretStr(secret) if secret is not None else None
    problems = telegram_problems(settings(tmp_path, telegram_webhook_secret=value))
    assert any("TELEGRAM_WEBHOOK_SECRET" in p for p in problems)


def test_webhook_mode_needs_a_public_https_address(tmp_path: Path) -> None:
    problems = telegram_problems(settings(tmp_path, webhook_base_url="http://bot.example.test"))
    assert any("WEBHOOK_BASE_URL" in p for p in problems)
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):  # at start-up
        build_runtime(settings(tmp_path, telegram_webhook_secret=SecretStr("weak")))


def test_polling_needs_no_secret_and_bad_ids_are_refused(tmp_path: Path) -> None:
    runtime = build_runtime(settings(tmp_path, telegram_mode="polling",
                                     telegram_webhook_secret=None, webhook_base_url=""))
    channel = runtime.channels["telegram"]
    assert channel.routes() == [] and channel.application.updater is not None
    assert runtime.assistant.conversation.handoff_available
    with pytest.raises(ConfigError, match="ADMIN_USER_IDS"):
        build_runtime(settings(tmp_path, admin_user_ids="42,@chu_tich"))
    with pytest.raises(ConfigError, match="STAFF_CHAT_IDS"):
        build_runtime(settings(tmp_path, staff_chat_ids="nhom-can-bo"))
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        build_runtime(settings(tmp_path, telegram_bot_token=SecretStr("abc")))


def test_without_a_token_there_is_no_telegram_channel(tmp_path: Path) -> None:
    runtime = build_runtime(Settings(data_dir=tmp_path))
    assert "telegram" not in runtime.channels
    assert not runtime.assistant.conversation.handoff_available


def test_staff_chat_and_admin_parsing(tmp_path: Path) -> None:
    parsed = Settings(data_dir=tmp_path, staff_chat_ids=" -1001, zalo:abc-Z ,42,-1001,ZALO:x",
                      admin_user_ids=" 7, 8 ,")
    assert parsed.staff_targets == (("telegram", "-1001"), ("zalo", "abc-Z"), ("telegram", "42"),
                                    ("zalo", "x"))
    assert parsed.admin_ids == frozenset({7, 8})
    for bad in ("telegram:abc", "viber:1", "zalo:"):
        with pytest.raises(ValueError, match="STAFF_CHAT_IDS"):
            _ = Settings(data_dir=tmp_path, staff_chat_ids=bad).staff_targets


def test_secrets_never_show_in_repr(tmp_path: Path) -> None:
    shown = repr(settings(tmp_path)) + str(settings(tmp_path).model_dump())
    assert TOKEN not in shown and SECRET not in shown


def test_mentions_are_removed_from_group_questions() -> None:
    assert strip_mention("@Xa_Bot  làm căn cước ở đâu @xa_bot", "xa_bot") == \
        "làm căn cước ở đâu"


async def test_one_chat_in_order_other_chats_in_parallel() -> None:
    processor = ChatOrderedProcessor(16)
    finished: list[tuple[int, int]] = []

    async def work(chat: int, n: int, delay: float) -> None:
        await asyncio.sleep(delay)
        finished.append((chat, n))

    def update(chat: int) -> Update:
        return Update.de_json({"update_id": 1, "message": {
            "message_id": 1, "date": 0, "chat": {"id": chat, "type": Chat.PRIVATE},
            "text": "x"}}, None)

    started = time.monotonic()
    tasks = [asyncio.create_task(processor.process_update(update(chat), work(chat, n, delay)))
             for n, delay in enumerate([0.3, 0.05, 0.2, 0.0]) for chat in (1, 2)]
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    assert [n for chat, n in finished if chat == 1] == [0, 1, 2, 3]
    assert [n for chat, n in finished if chat == 2] == [0, 1, 2, 3]
    assert elapsed < 0.5 + 0.3  # the two chats overlapped (serial would be ≥ 1.1 s)
    assert len(processor.locks) == 0  # nothing kept for idle chats
