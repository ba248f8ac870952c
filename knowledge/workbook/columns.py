"""The workbook's layout: its sheets, their columns, and what each column holds.

One schema serves both directions: export writes these headers and help texts,
import finds the same headers (compared with :func:`fold`, so retyped headers
still match) and parses each cell by its column's ``kind``. Changing a column
here changes the file staff download and the file they upload together.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from knowledge.schema import OnlineLevel

TOPICS_SHEET = "Chủ đề"
QUESTIONS_SHEET = "Câu hỏi mẫu"
COMMUNE_SHEET = "Thông tin xã"
CATEGORIES_SHEET = "Nhóm"
GUIDE_SHEET = "Hướng dẫn"

# The limits staff are told about in the guide sheet (the hostile-file budgets behind
# them live in knowledge.workbook.opening).
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000  # data rows per sheet
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ONLINE_LABELS = {
    OnlineLevel.FULL: "toàn trình",
    OnlineLevel.PARTIAL: "một phần",
    OnlineLevel.NONE: "không trực tuyến",
    OnlineLevel.INFO: "chỉ thông tin",
}
# What the "where" column's parts are called in messages.
WHERE_PARTS = {"channel": "kênh", "name": "tên", "url": "địa chỉ web", "note": "ghi chú"}


@dataclass(frozen=True)
class Column:
    """One column (or, on the commune sheet, one row): the document field it fills, the
    header staff see, how its cells are written and parsed, and the help shown to staff."""

    key: str
    header: str
    kind: str  # text | lines | ids | where | date | online | url | dated | verify
    width: int
    help: str


TOPIC_COLUMNS = (
    Column("id", "Mã chủ đề", "text", 24,
           "Mã ngắn của chủ đề: chữ thường không dấu, chữ số, dấu gạch ngang (ví dụ: khai-sinh). "
           "Đừng đổi mã của chủ đề đã có."),
    Column("title", "Tên chủ đề", "text", 34, "Tên thủ tục, như người dân hay gọi."),
    Column("category", "Mã nhóm", "text", 16,
           "Mã một nhóm trong trang 'Nhóm' (ví dụ: civil-status)."),
    Column("summary", "Tóm tắt", "text", 60, "Vài câu giới thiệu ngắn gọn."),
    Column("online", "Làm trực tuyến", "online", 18,
           "Một trong: " + ", ".join(ONLINE_LABELS.values()) + "."),
    Column("where", "Nơi thực hiện", "where", 60,
           "Mỗi nơi một dòng: kênh | tên | địa chỉ web | ghi chú. "
           "Ví dụ: vneid | Ứng dụng VNeID |  | Mục Thủ tục hành chính"),
    Column("steps", "Các bước", "lines", 70, "Mỗi bước một dòng, không cần đánh số."),
    Column("documents", "Giấy tờ cần chuẩn bị", "lines", 50,
           "Mỗi giấy tờ một dòng; để trống nếu không cần giấy tờ."),
    Column("fee", "Lệ phí", "text", 40, "Mức lệ phí, hoặc ghi rõ là miễn phí."),
    Column("processing_time", "Thời gian giải quyết", "text", 32,
           "Thời hạn trả kết quả."),
    Column("legal_basis", "Căn cứ pháp lý", "lines", 45, "Mỗi văn bản pháp luật một dòng."),
    Column("sources", "Nguồn tham khảo", "lines", 50,
           "Mỗi dòng một địa chỉ web đầy đủ, bắt đầu bằng https://"),
    Column("sources_checked", "Nguồn đối chiếu đến tháng", "text", 16,
           "Các nguồn đã được đối chiếu đến tháng nào, dạng năm-tháng (ví dụ 2026-03)."),
    Column("reviewed_on", "Ngày kiểm tra", "date", 15,
           "Ngày cán bộ xã kiểm tra lại cả mục, dạng dd/mm/yyyy (ví dụ 28/11/2026); "
           "để trống nếu chưa ai kiểm tra."),
    Column("reviewed_by", "Người kiểm tra", "text", 20, "Tên cán bộ đã kiểm tra mục này."),
    Column("keywords", "Từ khóa", "lines", 30,
           "Các cách gọi khác của thủ tục, mỗi cách một dòng."),
    Column("related", "Chủ đề liên quan", "ids", 26, "Mã các chủ đề liên quan, mỗi mã một dòng."),
    Column("notes", "Lưu ý", "lines", 50, "Mỗi lưu ý một dòng."),
    Column("dated", "Có thời hạn", "dated", 60,
           "Điều chỉ đúng trong một khoảng thời gian; mỗi dòng: mục | từ ngày | đến ngày | "
           "nội dung | nguồn (| số thứ tự dòng, nếu cần). Mục là fee, processing_time, summary, "
           "steps, documents, notes hoặc legal_basis; có thể bỏ trống một trong hai ngày."),
    Column("verify", "Cần xác minh (chỉ cán bộ xem)", "verify", 60,
           "Việc cán bộ cần xác minh; mỗi dòng: mục | việc cần xác minh | lý do | người đã "
           "xác minh | ngày xác minh. Người dân chỉ thấy tên mục cần hỏi lại."),
    Column("valid_from", "Áp dụng từ", "date", 14, "Cả chủ đề chỉ áp dụng từ ngày này (nếu có)."),
    Column("valid_until", "Áp dụng đến", "date", 14,
           "Cả chủ đề chỉ áp dụng đến hết ngày này (nếu có)."),
    Column("validity_source", "Nguồn của thời hạn", "text", 30,
           "Địa chỉ web nói về ngày áp dụng của cả chủ đề."),
)
# Fields left out of a topic document when empty, so a topic written without them
# (all starter topics, older exports) comes back from the sheet unchanged.
OMIT_WHEN_EMPTY = frozenset({"reviewed_on", "reviewed_by", "dated", "verify", "valid_from",
                             "valid_until", "validity_source", "sources_checked"})
DATED_PARTS = ("field", "valid_from", "valid_until", "text", "source", "position")
VERIFY_PARTS = ("field", "what", "why", "done_by", "done_on")
QUESTION_COLUMNS = (
    Column("topic", "Mã chủ đề", "text", 28, "Mã chủ đề (cột 'Mã chủ đề' của trang 'Chủ đề')."),
    Column("question", "Câu hỏi", "text", 90,
           "Một câu hỏi mẫu, viết như người dân hỏi (có dấu hoặc không dấu, viết tắt...)."),
)
CATEGORY_COLUMNS = (
    Column("id", "Mã nhóm", "text", 20,
           "Mã ngắn: chữ thường không dấu, chữ số, dấu gạch ngang. Đừng đổi mã đang dùng."),
    Column("label", "Tên nhóm", "text", 50, "Tên nhóm hiện trên danh mục."),
    Column("icon", "Biểu tượng", "text", 12, "Một biểu tượng cảm xúc (có thể để trống)."),
)
COMMUNE_ITEM, COMMUNE_VALUE, COMMUNE_HELP = "Mục", "Giá trị", "Giải thích"
COMMUNE_FIELDS = (
    Column("name", "Tên xã", "text", 0, "Tên xã (bắt buộc)."),
    Column("province", "Tỉnh", "text", 0, "Tên tỉnh/thành phố."),
    Column("centre_name", "Tên Trung tâm Phục vụ hành chính công", "text", 0, ""),
    Column("centre_address", "Địa chỉ Trung tâm", "text", 0, ""),
    Column("opening_hours", "Giờ làm việc", "text", 0, ""),
    Column("hotline", "Số điện thoại", "text", 0, "Số điện thoại của Trung tâm hoặc của xã."),
    Column("email", "Thư điện tử", "text", 0, ""),
    Column("website", "Trang web của xã", "url", 0, "Địa chỉ đầy đủ, bắt đầu bằng https://"),
    Column("provincial_portal_url", "Cổng dịch vụ công của tỉnh", "url", 0,
           "Địa chỉ đầy đủ, bắt đầu bằng https://"),
    Column("police_post", "Công an xã", "text", 0, "Tên công an xã."),
    Column("police_phone", "Số điện thoại công an xã", "text", 0, ""),
    Column("notes", "Ghi chú", "lines", 0, "Mỗi ghi chú một dòng; hiện cho người dân."),
    Column("sources", "Nguồn tham khảo", "lines", 0, "Mỗi dòng một địa chỉ web."),
    Column("reviewed", "Ngày kiểm tra", "date", 0, "Dạng dd/mm/yyyy; có thể để trống."),
)
SHEETS: dict[str, tuple[Column, ...]] = {
    TOPICS_SHEET: TOPIC_COLUMNS,
    QUESTIONS_SHEET: QUESTION_COLUMNS,
    CATEGORIES_SHEET: CATEGORY_COLUMNS,
}

# Parts of a structured item written as dates (dd/mm/yyyy in the cell, ISO in documents).
DATE_PARTS = frozenset({"valid_from", "valid_until", "done_on"})
# The order problems are listed in: sheet by sheet, as staff work down the file.
ORDER = {TOPICS_SHEET: 0, QUESTIONS_SHEET: 1, COMMUNE_SHEET: 2, CATEGORIES_SHEET: 3}


def fold(text: str) -> str:
    """How sheet names, headers and labels are compared: case, spacing, NFC/NFD."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().casefold()
