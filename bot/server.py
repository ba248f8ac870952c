"""Assemble the running bot: knowledge, conversation, storage, channels, web app.

Start-up order matters: the knowledge base must load (or the process refuses
to start with the list of problems); the database may be down, in which case
the bot still answers from its in-memory knowledge and keeps trying to connect.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from bot import jobs
from bot.assistant import Assistant
from bot.channels.base import Channel
from bot.config import Settings
from bot.handoff import HandoffService
from bot.knowledge_editor import KnowledgeEditor
from bot.storage import Storage
from bot.web.app import build_app
from bot.web.flood import WebFloodLimit
from handlers.conversation import Conversation
from knowledge.service import KnowledgeService

log = logging.getLogger(__name__)
STORAGE_RETRY_S = 15


@dataclass
class Runtime:
    """Everything one worker process shares between requests."""

    settings: Settings
    knowledge: KnowledgeService
    assistant: Assistant
    channels: dict[str, Channel] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    handoff: HandoffService | None = None  # "Hỏi cán bộ" for every channel (bot/handoff.py)
    editor: KnowledgeEditor = field(init=False)

    def __post_init__(self) -> None:
        self.editor = KnowledgeEditor(self.knowledge, lambda: self.assistant.storage)

    @property
    def storage(self) -> Storage | None:
        return self.assistant.storage

    async def open_storage(self) -> None:
        """Connect, retrying in the background while the database is unreachable."""
        while self.assistant.storage is None:
            try:
                self.assistant.storage = await Storage.open(self.settings)
            except Exception as exc:
                log.error("database unavailable (%s); answering without the demand log, "
                          "retrying in %d s", type(exc).__name__, STORAGE_RETRY_S)
                await asyncio.sleep(STORAGE_RETRY_S)
        self._start_jobs(self.assistant.storage)

    def _start_jobs(self, storage: Storage) -> None:
        settings = self.settings
        self.tasks.append(jobs.every(settings.knowledge_poll_seconds, self.editor.sync,
                                     "knowledge-sync"))
        self.tasks.append(jobs.every(
            jobs.RETENTION_EVERY_S, lambda: jobs.run_retention(storage, settings.retention_days),
            "retention"))
        self.tasks.append(jobs.every(jobs.HOUSEKEEPING_EVERY_S,
                                     lambda: jobs.housekeeping(storage), "housekeeping"))
        self.tasks.append(jobs.every(
            jobs.FOLLOWUPS_EVERY_S,
            lambda: jobs.send_due_followups(storage, self.channels, self.knowledge),
            "followups"))

    async def close(self) -> None:
        for channel in self.channels.values():
            with contextlib.suppress(Exception):
                await channel.stop()
        await jobs.cancel(self.tasks)
        if self.assistant.storage is not None:
            await self.assistant.storage.close()
            self.assistant.storage = None


def build_runtime(settings: Settings) -> Runtime:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    knowledge = KnowledgeService.from_directory(settings.knowledge_dir, settings.dictionary_dir)
    conversation = Conversation(knowledge, max_chars=settings.max_message_chars,
                                handoff_available=bool(settings.staff_targets))
    runtime = Runtime(settings, knowledge, Assistant(conversation))
    runtime.handoff = HandoffService(lambda: runtime.storage, runtime.channels,
                                     settings.staff_targets, knowledge=knowledge)
    if settings.telegram_bot_token is not None:  # Telegram (bot/channels/telegram)
        from bot.channels.telegram import TelegramChannel

        runtime.channels["telegram"] = TelegramChannel(runtime)
    if settings.zalo_bot_token is not None:  # Zalo (bot/channels/zalo); refuses bad config
        from bot.channels import zalo

        if zalo.zalo_enabled(settings):
            runtime.channels["zalo"] = zalo.build_channel(
                settings, runtime.assistant, handoff=lambda: runtime.handoff)
    return runtime


def create_app(settings: Settings, runtime: Runtime | None = None) -> Starlette:
    """Everything shared by all requests is built here, once per process."""
    runtime = runtime or build_runtime(settings)
    routes: list[BaseRoute] = []
    for channel in runtime.channels.values():
        routes += channel.routes()
    from bot.web.staff import staff_routes  # the staff workspace under /staff

    routes += staff_routes(runtime)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        connect = asyncio.create_task(runtime.open_storage(), name="storage")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(connect), timeout=10)
        for channel in runtime.channels.values():
            await channel.start()
        # Everything built so far (the knowledge index, libraries) lives as long as the
        # process: take it out of the collector's sight, so a full collection pauses
        # the loop for ~15 ms instead of ~130 ms (measured with bench/throughput.py).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            connect.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connect
            await runtime.close()

    flood = WebFloodLimit(settings.rate_limit_per_minute, settings.staff_behind_proxy)
    app = build_app(runtime.assistant, settings.salt(), lifespan=lifespan, extra_routes=routes,
                    flood=flood)
    app.state.runtime = runtime
    return app


def app_factory() -> Starlette:
    """Entry point for ``uvicorn --factory`` in each worker process."""
    from bot.config import get_settings

    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s")
    return create_app(settings)
