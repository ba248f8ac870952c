"""The starter knowledge and its exported workbook, built once per test module."""

from __future__ import annotations

import pytest

from knowledge.loader import Documents, read_directory
from knowledge.workbook import export_xlsx


@pytest.fixture(scope="module")
def starter() -> Documents:
    documents, problems = read_directory()
    assert not problems
    return documents


@pytest.fixture(scope="module")
def exported(starter: Documents) -> bytes:
    return export_xlsx(starter)
