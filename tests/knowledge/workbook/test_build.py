"""Document rules moved back to the sheet, row and column they came from."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from knowledge.workbook import CATEGORIES_SHEET, COMMUNE_SHEET, QUESTIONS_SHEET, import_xlsx
from tests.knowledge.workbook.staff_edits import (
    edit,
    problems_of,
    question_rows,
    row_of,
    set_commune,
    set_topic,
)


@pytest.mark.parametrize("header", ["Lệ phí", "Tóm tắt", "Các bước", "Nơi thực hiện",
                                    "Mã nhóm", "Làm trực tuyến", "Nguồn tham khảo"])
def test_empty_required_cell_is_located(exported: bytes, header: str) -> None:
    row = row_of(exported, "khai-sinh")
    assert problems_of(edit(exported, set_topic("khai-sinh", header, None))) == [
        f"Chủ đề, dòng {row}, cột '{header}': không được để trống"]


def test_an_entry_needs_its_sources_month_or_a_staff_check(exported: bytes) -> None:
    row = row_of(exported, "khai-sinh")
    assert problems_of(edit(exported, set_topic("khai-sinh", "Nguồn đối chiếu đến tháng", None))
                       ) == [f"Chủ đề, dòng {row}, cột 'Nguồn đối chiếu đến tháng': không được "
                             "để trống khi chưa có 'Ngày kiểm tra'"]
    back = import_xlsx(edit(exported, set_topic("khai-sinh", "Nguồn đối chiếu đến tháng", None),
                            set_topic("khai-sinh", "Ngày kiểm tra", "01/12/2026"),
                            set_topic("khai-sinh", "Người kiểm tra", "Lò Thị Mai")))
    doc = back.topics["topics/khai-sinh.yaml"]
    assert (doc["reviewed_on"], doc["reviewed_by"]) == ("2026-12-01", "Lò Thị Mai")
    assert "sources_checked" not in doc


def test_duplicate_topic_and_category_ids(exported: bytes) -> None:
    def duplicate_category(wb: Workbook) -> None:
        wb[CATEGORIES_SHEET]["A3"] = wb[CATEGORIES_SHEET]["A2"].value

    first, second = row_of(exported, "khai-sinh"), row_of(exported, "khai-tu")
    found = problems_of(edit(exported, set_topic("khai-tu", "Mã chủ đề", "khai-sinh"),
                             duplicate_category))
    assert (f"Chủ đề, dòng {second}, cột 'Mã chủ đề': trùng mã chủ đề 'khai-sinh' với "
            f"dòng {first}") in found
    assert "Nhóm, dòng 3, cột 'Mã nhóm': trùng mã nhóm 'identity' với dòng 2" in found


def test_cross_references_unknown_category_related_and_question_topic(exported: bytes) -> None:
    def stray_question(wb: Workbook) -> None:
        wb[QUESTIONS_SHEET]["A5"] = "khong-co-chu-de"

    row = row_of(exported, "khai-sinh")
    found = problems_of(edit(exported, set_topic("khai-sinh", "Mã nhóm", "ho-tich"),
                             set_topic("khai-sinh", "Chủ đề liên quan", "ket-hon\nkhai-sinh-2"),
                             stray_question))
    assert f"Chủ đề, dòng {row}, cột 'Mã nhóm': nhóm 'ho-tich' không có trong trang 'Nhóm'" \
        in found
    assert (f"Chủ đề, dòng {row}, cột 'Chủ đề liên quan': không có chủ đề 'khai-sinh-2' "
            "trong trang 'Chủ đề'") in found
    assert ("Câu hỏi mẫu, dòng 5, cột 'Mã chủ đề': không có chủ đề 'khong-co-chu-de' "
            "trong trang 'Chủ đề'") in found


def test_question_rules_count_and_duplicates(exported: bytes) -> None:
    rows = question_rows(exported, "ho-chieu")

    def strip_questions(wb: Workbook) -> None:
        for r in rows[3:]:
            wb[QUESTIONS_SHEET].cell(r, 1).value = None
            wb[QUESTIONS_SHEET].cell(r, 2).value = None
        wb[QUESTIONS_SHEET].cell(rows[2], 2).value = wb[QUESTIONS_SHEET].cell(rows[1], 2
                                                                              ).value.upper()

    found = problems_of(edit(exported, strip_questions))
    assert f"Câu hỏi mẫu, dòng {rows[2]}, cột 'Câu hỏi': câu hỏi bị lặp (giống dòng " \
           f"{rows[1]})" in found
    assert "Câu hỏi mẫu: chủ đề 'ho-chieu' mới có 2 câu hỏi mẫu, cần ít nhất 8" in found


def test_commune_sheet_errors(exported: bytes) -> None:
    def drop_row(wb: Workbook) -> None:
        wb[COMMUNE_SHEET].delete_rows(3)  # "Tỉnh"

    found = problems_of(edit(exported, set_commune("Tên xã", ""),
                             set_commune("Trang web của xã", "phuthong.gov"), drop_row))
    assert "Thông tin xã, dòng 2, cột 'Giá trị': không được để trống" in found
    assert any("cột 'Giá trị': địa chỉ web không hợp lệ 'phuthong.gov'" in p for p in found)
    assert any(p.startswith("Thông tin xã: thiếu dòng 'Tỉnh'") for p in found)
