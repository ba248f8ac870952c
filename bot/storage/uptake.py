"""Import official uptake figures (online vs total dossiers) exported from the portal.

Staff export these by hand from the provincial/national portal, often through Excel,
so the parser accepts what Excel writes: UTF-8 with or without BOM, comma or
semicolon, ISO or dd/mm/yyyy dates, thousands separators. Every row is validated
first and every problem is reported as "dòng N: cột X: lỗi" so that one round of
corrections fixes the file; if anything is wrong nothing is imported, otherwise all
rows are upserted in one transaction (re-importing a corrected file is safe).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import UptakeFigure, utcnow

TOPIC, CODE = "topic_id", "ma_thu_tuc"
START, END, ONLINE, TOTAL = "period_start", "period_end", "online", "total"
_ALIASES = {"online_count": ONLINE, "total_count": TOTAL}
_THOUSANDS = re.compile(r"^\d{1,3}(?:([.,\u00a0 ])\d{3})(?:\1\d{3})*$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass(frozen=True, slots=True)
class UptakeRecord:
    line: int
    topic_id: str
    period_start: dt.date
    period_end: dt.date
    online: int
    total: int


@dataclass(frozen=True, slots=True)
class ParsedUptake:
    rows: list[UptakeRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class ImportSummary:
    inserted: int
    updated: int
    batch: str


class UptakeImportError(ValueError):
    """The file has errors; nothing was imported. ``errors`` lists every one."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def _error(line: int, column: str, message: str) -> str:
    return f"dòng {line}: cột {column}: {message}"


