"""`POST /api/chat` against hostile bodies and floods, through the real ASGI app."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from bot.config import Settings
from bot.server import create_app
from bot.web.app import MAX_BODY_BYTES
from bot.web.flood import ADDRESS_FACTOR
from handlers import texts
from tests.bot.hostile_bodies import MALFORMED, send_endless

LIMIT = 3  # RATE_LIMIT_PER_MINUTE for these tests


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("hostile"),
                               rate_limit_per_minute=LIMIT))


async def ask(client: httpx.AsyncClient, client_id: str, text: str = "menu",
              address: str = "10.0.0.1") -> httpx.Response:
    return await client.post("/api/chat", json={"client_id": client_id, "text": text},
                             headers={"X-Test-Address": address})


@pytest.fixture(autouse=True)
def frozen_minute(monkeypatch: pytest.MonkeyPatch) -> int:
    """Counts restart each minute: freeze it, so no test straddles a minute boundary."""
    from bot.storage import counters as counters_module

    minute = counters_module.current_minute()
    monkeypatch.setattr(counters_module, "current_minute", lambda now=None: minute)
    return minute


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=_with_address(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


def _with_address(app: Starlette):  # type: ignore[no-untyped-def]
    """Let a test choose the client address (ASGITransport always says 127.0.0.1)."""
    async def wrapped(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(b"x-test-address")
            if given:
                scope = {**scope, "client": (given.decode(), 50000)}
        await app(scope, receive, send)
    return wrapped


@pytest.mark.parametrize(("name", "body", "content_type"), MALFORMED,
                         ids=[m[0] for m in MALFORMED])
async def test_malformed_bodies_are_400_and_the_app_keeps_answering(
        client: httpx.AsyncClient, name: str, body: bytes, content_type: str) -> None:
    response = await client.post("/api/chat", content=body,
                                 headers={"Content-Type": content_type})
    assert response.status_code == 400, (name, response.text)
    assert re.search(r"[à-ỹĐđ]", response.json()["error"])
    after = await ask(client, f"after-{len(body):010d}", address=f"10.9.{len(body) % 250}.1")
    assert after.status_code == 200


async def test_a_chunked_body_over_the_limit_is_cut_while_reading(app: Starlette) -> None:
    async with app.router.lifespan_context(app):
        status, pulled = await send_endless(app, "/api/chat")
    assert status == 413
    assert pulled <= MAX_BODY_BYTES + 64 * 1024, "the app read on past its limit"


async def test_a_declared_length_over_the_limit_is_refused_unread(app: Starlette) -> None:
    async with app.router.lifespan_context(app):
        status, pulled = await send_endless(
            app, "/api/chat", [("content-length", str(300 * 1024 * 1024))])
    assert status == 413 and pulled == 0


async def test_flood_gets_one_notice_then_a_short_refusal(client: httpx.AsyncClient) -> None:
    answers = [await ask(client, "flood-client-0001", address="10.0.1.1")
               for _ in range(LIMIT + 3)]
    assert [r.status_code for r in answers] == [200] * LIMIT + [429] * 3
    said = [r.json()["reply"]["blocks"][0]["text"] for r in answers[LIMIT:]]
    assert said == [texts.FLOOD_NOTICE, texts.FLOOD_REFUSAL, texts.FLOOD_REFUSAL]
    assert answers[LIMIT].headers["Retry-After"] == "60"
    # Another citizen at another address is not affected.
    assert (await ask(client, "flood-client-0002", address="10.0.1.2")).status_code == 200


async def test_new_ids_from_one_address_do_not_dodge_the_limit(
        client: httpx.AsyncClient) -> None:
    per_address = LIMIT * ADDRESS_FACTOR
    statuses = [(await ask(client, f"dodger-{n:06d}", address="10.0.2.1")).status_code
                for n in range(per_address + 2)]
    assert statuses == [200] * per_address + [429, 429]
    assert (await ask(client, "someone-else-01", address="10.0.2.2")).status_code == 200


async def test_the_limit_restarts_the_next_minute(client: httpx.AsyncClient, frozen_minute: int,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.storage import counters as counters_module

    for _ in range(LIMIT + 1):
        await ask(client, "patient-client-01", address="10.0.3.1")
    assert (await ask(client, "patient-client-01", address="10.0.3.1")).status_code == 429
    monkeypatch.setattr(counters_module, "current_minute", lambda now=None: frozen_minute + 1)
    assert (await ask(client, "patient-client-01", address="10.0.3.1")).status_code == 200


async def test_concurrent_flood_is_counted_exactly(client: httpx.AsyncClient) -> None:
    answers = await asyncio.gather(*(ask(client, "burst-client-001", address="10.0.4.1")
                                     for _ in range(LIMIT + 5)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] * LIMIT + [429] * 5
