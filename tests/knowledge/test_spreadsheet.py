"""Spreadsheet and YAML round trips, and every import error located by sheet, row, column."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from knowledge.export import (
    describe_changes,
    export_path,
    import_path,
    read_documents_directory,
    write_directory,
)
from knowledge.loader import Documents, KnowledgeError, parse, read_directory
from knowledge.schema import Topic
from knowledge.spreadsheet import (
    CATEGORIES_SHEET,
    COMMUNE_SHEET,
    GUIDE_SHEET,
    MAX_FILE_BYTES,
    MAX_ROWS,
    QUESTIONS_SHEET,
    TOPIC_COLUMNS,
    TOPICS_SHEET,
    SpreadsheetError,
    export_xlsx,
    import_xlsx,
)

Edit = Callable[[Workbook], None]


@pytest.fixture(scope="module")
def starter() -> Documents:
    documents, problems = read_directory()
    assert not problems
    return documents


@pytest.fixture(scope="module")
def exported(starter: Documents) -> bytes:
    return export_xlsx(starter)


def edit(data: bytes, *changes: Edit) -> bytes:
    """The workbook after a staff member's edits, saved as Excel would."""
    wb = load_workbook(io.BytesIO(data))
    for change in changes:
        change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def headers(wb: Workbook, sheet: str) -> list[str]:
    return [c.value for c in wb[sheet][1]]


def topic_row(wb: Workbook, topic_id: str) -> int:
    ws = wb[TOPICS_SHEET]
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == topic_id)


def set_topic(topic_id: str, header: str, value: Any) -> Edit:
    def change(wb: Workbook) -> None:
        ws = wb[TOPICS_SHEET]
        ws.cell(topic_row(wb, topic_id), headers(wb, TOPICS_SHEET).index(header) + 1
                ).value = value
    return change


def set_commune(item: str, value: Any) -> Edit:
    def change(wb: Workbook) -> None:
        ws = wb[COMMUNE_SHEET]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == item)
        ws.cell(row, 2).value = value
    return change


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(SpreadsheetError) as info:
        import_xlsx(data)
    assert info.value.problems
    return [str(p) for p in info.value.problems]


def row_of(data: bytes, topic_id: str) -> int:
    return topic_row(load_workbook(io.BytesIO(data)), topic_id)


def question_rows(data: bytes, topic_id: str) -> list[int]:
    ws = load_workbook(io.BytesIO(data))[QUESTIONS_SHEET]
    return [r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == topic_id]


# --- Round trips ------------------------------------------------------------------------


def test_xlsx_round_trip_of_the_full_starter_knowledge_is_lossless(
        starter: Documents, exported: bytes) -> None:
    back = import_xlsx(exported)
    assert back.to_json() == starter.to_json()
    assert len(parse(back).topics) == 45
    # ...and again after Excel-style re-saving (openpyxl load + save, no edits)
    assert import_xlsx(edit(exported)).to_json() == starter.to_json()


def test_yaml_directory_round_trip_is_lossless(starter: Documents, exported: bytes,
                                               tmp_path: Path) -> None:
    assert write_directory(starter, tmp_path / "kb") == 45
    assert read_documents_directory(tmp_path / "kb").to_json() == starter.to_json()
    assert (tmp_path / "kb" / "topics" / "khai-sinh.yaml").read_text(encoding="utf-8"
                                                                     ).startswith("id: khai-sinh")
    # spreadsheet -> YAML -> documents: the same again
    export_path(import_xlsx(exported), tmp_path / "again")
    assert import_path(tmp_path / "again").to_json() == starter.to_json()


def test_write_directory_refreshes_an_export_but_refuses_other_folders(
        starter: Documents, tmp_path: Path) -> None:
    target = tmp_path / "kb"
    write_directory(starter, target)
    (target / "topics" / "old-topic.yaml").write_text("id: old-topic\n")
    write_directory(starter, target)
    assert not (target / "topics" / "old-topic.yaml").exists()
    (tmp_path / "other" / "notes.txt").parent.mkdir()
    (tmp_path / "other" / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="thư mục trống"):
        write_directory(starter, tmp_path / "other")
    with pytest.raises(ValueError, match=r"\.xlsx"):
        export_path(starter, tmp_path / "kb.csv")


