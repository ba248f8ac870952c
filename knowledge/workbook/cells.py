"""One cell's text, both ways: how a document value is written into a cell, and how
the cell staff edited is parsed back, with a located problem when it can't be.

Multi-part cells (``kênh | tên | địa chỉ web | ghi chú``, dated facts, staff
checks) and dates (dd/mm/yyyy) are written and read here side by side, so the
format staff see and the parser that accepts it cannot drift apart and export →
import stays lossless. Whole-document rules are left to
:mod:`knowledge.workbook.build`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from knowledge.schema import Channel, OnlineLevel
from knowledge.workbook.columns import (
    DATE_PARTS,
    DATED_PARTS,
    ONLINE_LABELS,
    VERIFY_PARTS,
    Column,
    fold,
)
from knowledge.workbook.problems import Findings
from knowledge.workbook.sheets import Row, Table

# --- Writing -------------------------------------------------------------------------


def format_cell(column: Column, value: Any) -> str:
    """A document value (JSON, as the database holds it) as the text of its cell."""
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
        return format_date(value)
    if column.kind == "online":
        try:
            return ONLINE_LABELS[OnlineLevel(value)]
        except ValueError:
            return str(value)
    return str(value)


def _parts_line(item: Mapping[str, Any], parts: Sequence[str]) -> str:
    """One structured item as ``a | b | c``; dates as dd/mm/yyyy, trailing blanks dropped."""
    values = [format_date(item.get(k)) if k in DATE_PARTS and item.get(k)
              else str(item.get(k) or "") for k in parts]
    while values and not values[-1]:
        values.pop()
    return " | ".join(values)


def _place_line(place: Mapping[str, Any]) -> str:
    """One place as ``kênh | tên | địa chỉ web | ghi chú``, trailing blanks dropped."""
    parts = [str(place.get(k) or "") for k in ("channel", "name", "url", "note")]
    while len(parts) > 2 and not parts[-1]:
        parts.pop()
    return " | ".join(parts)


def format_date(value: object) -> str:
    """A date as staff write it (dd/mm/yyyy); text that is not an ISO date stays as it is."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        text = value
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            return text
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)



# --- Reading -------------------------------------------------------------------------


# A document value read from one cell, before the document rules check it.
CellData = str | list[str] | list[dict[str, Any]] | None


def parse_cell(state: Findings, table: Table, row: Row, key: str, kind: str) -> CellData:
    """The cell ``key`` of ``row`` as the document value of a column of ``kind``."""
    if kind == "date":
        return cell_date(state, table, row, key)
    text = cell_text(state, table, row, key)
    header = table.columns[key]
    if kind == "lines":
        return split_lines(text)
    if kind == "ids":
        return [i for i in re.split(r"[\s,;]+", text) if i]
    if kind == "url":
        return text.strip() or None
    if kind == "online":
        return parse_online(state, table.sheet, row.number, header, text.strip())
    if kind == "where":
        return parse_places(state, table.sheet, row.number, header, text)
    if kind in {"dated", "verify"}:
        return parse_items(state, table.sheet, row.number, header, text, kind)
    return text.strip()


def cell_text(state: Findings, table: Table, row: Row, key: str) -> str:
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
        return format_date(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("_x000D_", "")
    return unicodedata.normalize("NFC", text)


def split_lines(text: str) -> list[str]:
    """One item per line of the cell; blank lines and edge spaces are not items."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def cell_date(state: Findings, table: Table, row: Row, key: str) -> str | None:
    """An ISO date from a real date cell or typed text; None when blank or invalid."""
    cell = row.cells.get(key)
    if cell is not None and isinstance(cell.value, dt.datetime | dt.date) \
            and cell.data_type != "f":
        value = cell.value
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    text = cell_text(state, table, row, key).strip()
    if not text:
        return None
    parsed = parse_date(text)
    if parsed is None:
        state.add(table.sheet, row.number, table.columns[key],
                  f"ngày không hợp lệ '{text}'; viết dạng dd/mm/yyyy (ví dụ 28/11/2026) "
                  "hoặc yyyy-mm-dd", key)
        return None
    return parsed.isoformat()


def parse_date(text: str) -> dt.date | None:
    """dd/mm/yyyy (also with '.' or '-') or yyyy-mm-dd; None when it is no real date."""
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



def parse_online(state: Findings, sheet: str, row: int, header: str, text: str) -> str:
    """The online level from its Vietnamese label (or its code)."""
    folded = fold(text)
    for level, label in ONLINE_LABELS.items():
        if folded in (fold(label), level.value):
            return level.value
    if not text:
        state.add(sheet, row, header, "không được để trống", "online")
    else:
        state.add(sheet, row, header, f"giá trị không hợp lệ '{text}'; chọn một trong: "
                  + ", ".join(ONLINE_LABELS.values()), "online")
    return text


def parse_items(state: Findings, sheet: str, row: int, header: str, text: str,
           kind: str) -> list[dict[str, Any]]:
    """``mục | … | …`` lines back into dated texts or staff checks (blank parts left out)."""
    parts = DATED_PARTS if kind == "dated" else VERIFY_PARTS
    items: list[dict[str, Any]] = []
    for n, line in enumerate(split_lines(text), start=1):
        if kind == "dated":  # the text may hold '|': source (and line number) come last
            head = [p.strip() for p in line.split("|", 3)]
            values = head[:3] + _text_source_position(head[3]) if len(head) == 4 else head
        else:
            values = [p.strip() for p in line.split("|", len(parts) - 1)]
        item: dict[str, Any] = {}
        for key, value in zip(parts, values, strict=False):
            if key in DATE_PARTS and value:
                parsed = parse_date(value)
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


def parse_places(state: Findings, sheet: str, row: int, header: str,
                 text: str) -> list[dict[str, Any]]:
    """``kênh | tên | địa chỉ web | ghi chú`` lines back into places."""
    places: list[dict[str, Any]] = []
    channels = {c.value for c in Channel}
    for n, line in enumerate(split_lines(text), start=1):
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

