"""The whole knowledge base as one XLSX workbook, and back.

Commune staff keep the knowledge current in Excel, LibreOffice or Google
Sheets: one row per topic, one row per example question, the commune profile
as "field, value" rows, the menu groups, and a sheet that explains all this in
plain Vietnamese.

Import is all-or-nothing. Every cell is checked, every problem is reported as
``Chủ đề, dòng 7, cột 'Lệ phí': không được để trống`` (sheet, row, column, in
Vietnamese, so staff can find it), and a workbook with any problem gives no
documents at all. A workbook that passes gives documents that
:func:`knowledge.loader.parse` accepts, and export → import is lossless.

Everything here is pure (bytes in, documents out, no database): the staff
pages and ``citizen-bot kb export/import`` both call it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel, ValidationError

from knowledge.loader import (
    CATEGORIES_FILE,
    COMMUNE_FILE,
    TOPICS_SUBDIR,
    Documents,
    KnowledgeError,
    parse,
)
from knowledge.schema import (
    MIN_QUESTIONS,
    Category,
    Channel,
    CommuneProfile,
    OnlineLevel,
    Topic,
)

TOPICS_SHEET = "Chủ đề"
QUESTIONS_SHEET = "Câu hỏi mẫu"
COMMUNE_SHEET = "Thông tin xã"
CATEGORIES_SHEET = "Nhóm"
GUIDE_SHEET = "Hướng dẫn"

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000  # data rows per sheet
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
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ONLINE_LABELS = {
    OnlineLevel.FULL: "toàn trình",
    OnlineLevel.PARTIAL: "một phần",
    OnlineLevel.NONE: "không trực tuyến",
    OnlineLevel.INFO: "chỉ thông tin",
}
ONLINE_HELP = {
    OnlineLevel.FULL: "làm và nhận kết quả hoàn toàn trên mạng",
    OnlineLevel.PARTIAL: "nộp trên mạng nhưng vẫn phải đến nơi làm (ký, nhận kết quả...)",
    OnlineLevel.NONE: "chỉ làm trực tiếp",
    OnlineLevel.INFO: "hướng dẫn hoặc tiện ích, không phải thủ tục nộp hồ sơ",
}
CHANNEL_HELP = {
    Channel.VNEID: "ứng dụng VNeID",
    Channel.NATIONAL_PORTAL: "Cổng Dịch vụ công quốc gia",
    Channel.PROVINCIAL_PORTAL: "Cổng dịch vụ công của tỉnh",
    Channel.APP: "một ứng dụng khác (VssID, ngân hàng...)",
    Channel.COMMUNE_CENTRE: "Trung tâm Phục vụ hành chính công xã",
    Channel.POLICE: "công an",
    Channel.OTHER: "nơi khác",
}
WHERE_PARTS = {"channel": "kênh", "name": "tên", "url": "địa chỉ web", "note": "ghi chú"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- Problems ------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetProblem:
    """One finding, located as staff see it: sheet, row number, column header."""

    sheet: str | None  # None: the file as a whole
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.sheet or "Tệp"]
        if self.row is not None:
            where.append(f"dòng {self.row}")
        if self.column is not None:
            where.append(f"cột '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class SpreadsheetError(Exception):
    """The workbook can't be imported; ``problems`` lists every reason."""

    def __init__(self, problems: list[SheetProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --- Columns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # text | lines | ids | where | date | online | url
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


# --- Export --------------------------------------------------------------------------

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="2F5597")
WRAP = Alignment(wrap_text=True, vertical="top")
LINE_HEIGHT_PT = 15
MAX_ROW_HEIGHT_PT = 180


def export_xlsx(documents: Documents, *, note: str = "") -> bytes:
    """The workbook staff download: ``note`` (e.g. the version) is shown in the guide."""
    data = documents.to_json()
    topics = [t for t in (data.get("topics") or {}).values() if isinstance(t, Mapping)]
    categories = [c for c in (data.get("categories") or []) if isinstance(c, Mapping)]
    commune = data.get("commune") if isinstance(data.get("commune"), Mapping) else {}

    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE_SHEET
    _write_guide(guide, note)

    ws = wb.create_sheet(TOPICS_SHEET)
    _write_table(ws, TOPIC_COLUMNS, [[_export_value(c, t.get(c.key)) for c in TOPIC_COLUMNS]
                                     for t in topics], freeze="B2")
    online = DataValidation(type="list", allow_blank=False, showErrorMessage=True,
                            errorStyle="warning", error="Chọn một giá trị trong danh sách.",
                            formula1='"' + ",".join(ONLINE_LABELS.values()) + '"')
    _validate_column(ws, online, TOPIC_COLUMNS, "online")
    category = DataValidation(type="list", allow_blank=False, showErrorMessage=True,
                              errorStyle="warning",
                              error="Mã nhóm này chưa có trong trang 'Nhóm'.",
                              formula1=f"'{CATEGORIES_SHEET}'!$A$2:$A${MAX_ROWS + 1}")
    _validate_column(ws, category, TOPIC_COLUMNS, "category")

    rows = [[t.get("id"), q] for t in topics for q in (t.get("questions") or [])]
    _write_table(wb.create_sheet(QUESTIONS_SHEET), QUESTION_COLUMNS, rows, freeze="A2")

    ws = wb.create_sheet(COMMUNE_SHEET)
    columns = (Column("", COMMUNE_ITEM, "text", 36, "Tên mục; đừng sửa cột này."),
               Column("", COMMUNE_VALUE, "text", 80, "Sửa thông tin ở cột này."),
               Column("", COMMUNE_HELP, "text", 50, "Chỉ để đọc."))
    rows = [[f.header, _export_value(f, commune.get(f.key)), f.help] for f in COMMUNE_FIELDS]
    _write_table(ws, columns, rows, freeze="B2")

    rows = [[_export_value(c, cat.get(c.key)) for c in CATEGORY_COLUMNS] for cat in categories]
    _write_table(wb.create_sheet(CATEGORIES_SHEET), CATEGORY_COLUMNS, rows, freeze="A2")

    wb.active = 0
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_xlsx(documents: Documents, path: Path, *, note: str = "") -> None:
    """Write the workbook to ``path`` atomically (a half-written file is never left)."""
    data = export_xlsx(documents, note=note)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _export_value(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.kind == "where":
        return "\n".join(_place_line(p) for p in value if isinstance(p, Mapping)) \
            if isinstance(value, list) else str(value)
    if column.kind in {"dated", "verify"}:
        parts = DATED_PARTS if column.kind == "dated" else VERIFY_PARTS
        return "\n".join(_parts_line(item, parts) for item in value if isinstance(item, Mapping)) \
            if isinstance(value, list) else str(value)
    if column.kind in {"lines", "ids"}:
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if column.kind == "date":
        return _format_date(value)
    if column.kind == "online":
        try:
            return ONLINE_LABELS[OnlineLevel(value)]
        except ValueError:
            return str(value)
    return str(value)


def _parts_line(item: Mapping[str, Any], parts: Sequence[str]) -> str:
    """One structured item as ``a | b | c``; dates as dd/mm/yyyy, trailing blanks dropped."""
    values = [_format_date(item.get(k)) if k in DATE_PARTS and item.get(k)
              else str(item.get(k) or "") for k in parts]
    while values and not values[-1]:
        values.pop()
    return " | ".join(values)


DATE_PARTS = frozenset({"valid_from", "valid_until", "done_on"})


def _place_line(place: Mapping[str, Any]) -> str:
    parts = [str(place.get(k) or "") for k in ("channel", "name", "url", "note")]
    while len(parts) > 2 and not parts[-1]:
        parts.pop()
    return " | ".join(parts)


def _format_date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)


def _write_table(ws: Worksheet, columns: Sequence[Column], rows: Iterable[Sequence[Any]],
                 *, freeze: str) -> None:
    for col, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=col, value=column.header)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        if column.help:
            cell.comment = Comment(column.help, "citizen-bot", width=320, height=120)
        dimension = ws.column_dimensions[get_column_letter(col)]
        dimension.width = column.width
        dimension.number_format = "@"  # what staff type stays text: no dates, no lost zeros
        dimension.alignment = WRAP
    for r, values in enumerate(rows, start=2):
        lines = 1
        for col, value in enumerate(values, start=1):
            _put_text(ws, r, col, value)
            lines = max(lines, _line_count(str(value or ""), columns[col - 1].width))
        ws.row_dimensions[r].height = min(lines * LINE_HEIGHT_PT, MAX_ROW_HEIGHT_PT)
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(ws.max_row, 2)}"


