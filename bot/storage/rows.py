"""How many rows a statement touched, typed.

SQLAlchemy types ``AsyncSession.execute`` as returning a plain ``Result``, though an
INSERT, UPDATE or DELETE gives a ``CursorResult`` with ``rowcount``. Conditional
updates ("claim this follow-up if nobody has") read their answer from it, so the
narrowing lives in one checked place rather than behind ignores at every call.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result


def affected(result: Result[Any]) -> int:
    """Rows the DML statement behind ``result`` inserted, updated or deleted."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} has no row count (not a DML result)")
    return max(int(result.rowcount or 0), 0)
