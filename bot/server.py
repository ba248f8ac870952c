"""Assemble the running bot: knowledge, conversation, storage, channels, web app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette

from bot.assistant import Assistant
from bot.config import Settings
from bot.web.app import build_app
from handlers.conversation import Conversation
from knowledge.service import KnowledgeService


def create_app(settings: Settings) -> Starlette:
    """Everything shared by all requests is built here, once per process."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    knowledge = KnowledgeService.from_directory(settings.knowledge_dir, settings.dictionary_dir)
    conversation = Conversation(knowledge, max_chars=settings.max_message_chars)
    assistant = Assistant(conversation)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield

    return build_app(assistant, settings.salt(), lifespan=lifespan)
