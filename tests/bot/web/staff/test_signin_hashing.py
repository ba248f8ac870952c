"""Password hashing runs off the event loop: the chat keeps answering during a flood of
sign-ins. Each check is held until the test releases it, so the proof does not
depend on how fast this machine hashes: with hashing on the loop, /healthz could
not answer before the held checks time out."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from starlette.applications import Starlette

from bot.server import Runtime
from bot.storage import staff as staff_module
from tests.bot.web.staff.conftest import BASE_URL, sign_in

pytestmark = pytest.mark.asyncio(loop_scope="module")
HOLD = 10.0  # seconds a held check waits at most for the test's release


class HeldHasher(PasswordHasher):
    """Checks that start, then wait for ``release`` (at most HOLD), then fail."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.first = threading.Event()
        self.started = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.started += 1
        self.first.set()
        self.release.wait(HOLD)
        raise VerifyMismatchError  # the work itself is not what this test is about


async def test_healthz_answers_while_twenty_sign_ins_hash(
        app: Starlette, running: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    held = HeldHasher()
    monkeypatch.setattr(staff_module, "_hasher", held)

    async def attempt(n: int) -> int:
        transport = httpx.ASGITransport(app=app, client=(f"10.20.0.{n}", 5000))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            return (await sign_in(client, f"khong.co.{n}", "sai-mat-khau")).status_code

    flood = asyncio.gather(*(attempt(n) for n in range(20)))
    began = time.perf_counter()
    await asyncio.to_thread(held.first.wait, HOLD)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=BASE_URL) as probe:
        start = time.perf_counter()
        assert (await probe.get("/healthz")).status_code == 200
        answered = time.perf_counter() - start
    still_held = not held.release.is_set() and time.perf_counter() - began < HOLD
    held.release.set()
    assert await flood == [401] * 20
    assert still_held and answered < HOLD / 10, answered
    assert held.started == 20
