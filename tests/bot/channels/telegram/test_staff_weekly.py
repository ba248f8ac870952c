"""The Monday report catches up: missed while the bot was down, it still goes out that week,
once across workers — and never a stale week's report.

The clock is the desk's ``clock`` (or ``now=``); the Bot API is the fake. Each test uses
its own weeks, so the module's shared database does not couple them.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.channels.telegram import staff as staff_module
from bot.channels.telegram.staff import StaffDesk, due_week
from tests.bot.channels.telegram.conftest import STAFF_CHAT, Harness

ICT = ZoneInfo("Asia/Ho_Chi_Minh")


def documents(tg: Harness) -> list[str]:
    return [c.params["document"]["filename"] for c in tg.fake.sent("sendDocument", STAFF_CHAT)]


def test_due_week_is_last_week_from_monday_0730_in_vietnam() -> None:
    tz = "Asia/Ho_Chi_Minh"
    monday = dt.datetime(2026, 12, 7, 7, 30, tzinfo=ICT)  # 2026-W50
    assert due_week(monday - dt.timedelta(minutes=1), tz) is None
    assert due_week(monday, tz) == "2026-W49"
    assert due_week(monday + dt.timedelta(days=6, hours=16, minutes=29), tz) == "2026-W49"
    assert due_week(monday + dt.timedelta(days=7), tz) == "2026-W50"
    # 00:15 UTC on Monday is already 07:15 in Vietnam: not yet; 00:30 UTC is.
    assert due_week(dt.datetime(2026, 12, 7, 0, 15, tzinfo=dt.UTC), tz) is None
    assert due_week(dt.datetime(2026, 12, 7, 0, 30, tzinfo=dt.UTC), tz) == "2026-W49"
    assert due_week(dt.datetime(2026, 12, 6, 23, 0), tz) is None  # naive = UTC


async def test_catch_up_check_runs_soon_after_start_and_repeats(tg: Harness) -> None:
    queue = tg.runtime.channels["telegram"].application.job_queue
    (job,) = queue.get_jobs_by_name("weekly-report-catch-up")
    wait = job.next_t - dt.datetime.now(dt.UTC)
    assert dt.timedelta(0) < wait <= staff_module.CATCH_UP_FIRST
    assert job.job.trigger.interval == staff_module.CATCH_UP_INTERVAL


async def test_report_missed_while_down_goes_out_once_at_the_next_check(
        tg: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    channel = tg.runtime.channels["telegram"]
    app = channel.application
    # Down over Monday 07:30 of 2026-W49; back on Wednesday.
    wednesday = dt.datetime(2026, 12, 2, 10, 0, tzinfo=ICT)
    monkeypatch.setattr(channel.staff, "clock", lambda: wednesday)
    (check,) = app.job_queue.get_jobs_by_name("weekly-report-catch-up")

    await check.run(app)
    assert documents(tg) == ["bao-cao-2026-W48.html"]
    assert tg.fake.sent("sendPhoto", STAFF_CHAT)

    # Later checks, in this worker and in another one, send nothing more this week.
    monkeypatch.setattr(channel.staff, "clock", lambda: wednesday + dt.timedelta(days=4))
    await check.run(app)
    other = StaffDesk(channel)
    other.clock = lambda: wednesday + dt.timedelta(hours=1)
    assert not await other.weekly_report()
    assert not await channel.staff.weekly_report(now=wednesday + dt.timedelta(days=2))
    await tg.fake.settle(0.1)
    assert documents(tg) == ["bao-cao-2026-W48.html"]


async def test_only_the_current_weeks_report_is_caught_up(tg: Harness) -> None:
    desk = tg.runtime.channels["telegram"].staff
    # Down for all of 2026-W50 (its report about W49 was never sent); back on W51's Tuesday.
    tuesday = dt.datetime(2026, 12, 15, 9, 0, tzinfo=ICT)
    assert await desk.weekly_report(now=tuesday)
    assert documents(tg) == ["bao-cao-2026-W50.html"]  # not the stale W49 one


async def test_nothing_before_monday_0730_then_exactly_once(tg: Harness) -> None:
    channel = tg.runtime.channels["telegram"]
    first, second = channel.staff, StaffDesk(channel)
    monday = dt.datetime(2026, 12, 21, 7, 30, tzinfo=ICT)  # 2026-W52
    sunday_night = monday - dt.timedelta(hours=8)
    assert not await first.weekly_report(now=sunday_night)  # W51 is not over yet
    assert not await second.weekly_report(now=monday - dt.timedelta(minutes=1))
    assert documents(tg) == []
    assert await second.weekly_report(now=monday)
    assert not await first.weekly_report(now=monday + dt.timedelta(minutes=10))
    assert not await second.weekly_report(now=monday + dt.timedelta(days=6))
    assert documents(tg) == ["bao-cao-2026-W51.html"]


async def test_a_worker_that_died_while_sending_is_relieved_after_an_hour(
        tg: Harness) -> None:
    desk = tg.runtime.channels["telegram"].staff
    monday = dt.datetime(2026, 12, 28, 7, 30, tzinfo=ICT)  # 2026-W53
    leases = tg.runtime.storage.leases
    assert await leases.acquire("weekly-report:2026-W52", "died-while-sending",
                                staff_module.REPORT_SENDING_TTL, now=monday, reentrant=False)
    assert not await desk.weekly_report(now=monday + dt.timedelta(minutes=30))
    assert documents(tg) == []
    assert await desk.weekly_report(now=monday + dt.timedelta(minutes=61))
    assert documents(tg) == ["bao-cao-2026-W52.html"]


async def test_a_failed_attempt_is_retried_hours_later_not_every_check(tg: Harness) -> None:
    desk = tg.runtime.channels["telegram"].staff
    monday = dt.datetime(2027, 1, 4, 8, 0, tzinfo=ICT)  # 2027-W01
    tg.fake.fail("sendMessage", retry_after=0, times=10)  # Telegram keeps refusing
    assert not await desk.weekly_report(now=monday)
    tg.fake.reset()
    assert not await desk.weekly_report(now=monday + staff_module.CATCH_UP_INTERVAL)
    assert tg.fake.calls == []  # no new attempt (nor failure notice) minutes later
    retry = monday + staff_module.REPORT_RETRY_AFTER + dt.timedelta(minutes=1)
    assert await desk.weekly_report(now=retry)
    assert documents(tg) == ["bao-cao-2026-W53.html"]
