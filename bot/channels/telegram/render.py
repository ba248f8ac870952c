"""Render a channel-neutral :class:`Reply` as Telegram HTML messages and an inline keyboard.

Rules (Bot API "HTML style" and message limits):

* every dynamic string — knowledge content, staff text, anything a citizen typed — goes
  through :func:`html.escape`; the only markup is the fixed tags written here;
* a message is at most 4,096 characters counted in UTF-16 code units; we count the HTML
  itself (never less than what Telegram counts after parsing), split between blocks
  first, then between lines, then at spaces, and every piece carries its own balanced
  tags — a split can never fall inside a tag or an entity, nor inside a character
  (emoji with modifiers, flags, letters with combining accents stay whole where the
  piece allows it); markup too long to leave room for text (a link to a huge URL, a
  field with a huge label) falls back to plain lines; blank messages are never produced;
* lone UTF-16 surrogates (possible in JSON from a client) become U+FFFD, so every
  message and label encodes;
* a choice becomes a button whose ``callback_data`` is the action (shortened to fit
  64 bytes by :mod:`bot.channels.telegram.callbacks`) and whose text is one line of at
  most :data:`MAX_BUTTON_UNITS` UTF-16 units (cut with "…").
"""

from __future__ import annotations

import functools
import html
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.telegram import callbacks
from handlers.messages import Block, BlockKind, Choice, Reply

log = logging.getLogger(__name__)
MAX_MESSAGE_UNITS = 4096
# Telegram documents no limit for button text, but clients show one short line and an
# oversized keyboard is refused as a whole ("reply markup is too long"): keep labels short.
MAX_BUTTON_UNITS = 64
EMPTY_LABEL = "…"
SHORT_LABEL = 18  # two buttons of at most this many characters share a row
_SAFE_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
_SURROGATE = re.compile("[\ud800-\udfff]")
_TAG = re.compile(r"<[^>]*>")
_ZWJ = "\u200d"
# Characters that attach to the one before them: a piece never starts with one (ZWJ,
# variation selectors, skin tones, emoji tag characters, a pair's low surrogate).
_ATTACHED = re.compile("[\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
                       "\U000e0100-\U000e01ef\udc00-\udfff]")
_REGIONAL = re.compile("[\U0001f1e6-\U0001f1ff]")


