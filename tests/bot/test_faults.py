"""Faults under load: the database goes away mid-traffic, the bot keeps answering."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.server import build_runtime, create_app
from bot.storage.models import Event
from tests.bot.storage.conftest import pg_outage

QUESTIONS = ["lam can cuoc cho con o dau", "đăng ký tạm trú online", "gia hạn bhyt",
             "giá vàng hôm nay", "chào bạn"]


async def chat_burst(client: httpx.AsyncClient, n: int, tag: str) -> list[dict]:
    async def one(i: int) -> dict:
        response = await client.post("/api/chat", json={
            "client_id": f"{tag}-client-{i % 9:02d}", "text": QUESTIONS[i % len(QUESTIONS)]})
        assert response.status_code == 200
        return response.json()

    return await asyncio.gather(*(one(i) for i in range(n)))


@pytest.mark.postgres
async def test_postgres_outage_mid_load_loses_no_reply_and_no_event(
        tmp_path: Path, pg_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=pg_url)
    runtime = build_runtime(settings)
    app = create_app(settings, runtime)
    await runtime.open_storage()
    storage = runtime.storage
    assert storage is not None
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            before = await chat_burst(client, 40, "before")
            async with pg_outage(pg_url):
                during = await chat_burst(client, 40, "during")
                await asyncio.sleep(0.5)  # the writer has tried, failed and is backing off
                assert storage.events.pending > 0
            after = await chat_burst(client, 40, "after")
        replies = before + during + after
        assert all(r["reply"]["blocks"] for r in replies)
        assert {r["reply"]["kind"] for r in during} >= {"answer"}
        assert await storage.events.flush()
        async with storage.sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(Event))
        assert stored == 120
    finally:
        await runtime.close()


async def test_bot_answers_when_the_database_is_unreachable_at_start(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path,
                        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    runtime = build_runtime(settings)
    app = create_app(settings, runtime)
    connecting = asyncio.create_task(runtime.open_storage())
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            replies = await chat_burst(client, 10, "nodb")
        assert all(r["reply"]["kind"] in {"answer", "suggest", "fallback", "smalltalk"}
                   for r in replies)
        assert runtime.storage is None
    finally:
        connecting.cancel()
        await runtime.close()
