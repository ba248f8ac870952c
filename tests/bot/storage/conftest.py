"""Real databases for the storage tests: a SQLite file per test, and PostgreSQL.

PostgreSQL tests use a fresh database created for this test run (dropped at the end)
and a clean ``public`` schema per test. When the server is unreachable they are
skipped locally, but fail in CI (``CI=true``), where the server must be there.
Set ``TEST_POSTGRES_URL`` to use another server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.engine import create_engine, migrate
from tests.conftest import _admin, pg_server, pg_url  # noqa: F401 - shared fixtures


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
