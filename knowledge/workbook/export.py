"""Writing the workbook staff download: styled sheets, drop-down checks, and a guide.

Staff edit the knowledge in Excel, LibreOffice or Google Sheets, often on a
phone and without training, so the file has to explain itself: headers carry
their help as comments, cells are text (nothing typed becomes a date or a
formula), drop-downs offer the allowed values, and a first sheet explains every
rule in plain Vietnamese. Cell contents come from :mod:`knowledge.workbook.cells`
so that what is written here reads back unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from knowledge.loader import Documents
from knowledge.schema import MIN_QUESTIONS, Channel, OnlineLevel
from knowledge.workbook.cells import format_cell
from knowledge.workbook.columns import (
    CATEGORIES_SHEET,
    CATEGORY_COLUMNS,
    COMMUNE_FIELDS,
    COMMUNE_HELP,
    COMMUNE_ITEM,
    COMMUNE_SHEET,
    COMMUNE_VALUE,
    GUIDE_SHEET,
    MAX_FILE_BYTES,
    MAX_ROWS,
    ONLINE_LABELS,
    QUESTION_COLUMNS,
    QUESTIONS_SHEET,
    TOPIC_COLUMNS,
    TOPICS_SHEET,
    Column,
)

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
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

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
    raw_commune = data.get("commune")
    commune: Mapping[str, Any] = raw_commune if isinstance(raw_commune, Mapping) else {}

    wb = Workbook()
    guide = wb.worksheets[0]  # a new workbook's only sheet
    guide.title = GUIDE_SHEET
    _write_guide(guide, note)

    ws = wb.create_sheet(TOPICS_SHEET)
    _write_table(ws, TOPIC_COLUMNS, [[format_cell(c, t.get(c.key)) for c in TOPIC_COLUMNS]
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
    rows = [[f.header, format_cell(f, commune.get(f.key)), f.help] for f in COMMUNE_FIELDS]
    _write_table(ws, columns, rows, freeze="B2")

    rows = [[format_cell(c, cat.get(c.key)) for c in CATEGORY_COLUMNS] for cat in categories]
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

