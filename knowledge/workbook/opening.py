"""Opening an uploaded file as a workbook, within a size budget, or refusing it plainly.

An XLSX is a zip of XML parts that openpyxl parses in full, so a hostile or
damaged file could hold a worker for minutes or fill its memory before any
row of ours is read. Everything that can be judged from the raw bytes (file
size, declared unpacked sizes and ratios, row and cell counts) is checked here
first, and every failure becomes one plain Vietnamese :class:`SpreadsheetError`.
openpyxl parses the XML with defusedxml, so entity tricks end as damaged files.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from knowledge.workbook.columns import MAX_FILE_BYTES, MAX_ROWS
from knowledge.workbook.problems import SpreadsheetError, refusal

MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # an XLSX is a zip: refuse zip bombs
# One part of the zip (a sheet, the shared strings): a full 5 MB workbook unpacks to
# ~35 MB (XML compresses 5-7 times), never to more in one part.
MAX_MEMBER_BYTES = 40 * 1024 * 1024
# Real XLSX parts compress 5-20 times; a part over 1 MB packed 100 times is a bomb.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_SHEET_ROWS = 2 * MAX_ROWS  # rows read per sheet, blank ones included
MAX_COLUMNS = 60
MAX_SHEET_CELLS = MAX_SHEET_ROWS * MAX_COLUMNS  # cells per sheet, counted before parsing
# Row and cell start tags, with or without a namespace prefix (``<x:row ...>``).
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,20}:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,20}:)?c[\s>/]")
PARSE_SECONDS = 60.0  # a damaged or hostile file must not hold a worker longer


def too_large(size: int) -> str:
    """Why a file over :data:`MAX_FILE_BYTES` is refused, with its size."""
    return (f"tệp quá lớn ({size / 1024 / 1024:.1f} MB); tối đa "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB")


def open_workbook(data: bytes) -> Workbook:
    """The workbook (read-only, formulas kept as formulas), or a SpreadsheetError saying
    plainly why not."""
    if not data.strip():
        raise refusal("tệp trống")
    if len(data) > MAX_FILE_BYTES:
        raise refusal(too_large(len(data)))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise refusal("đây là tệp Excel cũ (.xls); hãy mở bằng Excel và chọn Lưu thành "
                      "(Save As) dạng .xlsx")
    if not data.startswith(b"PK"):
        raise refusal("không phải tệp Excel .xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise refusal("tệp bị hỏng hoặc không phải tệp Excel .xlsx") from None
    if _is_bomb(members):
        raise refusal("tệp quá lớn khi giải nén")
    names = {info.filename for info in members}
    if "xl/workbook.xml" not in names:
        raise refusal("không phải tệp Excel .xlsx (có thể là tệp .ods hoặc .docx?)")
    try:
        too_many = _too_many_cells(data, members)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise damaged() from None
    if too_many:
        most = f"{MAX_ROWS:,}".replace(",", ".")
        raise refusal(f"quá nhiều dòng hoặc ô (tối đa {most} dòng, {MAX_COLUMNS} cột mỗi "
                      "trang tính)")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise damaged() from None


def damaged() -> SpreadsheetError:
    """Damaged or hostile XML (defusedxml refuses entity tricks): one plain message."""
    return refusal("tệp bị hỏng, không đọc được; hãy mở bằng Excel và lưu lại dạng .xlsx")


def _too_many_cells(data: bytes, members: Sequence[zipfile.ZipInfo]) -> bool:
    """Count rows and cells of every sheet in the raw XML before openpyxl parses it.

    openpyxl parses a whole sheet when it opens the workbook (to find its size when the
    sheet does not declare it) and again when reading rows, at ~0.1 ms per row: a
    million tiny rows would hold a worker for minutes before any row cap applied.
    Counting tags in the unpacked stream is a C-speed scan (~0.2 s for 40 MB).
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in members:
            if not info.filename.startswith("xl/worksheets/") or info.is_dir():
                continue
            rows = cells = 0
            tail = b""
            with archive.open(info) as part:
                while chunk := part.read(1024 * 1024):
                    window = tail + chunk
                    rows += len(_ROW_TAG.findall(window)) - len(_ROW_TAG.findall(tail))
                    cells += len(_CELL_TAG.findall(window)) - len(_CELL_TAG.findall(tail))
                    if rows > MAX_SHEET_ROWS + 1 or cells > MAX_SHEET_CELLS:
                        return True
                    tail = window[-64:]
    return False


def _is_bomb(members: Sequence[zipfile.ZipInfo]) -> bool:
    """Sizes as the zip declares them, checked before anything is unpacked (a lying
    header only makes the XML parser fail on truncated data, it cannot grow it)."""
    if sum(info.file_size for info in members) > MAX_UNPACKED_BYTES:
        return True
    for info in members:
        if info.file_size > MAX_MEMBER_BYTES:
            return True
        if (info.file_size > RATIO_FLOOR_BYTES
                and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            return True
    return False

