"""`report`, `uptake import`, `demo-data` and `retention` as commands (``bot.cli.main``
in this process, see ``tests/bot/cli_process.py``) with DATA_DIR in a temporary
directory (and DATABASE_URL on the PostgreSQL run)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import subprocess
from pathlib import Path

from sqlalchemy import func, select

from bot.config import Settings
from bot.storage import Storage
from bot.storage.models import Event, UptakeFigure
from tests.bot.cli_process import run_cli
from tests.conftest import REPO

PNG = b"\x89PNG\r\n\x1a\n"


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING"}
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    return run_cli(args, env=env, cwd=REPO)


def in_db(data_dir: Path, work):  # run one coroutine against the CLI's database
    async def main():
        storage = await Storage.open(Settings(data_dir=data_dir))
        try:
            return await work(storage)
        finally:
            await storage.close()

    return asyncio.run(main())


async def count(storage: Storage, model, *where) -> int:
    async with storage.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


def test_demo_data_then_report_writes_every_file_marked_as_demo(tmp_path: Path) -> None:
    demo = run(["demo-data", "--weeks", "4", "--seed", "2"], tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "Đã tạo dữ liệu mẫu (demo)" in demo.stdout and "--include-demo" in demo.stdout
    week = demo.stdout.split("--week ")[1].split()[0]

    out = run(["report", "--include-demo"], tmp_path)
    assert out.returncode == 0, out.stderr
    written = [Path(line) for line in out.stdout.splitlines()[1:]]
    assert {p.name for p in written} == {
        "summary.md", "summary.html", "questions_per_day.png", "top_topics.png",
        "decisions.png", "uptake_gap.png", "topics.csv", "unanswered.csv"}
    assert all(p.parent == tmp_path / "reports" / week and p.is_file() for p in written)
    folder = tmp_path / "reports" / week
    md = (folder / "summary.md").read_text(encoding="utf-8")
    html = (folder / "summary.html").read_text(encoding="utf-8")
    assert "DỮ LIỆU MẪU" in md and "## Báo cáo dùng dữ liệu mẫu" in md
    assert "Báo cáo dùng dữ liệu mẫu" in html and "data:image/png;base64," in html
    assert all((folder / name).read_bytes().startswith(PNG) for name in (
        "questions_per_day.png", "top_topics.png", "decisions.png", "uptake_gap.png"))
    topics = (folder / "topics.csv").read_text(encoding="utf-8-sig").splitlines()
    assert topics[0].startswith("topic_id,title") and len(topics) > 40
    assert not re.search(r"demo-[0-9a-f]{15}", md + html)  # no pseudonymous key, even demo

    plain = run(["report", "--out", str(tmp_path / "plain")], tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "--include-demo" in plain.stderr  # the hint: demo data exists but was left out
    md = (tmp_path / "plain" / "summary.md").read_text(encoding="utf-8")
    assert "DỮ LIỆU MẪU" not in md and "không có câu hỏi nào" in md


def test_report_refuses_a_bad_week_in_vietnamese(tmp_path: Path) -> None:
    bad = run(["report", "--week", "2026-48"], tmp_path)
    assert bad.returncode == 2
    assert "Lỗi: tuần không hợp lệ: '2026-48' (đúng dạng: 2026-W48)" in bad.stderr
    missing = run(["report", "--week", "2026-W60"], tmp_path)
    assert missing.returncode == 2 and "năm 2026 không có tuần 60" in missing.stderr
    assert not (tmp_path / "reports").exists()


GOOD = """topic_id,period_start,period_end,online,total
khai-sinh,2026-10-01,2026-10-31,12,40
ket-hon,01/10/2026,31/10/2026,3,"1,000"
"""
BAD = """topic_id;period_start;period_end;online;total
khai-sinh;2026-10-01;2026-10-31;12;40
khai-sinh-x;2026-10-01;2026-10-31;1;2
ket-hon;2026-10-31;2026-10-01;50;40
"""


def test_uptake_import_good_file_then_reimport_updates(tmp_path: Path) -> None:
    path = tmp_path / "uptake.csv"
    path.write_text(GOOD, encoding="utf-8-sig")
    first = run(["uptake", "import", str(path), "--source", "Cổng DVC tỉnh"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Đã nhập uptake.csv: 2 dòng mới, 0 dòng cập nhật." in first.stdout
    again = run(["uptake", "import", str(path)], tmp_path)
    assert again.returncode == 0 and "0 dòng mới, 2 dòng cập nhật" in again.stdout

    async def check(storage: Storage):
        async with storage.sessions() as session:
            rows = (await session.scalars(select(UptakeFigure).order_by(UptakeFigure.id))).all()
        return [(r.topic_id, r.online_count, r.total_count, r.source) for r in rows]

    assert in_db(tmp_path, check) == [("khai-sinh", 12, 40, "uptake.csv"),
                                      ("ket-hon", 3, 1000, "uptake.csv")]


def test_uptake_import_malformed_file_imports_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    out = run(["uptake", "import", str(path)], tmp_path)
    assert out.returncode == 1
    errors = out.stderr.splitlines()
    assert "dòng 3: cột topic_id: không có thủ tục “khai-sinh-x” trong kho kiến thức" in errors
    assert "dòng 4: cột period_end: ngày kết thúc trước ngày bắt đầu" in errors
    assert any(e.startswith("dòng 4: cột online: số hồ sơ trực tuyến (50)") for e in errors)
    assert "chưa nhập dòng nào" in out.stderr and out.stdout == ""
    assert in_db(tmp_path, lambda s: count(s, UptakeFigure)) == 0  # not even line 2

    missing = run(["uptake", "import", str(tmp_path / "nope.csv")], tmp_path)
    assert missing.returncode == 1 and "không đọc được tệp" in missing.stderr


def test_retention_purges_now_and_prints_the_count(tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)

    async def seed(storage: Storage) -> None:
        for name, days in (("old", 200), ("older", 400), ("new", 3)):
            storage.events.record(_event(name, now - dt.timedelta(days=days)))
        assert await storage.events.flush()

    in_db(tmp_path, seed)
    out = run(["retention"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Đã xoá nội dung câu hỏi của 2 sự kiện cũ hơn 180 ngày" in out.stdout
    assert "của 0 sự kiện" in run(["retention"], tmp_path).stdout
    short = run(["retention", "--days", "2"], tmp_path)
    assert "của 1 sự kiện cũ hơn 2 ngày" in short.stdout
    assert in_db(tmp_path, lambda s: count(s, Event, Event.text_redacted.is_not(None))) == 0
    assert in_db(tmp_path, lambda s: count(s, Event)) == 3  # the aggregates stay


def _event(name: str, when: dt.datetime):
    from bot.storage.events import EventRecord

    return EventRecord(channel="zalo", user_key="u", kind="text", decision="answer",
                       id=name.ljust(32, "0"), created_at=when, text_redacted=f"hỏi {name}",
                       text_normalized=f"hoi {name}", topic_id="khai-sinh")
