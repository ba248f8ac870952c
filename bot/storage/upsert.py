"""``INSERT … ON CONFLICT`` for the two backends this project runs on.

Statements are built once per dialect and reused with a list of parameter rows
(executemany), so SQLAlchemy compiles each only once; a statement built around the
rows themselves would be compiled afresh for every batch, which costs more than the
SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(dialect: str, table: Any) -> Any:
    """The dialect's own insert construct (it has ``on_conflict_do_*``)."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database: {dialect}")


def prepared(build: Callable[[str], Any]) -> Callable[[Connection], Any]:
    """``build(dialect)`` once per dialect; call the result with a connection."""
    per_dialect = cache(build)

    def statement(connection: Connection) -> Any:
        return per_dialect(connection.dialect.name)

    return statement