def test_yaml_directory_import_reports_every_problem(starter: Documents,
                                                     tmp_path: Path) -> None:
    write_directory(starter, tmp_path / "kb")
    (tmp_path / "kb" / "topics" / "khai-sinh.yaml").write_text("id: khai-sinh\ntitle: [\n")
    with pytest.raises(KnowledgeError) as info:
        import_path(tmp_path / "kb")
    assert any("topics/khai-sinh.yaml: dòng" in str(p) for p in info.value.problems)


# --- The workbook staff get ---------------------------------------------------------------


def test_workbook_layout_is_for_people(exported: bytes) -> None:
    wb = load_workbook(io.BytesIO(exported))
    assert wb.sheetnames == [GUIDE_SHEET, TOPICS_SHEET, QUESTIONS_SHEET, COMMUNE_SHEET,
                             CATEGORIES_SHEET]
    # every Topic field has a column, except questions (their own sheet)
    assert {c.key for c in TOPIC_COLUMNS} == set(Topic.model_fields) - {"questions"}
    ws = wb[TOPICS_SHEET]
    assert headers(wb, TOPICS_SHEET)[:3] == ["Mã chủ đề", "Tên chủ đề", "Mã nhóm"]
    assert ws.freeze_panes == "B2"
    assert all(wb[s].freeze_panes for s in (QUESTIONS_SHEET, COMMUNE_SHEET, CATEGORIES_SHEET))
    assert ws.column_dimensions["G"].width >= 50
    assert ws["A1"].comment is not None  # help on every header
    row = topic_row(wb, "khai-sinh")
    cell = lambda header: ws.cell(row, headers(wb, TOPICS_SHEET).index(header) + 1)  # noqa: E731
    assert cell("Các bước").alignment.wrap_text
    assert cell("Các bước").value.count("\n") == 5  # one step per line
    assert cell("Làm trực tuyến").value == "toàn trình"
    assert cell("Nguồn đối chiếu đến tháng").value == "2026-03"
    assert cell("Ngày kiểm tra").value is None  # no staff member has checked the starter content
    assert cell("Cần xác minh (chỉ cán bộ xem)").value.startswith("fee | ")
    assert cell("Nơi thực hiện").value.split("\n") == [
        "vneid | Ứng dụng VNeID (tài khoản định danh mức 2 của cha/mẹ) |  | Thủ tục hành chính"
        " → \"Đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT\" (trẻ dưới 6 tuổi)",
        "national-portal | Cổng Dịch vụ công quốc gia | https://dichvucong.gov.vn | "
        "Mục \"Dịch vụ công liên thông khai sinh, khai tử\"",
        "commune-centre | Trung tâm Phục vụ hành chính công xã (Ủy ban nhân dân xã) |  | "
        "Nộp trực tiếp",
    ]
    assert [c.value for c in wb[QUESTIONS_SHEET][1]] == ["Mã chủ đề", "Câu hỏi"]
    assert wb[COMMUNE_SHEET]["A2"].value == "Tên xã" and wb[COMMUNE_SHEET]["B2"].value
    guide = "\n".join(str(c.value) for c in wb[GUIDE_SHEET]["A"] if c.value)
    for phrase in ("Alt+Enter", "dd/mm/yyyy", "yyyy-mm-dd", "kênh | tên | địa chỉ web | ghi chú",
                   "Không đổi tên", "dấu nháy đơn", "commune-centre"):
        assert phrase in guide


def test_formula_looking_text_is_written_and_read_back_as_text(starter: Documents) -> None:
    doc = dict(starter.topics["topics/khai-sinh.yaml"])
    doc["steps"] = ['=HYPERLINK("http://evil.example","bấm vào đây")', *doc["steps"][1:]]
    doc["fee"] = "+84 lệ phí theo tỉnh"
    doc["keywords"] = ["-khai sinh", *doc["keywords"]]
    doc["questions"] = ["@bot khai sinh ở đâu", *doc["questions"][1:]]
    tricky = starter.with_topic(doc)
    parse(tricky)
    data = export_xlsx(tricky)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in xml for xml in sheets)  # no formula anywhere in the file
    wb = load_workbook(io.BytesIO(data))
    ws = wb[TOPICS_SHEET]
    fee = ws.cell(topic_row(wb, "khai-sinh"), headers(wb, TOPICS_SHEET).index("Lệ phí") + 1)
    assert fee.data_type == "s" and fee.quotePrefix
    assert import_xlsx(data).to_json() == tricky.to_json()


