"""Engine setup and start-up migrations: the only place that knows SQLite from PostgreSQL.

SQLite (the default, one process) gets the settings measured in the tech notes: WAL,
``synchronous=NORMAL``, a busy timeout, foreign keys, and ``BEGIN IMMEDIATE`` so that a
writer takes the lock up front instead of failing on a lock upgrade. On Python 3.11 the
driver's own transaction handling has to be switched off for that (``isolation_level =
None``) and the BEGIN emitted from an event. PostgreSQL (several workers) goes through
asyncpg with a small pool that checks connections before use, so a restarted server
costs one failed ping, not a failed write.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, text
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15_000
WAL_SWITCH_TRIES = 100
# Any constant works: it only has to be the same for every worker migrating at once.
_MIGRATION_LOCK_ID = 0x6369_7469_7A65_6E


def normalize_url(url: str | URL) -> URL:
    """Accept the URLs operators actually paste (``postgresql://``, ``sqlite:///``).

    They are mapped to the async drivers this project ships with.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed


def database_exists(url: str | URL) -> bool:
    """False only for a SQLite file not created yet (nothing stored, nothing to read).

    Read-only commands ask first, so they do not create an empty database file.
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return True
    return parsed.database == ":memory:" or Path(parsed.database).exists()


def _sqlite_file(url: URL) -> Path | None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def _on_sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy (the "begin" listener below) own transactions, not the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # The busy timeout first: switching a new file to WAL needs a lock that another
        # process starting at the same moment may hold for a few milliseconds.
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """WAL is a property of the file, set once. The switch needs the file to itself and
    SQLite may refuse it at once ("database is locked", no busy wait) while another
    process that is starting holds a lock: retry for a few seconds (this runs on the
    driver's thread, never on the event loop)."""
    for attempt in range(WAL_SWITCH_TRIES):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_SWITCH_TRIES - 1:
                raise
            time.sleep(0.05)


def _on_sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str | URL, *, echo: bool = False, **kwargs: Any) -> AsyncEngine:
    """An :class:`AsyncEngine` with the per-backend settings; extra kwargs pass through.

    ``hide_parameters`` keeps citizens' text out of SQLAlchemy's error messages, which
    end up in logs.
    """
    parsed = normalize_url(url)
    kwargs.setdefault("hide_parameters", True)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = _sqlite_file(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        if path is not None:  # one writer at a time anyway: queue in asyncio, not in
            # SQLite's busy handler, which sleeps for milliseconds between retries
            kwargs = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60, **kwargs}
        engine = create_async_engine(parsed, echo=echo, **kwargs)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "begin", _on_sqlite_begin)
        return engine
    if backend == "postgresql":
        options: dict[str, Any] = {
            "pool_size": 5,
            "max_overflow": 10,
            "pool_pre_ping": True,
            "pool_recycle": 1800,
            "pool_timeout": 10,
            "connect_args": {
                "timeout": 10,
                "command_timeout": 60,
                "server_settings": {"application_name": "citizen-bot"},
            },
        }
        options.update(kwargs)
        return create_async_engine(parsed, echo=echo, **options)
    return create_async_engine(parsed, echo=echo, **kwargs)


def create_sync_sqlite_engine(url: str | URL) -> Engine | None:
    """A blocking engine on the same SQLite file, with the same settings (for
    :mod:`bot.storage.transactions`); None for anything but a SQLite file."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "sqlite" or _sqlite_file(parsed) is None:
        return None
    engine = sa_create_engine(parsed.set(drivername="sqlite"), hide_parameters=True,
                              pool_size=1, max_overflow=0, pool_timeout=60)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    """A config for the packaged migrations, independent of the working directory."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        # Several workers may start together; the first migrates, the others wait.
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"),
                           {"id": _MIGRATION_LOCK_ID})
    command.upgrade(alembic_config(connection), revision)


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the schema from inside the running event loop.

    Alembic's own async ``env.py`` calls ``asyncio.run``, which cannot nest in a
    running loop; sharing our connection (``cfg.attributes["connection"]``) avoids it
    and runs everything in one transaction, which both SQLite and PostgreSQL roll
    back as a whole if a migration fails.
    """
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)
    log.info("database schema at %s", revision)
