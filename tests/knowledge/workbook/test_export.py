"""The workbook staff download: laid out for people, nothing in it runs as a formula."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook

from knowledge.loader import Documents, parse
from knowledge.schema import Topic
from knowledge.workbook import (
    CATEGORIES_SHEET,
    COMMUNE_SHEET,
    GUIDE_SHEET,
    QUESTIONS_SHEET,
    TOPIC_COLUMNS,
    TOPICS_SHEET,
    export_xlsx,
    import_xlsx,
)
from tests.knowledge.workbook.staff_edits import headers, topic_row


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
