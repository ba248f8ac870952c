"""Shared fixtures: the real starter knowledge base, built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
