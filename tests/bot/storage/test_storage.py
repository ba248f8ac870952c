"""The facade the app uses: open (engine, migrations, writer) and close (flush)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.config import Settings
from bot.storage import EventRecord, Storage
from bot.storage.models import Event


async def test_open_migrates_records_and_close_flushes(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", database_url="")
    storage = await Storage.open(settings)
    ev = EventRecord(channel="web", user_key="k", kind="text", decision="fallback",
                     text_redacted="giá vàng hôm nay")
    storage.events.record(ev)
    await storage.state.put("web", "k", {"pending": ev.id})
    await storage.close()
    assert (tmp_path / "data" / "citizen-bot.sqlite3").exists()

    reopened = await Storage.open(settings)  # a restart: migrations are a no-op
    try:
        async with reopened.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Event)) == 1
        assert await reopened.state.get("web", "k") == {"pending": ev.id}
    finally:
        await reopened.close()