def _parse_date(raw: str) -> dt.date | None:
    raw = raw.strip()
    try:
        if m := _DMY.match(raw):
            day, month, year = (int(g) for g in m.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def _parse_count(raw: str) -> int | None:
    raw = raw.strip()
    if _THOUSANDS.match(raw):
        raw = re.sub(r"\D", "", raw)
    try:
        return int(raw)
    except ValueError:
        return None


def _decode(data: bytes | str) -> tuple[str | None, str | None]:
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, (f"dòng {line}: tệp không phải mã UTF-8 — trong Excel hãy chọn "
                      "“Lưu thành… CSV UTF-8”")


def parse_uptake_csv(data: bytes | str, known_topics: Collection[str],
                     code_map: Mapping[str, str] | None = None) -> ParsedUptake:
    """Validate the whole file; rows are returned only if there is no error at all."""
    text, decode_error = _decode(data)
    if text is None:
        return ParsedUptake(errors=[decode_error or "tệp không đọc được"])
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        return ParsedUptake(errors=["dòng 1: tệp trống, không có dòng tiêu đề"])
    names = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    index = {name: i for i, name in reversed(list(enumerate(names)))}
    errors: list[str] = []
    for column in (START, END, ONLINE, TOTAL):
        if column not in index:
            errors.append(_error(1, column, "thiếu cột"))
    if TOPIC not in index and CODE not in index:
        errors.append(_error(1, TOPIC, f"thiếu cột (cần {TOPIC} hoặc {CODE})"))
    if CODE in index and TOPIC not in index and not code_map:
        errors.append(_error(1, CODE, "chưa có bảng đối chiếu mã thủ tục sang topic_id"))
    if errors:
        return ParsedUptake(errors=errors)

    known = set(known_topics)
    codes = {k.strip(): v for k, v in (code_map or {}).items()}
    rows: list[UptakeRecord] = []
    seen: dict[tuple[str, dt.date, dt.date], int] = {}
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue

        def cell(column: str, fields: list[str] = fields) -> str:
            i = index.get(column)
            return fields[i].strip() if i is not None and i < len(fields) else ""

        row_errors: list[str] = []
        topic = cell(TOPIC)
        if topic:
            if topic not in known:
                row_errors.append(_error(line, TOPIC, f"không có thủ tục “{topic}” trong "
                                                      "kho kiến thức"))
        elif CODE in index and (code := cell(CODE)):
            topic = codes.get(code, "")
            if not topic:
                row_errors.append(_error(line, CODE, f"mã thủ tục “{code}” chưa có trong "
                                                     "bảng đối chiếu"))
            elif topic not in known:
                row_errors.append(_error(line, CODE, f"mã “{code}” ứng với “{topic}”, không "
                                                     "có trong kho kiến thức"))
        else:
            row_errors.append(_error(line, TOPIC if TOPIC in index else CODE,
                                     "thiếu giá trị"))

        dates: dict[str, dt.date] = {}
        for column in (START, END):
            raw = cell(column)
            if not raw:
                row_errors.append(_error(line, column, "thiếu giá trị"))
            elif (parsed := _parse_date(raw)) is None:
                row_errors.append(_error(line, column, f"ngày “{raw}” không hợp lệ (dùng "
                                                       "YYYY-MM-DD hoặc dd/mm/yyyy)"))
            else:
                dates[column] = parsed
        if len(dates) == 2 and dates[END] < dates[START]:
            row_errors.append(_error(line, END, "ngày kết thúc trước ngày bắt đầu"))

        counts: dict[str, int] = {}
        for column in (ONLINE, TOTAL):
            raw = cell(column)
            if not raw:
                row_errors.append(_error(line, column, "thiếu giá trị"))
            elif (value := _parse_count(raw)) is None:
                row_errors.append(_error(line, column, f"“{raw}” không phải số nguyên"))
            elif value < 0:
                row_errors.append(_error(line, column, f"số âm ({value})"))
            else:
                counts[column] = value
        if len(counts) == 2 and counts[ONLINE] > counts[TOTAL]:
            row_errors.append(_error(line, ONLINE, f"số hồ sơ trực tuyến ({counts[ONLINE]}) "
                                                   f"lớn hơn tổng số ({counts[TOTAL]})"))

        if not row_errors:
            key = (topic, dates[START], dates[END])
            if key in seen:
                row_errors.append(_error(line, TOPIC, f"trùng thủ tục và kỳ với dòng {seen[key]}"))
            else:
                seen[key] = line
                rows.append(UptakeRecord(line, topic, dates[START], dates[END],
                                         counts[ONLINE], counts[TOTAL]))
        errors.extend(row_errors)

    if not rows and not errors:
        errors.append("dòng 2: tệp không có dòng số liệu nào")
    return ParsedUptake(rows=[] if errors else rows, errors=errors)


async def import_uptake(session_factory: async_sessionmaker[AsyncSession],
                        rows: list[UptakeRecord], *, source: str,
                        now: dt.datetime | None = None) -> ImportSummary:
    """Upsert validated rows in one transaction, keyed by (topic, period)."""
    now = now or utcnow()
    batch = uuid.uuid4().hex
    inserted = updated = 0
    async with session_factory() as session, session.begin():
        topics = {r.topic_id for r in rows}
        existing = {(f.topic_id, f.period_start, f.period_end): f
                    for f in (await session.scalars(
                        select(UptakeFigure).where(UptakeFigure.topic_id.in_(topics)))).all()}
        for r in rows:
            figure = existing.get((r.topic_id, r.period_start, r.period_end))
            if figure is None:
                session.add(UptakeFigure(
                    topic_id=r.topic_id, period_start=r.period_start, period_end=r.period_end,
                    online_count=r.online, total_count=r.total, source=source[:200],
                    imported_at=now, import_batch=batch))
                inserted += 1
            else:
                figure.online_count, figure.total_count = r.online, r.total
                figure.source, figure.imported_at = source[:200], now
                figure.import_batch = batch
                updated += 1
    return ImportSummary(inserted, updated, batch)


async def import_uptake_csv(session_factory: async_sessionmaker[AsyncSession],
                            data: bytes | str, *, known_topics: Collection[str],
                            code_map: Mapping[str, str] | None = None,
                            source: str = "csv") -> ImportSummary:
    """Parse, validate and import; raises :class:`UptakeImportError` with every error."""
    parsed = parse_uptake_csv(data, known_topics, code_map)
    if not parsed.ok:
        raise UptakeImportError(parsed.errors)
    return await import_uptake(session_factory, parsed.rows, source=source)


@dataclass(frozen=True, slots=True)
class StoredFigure:
    topic_id: str
    period_start: dt.date
    period_end: dt.date
    online: int
    total: int
    source: str
    imported_at: dt.datetime


async def recent_figures(session_factory: async_sessionmaker[AsyncSession], *,
                         limit: int = 30) -> list[StoredFigure]:
    """The latest periods first, for the staff page that uploads them."""
    stmt = (select(UptakeFigure.topic_id, UptakeFigure.period_start, UptakeFigure.period_end,
                   UptakeFigure.online_count, UptakeFigure.total_count, UptakeFigure.source,
                   UptakeFigure.imported_at)
            .order_by(UptakeFigure.period_start.desc(), UptakeFigure.topic_id).limit(limit))
    async with session_factory() as session:
        return [StoredFigure(*r) for r in (await session.execute(stmt)).all()]
