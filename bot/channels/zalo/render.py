"""Reply → Zalo messages: plain text, numbered choices, chunks of at most 2,000 characters.

Zalo has no buttons, so choices are numbered lines ending with "Trả lời 1, 2 hoặc 3
để chọn." (the layout is the shared :mod:`bot.channels.plaintext` one). sendMessage
takes 1–2,000 characters; lengths are counted in UTF-16 code units, the stricter
reading (an emoji counts twice), so a chunk is never refused for being too long.
Chunks break at blank lines, then line ends, then spaces; a word longer than a whole
message (a very long link) is the only thing ever cut.
"""

from __future__ import annotations

from bot.channels.plaintext import render_plain
from handlers.messages import Reply

MAX_CHARS = 2000
SEPARATORS = ("\n\n", "\n", " ")


def choice_prompt(count: int) -> str:
    """"Trả lời 1, 2 hoặc 3 để chọn." — or "một số từ 1 đến 13" for a long menu."""
    if count <= 1:
        return "Trả lời 1 để chọn."
    if count > 3:
        return f"Trả lời một số từ 1 đến {count} để chọn."
    numbers = [str(i) for i in range(1, count + 1)]
    return f"Trả lời {', '.join(numbers[:-1])} hoặc {numbers[-1]} để chọn."


def render_text(reply: Reply) -> str:
    return render_plain(reply, prompt=choice_prompt)


def render_chunks(reply: Reply, limit: int = MAX_CHARS) -> list[str]:
    """The messages to send for ``reply``, in order; never empty strings."""
    return split_text(render_text(reply), limit)


def units(text: str) -> int:
    """Length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_CHARS) -> list[str]:
    text = text.strip()
    if not text:
        return []
    return [c for c in (chunk.strip() for chunk in _pack(text, limit, SEPARATORS)) if c]


def _pack(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if units(text) <= limit:
        return [text]
    if not separators:
        return _hard_cut(text, limit)
    sep, finer = separators[0], separators[1:]
    chunks: list[str] = []
    current = ""
    for part in text.split(sep):
        if not part.strip():
            continue
        candidate = f"{current}{sep}{part}" if current else part
        if units(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
            current = ""
        if units(part) <= limit:
            current = part
        else:
            pieces = _pack(part, limit, finer)
            chunks.extend(pieces[:-1])
            current = pieces[-1]
    if current:
        chunks.append(current)
    return chunks


def _hard_cut(text: str, limit: int) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    size = 0
    for ch in text:
        width = units(ch)
        if size + width > limit:
            out.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    if current:
        out.append("".join(current))
    return out
