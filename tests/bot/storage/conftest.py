"""Real databases for the storage tests: a SQLite file per test, and PostgreSQL.

PostgreSQL tests use a fresh database created for this test run (dropped at the end)
and a clean ``public`` schema per test. When the server is unreachable they are
skipped locally, but fail in CI (``CI=true``), where the server must be there.
Set ``TEST_POSTGRES_URL`` to use another server.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.engine import create_engine, migrate
from tests.conftest import IN_CI

PG_CANDIDATES = [os.environ["TEST_POSTGRES_URL"]] if os.environ.get("TEST_POSTGRES_URL") else [
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://root@127.0.0.1:5432/test",
]


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


async def _admin(url: str, *sql: str) -> None:
    conn = await asyncpg.connect(_dsn(url), timeout=5)
    try:
        for statement in sql:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a database created for this run (``postgresql+asyncpg://…``)."""
    admin_url, reason = asyncio.run(_first_reachable())
    if admin_url is None:
        message = f"PostgreSQL not reachable at {PG_CANDIDATES}: {reason}"
        if IN_CI:
            pytest.fail(message + " (CI=true: the server is required)")
        pytest.skip(message)
    name = f"citizen_bot_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(drivername="postgresql+asyncpg", database=name
                                      ).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """The run's database with an empty ``public`` schema."""
    asyncio.run(_admin(pg_server, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public"))
    return pg_server


@asynccontextmanager
async def pg_outage(url: str) -> AsyncIterator[None]:
    """A real outage: refuse new connections and kill the open ones, then recover."""
    name = make_url(url).database
    admin = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    await _admin(admin, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false',
                 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608
                 f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
    try:
        yield
    finally:
        await _admin(admin, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'db' / 'test.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """A migrated engine on each backend."""
    eng = create_engine(db_url)
    await migrate(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated SQLite engine, for tests that do not depend on the backend."""
    eng = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}")
    await migrate(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def sqlite_sessions(sqlite_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(sqlite_engine, expire_on_commit=False)
