"""Sheets and headers found however staff left them; missing, unknown and extra ones reported."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from knowledge.workbook import (
    CATEGORIES_SHEET,
    COMMUNE_SHEET,
    MAX_ROWS,
    QUESTIONS_SHEET,
    TOPICS_SHEET,
    SpreadsheetError,
    import_xlsx,
)
from tests.knowledge.workbook.staff_edits import edit, headers, problems_of


def test_missing_and_renamed_sheets(exported: bytes) -> None:
    def drop(wb: Workbook) -> None:
        del wb[CATEGORIES_SHEET]

    def rename(wb: Workbook) -> None:
        wb[TOPICS_SHEET].title = "Topics"

    found = problems_of(edit(exported, drop, rename))
    assert "Chủ đề: thiếu trang tính này (đừng đổi tên hay xóa các trang tính)" in found
    assert any(p.startswith("Nhóm: thiếu trang tính") for p in found)


def test_missing_and_renamed_columns(exported: bytes) -> None:
    def drop_fee(wb: Workbook) -> None:
        wb[TOPICS_SHEET].delete_cols(headers(wb, TOPICS_SHEET).index("Lệ phí") + 1)

    def rename_question(wb: Workbook) -> None:
        wb[QUESTIONS_SHEET]["B1"] = "Câu hỏi của dân"

    found = problems_of(edit(exported, drop_fee, rename_question))
    assert any(p.startswith("Chủ đề, cột 'Lệ phí': thiếu cột này") for p in found)
    assert any(p.startswith("Câu hỏi mẫu, dòng 1, cột 'Câu hỏi của dân': cột này không có")
               for p in found)
    assert any(p.startswith("Câu hỏi mẫu, cột 'Câu hỏi': thiếu cột này") for p in found)


def test_unnamed_column_with_data_is_not_silently_dropped(exported: bytes) -> None:
    found = problems_of(edit(exported, lambda wb: wb[CATEGORIES_SHEET].cell(4, 5, value="x")))
    assert found == ["Nhóm, dòng 4, cột 'E': ô có dữ liệu nhưng cột không có tiêu đề; hãy xóa "
                     "dữ liệu này"]


def test_too_many_rows(exported: bytes) -> None:
    def flood(wb: Workbook) -> None:
        ws = wb[QUESTIONS_SHEET]
        for i in range(MAX_ROWS + 1):
            ws.append(["khai-sinh", f"câu hỏi số {i}"])

    assert problems_of(edit(exported, flood)) == [
        "Câu hỏi mẫu: quá nhiều dòng (tối đa 5.000 dòng)"]


def test_an_empty_workbook_lists_what_is_missing() -> None:
    out = io.BytesIO()
    Workbook().save(out)
    found = problems_of(out.getvalue())
    assert [p for p in found if "thiếu trang tính" in p] == [
        f"{s}: thiếu trang tính này (đừng đổi tên hay xóa các trang tính)"
        for s in (TOPICS_SHEET, QUESTIONS_SHEET, COMMUNE_SHEET, CATEGORIES_SHEET)]


def test_reading_stops_at_the_time_budget(exported: bytes) -> None:
    with pytest.raises(SpreadsheetError) as refused:
        import_xlsx(exported, budget_seconds=0)
    assert [str(p) for p in refused.value.problems] == [
        "Tệp: tệp quá phức tạp, đọc quá lâu; hãy xóa các dòng và cột thừa rồi lưu lại "
        "dạng .xlsx"]
    assert import_xlsx(exported)  # the same file within the budget
