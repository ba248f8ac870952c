"""Edits a staff member makes to a downloaded workbook, and reading the verdict back.

Shared by the workbook tests and the staff-page and CLI tests that upload edited
files, so all of them edit real workbooks the way Excel saves them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from knowledge.workbook import (
    COMMUNE_SHEET,
    QUESTIONS_SHEET,
    TOPICS_SHEET,
    SpreadsheetError,
    import_xlsx,
)

Edit = Callable[[Workbook], None]


def edit(data: bytes, *changes: Edit) -> bytes:
    """The workbook after a staff member's edits, saved as Excel would."""
    wb = load_workbook(io.BytesIO(data))
    for change in changes:
        change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def headers(wb: Workbook, sheet: str) -> list[str]:
    return [c.value for c in wb[sheet][1]]


def topic_row(wb: Workbook, topic_id: str) -> int:
    ws = wb[TOPICS_SHEET]
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == topic_id)


def set_topic(topic_id: str, header: str, value: Any) -> Edit:
    def change(wb: Workbook) -> None:
        ws = wb[TOPICS_SHEET]
        ws.cell(topic_row(wb, topic_id), headers(wb, TOPICS_SHEET).index(header) + 1
                ).value = value
    return change


def set_commune(item: str, value: Any) -> Edit:
    def change(wb: Workbook) -> None:
        ws = wb[COMMUNE_SHEET]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == item)
        ws.cell(row, 2).value = value
    return change


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(SpreadsheetError) as info:
        import_xlsx(data)
    assert info.value.problems
    return [str(p) for p in info.value.problems]


def row_of(data: bytes, topic_id: str) -> int:
    return topic_row(load_workbook(io.BytesIO(data)), topic_id)


def question_rows(data: bytes, topic_id: str) -> list[int]:
    ws = load_workbook(io.BytesIO(data))[QUESTIONS_SHEET]
    return [r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == topic_id]
