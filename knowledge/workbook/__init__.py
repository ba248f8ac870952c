"""The whole knowledge base as one XLSX workbook, and back.

Commune staff keep the knowledge current in Excel, LibreOffice or Google
Sheets: one row per topic, one row per example question, the commune profile
as "field, value" rows, the menu groups, and a sheet that explains all this in
plain Vietnamese.

Import is all-or-nothing. Every cell is checked, every problem is reported as
``Chủ đề, dòng 7, cột 'Lệ phí': không được để trống`` (sheet, row, column, in
Vietnamese, so staff can find it), and a workbook with any problem gives no
documents at all. A workbook that passes gives documents that
:func:`knowledge.loader.parse` accepts, and export → import is lossless.

Everything here is pure (bytes in, documents out, no database): the staff
pages and ``citizen-bot kb export/import`` both call it. The modules, one job each:

- :mod:`.columns` — the layout: sheets, columns, what each column holds;
- :mod:`.cells` — one cell's text, written and parsed back;
- :mod:`.export` — writing the styled workbook and its guide sheet;
- :mod:`.opening` — refusing hostile or damaged files before parsing (size budgets);
- :mod:`.sheets` — reading sheets into rows by column (row and time budgets);
- :mod:`.build` — building the documents and locating every broken rule;
- :mod:`.read` — the import, stage by stage;
- :mod:`.problems` — located problems and the error that carries them.

This package re-exports what callers outside it use.
"""

from knowledge.workbook.columns import (
    CATEGORIES_SHEET,
    COMMUNE_SHEET,
    GUIDE_SHEET,
    MAX_FILE_BYTES,
    MAX_ROWS,
    QUESTIONS_SHEET,
    TOPIC_COLUMNS,
    TOPICS_SHEET,
    XLSX_MEDIA_TYPE,
)
from knowledge.workbook.export import export_xlsx, write_xlsx
from knowledge.workbook.problems import SheetProblem, SpreadsheetError
from knowledge.workbook.read import import_xlsx

__all__ = [
    "CATEGORIES_SHEET",
    "COMMUNE_SHEET",
    "GUIDE_SHEET",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "QUESTIONS_SHEET",
    "TOPICS_SHEET",
    "TOPIC_COLUMNS",
    "XLSX_MEDIA_TYPE",
    "SheetProblem",
    "SpreadsheetError",
    "export_xlsx",
    "import_xlsx",
    "write_xlsx",
]
