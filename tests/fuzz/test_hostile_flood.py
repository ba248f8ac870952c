"""Hostile input while the web chat's flood limit is on: 429 with a reply, never a 5xx.

``test_hostile_suite.py`` turns the limit off so that its inputs reach the pipeline;
here a few addresses and client ids send hostile web-chat bodies at a limit of 3 per
minute, so most answers are the limit's — which must stay well-formed 4xx answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from bot.config import Settings
from bot.server import create_app
from tests.fuzz.hostile import inputs
from tests.fuzz.hostile.harness import ADDRESS_HEADER, Ledger, send, with_address

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def app(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Starlette]:
    data_dir = tmp_path_factory.mktemp("flood")
    built = create_app(Settings(data_dir=data_dir, rate_limit_per_minute=3,
                                database_url=f"sqlite+aiosqlite:///{data_dir / 'bot.sqlite3'}"))
    async with built.router.lifespan_context(built):
        yield built


async def test_limited_hostile_input_is_429_never_5xx(app: Starlette) -> None:
    ledger = Ledger("web (flood limit on)")
    probes = inputs.web_probes(300, seed=1508)
    transport = httpx.ASGITransport(app=with_address(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for n, probe in enumerate(probes):
            probe.headers[ADDRESS_HEADER] = f"10.0.0.{n % 3}"
            if probe.expect == inputs.OK:
                probe.expect = frozenset({200, 429})
            ledger.add(probe, *await send(http, probe))
    statuses = Counter(r.status for r in ledger.results)
    assert statuses[429] > 100, statuses  # the limit did answer most of them
    assert not ledger.problems(), "\n".join(ledger.problems()[:20])
