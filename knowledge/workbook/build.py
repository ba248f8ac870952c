"""Turning parsed sheets into knowledge documents, and locating every rule they break.

The document rules live in :mod:`knowledge.schema` (pydantic) and
:func:`knowledge.loader.parse`; this module runs them on what each row became
and moves each verdict back to the sheet, row and column it came from, in plain
Vietnamese, plus the rules that span sheets (questions to topics, topics to
categories, related topics). A workbook that passes gives documents that
:func:`knowledge.loader.parse` accepts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from knowledge.loader import (
    CATEGORIES_FILE,
    COMMUNE_FILE,
    TOPICS_SUBDIR,
    Documents,
    KnowledgeError,
    parse,
)
from knowledge.schema import MIN_QUESTIONS, Category, CommuneProfile, OnlineLevel, Topic
from knowledge.workbook.cells import cell_text, parse_cell
from knowledge.workbook.columns import (
    CATEGORIES_SHEET,
    CATEGORY_COLUMNS,
    COMMUNE_FIELDS,
    COMMUNE_ITEM,
    COMMUNE_SHEET,
    COMMUNE_VALUE,
    OMIT_WHEN_EMPTY,
    ONLINE_LABELS,
    ORDER,
    QUESTIONS_SHEET,
    TOPIC_COLUMNS,
    TOPICS_SHEET,
    WHERE_PARTS,
    fold,
)
from knowledge.workbook.problems import Findings, SheetProblem, SpreadsheetError
from knowledge.workbook.sheets import Table


def build(state: Findings, tables: Mapping[str, Table]) -> Documents:
    """The documents the sheets describe, or a SpreadsheetError listing every problem
    (with those the readers already found in ``state``) in sheet order."""
    topic_table = tables[TOPICS_SHEET]
    if not topic_table.rows:
        state.add(TOPICS_SHEET, None, None, "chưa có chủ đề nào")
    categories = _categories(state, tables[CATEGORIES_SHEET])
    commune = _commune(state, tables[COMMUNE_SHEET])
    topics, topic_rows = _topics(state, topic_table)
    question_rows = _questions(state, tables[QUESTIONS_SHEET], topics, topic_rows)
    for topic_id, doc in topics.items():
        _check_topic(state, TOPICS_SHEET, topic_rows[topic_id], doc,
                     question_rows.get(topic_id, []))
    _check_references(state, topics, topic_rows, {c["id"] for c in categories})
    if state.problems:
        raise SpreadsheetError(_sorted(state.problems))
    documents = Documents.from_json(Documents(
        {f"{TOPICS_SUBDIR}/{topic_id}.yaml": doc for topic_id, doc in topics.items()},
        commune, categories).to_json())
    _check_documents(documents, topic_rows)
    return documents


def _check_references(state: Findings, topics: Mapping[str, Mapping[str, Any]],
                      topic_rows: Mapping[str, int], category_ids: set[str]) -> None:
    """Rules across sheets: each topic's group exists, and so do its related topics."""
    for topic_id, doc in topics.items():
        row = topic_rows[topic_id]
        category = doc["category"]
        if category and category_ids and category not in category_ids \
                and not state.reported(TOPICS_SHEET, row, "category"):
            state.add(TOPICS_SHEET, row, "Mã nhóm",
                      f"nhóm '{category}' không có trong trang '{CATEGORIES_SHEET}'")
        for related in doc["related"]:
            if related not in topic_rows and related != topic_id:
                state.add(TOPICS_SHEET, row, "Chủ đề liên quan",
                          f"không có chủ đề '{related}' trong trang '{TOPICS_SHEET}'")


def _check_documents(documents: Documents, topic_rows: Mapping[str, int]) -> None:
    """The loader's own checks, so what passes here always loads; a rule not mapped
    to a cell above is still located by sheet (and by row for a topic)."""
    try:
        parse(documents)
    except KnowledgeError as exc:
        sheets = {COMMUNE_FILE: COMMUNE_SHEET, CATEGORIES_FILE: CATEGORIES_SHEET}
        raise SpreadsheetError([
            SheetProblem(sheets.get(p.file, TOPICS_SHEET),
                         topic_rows.get(Path(p.file).stem), p.field, p.message)
            for p in exc.problems]) from None


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


def _topics(state: Findings, table: Table) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Topic documents keyed by id (questions added later) and each id's row."""
    docs: dict[str, dict[str, Any]] = {}
    rows: dict[str, int] = {}
    sheet = table.sheet
    for row in table.rows:
        doc: dict[str, Any] = {c.key: parse_cell(state, table, row, c.key, c.kind)
                               for c in TOPIC_COLUMNS}
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



def _check_topic(state: Findings, sheet: str, row: int, doc: Mapping[str, Any],
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


def _model_error(state: Findings, sheet: str, row: int, doc: Mapping[str, Any],
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


def _questions(state: Findings, table: Table, topics: Mapping[str, dict[str, Any]],
               topic_rows: Mapping[str, int]) -> dict[str, list[int]]:
    """Attach each question to its topic; returns the sheet rows of each topic's questions."""
    rows: dict[str, list[int]] = {topic_id: [] for topic_id in topics}
    seen: dict[tuple[str, str], int] = {}
    unknown: dict[str, list[int]] = {}
    for row in table.rows:
        topic_id = cell_text(state, table, row, "topic").strip()
        question = cell_text(state, table, row, "question").strip()
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


def _commune(state: Findings, table: Table) -> dict[str, Any]:
    by_label = {fold(f.header): f for f in COMMUNE_FIELDS}
    doc: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for row in table.rows:
        label = cell_text(state, table, row, "item").strip()
        spec = by_label.get(fold(label))
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
        doc[spec.key] = parse_cell(state, table, row, "value", spec.kind)
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


def _categories(state: Findings, table: Table) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    headers = {c.key: c.header for c in CATEGORY_COLUMNS}
    for row in table.rows:
        doc = {c.key: cell_text(state, table, row, c.key).strip() for c in CATEGORY_COLUMNS}
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



def _sorted(problems: list[SheetProblem]) -> list[SheetProblem]:
    """Sheet by sheet, top to bottom, so staff can work down the list."""
    return sorted(problems, key=lambda p: (ORDER.get(p.sheet or "", -1),
                                           p.row if p.row is not None else 0))
