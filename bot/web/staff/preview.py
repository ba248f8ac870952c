"""What a citizen would see: the answer as Telegram and Zalo show it, and the matcher's verdict.

The preview goes through the same code as the real channels — the conversation
builds the reply, the Telegram renderer makes its HTML messages and buttons, the
Zalo renderer its numbered plain-text chunks — so what staff see is exactly
what citizens get.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import logging
import re
from collections import OrderedDict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from bot.channels.plaintext import render_plain
from handlers.conversation import Conversation
from handlers.messages import Reply
from knowledge.loader import Documents, KnowledgeBase, KnowledgeError, parse
from knowledge.matcher import Decision
from knowledge.schema import Topic
from knowledge.service import KnowledgeService, Snapshot, build_snapshot

log = logging.getLogger(__name__)
ZALO_LIMIT = 2000
DRAFT_CACHE = 2

DECISION_LABELS = {
    Decision.ANSWER.value: "Trả lời ngay",
    Decision.SUGGEST.value: "Chưa chắc — đưa ra vài chủ đề để người dân chọn",
    Decision.FALLBACK.value: "Chưa trả lời được — đưa danh mục và cách hỏi cán bộ",
    Decision.SMALLTALK.value: "Câu chào hỏi, cảm ơn — trả lời xã giao",
}


_TG_TAGS = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u", "s": "s",
            "strike": "s", "del": "s", "code": "code", "pre": "pre", "blockquote": "blockquote",
            "a": "a", "tg-spoiler": "span"}
_SAFE_HREF = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


class _TelegramHTML(HTMLParser):
    """Keep only the tags Telegram understands (links to http/https only); escape the rest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = _TG_TAGS.get(tag)
        if name is None:
            return
        if name == "a":
            href = dict(attrs).get("href") or ""
            if not _SAFE_HREF.match(href):
                self.open.append("")
                return
            self.out.append(f'<a href="{html.escape(href, quote=True)}" rel="noopener noreferrer"'
                            ' target="_blank">')
        else:
            self.out.append(f"<{name}>")
        self.open.append(name)

    def handle_endtag(self, tag: str) -> None:
        if _TG_TAGS.get(tag) is None or not self.open:
            return
        name = self.open.pop()
        if name:
            self.out.append(f"</{name}>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        self.out += [f"</{name}>" for name in reversed(self.open) if name]
        return "".join(self.out)


def telegram_safe_html(text: str) -> str:
    """Telegram message HTML reduced to its own safe tags, for showing in a page."""
    parser = _TelegramHTML()
    parser.feed(text)
    return parser.result()


def answer_reply(knowledge: KnowledgeService, kb: KnowledgeBase, topic: Topic) -> Reply:
    """The reply a citizen gets for ``topic`` (buttons included), as the bot builds it."""
    draft = dataclasses.replace(kb, topics={**kb.topics, topic.id: topic})
    return Conversation(knowledge).answer(draft, topic.id, "preview", full=True)


def telegram_view(reply: Reply) -> dict[str, Any]:
    """Telegram HTML messages and button rows (labels only)."""
    try:
        from bot.channels.telegram.render import render
    except ImportError:  # pragma: no cover - the Telegram channel is part of the package
        return {"messages": [render_plain(reply, numbered=False)], "html": False,
                "buttons": [[c.label] for c in reply.choices]}
    chunks, markup = render(reply)
    rows = [[button.text for button in row] for row in markup.inline_keyboard] if markup else []
    return {"messages": [telegram_safe_html(c) for c in chunks], "html": True, "buttons": rows}


def zalo_view(reply: Reply) -> dict[str, Any]:
    """Zalo plain-text messages (numbered choices, at most 2,000 characters each)."""
    try:
        from bot.channels.zalo.render import render_chunks
    except ImportError:  # pragma: no cover
        text = render_plain(reply)
        chunks = [text[i:i + ZALO_LIMIT] for i in range(0, len(text), ZALO_LIMIT)]
    else:
        chunks = render_chunks(reply)
    return {"messages": chunks, "html": False, "buttons": []}


def preview(knowledge: KnowledgeService, kb: KnowledgeBase, topic: Topic) -> dict[str, Any]:
    reply = answer_reply(knowledge, kb, topic)
    return {"telegram": telegram_view(reply), "zalo": zalo_view(reply)}


def verdict(snapshot: Snapshot, question: str) -> dict[str, Any]:
    """The matcher's decision and candidates for ``question``, with topic titles."""
    result = snapshot.matcher.match(question)
    topics = snapshot.kb.topics

    def title(topic_id: str | None) -> str | None:
        topic = topics.get(topic_id) if topic_id else None
        return topic.title if topic else topic_id

    return {
        "question": question,
        "decision": result.decision.value,
        "label": DECISION_LABELS.get(result.decision.value, result.decision.value),
        "topic": result.topic,
        "title": title(result.topic),
        "score": round(result.score, 3),
        "candidates": [{"topic": c.topic, "title": title(c.topic), "score": round(c.score, 3)}
                       for c in result.candidates],
    }


class DraftMatchers:
    """Matchers for unsaved drafts, so a new example question can be tried before saving.

    Building one takes a fraction of a second; the last few are kept by content hash.
    """

    def __init__(self, dictionary_dir: Path | None) -> None:
        self._dictionary_dir = dictionary_dir
        self._cache: OrderedDict[str, Snapshot] = OrderedDict()

    async def snapshot(self, documents: Documents) -> Snapshot | None:
        try:
            kb = parse(documents)
        except KnowledgeError:
            return None
        if kb.version in self._cache:
            self._cache.move_to_end(kb.version)
            return self._cache[kb.version]
        snap = await asyncio.to_thread(build_snapshot, kb, self._dictionary_dir)
        self._cache[kb.version] = snap
        while len(self._cache) > DRAFT_CACHE:
            self._cache.popitem(last=False)
        return snap
