"""Fixtures shared by the runtime's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.storage import Storage


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    """An opened (migrated) Storage on each backend; modules may define their own."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}" if request.param == "sqlite" \
        else str(request.getfixturevalue("pg_url"))
    opened = await Storage.open(Settings(data_dir=tmp_path), url=url)
    yield opened
    await opened.close()
