"""Files that are not a usable workbook, and hostile ones: refused plainly and quickly."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from knowledge.workbook import MAX_FILE_BYTES, SpreadsheetError, import_xlsx
from tests.knowledge.workbook.hostile_xlsx import HOSTILE
from tests.knowledge.workbook.staff_edits import problems_of


def test_files_that_are_not_a_usable_workbook(tmp_path: Path) -> None:
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    cases = {
        b"": "Tệp: tệp trống",
        b"ma,cau hoi\nkhai-sinh,abc\n": "Tệp: không phải tệp Excel .xlsx",
        b"PK\x03\x04 broken": "Tệp: tệp bị hỏng hoặc không phải tệp Excel .xlsx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "Tệp: đây là tệp Excel cũ (.xls)",
        zipped.getvalue(): "Tệp: không phải tệp Excel .xlsx (có thể là tệp .ods hoặc .docx?)",
        b"PK" + b"\0" * MAX_FILE_BYTES: "Tệp: tệp quá lớn (5.0 MB); tối đa 5 MB",
    }
    for data, expected in cases.items():
        assert problems_of(data)[0].startswith(expected), expected
    big = tmp_path / "big.xlsx"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(SpreadsheetError, match="tệp quá lớn"):
        import_xlsx(big)
    with pytest.raises(SpreadsheetError, match="không mở được tệp"):
        import_xlsx(tmp_path / "missing.xlsx")


def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True, "install defusedxml (a runtime dependency)"


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_is_refused_with_a_plain_message(exported: bytes, case: str) -> None:
    build, words = HOSTILE[case]
    data = build(exported)
    started = time.monotonic()
    with pytest.raises(SpreadsheetError) as refused:
        import_xlsx(data)
    elapsed = time.monotonic() - started
    messages = [str(p) for p in refused.value.problems]
    assert any(words in m for m in messages), messages
    assert "Traceback" not in str(refused.value) and "lol" not in str(refused.value)
    assert elapsed < 20, f"{case}: {elapsed:.1f} s"  # was > 300 s for a 95 MB sheet
