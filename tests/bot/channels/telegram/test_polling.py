"""Polling mode: getUpdates from the fake server, no public address, clean shutdown."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.config import Settings
from bot.server import create_app
from bot.storage import Storage
from bot.storage.models import Event
from handlers import texts
from tests.bot.channels.telegram.conftest import (
    Harness,
    message,
    next_id,
    settled,
    tg_settings,
)
from tests.bot.channels.telegram.fake_api import FakeBotAPI


async def test_polling_answers_dedups_and_flushes_the_log_on_shutdown(
        tmp_path: Path, fake: FakeBotAPI, kb_copy: Path) -> None:
    settings = tg_settings(tmp_path, kb_copy, fake.base_url, telegram_mode="polling",
                           telegram_webhook_secret=None, webhook_base_url="")
    app = create_app(settings)
    assert not [r for r in app.routes if getattr(r, "path", "") == "/telegram/webhook"]
    uid = next_id()
    async with app.router.lifespan_context(app):
        tg = Harness(app, None, fake)
        await settled(app, fake)
        await fake.wait_for(lambda f: f.sent("getUpdates"))
        assert fake.sent("deleteWebhook") and not fake.sent("setWebhook")
        await tg.say(uid, "/start")
        fake.fail("sendMessage", retry_after=1)
        repeated = message(uid, "làm căn cước cho con")
        fake.feed(repeated, repeated)  # Telegram may deliver an update twice
        replies = await fake.wait_for(lambda f: (lambda s: s if len(s) >= 3 and s[-1].buttons
                                                 else None)(f.sent(chat_id=uid)))
        assert texts.BUTTON_HANDOFF in [label for label, _ in replies[-1].buttons]
        assert replies[-1].at - replies[1].at >= 1.0  # the 429, then the retry
        await fake.settle()
        delivered = [c for c in fake.sent(chat_id=uid)[1:] if c.message_id is not None]
        assert len([c for c in delivered if c.buttons]) == 1  # once, despite the repeat
        offsets = [int(c.params.get("offset") or 0) for c in fake.sent("getUpdates")]
        assert offsets == sorted(offsets) and max(offsets) > repeated["update_id"]
    # Shutdown stopped polling, then flushed the demand log to the database.
    polls = len(fake.sent("getUpdates"))
    await fake.settle()
    assert len(fake.sent("getUpdates")) == polls
    storage = await Storage.open(Settings(data_dir=tmp_path), url=settings.effective_database_url)
    try:
        async with storage.sessions() as session:
            logged = (await session.execute(select(func.count()).select_from(Event).where(
                Event.channel == "telegram"))).scalar_one()
    finally:
        await storage.close()
    assert logged == 2


async def test_only_one_worker_polls(tmp_path: Path, fake: FakeBotAPI, kb_copy: Path) -> None:
    settings = tg_settings(tmp_path, kb_copy, fake.base_url, telegram_mode="polling",
                           telegram_webhook_secret=None, webhook_base_url="")
    first, second = create_app(settings), create_app(settings)  # two workers, one database
    async with first.router.lifespan_context(first), \
            second.router.lifespan_context(second):
        channels = [app.state.runtime.channels["telegram"] for app in (first, second)]
        await settled(first, fake)
        await settled(second, fake)
        await fake.wait_for(lambda f: f.sent("getUpdates"))
        await fake.settle()
        polling = [c.application.updater.running for c in channels]
        assert sorted(polling) == [False, True]  # whichever took the lease first
        uid = next_id()
        await Harness(second, None, fake).say(uid, "/lienhe")  # the poller serves everyone