def clean(text: str) -> str:
    """``text`` with lone UTF-16 surrogates replaced (U+FFFD), so it always encodes."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def esc(text: str) -> str:
    return html.escape(clean(text), quote=False)


def _attached(char: str) -> bool:
    return bool(_ATTACHED.match(char)) or unicodedata.category(char) in {"Mn", "Mc", "Me"}


def safe_cut(text: str, cut: int) -> int:
    """``cut`` moved back so that ``text[:cut]`` does not end inside a character as the
    reader sees it (emoji sequence, flag, accented letter); ``cut`` itself if no such
    boundary is left before it."""
    at = cut
    while 0 < at < len(text):
        if _attached(text[at]) or text[at - 1] == _ZWJ:
            at -= 1
            continue
        if _REGIONAL.match(text[at]) and _REGIONAL.match(text[at - 1]):
            run = at
            while run > 0 and _REGIONAL.match(text[run - 1]):
                run -= 1
            if (at - run) % 2:  # the flag's first half is before the cut
                at -= 1
                continue
        break
    return at if at > 0 else cut


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # exactly Unicode category Cc


def button_label(label: str) -> str:
    """One line of at most :data:`MAX_BUTTON_UNITS` UTF-16 units, never empty."""
    text = " ".join(_CONTROL.sub(" ", clean(label)).split())
    if not text:
        return EMPTY_LABEL
    if utf16_len(text) <= MAX_BUTTON_UNITS:
        return text
    cut = MAX_BUTTON_UNITS - 1
    while utf16_len(text[:cut]) > MAX_BUTTON_UNITS - 1:
        cut -= 1
    return text[:safe_cut(text, cut)].rstrip() + EMPTY_LABEL


def _blank(chunk: str) -> bool:
    return not html.unescape(_TAG.sub("", chunk)).strip()


@dataclass(frozen=True)
class Line:
    """One line of output: fixed (already safe) markup around escaped plain text.

    ``fallback``: plain lines saying the same, for when the markup itself (a link's
    address, a field's label) is too long to leave room for the text.
    """

    plain: str
    before: str = ""
    after: str = ""
    fallback: tuple[Line, ...] = ()

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
        if not block.label:
            return [Line(block.text)]
        return [Line(block.text, f"<b>{esc(block.label)}:</b> ", fallback=(
            Line(f"{block.label}:", "<b>", "</b>"), Line(block.text)))]
    if kind is BlockKind.LINKS:
        lines = _label_line(block.label)
        for link in block.links:
            as_text = Line(f"{link.label}: {link.url}" if link.label else link.url, "• ")
            if _SAFE_URL.match(link.url):
                href = html.escape(clean(link.url), quote=True)
                lines.append(Line(link.label or link.url, f'• <a href="{href}">', "</a>",
                                  fallback=(as_text,)))
            else:
                lines.append(as_text)
        return lines
    if kind is BlockKind.NOTE:
        return [Line(part, "<i>", "</i>") for part in block.text.split("\n")]
    return [Line(part) for part in block.text.split("\n")]


def _split_plain(line: Line, limit: int) -> list[str]:
    """Pieces of one over-long line, each a complete HTML fragment within ``limit``."""
    budget = limit - utf16_len(line.before) - utf16_len(line.after)
    if budget < max(16, limit // 2) and line.fallback:
        return [piece for sub in line.fallback for piece in (
            [sub.html()] if utf16_len(sub.html()) <= limit else _split_plain(sub, limit))]
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
        space = max(rest.rfind("\n", 0, lo), rest.rfind(" ", 0, lo))
        cut = space + 1 if space > lo // 2 else safe_cut(rest, lo)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [line.html(piece) for piece in pieces if piece]


def chunk_blocks(blocks: Sequence[Block], limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """HTML messages for ``blocks``: whole blocks where possible, never over ``limit``."""
    chunks: list[str] = []
    current = ""
    units = 0  # utf16_len(current), kept as it grows

    def append(piece: str, sep: str) -> bool:
        nonlocal current, units
        size = units + len(sep) + utf16_len(piece) if current else utf16_len(piece)
        if size > limit:
            return False
        current = f"{current}{sep}{piece}" if current else piece
        units = size
        return True

    for block in blocks:
        lines = block_lines(block)
        if not lines:
            continue
        whole = "\n".join(line.html() for line in lines)
        if _blank(whole):  # nothing to read (Telegram refuses an empty message)
            continue
        if append(whole, "\n\n"):
            continue
        if utf16_len(whole) <= limit:  # start a new message rather than split a block
            chunks.append(current)
            current, units = whole, utf16_len(whole)
            continue
        sep = "\n\n"
        for line in lines:
            rendered = line.html()
            pieces = [rendered] if utf16_len(rendered) <= limit else _split_plain(line, limit)
            for piece in pieces:
                if not append(piece, sep):
                    if current:
                        chunks.append(current)
                    current, units = piece, utf16_len(piece)
                sep = "\n"
    if current:
        chunks.append(current)
    return [chunk for chunk in chunks if not _blank(chunk)]


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
        label = button_label(choice.label)
        button = InlineKeyboardButton(label, callback_data=data)
        short = len(label) <= SHORT_LABEL or choice.action.startswith(("fb:", "fu:"))
        if short and pair_open and len(rows[-1]) == 1:
            rows[-1].append(button)
            pair_open = False
            continue
        rows.append([button])
        pair_open = short
    return InlineKeyboardMarkup(rows) if rows else None


@functools.lru_cache(maxsize=1024)
def _chunks(blocks: tuple[Block, ...], limit: int) -> tuple[str, ...]:
    """The same answer (a topic, the menu) is rendered once: blocks are immutable and
    carry no per-message detail (that is in the buttons, rendered every time)."""
    return tuple(chunk_blocks(blocks, limit))


def render(reply: Reply, limit: int = MAX_MESSAGE_UNITS,
           ) -> tuple[list[str], InlineKeyboardMarkup | None]:
    """The messages of a reply (the keyboard goes on the last one)."""
    chunks = list(_chunks(tuple(reply.blocks), limit))
    markup = keyboard(reply.choices)
    if not chunks and markup is not None:
        chunks = ["📋"]
    return chunks, markup
