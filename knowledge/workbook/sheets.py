"""Reading each sheet into rows of cells keyed by column, under the row and time budgets.

Staff may reorder, retype or add columns and leave blank rows; this module finds
the expected sheets and headers wherever they are, reports missing, unknown and
repeated ones, and hands the cell parsers plain ``key -> cell`` rows. openpyxl
parses sheets lazily while rows are read, so the row cap and the deadline are
checked here, row by row.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from knowledge.workbook.columns import (
    CATEGORIES_SHEET,
    COMMUNE_SHEET,
    MAX_ROWS,
    QUESTIONS_SHEET,
    TOPICS_SHEET,
    Column,
    fold,
)
from knowledge.workbook.opening import MAX_COLUMNS, MAX_SHEET_ROWS
from knowledge.workbook.problems import Findings, refusal


class SheetCell(Protocol):
    """What is read of an openpyxl cell (read-only sheets give their own cell classes)."""

    @property
    def value(self) -> object: ...

    @property
    def data_type(self) -> str: ...


class SheetRows(Protocol):
    """What is read of a sheet: its rows, as openpyxl's read-only sheets give them."""

    def iter_rows(self, *, max_col: int) -> Iterator[tuple[SheetCell, ...]]: ...


@dataclass
class Cell:
    """A cell's value as openpyxl read it (text, number, date, bool...), and its type
    (``f`` formula, ``e`` error...)."""

    value: object
    data_type: str


@dataclass
class Row:
    number: int  # as staff see it: the header is row 1
    cells: dict[str, Cell]  # column key -> cell


@dataclass
class Table:
    sheet: str
    columns: dict[str, str]  # key -> header
    rows: list[Row]
    ok: bool  # the header is complete


def read_table(state: Findings, ws: SheetRows, sheet: str, columns: Sequence[Column],
               *, deadline: float, optional: Sequence[str] = ()) -> Table:
    """Rows of one sheet by column key; header problems make ``ok`` False.

    ``optional`` headers may be present and are ignored; ``deadline`` is a
    :func:`time.monotonic` time after which reading stops."""
    table = Table(sheet, {c.key: c.header for c in columns}, [], ok=True)
    rows = ws.iter_rows(max_col=MAX_COLUMNS)
    header = _read_header(state, table, next(rows, ()), columns, optional)
    _read_rows(state, table, rows, header, deadline)
    return table


@dataclass
class _Header:
    positions: dict[int, str]  # column index -> key
    unnamed: set[int]  # column indexes without a header


def _read_header(state: Findings, table: Table, cells: Sequence[SheetCell],
                 columns: Sequence[Column], optional: Sequence[str]) -> _Header:
    """Where each expected column is; unknown, repeated and missing ones are problems."""
    sheet = table.sheet
    wanted = {fold(c.header): c for c in columns}
    spare = {fold(h) for h in optional}
    header = _Header({}, set())
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        title = "" if cell.value is None else str(cell.value)
        folded = fold(title)
        if not folded:
            header.unnamed.add(i)
            continue
        column = wanted.get(folded)
        if column is None:
            if folded not in spare:
                state.add(sheet, 1, title.strip(), "cột này không có trong mẫu; hãy xóa cột "
                          "hoặc đổi lại đúng tên cột ban đầu")
                table.ok = False
            continue
        if column.key in seen:
            state.add(sheet, 1, column.header, "cột này bị lặp lại")
            table.ok = False
            continue
        seen[column.key] = i
        header.positions[i] = column.key
    for column in columns:
        if column.key not in seen:
            state.add(sheet, None, column.header, "thiếu cột này (đừng xóa hay đổi tên tiêu đề "
                      "cột ở dòng 1)")
            table.ok = False
    return header


def _read_rows(state: Findings, table: Table, rows: Iterator[tuple[SheetCell, ...]],
               header: _Header, deadline: float) -> None:
    """The data rows (blank ones skipped), until the row cap or the deadline."""
    sheet = table.sheet
    too_many = f"quá nhiều dòng (tối đa {MAX_ROWS:,} dòng)".replace(",", ".")
    count = 0
    for number, cells in enumerate(rows, start=2):
        if time.monotonic() > deadline:
            raise refusal("tệp quá phức tạp, đọc quá lâu; hãy xóa các dòng và cột thừa rồi "
                          "lưu lại dạng .xlsx")
        if number > MAX_SHEET_ROWS + 1:  # blank rows too: each one costs parsing time
            state.add(sheet, None, None, too_many)
            table.ok = False
            break
        if all(c.value is None or (isinstance(c.value, str) and not c.value.strip())
               for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            state.add(sheet, None, None, too_many)
            table.ok = False
            break
        row = Row(number, {})
        for i, c in enumerate(cells):
            if i in header.positions:
                row.cells[header.positions[i]] = Cell(c.value, c.data_type)
            elif i in header.unnamed and c.value not in (None, ""):
                state.add(sheet, number, get_column_letter(i + 1),
                          "ô có dữ liệu nhưng cột không có tiêu đề; hãy xóa dữ liệu này")
        table.rows.append(row)


def find_sheets(state: Findings, wb: Workbook) -> dict[str, SheetRows]:
    """The four data sheets by their canonical names, however staff cased or spaced them."""
    by_name = {fold(name): name for name in wb.sheetnames}
    found: dict[str, SheetRows] = {}
    for sheet in (TOPICS_SHEET, QUESTIONS_SHEET, COMMUNE_SHEET, CATEGORIES_SHEET):
        name = by_name.get(fold(sheet))
        if name is None:
            state.add(sheet, None, None, "thiếu trang tính này (đừng đổi tên hay xóa các "
                      "trang tính)")
        else:
            found[sheet] = wb[name]
    return found

