"""Build the blocks of an answer from a topic and the commune profile.

Only facts present in the knowledge base are shown; an empty commune field is
left out rather than replaced by a guess.
"""

from __future__ import annotations

from urllib.parse import urlparse

from handlers import texts
from handlers.messages import Block, BlockKind, Link
from knowledge.schema import Channel, CommuneProfile, Place, Topic

CHANNEL_ICONS = {
    Channel.VNEID: "📱",
    Channel.NATIONAL_PORTAL: "🌐",
    Channel.PROVINCIAL_PORTAL: "🌐",
    Channel.APP: "📲",
    Channel.COMMUNE_CENTRE: "🏢",
    Channel.POLICE: "👮",
    Channel.OTHER: "📍",
}


def topic_blocks(topic: Topic, commune: CommuneProfile) -> tuple[Block, ...]:
    """The full answer: online paths first, then documents, fee, time and sources."""
    blocks = [
        Block(BlockKind.TITLE, text=topic.title),
        Block(BlockKind.PARAGRAPH, text=topic.summary),
        Block(BlockKind.BULLETS, label=texts.LABEL_WHERE,
              items=tuple(_place_line(p, commune) for p in topic.where)),
        Block(BlockKind.STEPS, label=texts.LABEL_STEPS, items=tuple(topic.steps)),
    ]
    if topic.documents:
        blocks.append(Block(BlockKind.BULLETS, label=texts.LABEL_DOCUMENTS,
                            items=tuple(topic.documents)))
    blocks += [
        Block(BlockKind.FIELD, label=texts.LABEL_FEE, text=topic.fee),
        Block(BlockKind.FIELD, label=texts.LABEL_TIME, text=topic.processing_time),
    ]
    notes = list(topic.notes) + [f"{texts.CHECK_LOCALLY}: {c}" for c in topic.check_locally]
    if notes:
        blocks.append(Block(BlockKind.BULLETS, label=texts.LABEL_NOTES, items=tuple(notes)))
    blocks.append(Block(BlockKind.FIELD, label=texts.LABEL_LEGAL,
                        text="; ".join(topic.legal_basis)))
    links = _links(topic)
    if links:
        blocks.append(Block(BlockKind.LINKS, label=texts.LABEL_SOURCES, links=links))
    blocks.append(Block(BlockKind.NOTE, text=texts.REVIEWED_NOTE.format(
        date=topic.reviewed.strftime("%d/%m/%Y"))))
    return tuple(blocks)


def _place_line(place: Place, commune: CommuneProfile) -> str:
    line = f"{CHANNEL_ICONS[place.channel]} {place.name}"
    if place.note:
        line += f" — {place.note}"
    if place.url:
        line += f": {place.url}"
    if place.channel is Channel.COMMUNE_CENTRE:
        details = [commune.centre_address, commune.opening_hours, commune.hotline]
        extra = "; ".join(d for d in details if d)
        if extra:
            line += f" ({extra})"
    return line


def _links(topic: Topic) -> tuple[Link, ...]:
    seen: set[str] = set()
    links: list[Link] = []
    for url in [str(p.url) for p in topic.where if p.url] + [str(u) for u in topic.sources]:
        if url in seen:
            continue
        seen.add(url)
        links.append(Link(label=urlparse(url).hostname or url, url=url))
    return tuple(links)


def contact_blocks(commune: CommuneProfile) -> tuple[Block, ...]:
    """How to reach the commune centre, with only the details that are known."""
    centre = commune.centre_name or f"Trung tâm Phục vụ hành chính công xã {commune.name}"
    fields = [
        (texts.LABEL_ADDRESS, commune.centre_address),
        (texts.LABEL_HOURS, commune.opening_hours),
        (texts.LABEL_HOTLINE, commune.hotline),
        (texts.LABEL_EMAIL, commune.email),
        (texts.LABEL_WEBSITE, str(commune.website) if commune.website else ""),
        (texts.LABEL_POLICE, " — ".join(x for x in (commune.police_post,
                                                      commune.police_phone) if x)),
    ]
    known = [Block(BlockKind.FIELD, label=label, text=value) for label, value in fields if value]
    blocks = [Block(BlockKind.TITLE, text=f"{texts.CONTACT_TITLE}: {centre}")]
    if known:
        blocks += known
    else:
        blocks.append(Block(BlockKind.PARAGRAPH, text=texts.CONTACT_UNKNOWN.format(centre=centre)))
    blocks += [Block(BlockKind.NOTE, text=n) for n in commune.notes]
    return tuple(blocks)
