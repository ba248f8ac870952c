"""Replies as JSON for the web chat page (the page renders with textContent only)."""

from __future__ import annotations

from typing import Any

from handlers.messages import Reply


def reply_to_json(reply: Reply) -> dict[str, Any]:
    return {
        "kind": reply.kind.value,
        "topic": reply.topic_id,
        "blocks": [
            {
                "kind": b.kind.value,
                "text": b.text,
                "label": b.label,
                "items": list(b.items),
                "links": [{"label": link.label, "url": link.url} for link in b.links],
            }
            for b in reply.blocks
        ],
        "choices": [{"label": c.label, "action": c.action} for c in reply.choices],
    }
