"""What goes wrong in a workbook, located as staff see it (sheet, row, column header).

Import is all-or-nothing and reports every problem at once, so the readers and
checkers of the other modules add their findings to one :class:`Findings`
instead of raising on the first; only the end of the import turns them into a
:class:`SpreadsheetError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SheetProblem:
    """One finding, located as staff see it: sheet, row number, column header."""

    sheet: str | None  # None: the file as a whole
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.sheet or "Tệp"]
        if self.row is not None:
            where.append(f"dòng {self.row}")
        if self.column is not None:
            where.append(f"cột '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class SpreadsheetError(Exception):
    """The workbook can't be imported; ``problems`` lists every reason."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def refusal(message: str) -> SpreadsheetError:
    """The whole file refused for one plain reason (no sheet, row or column)."""
    return SpreadsheetError([SheetProblem(None, None, None, message)])


@dataclass
class Findings:
    """Problems found so far, and which cells already have one (so a cell that failed
    to parse is not reported again by the model check)."""

    problems: list[SheetProblem] = field(default_factory=list)
    bad: set[tuple[str, int, str]] = field(default_factory=set)  # (sheet, row, key) reported

    def add(self, sheet: str | None, row: int | None, column: str | None, message: str,
            key: str | None = None) -> None:
        self.problems.append(SheetProblem(sheet, row, column, message))
        if sheet and row is not None and key:
            self.bad.add((sheet, row, key))

    def reported(self, sheet: str, row: int, key: str) -> bool:
        return (sheet, row, key) in self.bad
