"""`citizen-bot kb export/import`: the live knowledge in the database, as files.

Export reads the newest live version (or the starter files while the database
has none). Import is an operator action: the file is checked completely, and
only a fully valid one is stored, as a normal live version with author and
source, through :class:`~bot.editing.editor.KnowledgeEditor` like every
other edit. An invalid file changes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.editing.editor import EditRejected, KnowledgeEditor
from bot.storage import Storage
from bot.storage.engine import database_exists as url_database_exists
from knowledge.export import XLSX_SUFFIX, describe_changes, export_path, import_path
from knowledge.loader import Documents, KnowledgeError, parse, read_directory
from knowledge.service import KnowledgeService
from knowledge.workbook import SpreadsheetError

log = logging.getLogger(__name__)


class TransferFailed(Exception):
    """Nothing was written or applied; ``problems`` are ready to print, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class ImportResult:
    version: int | None  # None: the file matched the live knowledge, nothing stored
    changes: list[str]


def database_exists(settings: Settings) -> bool:
    """False only for a SQLite file not created yet (nothing stored, nothing to read)."""
    return url_database_exists(settings.effective_database_url)


async def open_storage(settings: Settings) -> Storage:
    try:
        return await Storage.open(settings)
    except Exception as exc:  # unreachable server, bad URL, failed migration...
        raise TransferFailed([f"Không mở được cơ sở dữ liệu ({type(exc).__name__}: {exc})."]
                             ) from exc


async def live_documents(settings: Settings) -> tuple[Documents, int | None]:
    """The newest live version and its id, or the starter files (id None)."""
    if await asyncio.to_thread(database_exists, settings):
        storage = await open_storage(settings)
        try:
            live = await storage.knowledge.live_id()
            found = await storage.knowledge.get(live) if live is not None else None
        finally:
            await storage.close()
        if found is not None:
            return Documents.from_json(found[1]), live
    documents, problems = await asyncio.to_thread(read_directory, settings.knowledge_dir)
    if problems:
        raise TransferFailed([str(p) for p in problems])
    return documents, None


async def export_live(settings: Settings, target: Path) -> str:
    """Write the live knowledge to ``target``; returns a line for the operator."""
    documents, version = await live_documents(settings)
    now = dt.datetime.now(ZoneInfo(settings.timezone))
    origin = f"phiên bản #{version}" if version is not None else "nội dung khởi đầu"
    try:
        written = await asyncio.to_thread(export_path, documents, target,
                                          note=f"Xuất từ {origin} lúc {now:%H:%M ngày %d/%m/%Y}.")
    except (ValueError, OSError) as exc:
        raise TransferFailed([str(exc)]) from None
    return f"Đã xuất {origin} ra {written}."


async def apply_import(editor: KnowledgeEditor, source: Path, *, author: str) -> ImportResult:
    """Check ``source`` completely, then store it as a new live version.

    Raises :class:`TransferFailed` with every problem, having stored nothing.
    """
    try:
        documents = await asyncio.to_thread(import_path, source)
    except (SpreadsheetError, KnowledgeError) as exc:
        raise TransferFailed([str(p) for p in exc.problems]) from None
    await editor.sync()  # the starter version first, so history starts there
    changes = describe_changes(editor.knowledge.current.kb.documents, documents)
    if not changes:
        return ImportResult(None, [])
    kind = "spreadsheet" if source.suffix.lower() == XLSX_SUFFIX else "cli"
    try:
        version = await editor.save(documents, author=author, source=kind,
                                    message=f"Nhập từ {source.name}")
    except EditRejected as exc:
        raise TransferFailed(exc.problems) from None
    return ImportResult(version, changes)


async def import_live(settings: Settings, source: Path, *, author: str) -> ImportResult:
    """:func:`apply_import` against the configured database."""
    if not await asyncio.to_thread(source.exists):
        raise TransferFailed([f"{source}: không tìm thấy tệp hoặc thư mục"])
    knowledge = KnowledgeService.from_directory(settings.knowledge_dir, settings.dictionary_dir)
    storage = await open_storage(settings)
    try:
        return await apply_import(KnowledgeEditor(knowledge, lambda: storage), source,
                                  author=author)
    finally:
        await storage.close()


def live_knowledge(settings: Settings) -> KnowledgeService:
    """What `serve` would answer from right now, for `ask` and `chat`.

    Falls back to the files (with a warning) when the database can't be read,
    so a question still gets an answer.
    """
    try:
        documents, version = asyncio.run(live_documents(settings))
        if version is not None:
            kb = parse(documents)
            knowledge = KnowledgeService(lambda: kb, settings.dictionary_dir,
                                         settings.knowledge_dir)
            knowledge.stored_version = version
            return knowledge
    except Exception as exc:  # database down or a bad stored version: answer from files
        log.warning("live knowledge unavailable (%s: %s); answering from %s",
                    type(exc).__name__, exc, settings.knowledge_dir)
    return KnowledgeService.from_directory(settings.knowledge_dir, settings.dictionary_dir)
