"""Render a reply as plain text with numbered choices.

Used by the terminal (`citizen-bot ask`/`chat`) and by channels without buttons
(Zalo), so the numbering and layout are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.messages import Block, BlockKind, Reply

CHOICE_PROMPT = "Trả lời bằng số ({numbers}) để chọn."


def render_block(block: Block) -> str:
    label = f"{block.label}:" if block.label else ""
    if block.kind is BlockKind.TITLE:
        return block.text.upper()
    if block.kind is BlockKind.FIELD:
        return f"{label} {block.text}".strip()
    if block.kind is BlockKind.STEPS:
        body = "\n".join(f"{i}. {item}" for i, item in enumerate(block.items, 1))
        return f"{label}\n{body}".strip()
    if block.kind is BlockKind.BULLETS:
        body = "\n".join(f"• {item}" for item in block.items)
        return f"{label}\n{body}".strip()
    if block.kind is BlockKind.LINKS:
        body = "\n".join(f"• {link.url}" for link in block.links)
        return f"{label}\n{body}".strip()
    if block.kind is BlockKind.NOTE:
        return f"({block.text})"
    return block.text


def default_prompt(count: int) -> str:
    return CHOICE_PROMPT.format(numbers=", ".join(str(i) for i in range(1, count + 1)))


def render_plain(reply: Reply, *, numbered: bool = True,
                 prompt: Callable[[int], str] = default_prompt) -> str:
    """Blocks separated by blank lines, then the numbered choices and ``prompt(count)``."""
    parts = [render_block(b) for b in reply.blocks]
    if reply.choices and numbered:
        lines = [f"{i}. {c.label}" for i, c in enumerate(reply.choices, 1)]
        parts.append("\n".join(lines) + "\n" + prompt(len(reply.choices)))
    return "\n\n".join(p for p in parts if p)
