"""Checks shared by the conversation tests."""

from __future__ import annotations

from handlers import brief, texts
from handlers.messages import Reply
from knowledge.aspects import Aspect

LEAD_LABELS = {
    Aspect.FEE: {texts.LABEL_FEE}, Aspect.TIME: {texts.LABEL_TIME},
    Aspect.DOCUMENTS: {texts.LABEL_DOCUMENTS}, Aspect.WHERE: {texts.LABEL_WHERE},
    Aspect.ONLINE: {texts.ONLINE_FULL, texts.ONLINE_PARTIAL, texts.ONLINE_NONE,
                    texts.ONLINE_INFO},
    Aspect.WHO: {texts.LABEL_WHO},
}


def led_with(reply: Reply, aspect: Aspect) -> bool:
    """The block right after the title is the aspect, or says it has no checked figure."""
    if len(reply.blocks) < 2:
        return False
    lead = reply.blocks[1]
    if lead.label in LEAD_LABELS[aspect]:
        return True
    no_figure = texts.NO_FIGURE.split("{")[0]
    return lead.text.startswith(no_figure) and brief.ASPECT_WORDS[aspect] in lead.text
