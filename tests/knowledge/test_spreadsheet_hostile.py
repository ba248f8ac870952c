"""Hostile workbooks fail clearly, in bounded time, with nothing imported."""

from __future__ import annotations

import time

import openpyxl
import pytest

from knowledge.loader import read_directory
from knowledge.spreadsheet import SpreadsheetError, export_xlsx, import_xlsx
from tests.knowledge.hostile_xlsx import HOSTILE

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def exported() -> bytes:
    documents, problems = read_directory()
    assert not problems
    return export_xlsx(documents)


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


def test_reading_stops_at_the_time_budget(exported: bytes) -> None:
    with pytest.raises(SpreadsheetError) as refused:
        import_xlsx(exported, budget_seconds=0)
    assert [str(p) for p in refused.value.problems] == [
        "Tệp: tệp quá phức tạp, đọc quá lâu; hãy xóa các dòng và cột thừa rồi lưu lại "
        "dạng .xlsx"]
    assert import_xlsx(exported)  # the same file within the budget