def _put_text(ws: Worksheet, row: int, col: int, value: Any) -> None:
    """Always text: a value that starts like a formula is stored as a string, never run."""
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    cell = ws.cell(row=row, column=col)
    cell.value = text or None
    cell.number_format = "@"
    cell.alignment = WRAP
    if text.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True  # Excel keeps it text when the cell is edited later


def _line_count(text: str, width: int) -> int:
    chars = max(width - 2, 8)
    return sum(max(1, -(-len(line) // chars)) for line in text.split("\n"))


def _validate_column(ws: Worksheet, validation: DataValidation, columns: Sequence[Column],
                     key: str) -> None:
    letter = get_column_letter(next(i for i, c in enumerate(columns, 1) if c.key == key))
    ws.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")


def _write_guide(ws: Worksheet, note: str) -> None:
    ws.column_dimensions["A"].width = 110
    lines: list[tuple[str, str]] = [("title", "Hướng dẫn sửa kho kiến thức của trợ lý")]
    if note:
        lines.append(("", note))
    lines += [
        ("", "Tệp này chứa toàn bộ những gì trợ lý trả lời người dân. Sửa xong, lưu lại dạng "
             ".xlsx rồi tải lên trang quản lý. Hệ thống kiểm tra toàn bộ tệp trước: nếu có lỗi "
             "thì KHÔNG thay đổi gì và liệt kê từng lỗi kèm tên trang, số dòng và tên cột để "
             "bạn sửa lại."),
        ("head", "Quy tắc chung"),
        ("", "• Không đổi tên, không xóa các trang: " + ", ".join(
            f"'{s}'" for s in (TOPICS_SHEET, QUESTIONS_SHEET, COMMUNE_SHEET, CATEGORIES_SHEET))
            + ". Không đổi tên, không xóa, không thêm cột; dòng 1 là dòng tiêu đề."),
        ("", "• Ô có nhiều mục (các bước, giấy tờ, nguồn, lưu ý...): mỗi mục một dòng trong ô. "
             "Xuống dòng trong ô: Alt+Enter (Excel trên Windows), Option+Enter (Mac), "
             "Ctrl+Enter (LibreOffice, Google Trang tính). Không cần đánh số, trợ lý tự đánh số."),
        ("", "• Ngày viết dạng dd/mm/yyyy (ví dụ 28/11/2026) hoặc yyyy-mm-dd (2026-11-28)."),
        ("", "• Ô bắt đầu bằng dấu =, +, - hoặc @: gõ thêm dấu nháy đơn ' ở đầu để Excel giữ "
             "nguyên chữ, không hiểu thành công thức. Tệp có công thức sẽ không được nhận."),
        ("", "• Mã chủ đề, mã nhóm: chữ thường không dấu, chữ số và dấu gạch ngang, ví dụ "
             "khai-sinh. Đừng đổi mã đang dùng: câu hỏi mẫu và chủ đề liên quan gọi theo mã."),
        ("", f"• Tệp tối đa {MAX_FILE_BYTES // (1024 * 1024)} MB, mỗi trang tối đa "
             f"{MAX_ROWS:,} dòng.".replace(",", ".")),
        ("head", f"Trang '{TOPICS_SHEET}': mỗi dòng là một chủ đề (một thủ tục)"),
        ("", "Thêm chủ đề: thêm một dòng ở cuối. Xóa chủ đề: xóa cả dòng (và các câu hỏi mẫu "
             "của nó). Các cột:"),
    ]
    lines += [("", f"• {c.header}: {c.help}") for c in TOPIC_COLUMNS]
    lines += [
        ("head", "Cột 'Nơi thực hiện'"),
        ("", "Mỗi nơi một dòng, các phần cách nhau bằng dấu |:  kênh | tên | địa chỉ web | "
             "ghi chú. Địa chỉ web và ghi chú có thể bỏ trống. Ví dụ:"),
        ("", "national-portal | Cổng Dịch vụ công quốc gia | https://dichvucong.gov.vn | "
             "Mục \"Dịch vụ công liên thông\""),
        ("", "commune-centre | Trung tâm Phục vụ hành chính công xã |  | Nộp trực tiếp"),
        ("", "Kênh là một trong các mã sau:"),
    ]
    lines += [("", f"• {ch.value}: {text}") for ch, text in CHANNEL_HELP.items()]
    lines += [("head", "Cột 'Làm trực tuyến'")]
    lines += [("", f"• {ONLINE_LABELS[level]}: {text}") for level, text in ONLINE_HELP.items()]
    lines += [
        ("", "Chủ đề 'toàn trình' hoặc 'một phần' phải có ít nhất một kênh trực tuyến "
             "(vneid, national-portal, provincial-portal, app)."),
        ("head", f"Trang '{QUESTIONS_SHEET}'"),
        ("", "Mỗi dòng một câu hỏi mẫu: cột 'Mã chủ đề' ghi mã chủ đề, cột 'Câu hỏi' ghi câu "
             f"hỏi như người dân thật sự hỏi. Mỗi chủ đề cần ít nhất {MIN_QUESTIONS} câu, không "
             "trùng nhau. Nên có cả câu có dấu, không dấu, viết tắt."),
        ("head", f"Trang '{COMMUNE_SHEET}'"),
        ("", "Chỉ sửa cột 'Giá trị'. Mục nào chưa có nguồn tin cậy thì để trống: câu trả lời "
             "sẽ bỏ qua mục đó, không bịa ra địa chỉ hay số điện thoại."),
        ("head", f"Trang '{CATEGORIES_SHEET}'"),
        ("", "Các nhóm trên danh mục, theo đúng thứ tự người dân thấy. Cột 'Mã nhóm' là mã "
             "dùng ở cột 'Mã nhóm' của trang 'Chủ đề'."),
    ]
    for r, (style, text) in enumerate(lines, start=1):
        cell = ws.cell(row=r, column=1)
        cell.value = text
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if style == "title":
            cell.font = Font(bold=True, size=14)
        elif style == "head":
            cell.font = Font(bold=True, size=12)
        ws.row_dimensions[r].height = _line_count(text, 100) * LINE_HEIGHT_PT + 3


# --- Import: reading cells -----------------------------------------------------------


def _fold(text: str) -> str:
    """How sheet names, headers and labels are compared: case, spacing, NFC/NFD."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().casefold()


@dataclass
class _Cell:
    value: Any
    data_type: str


@dataclass
class _Row:
    number: int
    cells: dict[str, _Cell]


@dataclass
class _Table:
    sheet: str
    columns: dict[str, str]  # key -> header
    rows: list[_Row]
    ok: bool  # the header is complete


@dataclass
class _Import:
    problems: list[SheetProblem] = field(default_factory=list)
    bad: set[tuple[str, int, str]] = field(default_factory=set)  # (sheet, row, key) reported
    deadline: float = float("inf")  # time.monotonic() after which reading stops

    def add(self, sheet: str | None, row: int | None, column: str | None, message: str,
            key: str | None = None) -> None:
        self.problems.append(SheetProblem(sheet, row, column, message))
        if sheet and row is not None and key:
            self.bad.add((sheet, row, key))

    def reported(self, sheet: str, row: int, key: str) -> bool:
        return (sheet, row, key) in self.bad


def _text(state: _Import, table: _Table, row: _Row, key: str) -> str:
    """The cell as clean text; formulas and error values are problems."""
    cell = row.cells.get(key)
    if cell is None or cell.value is None:
        return ""
    value = cell.value
    header = table.columns[key]
    if cell.data_type == "f":
        state.add(table.sheet, row.number, header,
                  f"ô chứa công thức Excel ({str(value)[:40]}); hãy gõ dấu nháy đơn ' ở đầu ô "
                  "để giữ nguyên chữ", key)
        return ""
    if cell.data_type == "e":
        state.add(table.sheet, row.number, header, f"ô bị lỗi ({value})", key)
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return _format_date(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("_x000D_", "")
    return unicodedata.normalize("NFC", text)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _date(state: _Import, table: _Table, row: _Row, key: str) -> str | None:
    cell = row.cells.get(key)
    if cell is not None and isinstance(cell.value, dt.datetime | dt.date) \
            and cell.data_type != "f":
        value = cell.value
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    text = _text(state, table, row, key).strip()
    if not text:
        return None
    parsed = _parse_date(text)
    if parsed is None:
        state.add(table.sheet, row.number, table.columns[key],
                  f"ngày không hợp lệ '{text}'; viết dạng dd/mm/yyyy (ví dụ 28/11/2026) "
                  "hoặc yyyy-mm-dd", key)
        return None
    return parsed.isoformat()


def _parse_date(text: str) -> dt.date | None:
    text = re.sub(r"\s+", "", text)
    if m := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text):
        day, month, year = (int(g) for g in m.groups())
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        year, month, day = (int(g) for g in m.groups())
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _too_large(size: int) -> str:
    return (f"tệp quá lớn ({size / 1024 / 1024:.1f} MB); tối đa "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB")


def _open(data: bytes) -> Any:
    """The workbook, or a SpreadsheetError saying plainly why not."""
    def fail(message: str) -> SpreadsheetError:
        return SpreadsheetError([SheetProblem(None, None, None, message)])

    if not data.strip():
        raise fail("tệp trống")
    if len(data) > MAX_FILE_BYTES:
        raise fail(_too_large(len(data)))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise fail("đây là tệp Excel cũ (.xls); hãy mở bằng Excel và chọn Lưu thành "
                   "(Save As) dạng .xlsx")
    if not data.startswith(b"PK"):
        raise fail("không phải tệp Excel .xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise fail("tệp bị hỏng hoặc không phải tệp Excel .xlsx") from None
    if _is_bomb(members):
        raise fail("tệp quá lớn khi giải nén")
    names = {info.filename for info in members}
    if "xl/workbook.xml" not in names:
        raise fail("không phải tệp Excel .xlsx (có thể là tệp .ods hoặc .docx?)")
    try:
        too_many = _too_many_cells(data, members)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _damaged() from None
    if too_many:
        most = f"{MAX_ROWS:,}".replace(",", ".")
        raise fail(f"quá nhiều dòng hoặc ô (tối đa {most} dòng, {MAX_COLUMNS} cột mỗi "
                   "trang tính)")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise _damaged() from None


def _damaged() -> SpreadsheetError:
    """Damaged or hostile XML (defusedxml refuses entity tricks): one plain message."""
    return SpreadsheetError([SheetProblem(
        None, None, None, "tệp bị hỏng, không đọc được; hãy mở bằng Excel và lưu lại dạng "
        ".xlsx")])


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


def _read_table(state: _Import, ws: Any, sheet: str, columns: Sequence[Column],
                optional: Sequence[str] = ()) -> _Table:
    """Rows of one sheet by column key; header problems make ``ok`` False."""
    wanted = {_fold(c.header): c for c in columns}
    spare = {_fold(h) for h in optional}
    table = _Table(sheet, {c.key: c.header for c in columns}, [], ok=True)
    rows = ws.iter_rows(max_col=MAX_COLUMNS)
    header = next(rows, None)
    positions: dict[int, str] = {}
    unnamed: set[int] = set()
    seen: dict[str, int] = {}
    for i, cell in enumerate(header or ()):
        title = "" if cell.value is None else str(cell.value)
        folded = _fold(title)
        if not folded:
            unnamed.add(i)
            continue
        column = wanted.get(folded)
        if column is None:
            if folded not in spare:
                state.add(sheet, 1, title.strip(), "cột này không có trong mẫu; hãy xóa cột "
                          "hoặc đổi lại đúng tên cột ban đầu")
                table.ok = False
            continue
        if column.key in seen:
            state.add(sheet, 1, column.header, "cột này bị lặp lại")
            table.ok = False
            continue
        seen[column.key] = i
        positions[i] = column.key
    for column in columns:
        if column.key not in seen:
            state.add(sheet, None, column.header, "thiếu cột này (đừng xóa hay đổi tên tiêu đề "
                      "cột ở dòng 1)")
            table.ok = False
    count = 0
    for number, cells in enumerate(rows, start=2):
        if time.monotonic() > state.deadline:
            raise SpreadsheetError([SheetProblem(None, None, None, (
                "tệp quá phức tạp, đọc quá lâu; hãy xóa các dòng và cột thừa rồi lưu lại "
                "dạng .xlsx"))])
        if number > MAX_SHEET_ROWS + 1:  # blank rows too: each one costs parsing time
            state.add(sheet, None, None, f"quá nhiều dòng (tối đa {MAX_ROWS:,} dòng)"
                      .replace(",", "."))
            table.ok = False
            break
        if all(c.value is None or (isinstance(c.value, str) and not c.value.strip())
               for c in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            state.add(sheet, None, None, f"quá nhiều dòng (tối đa {MAX_ROWS:,} dòng)"
                      .replace(",", "."))
            table.ok = False
            break
        row = _Row(number, {})
        for i, c in enumerate(cells):
            if i in positions:
                row.cells[positions[i]] = _Cell(c.value, c.data_type)
            elif i in unnamed and c.value not in (None, ""):
                state.add(sheet, number, get_column_letter(i + 1),
                          "ô có dữ liệu nhưng cột không có tiêu đề; hãy xóa dữ liệu này")
        table.rows.append(row)
    return table


def _find_sheets(state: _Import, wb: Any) -> dict[str, Any]:
    by_name = {_fold(name): name for name in wb.sheetnames}
    found: dict[str, Any] = {}
    for sheet in (TOPICS_SHEET, QUESTIONS_SHEET, COMMUNE_SHEET, CATEGORIES_SHEET):
        name = by_name.get(_fold(sheet))
        if name is None:
            state.add(sheet, None, None, "thiếu trang tính này (đừng đổi tên hay xóa các "
                      "trang tính)")
        else:
            found[sheet] = wb[name]
    return found


# --- Import: building and checking documents ------------------------------------------


PYDANTIC_TEXT = {
    "string_type": "phải là chữ",
    "list_type": "phải là danh sách",
    "date_type": "ngày không hợp lệ",
    "date_parsing": "ngày không hợp lệ",
    "date_from_datetime_parsing": "ngày không hợp lệ",
    "extra_forbidden": "mục không có trong mẫu",
}


def _vietnamese(error: Mapping[str, Any], *, slug: bool = False) -> str:
    """A pydantic error in plain Vietnamese."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing" or error.get("input") in ("", None, []):
        return "không được để trống"
    if kind == "string_too_short":
        return f"quá ngắn (ít nhất {ctx.get('min_length')} ký tự)"
    if kind == "string_too_long":
        return f"quá dài (tối đa {ctx.get('max_length')} ký tự)"
    if kind == "string_pattern_mismatch":
        return ("chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang, ví dụ: khai-sinh"
                if slug else "không đúng dạng")
    if kind == "too_short":
        return f"cần ít nhất {ctx.get('min_length')} mục (mỗi mục một dòng)"
    if kind == "too_long":
        return f"nhiều nhất {ctx.get('max_length')} mục"
    if kind.startswith("url"):
        return (f"địa chỉ web không hợp lệ '{error.get('input')}' (phải đầy đủ, bắt đầu bằng "
                "http:// hoặc https://)")
    if kind == "enum":
        return (f"giá trị không hợp lệ '{error.get('input')}'; chọn một trong: "
                f"{ctx.get('expected')}")
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return PYDANTIC_TEXT.get(kind, str(error["msg"]))


def _errors(model: type[BaseModel], doc: Any) -> list[Mapping[str, Any]]:
    try:
        model.model_validate(doc)
    except ValidationError as exc:
        return list(exc.errors())
    return []


def _item(position: int | None, message: str) -> str:
    return message if position is None else f"dòng thứ {position + 1} trong ô: {message}"


def _topics(state: _Import, table: _Table) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Topic documents keyed by id (questions added later) and each id's row."""
    docs: dict[str, dict[str, Any]] = {}
    rows: dict[str, int] = {}
    sheet = table.sheet
    for row in table.rows:
        doc: dict[str, Any] = {}
        for column in TOPIC_COLUMNS:
            key, header = column.key, column.header
            if column.kind == "date":
                doc[key] = _date(state, table, row, key)
                continue
            text = _text(state, table, row, key)
            if column.kind == "text":
                doc[key] = text.strip()
            elif column.kind == "lines":
                doc[key] = _lines(text)
            elif column.kind == "ids":
                doc[key] = [i for i in re.split(r"[\s,;]+", text) if i]
            elif column.kind == "online":
                doc[key] = _online(state, sheet, row.number, header, text.strip())
            elif column.kind == "where":
                doc[key] = _places(state, sheet, row.number, header, text)
            elif column.kind in {"dated", "verify"}:
                doc[key] = _items(state, sheet, row.number, header, text, column.kind)
        doc["questions"] = []
        doc["validity_source"] = doc.get("validity_source") or None
        doc = {name: doc[name] for name in Topic.model_fields
               if name not in OMIT_WHEN_EMPTY or doc.get(name)}
        topic_id = doc["id"]
        if topic_id in rows:
            state.add(sheet, row.number, "Mã chủ đề",
                      f"trùng mã chủ đề '{topic_id}' với dòng {rows[topic_id]}", "id")
            continue
        if not topic_id:
            state.add(sheet, row.number, "Mã chủ đề", "không được để trống", "id")
            topic_id = f"#{row.number}"  # still checked, never a real id
        rows[topic_id] = row.number
        docs[topic_id] = doc
    return docs, rows


def _online(state: _Import, sheet: str, row: int, header: str, text: str) -> str:
    folded = _fold(text)
    for level, label in ONLINE_LABELS.items():
        if folded in (_fold(label), level.value):
            return level.value
    if not text:
        state.add(sheet, row, header, "không được để trống", "online")
    else:
        state.add(sheet, row, header, f"giá trị không hợp lệ '{text}'; chọn một trong: "
                  + ", ".join(ONLINE_LABELS.values()), "online")
    return text


def _items(state: _Import, sheet: str, row: int, header: str, text: str,
           kind: str) -> list[dict[str, Any]]:
    """``mục | … | …`` lines back into dated texts or staff checks (blank parts left out)."""
    parts = DATED_PARTS if kind == "dated" else VERIFY_PARTS
    items: list[dict[str, Any]] = []
    for n, line in enumerate(_lines(text), start=1):
        if kind == "dated":  # the text may hold '|': source (and line number) come last
            head = [p.strip() for p in line.split("|", 3)]
            values = head[:3] + _text_source_position(head[3]) if len(head) == 4 else head
        else:
            values = [p.strip() for p in line.split("|", len(parts) - 1)]
        item: dict[str, Any] = {}
        for key, value in zip(parts, values, strict=False):
            if key in DATE_PARTS and value:
                parsed = _parse_date(value)
                if parsed is None:
                    state.add(sheet, row, header, f"dòng thứ {n} trong ô: ngày không hợp lệ "
                              f"'{value}'; viết dạng dd/mm/yyyy", kind)
                    continue
                value = parsed.isoformat()
            if value:
                item[key] = int(value) if key == "position" and value.isdigit() else value
        items.append(item)
    return items


def _text_source_position(rest: str) -> list[str]:
    """``nội dung | nguồn`` or ``nội dung | nguồn | số dòng`` (the text may contain '|')."""
    parts = [p.strip() for p in rest.rsplit("|", 2)]
    if len(parts) == 3 and parts[2].isdigit():
        return parts
    return [p.strip() for p in rest.rsplit("|", 1)]


def _places(state: _Import, sheet: str, row: int, header: str, text: str) -> list[Any]:
    places: list[Any] = []
    channels = {c.value for c in Channel}
    for n, line in enumerate(_lines(text), start=1):
        parts = [p.strip() for p in line.split("|", 3)]
        parts += [""] * (4 - len(parts))
        channel, name, url, note = parts
        if url and not note and not re.match(r"(?i)(https?://|www\.)", url):
            url, note = "", url  # "kênh | tên | ghi chú": the third part isn't an address
        if channel.casefold() not in channels:
            state.add(sheet, row, header,
                      f"dòng thứ {n} trong ô: kênh '{channel}' không hợp lệ; viết theo dạng "
                      "kênh | tên | địa chỉ web | ghi chú, kênh là một trong: "
                      + ", ".join(sorted(channels)), "where")
        place: dict[str, Any] = {"channel": channel.casefold(), "name": name}
        if url:
            place["url"] = url
        if note:
            place["note"] = note
        places.append(place)
    return places


def _check_topic(state: _Import, sheet: str, row: int, doc: Mapping[str, Any],
                 question_rows: Sequence[int]) -> None:
    """Pydantic's verdict on one topic, moved to the cell it came from."""
    headers = {c.key: c.header for c in TOPIC_COLUMNS}
    for error in _errors(Topic, doc):
        loc = list(error["loc"])
        if not loc:
            _model_error(state, sheet, row, doc, str(error["msg"]))
            continue
        key = str(loc[0])
        position = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
        if key == "questions":
            if error["type"] == "value_error":
                continue  # duplicates are reported on their own rows
            if position is not None and position < len(question_rows):
                state.add(QUESTIONS_SHEET, question_rows[position], "Câu hỏi",
                          _vietnamese(error))
            elif state.reported(sheet, row, "id"):
                continue  # no usable id: its questions can't be counted
            elif error["type"] == "too_short":
                state.add(QUESTIONS_SHEET, None, None,
                          f"chủ đề '{doc.get('id')}' mới có {len(doc.get('questions') or [])} "
                          f"câu hỏi mẫu, cần ít nhất {MIN_QUESTIONS}")
            else:
                state.add(QUESTIONS_SHEET, None, None,
                          f"chủ đề '{doc.get('id')}': {_vietnamese(error)}")
            continue
        if state.reported(sheet, row, key):
            continue
        message = _vietnamese(error, slug=key in {"id", "category", "related"})
        if key == "where" and position is not None and len(loc) > 2:
            message = f"dòng thứ {position + 1} trong ô ({WHERE_PARTS.get(str(loc[2]), '')}): " \
                      f"{message}"
        else:
            message = _item(position, message)
        state.add(sheet, row, headers.get(key, key), message, key)


def _model_error(state: _Import, sheet: str, row: int, doc: Mapping[str, Any],
                 message: str) -> None:
    message = message.removeprefix("Value error, ")
    if message.startswith("online là"):
        state.add(sheet, row, "Làm trực tuyến",
                  f"'{ONLINE_LABELS[OnlineLevel(doc['online'])]}' cần ít nhất một kênh trực "
                  "tuyến (vneid, national-portal, provincial-portal, app) ở cột 'Nơi thực hiện'")
    elif message.startswith("related"):
        state.add(sheet, row, "Chủ đề liên quan", "không được ghi mã của chính chủ đề này")
    elif (empty := re.match(r"'(summary|fee|processing_time)' để trống", message)):
        key = empty.group(1)
        if not state.reported(sheet, row, key):
            header = next(c.header for c in TOPIC_COLUMNS if c.key == key)
            state.add(sheet, row, header, "không được để trống", key)
    elif message.startswith("cần ghi sources_checked"):
        state.add(sheet, row, "Nguồn đối chiếu đến tháng",
                  "không được để trống khi chưa có 'Ngày kiểm tra'", "sources_checked")
    else:
        state.add(sheet, row, None, message)


def _questions(state: _Import, table: _Table, topics: Mapping[str, dict[str, Any]],
               topic_rows: Mapping[str, int]) -> dict[str, list[int]]:
    """Attach each question to its topic; returns the sheet rows of each topic's questions."""
    rows: dict[str, list[int]] = {topic_id: [] for topic_id in topics}
    seen: dict[tuple[str, str], int] = {}
    unknown: dict[str, list[int]] = {}
    for row in table.rows:
        topic_id = _text(state, table, row, "topic").strip()
        question = _text(state, table, row, "question").strip()
        if state.reported(table.sheet, row.number, "topic") or \
                state.reported(table.sheet, row.number, "question"):
            continue
        if not topic_id:
            state.add(table.sheet, row.number, "Mã chủ đề", "cần ghi mã chủ đề của câu hỏi này")
            continue
        if topic_id not in topic_rows:
            unknown.setdefault(topic_id, []).append(row.number)
            continue
        if not question:
            state.add(table.sheet, row.number, "Câu hỏi", "không được để trống")
            continue
        key = (topic_id, re.sub(r"\s+", " ", question.lower()))
        if key in seen:
            state.add(table.sheet, row.number, "Câu hỏi",
                      f"câu hỏi bị lặp (giống dòng {seen[key]})")
            continue
        seen[key] = row.number
        topics[topic_id]["questions"].append(question)
        rows[topic_id].append(row.number)
    for topic_id, numbers in unknown.items():  # once per id, not once per question
        more = f" (cả {len(numbers)} dòng: {_ranges(numbers)})" if len(numbers) > 1 else ""
        state.add(table.sheet, numbers[0], "Mã chủ đề",
                  f"không có chủ đề '{topic_id}' trong trang '{TOPICS_SHEET}'{more}")
    return rows


def _ranges(numbers: Sequence[int]) -> str:
    """2, 3, 4, 9 -> "2–4, 9"."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}–{b}" if a != b else str(a) for a, b in spans)


def _commune(state: _Import, table: _Table) -> dict[str, Any]:
    by_label = {_fold(f.header): f for f in COMMUNE_FIELDS}
    doc: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for row in table.rows:
        label = _text(state, table, row, "item").strip()
        spec = by_label.get(_fold(label))
        if not label:
            state.add(table.sheet, row.number, COMMUNE_ITEM, "không được để trống")
            continue
        if spec is None:
            state.add(table.sheet, row.number, COMMUNE_ITEM,
                      f"mục '{label}' không có trong mẫu; đừng sửa cột '{COMMUNE_ITEM}'")
            continue
        if spec.key in rows:
            state.add(table.sheet, row.number, COMMUNE_ITEM,
                      f"mục '{spec.header}' bị lặp (đã có ở dòng {rows[spec.key]})")
            continue
        rows[spec.key] = row.number
        if spec.kind == "date":
            doc[spec.key] = _date(state, table, row, "value")
            continue
        text = _text(state, table, row, "value")
        if spec.kind == "lines":
            doc[spec.key] = _lines(text)
        elif spec.kind == "url":
            doc[spec.key] = text.strip() or None
        else:
            doc[spec.key] = text.strip()
    for spec in COMMUNE_FIELDS:
        if spec.key not in rows:
            state.add(table.sheet, None, None, f"thiếu dòng '{spec.header}'; đừng xóa dòng nào "
                      "trong trang này")
    doc = {f.key: doc[f.key] for f in COMMUNE_FIELDS if f.key in doc}
    for error in _errors(CommuneProfile, doc):
        loc = list(error["loc"])
        key = str(loc[0]) if loc else ""
        if key not in rows or state.reported(table.sheet, rows[key], "value"):
            continue  # a missing row is reported above
        position = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
        state.add(table.sheet, rows.get(key), COMMUNE_VALUE,
                  _item(position, _vietnamese(error)))
    return doc


def _categories(state: _Import, table: _Table) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    headers = {c.key: c.header for c in CATEGORY_COLUMNS}
    for row in table.rows:
        doc = {c.key: _text(state, table, row, c.key).strip() for c in CATEGORY_COLUMNS}
        for error in _errors(Category, doc):
            key = str(error["loc"][0]) if error["loc"] else ""
            if not state.reported(table.sheet, row.number, key):
                state.add(table.sheet, row.number, headers.get(key),
                          _vietnamese(error, slug=key == "id"), key)
        if doc["id"] in seen:
            state.add(table.sheet, row.number, "Mã nhóm",
                      f"trùng mã nhóm '{doc['id']}' với dòng {seen[doc['id']]}")
        elif doc["id"]:
            seen[doc["id"]] = row.number
        docs.append(doc)
    if table.ok and not docs:
        state.add(table.sheet, None, None, "cần ít nhất một nhóm")
    return docs


def import_xlsx(source: bytes | str | PathLike[str], *,
                budget_seconds: float = PARSE_SECONDS) -> Documents:
    """Read a workbook back into documents, or raise :class:`SpreadsheetError` with
    every problem found. The documents returned always pass :func:`parse`.

    Hostile files fail with a SpreadsheetError too, within a bounded time: zip parts
    are size-checked before unpacking, rows per sheet are capped, reading stops after
    ``budget_seconds``, and openpyxl parses the XML with defusedxml (no entities)."""
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError:
            raise SpreadsheetError([SheetProblem(None, None, None,
                                                 f"không mở được tệp '{path.name}'")]) from None
        if size > MAX_FILE_BYTES:  # refused before reading it
            raise SpreadsheetError([SheetProblem(None, None, None, _too_large(size))])
        data = path.read_bytes()
    state = _Import(deadline=time.monotonic() + budget_seconds)
    wb = _open(data)
    try:
        sheets = _find_sheets(state, wb)
        tables: dict[str, _Table] = {}
        for name, ws in sheets.items():
            if name == COMMUNE_SHEET:
                columns = (Column("item", COMMUNE_ITEM, "text", 0, ""),
                           Column("value", COMMUNE_VALUE, "text", 0, ""))
                tables[name] = _read_table(state, ws, name, columns, optional=[COMMUNE_HELP])
            else:
                tables[name] = _read_table(state, ws, name, SHEETS[name])
    except SpreadsheetError:
        raise
    except Exception:  # sheets are parsed lazily, while their rows are read
        raise _damaged() from None
    finally:
        wb.close()
    if len(tables) < len(ORDER) or not all(t.ok for t in tables.values()):
        raise SpreadsheetError(state.problems)
    return _build(state, tables)


def _build(state: _Import, tables: Mapping[str, _Table]) -> Documents:
    topic_table = tables[TOPICS_SHEET]
    if not topic_table.rows:
        state.add(TOPICS_SHEET, None, None, "chưa có chủ đề nào")
    categories = _categories(state, tables[CATEGORIES_SHEET])
    commune = _commune(state, tables[COMMUNE_SHEET])
    topics, topic_rows = _topics(state, topic_table)
    question_rows = _questions(state, tables[QUESTIONS_SHEET], topics, topic_rows)
    category_ids = {c["id"] for c in categories}
    for topic_id, doc in topics.items():
        row = topic_rows[topic_id]
        _check_topic(state, TOPICS_SHEET, row, doc, question_rows.get(topic_id, []))
        category = doc["category"]
        if category and category_ids and category not in category_ids \
                and not state.reported(TOPICS_SHEET, row, "category"):
            state.add(TOPICS_SHEET, row, "Mã nhóm",
                      f"nhóm '{category}' không có trong trang '{CATEGORIES_SHEET}'")
        for related in doc["related"]:
            if related not in topic_rows and related != topic_id:
                state.add(TOPICS_SHEET, row, "Chủ đề liên quan",
                          f"không có chủ đề '{related}' trong trang '{TOPICS_SHEET}'")
    if state.problems:
        raise SpreadsheetError(_sorted(state.problems))
    documents = Documents.from_json(Documents(
        {f"{TOPICS_SUBDIR}/{topic_id}.yaml": doc for topic_id, doc in topics.items()},
        commune, categories).to_json())
    try:
        parse(documents)
    except KnowledgeError as exc:  # a rule not mapped above: still located by sheet
        sheets = {COMMUNE_FILE: COMMUNE_SHEET, CATEGORIES_FILE: CATEGORIES_SHEET}
        raise SpreadsheetError([
            SheetProblem(sheets.get(p.file, TOPICS_SHEET),
                         topic_rows.get(Path(p.file).stem), p.field, p.message)
            for p in exc.problems]) from None
    return documents


ORDER = {TOPICS_SHEET: 0, QUESTIONS_SHEET: 1, COMMUNE_SHEET: 2, CATEGORIES_SHEET: 3}


def _sorted(problems: list[SheetProblem]) -> list[SheetProblem]:
    """Sheet by sheet, top to bottom, so staff can work down the list."""
    return sorted(problems, key=lambda p: (ORDER.get(p.sheet or "", -1),
                                           p.row if p.row is not None else 0))
