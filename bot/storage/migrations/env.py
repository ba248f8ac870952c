"""Alembic environment: the app's shared connection, or the command line's own engine.

At start-up :func:`bot.storage.engine.migrate` passes its open connection in
``config.attributes["connection"]`` (Alembic's connection-sharing recipe), because the
usual ``asyncio.run`` cannot nest inside the running loop. From the command line
(``alembic upgrade head``, ``alembic check``) there is no connection, so one is made
from ``-x url=…``, ``sqlalchemy.url`` or the bot's own settings (``DATABASE_URL``).
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from sqlalchemy.engine import Connection

from bot.storage.models import Base, UTCDateTime

target_metadata = Base.metadata
config = context.config


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render app-only types as plain SQLAlchemy ones, so migrations never import models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
        render_item=_render_item,
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


def _cli_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url")
    if url:
        return url
    from bot.config import get_settings

    return get_settings().effective_database_url


async def _run_with_own_engine() -> None:
    from bot.storage.engine import create_engine

    engine = create_engine(_cli_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def _run_offline() -> None:
    from bot.storage.engine import normalize_url

    url = normalize_url(_cli_url())
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.get_backend_name() == "sqlite",
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


shared = config.attributes.get("connection")
if context.is_offline_mode():
    _run_offline()
elif shared is not None:
    _run(shared)
else:
    asyncio.run(_run_with_own_engine())
