"""What one worker process shares between requests, below the channels and the web.

:class:`Runtime` holds the collaborators (settings, live knowledge, the turn pipeline,
handoff, the knowledge editor, the database once it is reachable) and runs the
background jobs. It imports no channel and no page: channels and the staff site are
built by :mod:`bot.server` and receive what they use from here, so nothing points back
up the layers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from bot import jobs
from bot.config import Settings
from bot.editing.editor import KnowledgeEditor
from bot.outreach.consent import ConsentStep
from bot.outreach.sender import CampaignSender
from bot.ports import Channel
from bot.storage import Storage
from bot.turns.assistant import Assistant
from bot.turns.handoff import HandoffService
from bot.turns.pipeline import TurnPipeline
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
    pipeline: TurnPipeline
    handoff: HandoffService
    editor: KnowledgeEditor
    channels: dict[str, Channel] = field(default_factory=dict)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    sender: CampaignSender | None = None  # campaigns (bot.outreach), once storage is open

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        """Load the knowledge (refusing to start on problems) and wire the core."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        knowledge = KnowledgeService.from_directory(settings.knowledge_dir,
                                                    settings.dictionary_dir)
        conversation = Conversation(knowledge, max_chars=settings.max_message_chars,
                                    today=settings.today,
                                    handoff_available=bool(settings.staff_targets))
        assistant = Assistant(conversation)
        channels: dict[str, Channel] = {}

        def storage() -> Storage | None:
            return assistant.storage

        handoff = HandoffService(storage, channels, settings.staff_targets,
                                 knowledge=knowledge)
        pipeline = TurnPipeline(assistant, handoff,
                                rate_limit_per_minute=settings.rate_limit_per_minute,
                                consent=ConsentStep(storage, knowledge))
        return cls(settings, knowledge, assistant, pipeline, handoff,
                   KnowledgeEditor(knowledge, storage), channels)

    @property
    def storage(self) -> Storage | None:
        return self.assistant.storage

    def storage_source(self) -> Storage | None:
        """For collaborators built before the database is reachable."""
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
        self.sender = CampaignSender.for_runtime(self, storage)
        self.tasks.append(jobs.every(jobs.CAMPAIGNS_EVERY_S, self.sender.run_once,
                                     "campaigns"))

    async def close(self) -> None:
        await self.handoff.close()  # queued posts to staff chats go out first
        for channel in self.channels.values():
            with contextlib.suppress(Exception):
                await channel.stop()
        await jobs.cancel(self.tasks)
        if self.assistant.storage is not None:
            await self.assistant.storage.close()
            self.assistant.storage = None
