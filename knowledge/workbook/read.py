"""Importing a workbook: a file or upload in, validated documents or every problem out.

This is the one entry for reading (the staff pages and ``citizen-bot kb import``
both call :func:`import_xlsx`); it puts the stages in order — refuse hostile
files before parsing (:mod:`~knowledge.workbook.opening`), read the sheets under
a time budget (:mod:`~knowledge.workbook.sheets`), build and check the documents
(:mod:`~knowledge.workbook.build`) — and keeps the whole import all-or-nothing.
"""

from __future__ import annotations

import time
from os import PathLike
from pathlib import Path

from knowledge.loader import Documents
from knowledge.workbook.build import build
from knowledge.workbook.columns import (
    COMMUNE_HELP,
    COMMUNE_ITEM,
    COMMUNE_SHEET,
    COMMUNE_VALUE,
    MAX_FILE_BYTES,
    ORDER,
    SHEETS,
    Column,
)
from knowledge.workbook.opening import PARSE_SECONDS, damaged, open_workbook, too_large
from knowledge.workbook.problems import Findings, SpreadsheetError, refusal
from knowledge.workbook.sheets import Table, find_sheets, read_table

# The commune sheet is "field, value" rows; its third column only explains them.
COMMUNE_TABLE = (Column("item", COMMUNE_ITEM, "text", 0, ""),
                 Column("value", COMMUNE_VALUE, "text", 0, ""))


def import_xlsx(source: bytes | str | PathLike[str], *,
                budget_seconds: float = PARSE_SECONDS) -> Documents:
    """Read a workbook back into documents, or raise :class:`SpreadsheetError` with
    every problem found. The documents returned always pass :func:`knowledge.loader.parse`.

    Hostile files fail with a SpreadsheetError too, within a bounded time: zip parts
    are size-checked before unpacking, rows per sheet are capped, reading stops after
    ``budget_seconds``, and openpyxl parses the XML with defusedxml (no entities)."""
    data = bytes(source) if isinstance(source, bytes | bytearray) else _read_file(source)
    deadline = time.monotonic() + budget_seconds
    state = Findings()
    wb = open_workbook(data)
    try:
        tables: dict[str, Table] = {}
        for name, ws in find_sheets(state, wb).items():
            if name == COMMUNE_SHEET:
                tables[name] = read_table(state, ws, name, COMMUNE_TABLE, deadline=deadline,
                                          optional=[COMMUNE_HELP])
            else:
                tables[name] = read_table(state, ws, name, SHEETS[name], deadline=deadline)
    except SpreadsheetError:
        raise
    except Exception:  # sheets are parsed lazily, while their rows are read
        raise damaged() from None
    finally:
        wb.close()
    if len(tables) < len(ORDER) or not all(t.ok for t in tables.values()):
        raise SpreadsheetError(state.problems)
    return build(state, tables)


def _read_file(source: str | PathLike[str]) -> bytes:
    """The file's bytes; one that is too large is refused before it is read."""
    path = Path(source)
    try:
        size = path.stat().st_size
    except OSError:
        raise refusal(f"không mở được tệp '{path.name}'") from None
    if size > MAX_FILE_BYTES:
        raise refusal(too_large(size))
    return path.read_bytes()
