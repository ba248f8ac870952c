"""Cells as staff type them: lenient where meaning is clear, located problems where not."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from openpyxl import Workbook

from knowledge.loader import Documents
from knowledge.workbook import QUESTIONS_SHEET, TOPICS_SHEET, import_xlsx
from tests.knowledge.workbook.staff_edits import edit, problems_of, row_of, set_commune, set_topic


@pytest.mark.parametrize("value", ["31/02/2026", "hôm qua", "2026/13/01", 45000])
def test_invalid_dates(exported: bytes, value: object) -> None:
    row = row_of(exported, "ket-hon")
    found = problems_of(edit(exported, set_topic("ket-hon", "Ngày kiểm tra", value)))
    assert found == [f"Chủ đề, dòng {row}, cột 'Ngày kiểm tra': ngày không hợp lệ '{value}'; "
                     "viết dạng dd/mm/yyyy (ví dụ 28/11/2026) hoặc yyyy-mm-dd"]


def test_wrong_values_in_typed_columns(exported: bytes) -> None:
    row = row_of(exported, "khai-sinh")
    found = problems_of(edit(
        exported,
        set_topic("khai-sinh", "Làm trực tuyến", "nhanh"),
        set_topic("khai-sinh", "Nguồn tham khảo", "https://ok.example/a\nbáo Lao Động"),
        set_topic("khai-sinh", "Mã chủ đề", "Khai Sinh"),
        set_topic("khai-tu", "Nơi thực hiện", "zalo | Zalo OA"),
        set_topic("ket-hon", "Nơi thực hiện", "vneid | VNeID | http://"),
        set_topic("ho-chieu", "Làm trực tuyến", "full"),  # the code works too
        set_topic("ho-chieu", "Nơi thực hiện", "police | Công an tỉnh"),
    ))
    at = f"Chủ đề, dòng {row}, cột"
    assert any(p.startswith(f"{at} 'Làm trực tuyến': giá trị không hợp lệ 'nhanh'; chọn một "
                            "trong: toàn trình, một phần") for p in found)
    assert any(p.startswith(f"{at} 'Nguồn tham khảo': dòng thứ 2 trong ô: địa chỉ web không "
                            "hợp lệ 'báo Lao Động'") for p in found)
    assert f"{at} 'Mã chủ đề': chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang, " \
           "ví dụ: khai-sinh" in found
    khai_tu, ket_hon, ho_chieu = (row_of(exported, t) for t in ("khai-tu", "ket-hon",
                                                                "ho-chieu"))
    assert any(p.startswith(f"Chủ đề, dòng {khai_tu}, cột 'Nơi thực hiện': dòng thứ 1 trong "
                            "ô: kênh 'zalo' không hợp lệ") for p in found)
    assert any(p.startswith(f"Chủ đề, dòng {ket_hon}, cột 'Nơi thực hiện': dòng thứ 1 trong "
                            "ô (địa chỉ web): địa chỉ web không hợp lệ") for p in found)
    assert any(p.startswith(f"Chủ đề, dòng {ho_chieu}, cột 'Làm trực tuyến': 'toàn trình' cần "
                            "ít nhất một kênh trực tuyến") for p in found)


def test_formula_typed_by_staff_is_refused_not_evaluated(exported: bytes) -> None:
    row = row_of(exported, "khai-sinh")
    found = problems_of(edit(exported, set_topic("khai-sinh", "Lệ phí", "=1+1")))
    assert found == [f"Chủ đề, dòng {row}, cột 'Lệ phí': ô chứa công thức Excel (=1+1); hãy gõ "
                     "dấu nháy đơn ' ở đầu ô để giữ nguyên chữ"]


def test_lenient_inputs_staff_are_likely_to_type(starter: Documents, exported: bytes) -> None:
    def loosen(wb: Workbook) -> None:
        ws = wb[TOPICS_SHEET]
        ws["B1"] = "  tên CHỦ ĐỀ "  # case and spacing in a header
        wb[QUESTIONS_SHEET].insert_rows(4, amount=2)  # blank rows in between
        wb[QUESTIONS_SHEET].title = unicodedata.normalize("NFD", QUESTIONS_SHEET)  # macOS

    data = edit(
        exported, loosen,
        set_topic("khai-sinh", "Ngày kiểm tra", dt.datetime(2026, 11, 28)),  # a real date cell
        set_topic("ket-hon", "Ngày kiểm tra", "2026-11-28"),
        set_topic("khai-tu", "Ngày kiểm tra", "1/2/2026"),
        set_topic("khai-sinh", "Làm trực tuyến", "Toàn Trình"),
        set_topic("khai-sinh", "Chủ đề liên quan",
                  "lien-thong-khai-sinh, dang-ky-thuong-tru;nhan-cha-me-con\ncan-cuoc-cap-moi"),
        set_topic("khai-sinh", "Các bước", "  bước một  \n\n bước hai \r\n"),
        set_topic("ket-hon", "Nơi thực hiện",
                  "VNeID | Ứng dụng VNeID\ncommune-centre | Trung tâm xã | Nộp trực tiếp"),
        set_commune("Số điện thoại", 912345678),
    )
    back = import_xlsx(data).to_json()
    topics = back["topics"]
    expected = starter.to_json()["topics"]
    assert topics["topics/khai-sinh.yaml"]["reviewed_on"] == "2026-11-28"
    assert topics["topics/ket-hon.yaml"]["reviewed_on"] == "2026-11-28"
    assert topics["topics/khai-tu.yaml"]["reviewed_on"] == "2026-02-01"
    assert topics["topics/khai-sinh.yaml"]["related"] == expected["topics/khai-sinh.yaml"][
        "related"]
    assert topics["topics/khai-sinh.yaml"]["steps"] == ["bước một", "bước hai"]
    assert topics["topics/ket-hon.yaml"]["where"] == [
        {"channel": "vneid", "name": "Ứng dụng VNeID"},
        {"channel": "commune-centre", "name": "Trung tâm xã", "note": "Nộp trực tiếp"}]
    assert back["commune"]["hotline"] == "912345678"
    assert [t["questions"] for t in topics.values()] == [
        t["questions"] for t in expected.values()]
