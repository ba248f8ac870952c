"""Render a channel-neutral :class:`Reply` as Telegram HTML messages and an inline keyboard.

Rules (Bot API "HTML style" and message limits):

* every dynamic string — knowledge content, staff text, anything a citizen typed — goes
  through :func:`html.escape`; the only markup is the fixed tags written here;
* a message is at most 4,096 characters counted in UTF-16 code units; we count the HTML
  itself (never less than what Telegram counts after parsing), split between blocks
  first, then between lines, then at spaces, and every piece carries its own balanced
  tags — a split can never fall inside a tag or an entity;
* a choice becomes a button whose ``callback_data`` is the action (shortened to fit
  64 bytes by :mod:`bot.channels.telegram.callbacks`).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.telegram import callbacks
from handlers.messages import Block, BlockKind, Choice, Reply

log = logging.getLogger(__name__)
MAX_MESSAGE_UNITS = 4096
SHORT_LABEL = 18  # two buttons of at most this many characters share a row
_SAFE_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def esc(text: str) -> str:
    return html.escape(text, quote=False)


@dataclass(frozen=True)
class Line:
    """One line of output: fixed (already safe) markup around escaped plain text."""

    plain: str
    before: str = ""
    after: str = ""

    def html(self, plain: str | None = None) -> str:
        return f"{self.before}{esc(self.plain if plain is None else plain)}{self.after}"


def _label_line(label: str) -> list[Line]:
    return [Line(f"{label}:", "<b>", "</b>")] if label else []


def block_lines(block: Block) -> list[Line]:
    kind = block.kind
    if kind is BlockKind.TITLE:
        return [Line(block.text, "<b>", "</b>")]
    if kind is BlockKind.STEPS:
        return _label_line(block.label) + [
            Line(item, f"{i}. ") for i, item in enumerate(block.items, 1)]
    if kind is BlockKind.BULLETS:
        return _label_line(block.label) + [Line(item, "• ") for item in block.items]
    if kind is BlockKind.FIELD:
        before = f"<b>{esc(block.label)}:</b> " if block.label else ""
        return [Line(block.text, before)]
    if kind is BlockKind.LINKS:
        lines = _label_line(block.label)
        for link in block.links:
            if _SAFE_URL.match(link.url):
                href = html.escape(link.url, quote=True)
                lines.append(Line(link.label or link.url, f'• <a href="{href}">', "</a>"))
            else:
                lines.append(Line(f"{link.label}: {link.url}", "• "))
        return lines
    if kind is BlockKind.NOTE:
        return [Line(part, "<i>", "</i>") for part in block.text.split("\n")]
    return [Line(part) for part in block.text.split("\n")]


def _split_plain(line: Line, limit: int) -> list[str]:
    """Pieces of one over-long line, each a complete HTML fragment within ``limit``."""
    budget = limit - utf16_len(line.before) - utf16_len(line.after)
    if budget < 16:
        raise ValueError("markup leaves no room for text")
    pieces: list[str] = []
    rest = line.plain
    while rest:
        if utf16_len(esc(rest)) <= budget:
            pieces.append(rest)
            break
        lo, hi = 1, len(rest)  # longest prefix whose escaped form fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if utf16_len(esc(rest[:mid])) <= budget:
                lo = mid
            else:
                hi = mid - 1
        cut = lo
        space = max(rest.rfind("\n", 0, cut), rest.rfind(" ", 0, cut))
        if space > cut // 2:
            cut = space + 1
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [line.html(piece) for piece in pieces if piece]


def chunk_blocks(blocks: Sequence[Block], limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """HTML messages for ``blocks``: whole blocks where possible, never over ``limit``."""
    chunks: list[str] = []
    current = ""

    def append(piece: str, sep: str) -> bool:
        nonlocal current
        candidate = f"{current}{sep}{piece}" if current else piece
        if utf16_len(candidate) > limit:
            return False
        current = candidate
        return True

    for block in blocks:
        lines = block_lines(block)
        if not lines:
            continue
        whole = "\n".join(line.html() for line in lines)
        if append(whole, "\n\n"):
            continue
        if utf16_len(whole) <= limit:  # start a new message rather than split a block
            chunks.append(current)
            current = whole
            continue
        sep = "\n\n"
        for line in lines:
            rendered = line.html()
            pieces = [rendered] if utf16_len(rendered) <= limit else _split_plain(line, limit)
            for piece in pieces:
                if not append(piece, sep):
                    if current:
                        chunks.append(current)
                    current = piece
                sep = "\n"
    if current:
        chunks.append(current)
    return chunks


def plain_chunks(text: str, limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """Arbitrary text (a report, a staff message) as escaped HTML messages."""
    blocks = [Block(BlockKind.PARAGRAPH, text=part) for part in re.split(r"\n\s*\n", text)]
    return chunk_blocks([b for b in blocks if b.text.strip()], limit)


def keyboard(choices: Iterable[Choice]) -> InlineKeyboardMarkup | None:
    """Buttons in rows: feedback side by side, short labels in pairs, long ones alone."""
    rows: list[list[InlineKeyboardButton]] = []
    pair_open = False
    for choice in choices:
        data = callbacks.encode(choice.action)
        if data is None:
            log.warning("button dropped: action does not fit in callback data")
            continue
        button = InlineKeyboardButton(choice.label, callback_data=data)
        short = len(choice.label) <= SHORT_LABEL or choice.action.startswith(("fb:", "fu:"))
        if short and pair_open and len(rows[-1]) == 1:
            rows[-1].append(button)
            pair_open = False
            continue
        rows.append([button])
        pair_open = short
    return InlineKeyboardMarkup(rows) if rows else None


def render(reply: Reply, limit: int = MAX_MESSAGE_UNITS,
           ) -> tuple[list[str], InlineKeyboardMarkup | None]:
    """The messages of a reply (the keyboard goes on the last one)."""
    chunks = chunk_blocks(reply.blocks, limit)
    markup = keyboard(reply.choices)
    if not chunks and markup is not None:
        chunks = ["📋"]
    return chunks, markup
