"""Fixtures for the staff workspace: one app per module, signed-in clients per role.

The app keeps its own SQLite file (the module shares it, so tests use their own
account names and topics); the browser tests reuse the web chat's uvicorn and
Chromium fixtures from ``tests/bot/web/conftest.py`` by overriding ``app``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from bot.config import Settings
from bot.runtime import Runtime
from bot.server import create_app
from bot.storage import Storage
from bot.storage.staff import StaffStore
from knowledge.loader import read_directory

PASSWORD = "mat-khau-thu-1"
BASE_URL = "http://testserver"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
META_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture(scope="module")
def docs() -> dict[str, Any]:
    """The starter knowledge as JSON documents (what a stored version holds)."""
    documents, problems = read_directory()
    assert not problems
    return documents.to_json()


def staff_settings(data_dir: Path, **extra: Any) -> Settings:
    url = f"sqlite+aiosqlite:///{(data_dir / 'staff.sqlite3').resolve()}"
    return Settings(data_dir=data_dir, database_url=url, knowledge_poll_seconds=3600, **extra)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return staff_settings(tmp_path_factory.mktemp("staff"))


@pytest.fixture(scope="module")
def app(settings: Settings) -> Starlette:
    return create_app(settings)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def running(app: Starlette) -> AsyncIterator[Runtime]:
    """The app with its lifespan (database, knowledge sync) running for the whole module."""
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        assert runtime.storage is not None
        yield runtime


def store(runtime: Runtime) -> StaffStore:
    assert runtime.storage is not None
    return StaffStore(runtime.storage.sessions)


def client_for(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)


async def sign_in(client: httpx.AsyncClient, name: str, password: str = PASSWORD
                  ) -> httpx.Response:
    page = await client.get("/staff/login")
    token = CSRF_RE.search(page.text)
    assert token, page.text
    return await client.post("/staff/login", data={"csrf": token.group(1), "name": name,
                                                   "password": password,
                                                   "next": "/staff/"})


def csrf_of(html: str) -> str:
    match = META_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


Login = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def login(app: Starlette, running: Runtime) -> AsyncIterator[Login]:
    """``await login("editor")``: a new account of that role, signed in; ``.csrf`` set."""
    clients: list[httpx.AsyncClient] = []
    counter = 0

    async def make(role: str, name: str | None = None) -> httpx.AsyncClient:
        nonlocal counter
        counter += 1
        name = name or f"{role}{counter}"
        if await store(running).by_name(name) is None:
            await store(running).add(name, PASSWORD, role, full_name=f"Cán bộ {name}")
        client = client_for(app)
        clients.append(client)
        response = await sign_in(client, name)
        assert response.status_code == 303, response.text
        home = await client.get("/staff/")
        client.csrf = csrf_of(home.text)  # type: ignore[attr-defined]
        client.staff_name = name  # type: ignore[attr-defined]
        return client

    yield make
    for client in clients:
        await client.aclose()


def add_account(settings: Settings, name: str, role: str, password: str = PASSWORD) -> None:
    """Create an account from outside the app's event loop (browser tests)."""

    async def work() -> None:
        storage = await Storage.open(settings)
        try:
            if await StaffStore(storage.sessions).by_name(name) is None:
                await StaffStore(storage.sessions).add(name, password, role,
                                                       full_name=f"Cán bộ {name}")
        finally:
            await storage.close()

    asyncio.run(work())


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> None:
    """Cheaper argon2 parameters for the tests only (the hash format is the same)."""
    from argon2 import PasswordHasher

    import bot.storage.staff as staff

    staff._hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


def topic_form(runtime: Runtime, topic_id: str, csrf: str, **changes: Any
               ) -> dict[str, Any]:
    """The fields the topic page posts for the live ``topic_id``, with ``changes`` applied.

    List fields take a list (one item per line); ``where`` a list of place dicts.
    """
    from bot.web.staff.forms import form_from_doc

    kb = runtime.knowledge.current.kb
    assert kb.documents is not None
    values = form_from_doc(kb.documents.topics[f"topics/{topic_id}.yaml"]).values
    for key, value in changes.items():
        values[key] = "\n".join(value) if isinstance(value, list) and key not in (
            "where", "related") else value
    data: dict[str, Any] = {"csrf": csrf, "base_version": str(runtime.knowledge.stored_version),
                            "topic_id": topic_id}
    for key, value in values.items():
        if key == "where":
            for i, place in enumerate(value):
                data.update({f"where-{i}-{k}": place.get(k) or ""
                             for k in ("channel", "name", "url", "note")})
        elif key == "related":
            data["related"] = list(value)
        elif key != "id":
            data[key] = value
    if "message" in changes:
        data["message"] = changes["message"]
    return data