# --- Import errors: every one located, nothing returned ----------------------------------


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


def test_duplicate_topic_and_category_ids(exported: bytes) -> None:
    def duplicate_category(wb: Workbook) -> None:
        wb[CATEGORIES_SHEET]["A3"] = wb[CATEGORIES_SHEET]["A2"].value

    first, second = row_of(exported, "khai-sinh"), row_of(exported, "khai-tu")
    found = problems_of(edit(exported, set_topic("khai-tu", "Mã chủ đề", "khai-sinh"),
                             duplicate_category))
    assert (f"Chủ đề, dòng {second}, cột 'Mã chủ đề': trùng mã chủ đề 'khai-sinh' với "
            f"dòng {first}") in found
    assert "Nhóm, dòng 3, cột 'Mã nhóm': trùng mã nhóm 'identity' với dòng 2" in found


@pytest.mark.parametrize("value", ["31/02/2026", "hôm qua", "2026/13/01", 45000])
def test_invalid_dates(exported: bytes, value: object) -> None:
    row = row_of(exported, "ket-hon")
    found = problems_of(edit(exported, set_topic("ket-hon", "Ngày kiểm tra", value)))
    assert found == [f"Chủ đề, dòng {row}, cột 'Ngày kiểm tra': ngày không hợp lệ '{value}'; "
                     "viết dạng dd/mm/yyyy (ví dụ 28/11/2026) hoặc yyyy-mm-dd"]


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


def test_commune_sheet_errors(exported: bytes) -> None:
    def drop_row(wb: Workbook) -> None:
        wb[COMMUNE_SHEET].delete_rows(3)  # "Tỉnh"

    found = problems_of(edit(exported, set_commune("Tên xã", ""),
                             set_commune("Trang web của xã", "phuthong.gov"), drop_row))
    assert "Thông tin xã, dòng 2, cột 'Giá trị': không được để trống" in found
    assert any("cột 'Giá trị': địa chỉ web không hợp lệ 'phuthong.gov'" in p for p in found)
    assert any(p.startswith("Thông tin xã: thiếu dòng 'Tỉnh'") for p in found)


def test_formula_typed_by_staff_is_refused_not_evaluated(exported: bytes) -> None:
    row = row_of(exported, "khai-sinh")
    found = problems_of(edit(exported, set_topic("khai-sinh", "Lệ phí", "=1+1")))
    assert found == [f"Chủ đề, dòng {row}, cột 'Lệ phí': ô chứa công thức Excel (=1+1); hãy gõ "
                     "dấu nháy đơn ' ở đầu ô để giữ nguyên chữ"]


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


def test_an_empty_workbook_lists_what_is_missing() -> None:
    out = io.BytesIO()
    Workbook().save(out)
    found = problems_of(out.getvalue())
    assert [p for p in found if "thiếu trang tính" in p] == [
        f"{s}: thiếu trang tính này (đừng đổi tên hay xóa các trang tính)"
        for s in (TOPICS_SHEET, QUESTIONS_SHEET, COMMUNE_SHEET, CATEGORIES_SHEET)]


# --- What staff may do differently and still get the same result ------------------------


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


def test_describe_changes(starter: Documents) -> None:
    assert describe_changes(starter, starter) == []
    doc = {**starter.topics["topics/khai-sinh.yaml"], "fee": "Miễn phí"}
    new = {**starter.topics["topics/khai-sinh.yaml"], "id": "khai-sinh-moi"}
    changed = starter.with_topic(doc).with_topic(new)
    topics = {k: v for k, v in changed.topics.items() if k != "topics/ho-chieu.yaml"}
    after = Documents(topics, {**starter.commune, "hotline": "0209"}, starter.categories)
    assert describe_changes(starter, after) == [
        "thêm 1 chủ đề: khai-sinh-moi", "XÓA 1 chủ đề: ho-chieu", "sửa 1 chủ đề: khai-sinh",
        "sửa thông tin xã"]
