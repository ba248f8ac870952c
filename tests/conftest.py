"""Shared fixtures: the starter knowledge base, and PostgreSQL when asked for.

With ``TEST_DATABASE=postgres`` every test gets ``DATABASE_URL`` pointing at a
clean schema of a database created for this run, so the whole suite runs again
on PostgreSQL (CI does both). PostgreSQL-only fixtures skip when the server is
unreachable, except in CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from knowledge.loader import DEFAULT_CONTENT_DIR
from knowledge.service import KnowledgeService

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeService:
    return KnowledgeService.from_directory(DEFAULT_CONTENT_DIR)


def shared_file(relative: str) -> Path:
    """A file from ../shared; missing is a skip locally but a failure in CI."""
    path = SHARED / relative
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} not available on this machine")
    return path


PG_CANDIDATES = [os.environ["TEST_POSTGRES_URL"]] if os.environ.get("TEST_POSTGRES_URL") else [
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
]
ON_POSTGRES = os.environ.get("TEST_DATABASE", "").lower() == "postgres"


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _first_reachable() -> tuple[str | None, str]:
    reason = ""
    for url in PG_CANDIDATES:
        try:
            conn = await asyncpg.connect(_dsn(url), timeout=3)
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            continue
        await conn.close()
        return url, ""
    return None, reason


def _run(coro: object) -> object:
    """asyncio.run, also from inside a running loop (an async test's fixture chain)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


async def _admin(url: str, *sql: str) -> None:
    conn = await asyncpg.connect(_dsn(url), timeout=5)
    try:
        for statement in sql:
            await conn.execute(statement)
    finally:
        await conn.close()


class _Resetter:
    """One connection to the run's database for the per-test schema resets, kept on a
    thread of its own (fixtures run both inside and outside event loops): a new
    connection and event loop for each of ~1,500 tests cost ~20 ms apiece."""

    def __init__(self, url: str) -> None:
        self._dsn = _dsn(url)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pg-reset",
                                        daemon=True)
        self._thread.start()
        self._conn: asyncpg.Connection | None = None

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=120)

    async def _execute(self, statements: tuple[str, ...]) -> None:
        for attempt in (1, 2):
            try:
                if self._conn is None or self._conn.is_closed():
                    self._conn = await asyncpg.connect(self._dsn, timeout=10)
                for statement in statements:
                    await self._conn.execute(statement)
                return
            except (asyncpg.InterfaceError, asyncpg.ConnectionDoesNotExistError,
                    asyncpg.AdminShutdownError):  # a test's outage ended this connection
                self._conn = None
                if attempt == 2:
                    raise

    def execute(self, *statements: str) -> None:
        self._call(self._execute(statements))

    def close(self) -> None:
        if self._conn is not None:
            self._call(self._conn.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@pytest.fixture(scope="session")
def _pg_run_database() -> Iterator[tuple[str, _Resetter]]:
    admin_url, reason = _run(_first_reachable())
    if admin_url is None:
        message = f"PostgreSQL not reachable at {PG_CANDIDATES}: {reason}"
        if IN_CI or ON_POSTGRES:
            pytest.fail(message + " (the server is required here)")
        pytest.skip(message)
    name = f"citizen_bot_test_{uuid.uuid4().hex[:10]}"
    _run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(drivername="postgresql+asyncpg", database=name
                                  ).render_as_string(hide_password=False)
    resetter = _Resetter(url)
    try:
        yield url, resetter
    finally:
        resetter.close()
        _run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def pg_server(_pg_run_database: tuple[str, _Resetter]) -> str:
    """URL of a database created for this run (``postgresql+asyncpg://…``)."""
    return _pg_run_database[0]


@pytest.fixture
def pg_url(_pg_run_database: tuple[str, _Resetter]) -> str:
    """The run's database with an empty ``public`` schema."""
    url, resetter = _pg_run_database
    resetter.execute("DROP SCHEMA public CASCADE", "CREATE SCHEMA public")
    return url


@pytest.fixture(autouse=True)
def _database_per_test(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the PostgreSQL run, point the app's default database at a clean schema."""
    if ON_POSTGRES:
        monkeypatch.setenv("DATABASE_URL", str(request.getfixturevalue("pg_url")))
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
