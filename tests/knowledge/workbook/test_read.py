"""Import end to end: lossless round trips, and every problem reported at once, in order."""

from __future__ import annotations

from knowledge.loader import Documents, parse
from knowledge.workbook import QUESTIONS_SHEET, export_xlsx, import_xlsx
from tests.knowledge.workbook.staff_edits import edit, problems_of, set_commune, set_topic


def test_xlsx_round_trip_of_the_full_starter_knowledge_is_lossless(
        starter: Documents, exported: bytes) -> None:
    back = import_xlsx(exported)
    assert back.to_json() == starter.to_json()
    assert len(parse(back).topics) == 45
    # ...and again after Excel-style re-saving (openpyxl load + save, no edits)
    assert import_xlsx(edit(exported)).to_json() == starter.to_json()


def test_dated_facts_and_staff_checks_round_trip_through_cells(starter: Documents) -> None:
    doc = {**starter.topics["topics/ho-chieu.yaml"]}
    dated = [{"field": "fee", "valid_from": "2025-07-01", "valid_until": "2026-12-31",
              "text": "Cấp mới 100.000 đ | giảm 50%", "source": "https://example.gov.vn/a"},
             {"field": "notes", "valid_from": "2027-01-01", "text": "Mức mới.",
              "source": "https://example.gov.vn/b", "position": 2}]
    verify = [{"field": "fee", "what": "Mức thu từ 2027", "why": "nguồn mâu thuẫn",
               "done_by": "Mai", "done_on": "2026-12-02"}, {"field": "other", "what": "Ảnh"}]
    documents = Documents({**starter.topics, "topics/ho-chieu.yaml":
                           {**doc, "dated": dated, "verify": verify}},
                          starter.commune, starter.categories)
    back = import_xlsx(export_xlsx(documents)).topics["topics/ho-chieu.yaml"]
    assert back["dated"] == dated
    assert back["verify"] == verify


def test_every_error_is_reported_at_once_in_sheet_order(exported: bytes) -> None:
    found = problems_of(edit(
        exported,
        set_topic("khai-sinh", "Lệ phí", ""),
        set_topic("ket-hon", "Ngày kiểm tra", "32/01/2026"),
        set_topic("khai-tu", "Mã nhóm", "khong-co"),
        set_commune("Cổng dịch vụ công của tỉnh", "không biết"),
        lambda wb: wb[QUESTIONS_SHEET].cell(2, 1, value="sai-ma"),
    ))
    assert len(found) == 5
    assert [p.split(",")[0].split(":")[0] for p in found] == [
        "Chủ đề", "Chủ đề", "Chủ đề", "Câu hỏi mẫu", "Thông tin xã"]
