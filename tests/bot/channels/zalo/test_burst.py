"""Bursts against a slow Zalo API: every message answered once, the pool never lost."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from bot.channels.zalo.channel import SECRET_HEADER, WEBHOOK_PATH
from bot.channels.zalo.updates import parse_update
from bot.config import Settings
from bot.server import create_app
from tests.bot.channels.zalo.conftest import SECRET, TOKEN, FakeZalo, message

MakeBot = Callable[..., Any]


async def test_slow_typing_in_a_burst_does_not_leak_the_pool(make_bot: MakeBot,
                                                              fake_zalo: FakeZalo) -> None:
    # The attack's failure: "typing…" slower than the channel waits for it, more messages
    # than the pool has connections. Cancelling the queued typing calls leaked httpcore's
    # pool slots (encode/httpcore#1093) and every later send failed with PoolTimeout.
    fake_zalo.delays["sendChatAction"] = 0.6
    bot = await make_bot(typing_wait=0.2)
    users = [f"u-burst-{i}" for i in range(700)]
    updates = [parse_update(message("menu", user=u)) for u in users]
    done, _ = await asyncio.wait([asyncio.create_task(bot.channel.process(u))
                                  for u in updates if u is not None], timeout=30)
    late = parse_update(message("menu", user="u-after"))
    assert late is not None
    await asyncio.wait([asyncio.create_task(bot.channel.process(late))], timeout=15)
    answered = Counter(c.body["chat_id"] for c in fake_zalo.of("sendMessage"))
    assert answered["u-after"] == 1  # the channel still works after the burst
    assert [u for u in users if answered[u] != 1] == []
    assert len(done) == len(users)


async def test_a_stuck_channel_recovers_without_a_restart(
        make_bot: MakeBot, fake_zalo: FakeZalo, caplog: pytest.LogCaptureFixture) -> None:
    bot = await make_bot(client_options={"max_connections": 3, "max_in_flight": 2,
                                         "pool_timeout": 0.2, "stuck_after": 2})
    # Every slot of the pool held by requests that do not end for seconds, as the
    # slots leaked by cancelled requests (encode/httpcore#1093) are held for ever.
    fake_zalo.delays["getWebhookInfo"] = 3.0
    stuck = bot.client._pool.http
    leaked = [asyncio.create_task(stuck.post(f"{fake_zalo.url}/bot{TOKEN}/getWebhookInfo",
                                             json={})) for _ in range(3)]
    await asyncio.sleep(0.2)
    users = [f"u-stuck-{i}" for i in range(5)]
    try:
        with caplog.at_level(logging.ERROR):
            await asyncio.wait_for(asyncio.gather(*(
                bot.channel.process(parse_update(message("menu", user=u)))  # type: ignore[arg-type]
                for u in users)), timeout=10)
        answered = Counter(c.body["chat_id"] for c in fake_zalo.of("sendMessage"))
        assert [answered[u] for u in users] == [1] * 5
        assert bot.client.rebuilds == 1
        assert "connection pool stuck" in caplog.text and "NOT delivered" not in caplog.text
    finally:
        for task in leaked:
            task.cancel()
        await asyncio.gather(*leaked, return_exceptions=True)


# --- a burst through the real server against a Zalo that is slow to accept ---------------

BURST = 1000
REDELIVERED = 200  # the first messages arrive twice, as Zalo retries do


@pytest.fixture
def slow_zalo() -> Iterator[FakeZalo]:
    """The fake Zalo API in its own thread and loop, slow to accept and to answer.

    The listening socket's accept queue holds 8 connections (beyond that the kernel
    drops SYNs and the client retries after ~1 s), and the server's loop is blocked
    half the time, as an overloaded server is: connections wait to be accepted and
    answers come late.
    """
    fake = FakeZalo(delays={"sendMessage": 0.05, "sendChatAction": 0.3})
    app = Starlette(routes=[Route("/bot{token:str}/{method:str}", fake.handle,
                                  methods=["POST"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    fake.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                           access_log=False, backlog=8))

    async def overloaded() -> None:
        while not server.should_exit:
            time.sleep(0.005)  # noqa: ASYNC251 - the point: this loop is busy elsewhere
            await asyncio.sleep(0.005)

    async def serve() -> None:
        stall = asyncio.create_task(overloaded())
        await server.serve(sockets=[sock])
        await stall

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "fake Zalo did not start"
        time.sleep(0.01)
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
async def bot_url(slow_zalo: FakeZalo, tmp_path: Path) -> AsyncIterator[str]:
    """``citizen-bot serve``'s app with Zalo in webhook mode, served by uvicorn."""
    settings = Settings(data_dir=tmp_path / "data", zalo_bot_token=TOKEN,
                        zalo_mode="webhook", zalo_webhook_secret=SECRET,
                        zalo_api_base_url=slow_zalo.url,
                        webhook_base_url="https://bot.example.vn")
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           backlog=2048))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=20)
        sock.close()


async def deliver(url: str, payload: dict[str, Any]) -> int:
    """POST one webhook on its own connection, as Zalo's servers do; the HTTP status.

    Plain asyncio streams: an httpx client with 1,000 requests queued spends its time in
    httpcore's pool bookkeeping (quadratic in the queue), not in sending.
    """
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps(payload).encode()
    head = (f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"{SECRET_HEADER}: {SECRET}\r\nConnection: close\r\n\r\n").encode()
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head + body)
        await writer.drain()
        status_line = await reader.readline()
        return int(status_line.split()[1])
    finally:
        writer.close()


async def test_a_burst_of_1000_is_answered_exactly_once(slow_zalo: FakeZalo,
                                                        bot_url: str) -> None:
    bodies = [message("menu" if i % 2 else "help", user=f"u-{i}", message_id=f"m-{i}")
              for i in range(BURST)]
    bodies += bodies[:REDELIVERED]
    statuses = await asyncio.gather(*(deliver(bot_url, body) for body in bodies))
    assert Counter(statuses) == {200: len(bodies)}
    for _ in range(600):  # at most 60 s: a dead channel fails here rather than hangs
        if len(slow_zalo.of("sendMessage")) >= BURST:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # a duplicate answer would arrive now
    answered = Counter(c.body["chat_id"] for c in slow_zalo.of("sendMessage"))
    assert sorted(n for n in answered.values() if n != 1) == []
    assert len(answered) == BURST
