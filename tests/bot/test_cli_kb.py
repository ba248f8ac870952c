"""`kb export` / `kb import`: valid files become a live version, broken ones change nothing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.config import Settings
from bot.editing.editor import KnowledgeEditor
from bot.editing.transfer import TransferFailed, apply_import
from bot.storage import Storage
from knowledge.export import write_directory
from knowledge.loader import DEFAULT_CONTENT_DIR, read_directory
from knowledge.service import KnowledgeService
from knowledge.workbook import (
    CATEGORIES_SHEET,
    MAX_FILE_BYTES,
    QUESTIONS_SHEET,
    TOPICS_SHEET,
    export_xlsx,
)
from tests.bot.cli_process import run_cli
from tests.knowledge.workbook.staff_edits import edit, headers, set_topic

NEW_FEE = "Miễn phí hoàn toàn (thử nghiệm 4242)"
FEE_QUESTION = "làm giấy khai sinh có mất tiền không"


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING",
           "USER": "tester"}
    if os.environ.get("DATABASE_URL"):  # the PostgreSQL run of the suite
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    return run_cli(args, env=env, cwd=data_dir)


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = await Storage.open(Settings(data_dir=tmp_path))
    yield storage
    await storage.close()


@pytest.fixture(scope="module")
def exported() -> bytes:
    return export_xlsx(read_directory()[0])


def broken_sheet(wb: Workbook) -> None:
    wb[CATEGORIES_SHEET].title = "Nhom"


def missing_column(wb: Workbook) -> None:
    wb[TOPICS_SHEET].delete_cols(headers(wb, TOPICS_SHEET).index("Lệ phí") + 1)


def unknown_question_topic(wb: Workbook) -> None:
    wb[QUESTIONS_SHEET]["A2"] = "khong-co"


BROKEN: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "bad sheet": (lambda d: edit(d, broken_sheet), "Nhóm: thiếu trang tính"),
    "missing column": (lambda d: edit(d, missing_column), "Chủ đề, cột 'Lệ phí': thiếu cột"),
    "duplicate id": (lambda d: edit(d, set_topic("khai-tu", "Mã chủ đề", "khai-sinh")),
                     "cột 'Mã chủ đề': trùng mã chủ đề 'khai-sinh'"),
    "invalid date": (lambda d: edit(d, set_topic("ket-hon", "Ngày kiểm tra", "30/02/2026")),
                     "cột 'Ngày kiểm tra': ngày không hợp lệ '30/02/2026'"),
    "oversized": (lambda d: d + b"\0" * MAX_FILE_BYTES, "Tệp: tệp quá lớn"),
    "unknown topic in questions": (lambda d: edit(d, unknown_question_topic),
                                   "Câu hỏi mẫu, dòng 2, cột 'Mã chủ đề': không có chủ đề"),
    "formula": (lambda d: edit(d, set_topic("khai-sinh", "Lệ phí", "=A1*2")),
                "cột 'Lệ phí': ô chứa công thức Excel"),
    "not a workbook": (lambda d: b"id;title\n", "Tệp: không phải tệp Excel .xlsx"),
    "half-written": (lambda d: d[: len(d) // 2], "Tệp: tệp bị hỏng"),
}


@pytest.mark.parametrize("kind", list(BROKEN))
async def test_broken_file_changes_nothing(kind: str, storage: Storage, exported: bytes,
                                           tmp_path: Path) -> None:
    knowledge = KnowledgeService.from_directory()
    editor = KnowledgeEditor(knowledge, lambda: storage)
    await editor.sync()
    before = (await storage.knowledge.live_id(), len(await storage.knowledge.history()))
    make, expected = BROKEN[kind]
    path = tmp_path / "kb.xlsx"
    path.write_bytes(make(exported))
    with pytest.raises(TransferFailed) as info:
        await apply_import(editor, path, author="cli:test")
    assert any(expected in p for p in info.value.problems), info.value.problems
    assert (await storage.knowledge.live_id(), len(await storage.knowledge.history())) == before
    assert knowledge.stored_version == before[0]


async def test_valid_files_become_live_versions(storage: Storage, exported: bytes,
                                                tmp_path: Path) -> None:
    knowledge = KnowledgeService.from_directory()
    editor = KnowledgeEditor(knowledge, lambda: storage)
    same = tmp_path / "same.xlsx"
    same.write_bytes(exported)
    result = await apply_import(editor, same, author="cli:test")
    assert result.version is None and result.changes == []  # nothing new: no version
    assert [v.source for v in await storage.knowledge.history()] == ["starter"]

    changed = tmp_path / "kb.xlsx"
    changed.write_bytes(edit(exported, set_topic("khai-sinh", "Lệ phí", NEW_FEE)))
    result = await apply_import(editor, changed, author="cli:test")
    assert result.changes == ["sửa 1 chủ đề: khai-sinh"]
    newest = (await storage.knowledge.history())[0]
    assert (newest.id, newest.author, newest.source, newest.message) == (
        result.version, "cli:test", "spreadsheet", "Nhập từ kb.xlsx")
    assert knowledge.current.kb.topics["khai-sinh"].fee == NEW_FEE

    folder = tmp_path / "yaml"
    write_directory(knowledge.current.kb.documents, folder)
    (folder / "topics" / "khai-sinh.yaml").write_text(
        (folder / "topics" / "khai-sinh.yaml").read_text(encoding="utf-8").replace(
            NEW_FEE, "Miễn phí (từ YAML)"), encoding="utf-8")
    result = await apply_import(editor, folder, author="cli:test")
    newest = (await storage.knowledge.history())[0]
    assert (newest.id, newest.source) == (result.version, "cli")
    assert knowledge.current.kb.topics["khai-sinh"].fee == "Miễn phí (từ YAML)"


def test_cli_export_edit_import_then_ask_sees_it(tmp_path: Path) -> None:
    out = run(["kb", "export", "kb.xlsx"], tmp_path)  # empty database: the starter files
    assert out.returncode == 0, out.stderr
    assert "nội dung khởi đầu" in out.stdout
    edited = edit((tmp_path / "kb.xlsx").read_bytes(), set_topic("khai-sinh", "Lệ phí", NEW_FEE))
    (tmp_path / "edited.xlsx").write_bytes(edited)

    out = run(["kb", "import", "edited.xlsx", "--author", "lan"], tmp_path)
    assert out.returncode == 0, out.stderr
    version = int(re.search(r"phiên bản #(\d+) \(cli:lan\)", out.stdout).group(1))
    assert "sửa 1 chủ đề: khai-sinh" in out.stdout

    answer = run(["ask", FEE_QUESTION], tmp_path)
    assert answer.returncode == 0, answer.stderr
    assert f"Lệ phí: {NEW_FEE}" in answer.stdout

    # the next export starts from that version, as YAML too
    out = run(["kb", "export", "again"], tmp_path)
    assert out.returncode == 0 and f"phiên bản #{version}" in out.stdout, out.stderr
    assert NEW_FEE in (tmp_path / "again" / "topics" / "khai-sinh.yaml").read_text("utf-8")


def test_cli_broken_file_exits_1_and_lists_every_error(tmp_path: Path) -> None:
    assert run(["kb", "export", "kb.xlsx"], tmp_path).returncode == 0
    broken = edit((tmp_path / "kb.xlsx").read_bytes(),
                  set_topic("khai-sinh", "Lệ phí", ""),
                  set_topic("ket-hon", "Ngày kiểm tra", "31/02/2026"),
                  unknown_question_topic)
    (tmp_path / "broken.xlsx").write_bytes(broken)
    out = run(["kb", "import", "broken.xlsx"], tmp_path)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 4, lines
    assert any(re.fullmatch(r"Chủ đề, dòng \d+, cột 'Lệ phí': không được để trống", line)
               for line in lines)
    assert any(re.fullmatch(r"Chủ đề, dòng \d+, cột 'Ngày kiểm tra': ngày không hợp lệ .*",
                            line) for line in lines)
    assert lines[2].startswith("Câu hỏi mẫu, dòng 2, cột 'Mã chủ đề': không có chủ đề")
    assert lines[-1] == "Lỗi: 3 vấn đề, KHÔNG áp dụng thay đổi nào."
    assert out.stdout == ""
    answer = run(["ask", FEE_QUESTION], tmp_path)
    assert "Miễn lệ phí khi đăng ký khai sinh đúng hạn" in answer.stdout


def test_cli_refuses_what_it_cannot_read_or_write(tmp_path: Path) -> None:
    out = run(["kb", "import", "missing.xlsx"], tmp_path)
    assert out.returncode == 1 and "không tìm thấy" in out.stderr
    out = run(["kb", "export", "kb.csv"], tmp_path)
    assert out.returncode == 1 and ".xlsx" in out.stderr


async def test_half_written_topic_file_changes_nothing_and_the_bot_keeps_answering(
        storage: Storage, tmp_path: Path) -> None:
    knowledge = KnowledgeService.from_directory()
    editor = KnowledgeEditor(knowledge, lambda: storage)
    await editor.sync()
    before = await storage.knowledge.live_id()
    folder = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, folder)
    topic = folder / "topics" / "khai-sinh.yaml"
    text = topic.read_text(encoding="utf-8")
    # A copy cut short in the middle of a section. (Cut between two example questions, the
    # rest is a valid, shorter topic: no validator can tell; it would be a new version.)
    cut = text.index("\n  - channel:") + len("\n  - channel:")
    topic.write_text(text[:cut], encoding="utf-8")
    with pytest.raises(TransferFailed) as info:
        await apply_import(editor, folder, author="cli:test")
    assert all(p.startswith("topics/khai-sinh.yaml: ") for p in info.value.problems)
    assert await storage.knowledge.live_id() == before
    assert knowledge.current.match("đăng ký khai sinh cho con").topic == "khai-sinh"
