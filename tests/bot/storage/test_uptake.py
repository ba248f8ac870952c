"""Uptake CSV import: what Excel writes is accepted, every error is reported, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import UptakeFigure
from bot.storage.uptake import (
    UptakeImportError,
    import_uptake_csv,
    parse_uptake_csv,
)

TOPICS = {"khai-sinh", "tam-tru", "ket-hon"}
CODES = {"1.001193": "khai-sinh", "1.004222": "tam-tru"}


def test_excel_style_file_with_bom_semicolons_and_vietnamese_dates() -> None:
    data = ("\ufefftopic_id;period_start;period_end;online;total\r\n"
            "khai-sinh;01/10/2026;31/10/2026;1.234;2.000\r\n"
            "\r\n"
            "tam-tru;2026-10-01;2026-10-31;0;15\r\n").encode()
    parsed = parse_uptake_csv(data, TOPICS)
    assert parsed.errors == []
    assert [(r.line, r.topic_id, r.period_start, r.online, r.total) for r in parsed.rows] == [
        (2, "khai-sinh", dt.date(2026, 10, 1), 1234, 2000),
        (4, "tam-tru", dt.date(2026, 10, 1), 0, 15)]


def test_procedure_codes_are_mapped_to_topics() -> None:
    data = "ma_thu_tuc,period_start,period_end,online,total\n1.004222,1/11/2026,30/11/2026,3,9\n"
    parsed = parse_uptake_csv(data, TOPICS, CODES)
    assert parsed.ok and parsed.rows[0].topic_id == "tam-tru"


def test_every_error_is_reported_with_line_and_column() -> None:
    data = "\n".join([
        "topic_id,period_start,period_end,online,total",
        "khai-sinh,2026-10-01,2026-10-31,5,10",       # 2 fine
        "giay-phep-bay,2026-10-01,2026-10-31,1,2",     # 3 unknown topic
        "tam-tru,31/02/2026,2026-10-31,1,2",           # 4 impossible date
        "tam-tru,2026-10-01,2026-10-31,12,10",         # 5 online > total
        "ket-hon,2026-10-01,2026-10-31,-3,10",         # 6 negative
        "khai-sinh,2026-10-01,2026-10-31,6,10",        # 7 duplicate of 2
        "ket-hon,2026-11-30,2026-11-01,1,1.5",         # 8 end before start, not an integer
        "ket-hon,2026-10-01,2026-10-31,,7",            # 9 missing value
    ])
    assert parse_uptake_csv(data, TOPICS).errors == [
        "dòng 3: cột topic_id: không có thủ tục “giay-phep-bay” trong kho kiến thức",
        "dòng 4: cột period_start: ngày “31/02/2026” không hợp lệ (dùng YYYY-MM-DD hoặc "
        "dd/mm/yyyy)",
        "dòng 5: cột online: số hồ sơ trực tuyến (12) lớn hơn tổng số (10)",
        "dòng 6: cột online: số âm (-3)",
        "dòng 7: cột topic_id: trùng thủ tục và kỳ với dòng 2",
        "dòng 8: cột period_end: ngày kết thúc trước ngày bắt đầu",
        "dòng 8: cột total: “1.5” không phải số nguyên",
        "dòng 9: cột online: thiếu giá trị",
    ]


def test_missing_columns_and_unknown_codes() -> None:
    assert parse_uptake_csv("topic_id,period_start,online\nkhai-sinh,2026-10-01,1\n",
                            TOPICS).errors == ["dòng 1: cột period_end: thiếu cột",
                                               "dòng 1: cột total: thiếu cột"]
    assert parse_uptake_csv("period_start,period_end,online,total\n", TOPICS).errors == [
        "dòng 1: cột topic_id: thiếu cột (cần topic_id hoặc ma_thu_tuc)"]
    data = "ma_thu_tuc;period_start;period_end;online;total\n9.999;2026-10-01;2026-10-31;1;2\n"
    assert parse_uptake_csv(data, TOPICS).errors == [
        "dòng 1: cột ma_thu_tuc: chưa có bảng đối chiếu mã thủ tục sang topic_id"]
    assert parse_uptake_csv(data, TOPICS, CODES).errors == [
        "dòng 2: cột ma_thu_tuc: mã thủ tục “9.999” chưa có trong bảng đối chiếu"]


def test_empty_and_non_utf8_files() -> None:
    assert parse_uptake_csv(b"", TOPICS).errors == ["dòng 1: tệp trống, không có dòng tiêu đề"]
    assert parse_uptake_csv("topic_id,period_start,period_end,online,total\n", TOPICS
                            ).errors == ["dòng 2: tệp không có dòng số liệu nào"]
    cp1258 = "topic_id,period_start,period_end,online,total\nkhai-sinh,x,y,1,2 (Hà)\n"
    errors = parse_uptake_csv(cp1258.encode("cp1258"), TOPICS).errors
    assert len(errors) == 1 and errors[0].startswith("dòng 2: tệp không phải mã UTF-8")


async def count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(UptakeFigure)) or 0)


async def test_import_is_all_or_nothing_and_upserts(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    header = "topic_id,period_start,period_end,online,total\n"
    bad = header + "khai-sinh,2026-10-01,2026-10-31,5,10\nkhai-sinh,2026-11-01,2026-11-30,9,3\n"
    with pytest.raises(UptakeImportError) as err:
        await import_uptake_csv(sessions, bad, known_topics=TOPICS)
    assert err.value.errors == ["dòng 3: cột online: số hồ sơ trực tuyến (9) lớn hơn tổng số (3)"]
    assert await count(sessions) == 0  # the good first row was not imported either

    first = await import_uptake_csv(
        sessions, header + "khai-sinh,2026-10-01,2026-10-31,5,10\n"
                           "tam-tru,2026-10-01,2026-10-31,1,4\n",
        known_topics=TOPICS, source="dichvucong-10.csv")
    assert (first.inserted, first.updated) == (2, 0)
    corrected = await import_uptake_csv(
        sessions, header + "khai-sinh,01/10/2026,31/10/2026,6,10\n"
                           "khai-sinh,2026-11-01,2026-11-30,7,12\n",
        known_topics=TOPICS, source="dichvucong-11.csv")
    assert (corrected.inserted, corrected.updated) == (1, 1)
    async with sessions() as session:
        rows = {(f.topic_id, f.period_start.month): (f.online_count, f.total_count,
                                                     f.source, f.import_batch)
                for f in await session.scalars(select(UptakeFigure))}
    assert rows == {
        ("khai-sinh", 10): (6, 10, "dichvucong-11.csv", corrected.batch),
        ("khai-sinh", 11): (7, 12, "dichvucong-11.csv", corrected.batch),
        ("tam-tru", 10): (1, 4, "dichvucong-10.csv", first.batch),
    }
