"""Build the blocks of an answer from a topic and the commune profile.

Only facts present in the knowledge base are shown; an empty commune field is
left out rather than replaced by a guess.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from handlers import texts
from handlers.messages import Block, BlockKind, Link
from knowledge.schema import Channel, CommuneProfile, DatedField, Place, Topic
from knowledge.validity import AsOf, as_of, unverified_fields

MAX_LINKS = 2
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_today() -> dt.date:
    """Today in Vietnam: a fee that ends on 31/12 ends at Vietnamese midnight."""
    return dt.datetime.now(LOCAL_TZ).date()

CHANNEL_ICONS = {
    Channel.VNEID: "📱",
    Channel.NATIONAL_PORTAL: "🌐",
    Channel.PROVINCIAL_PORTAL: "🌐",
    Channel.APP: "📲",
    Channel.COMMUNE_CENTRE: "🏢",
    Channel.POLICE: "👮",
    Channel.OTHER: "📍",
}


def topic_blocks(topic: Topic, commune: CommuneProfile, today: dt.date, *,
                 full: bool = False) -> tuple[Block, ...]:
    """The answer as it holds on ``today``: online paths first, then documents, fee, time.

    ``today`` is required (no hidden clock): a fee cut that ended yesterday
    must not be quoted, and a rule that starts tomorrow must not be shown yet.
    A short answer carries at most ``MAX_LINKS`` source links; ``full`` all of them.
    """
    resolved = as_of(topic, today)
    if resolved.starts or resolved.ended:
        return _out_of_force(resolved)
    topic = resolved.topic
    blocks = [
        Block(BlockKind.TITLE, text=topic.title),
        Block(BlockKind.PARAGRAPH, text=_single(resolved, DatedField.SUMMARY)),
        Block(BlockKind.BULLETS, label=texts.LABEL_WHERE,
              items=tuple(_place_line(p, commune) for p in topic.where)),
        Block(BlockKind.STEPS, label=texts.LABEL_STEPS, items=tuple(topic.steps)),
    ]
    if topic.documents:
        blocks.append(Block(BlockKind.BULLETS, label=texts.LABEL_DOCUMENTS,
                            items=tuple(topic.documents)))
    blocks += [
        Block(BlockKind.FIELD, label=texts.LABEL_FEE, text=_single(resolved, DatedField.FEE)),
        Block(BlockKind.FIELD, label=texts.LABEL_TIME,
              text=_single(resolved, DatedField.PROCESSING_TIME)),
    ]
    if topic.notes:
        blocks.append(Block(BlockKind.BULLETS, label=texts.LABEL_NOTES, items=tuple(topic.notes)))
    confirm = confirm_line(topic)
    if confirm:
        blocks.append(Block(BlockKind.PARAGRAPH, text=confirm))
    blocks.append(Block(BlockKind.FIELD, label=texts.LABEL_LEGAL,
                        text="; ".join(topic.legal_basis)))
    links = _links(topic)
    shown = links if full else links[:MAX_LINKS]
    if shown:
        blocks.append(Block(BlockKind.LINKS, label=texts.LABEL_SOURCES, links=shown))
    blocks.append(Block(BlockKind.NOTE, text=review_note(topic)))
    return explain_terms(blocks)


def as_shown(topic: Topic, today: dt.date) -> Topic | None:
    """The entry as a citizen reads it on ``today``, for the short answers.

    Dated texts are resolved, and a figure with nothing holding that day reads "ask
    before you file"; None when the entry as a whole is not in force (the full answer
    says why).
    """
    resolved = as_of(topic, today)
    if resolved.starts or resolved.ended:
        return None
    if not resolved.ask:
        return resolved.topic
    return resolved.topic.model_copy(update={
        field.value: texts.ASK_BEFORE_FILING[field.value] for field in resolved.ask})


# Built once: every answer is glossed, and the glossary is fixed wording (handlers/texts.py).
_GLOSS_PATTERNS = {term: re.compile(rf"(?<![\w(]){re.escape(term)}(?![\w)])(?! \()")
                   for term in texts.GLOSSARY}


def explain_terms(blocks: list[Block]) -> tuple[Block, ...]:
    """Gloss each technical word (NFC, passcode, mức 2…) where the answer first uses it.

    Done here rather than in the content so every entry, including ones staff
    add later, explains the same words the same way; a word already followed
    or preceded by a bracket is taken as explained by the writer.
    """
    pending = dict(texts.GLOSSARY)

    def gloss(text: str) -> str:
        for term in list(pending):
            if term not in text:  # the pattern needs the term itself: no search needed
                continue
            pattern = _GLOSS_PATTERNS[term]
            if pattern.search(text):
                text = pattern.sub(f"{term} ({pending.pop(term)})", text, count=1)
            elif term in text:
                pending.pop(term)  # explained by the writer where it first appears
        return text

    out = []
    for block in blocks:
        if block.kind in {BlockKind.LINKS, BlockKind.NOTE, BlockKind.TITLE}:
            out.append(block)
            continue
        text = gloss(block.text) if block.text else block.text
        out.append(dataclasses.replace(block, text=text,
                                       items=tuple(gloss(i) for i in block.items)))
    return tuple(out)


def _single(resolved: AsOf, field: DatedField) -> str:
    if field in resolved.ask:
        return texts.ASK_BEFORE_FILING[field.value]
    return str(getattr(resolved.topic, field.value))


def _out_of_force(resolved: AsOf) -> tuple[Block, ...]:
    if resolved.starts:
        text = texts.NOT_YET_IN_FORCE.format(date=resolved.starts.strftime("%d/%m/%Y"))
    else:
        assert resolved.ended is not None
        text = texts.NO_LONGER_IN_FORCE.format(date=resolved.ended.strftime("%d/%m/%Y"))
    return (Block(BlockKind.TITLE, text=resolved.topic.title),
            Block(BlockKind.PARAGRAPH, text=text))


def confirm_line(topic: Topic) -> str:
    """One plain line naming what to confirm at the commune, from the open staff checks."""
    things = [texts.CONFIRM_THINGS[f.value] for f in unverified_fields(topic)]
    if not things:
        return ""
    named = things[0] if len(things) == 1 else f"{', '.join(things[:-1])} và {things[-1]}"
    return texts.CONFIRM_AT_COMMUNE.format(things=named)


def review_note(topic: Topic) -> str:
    """Who checked the entry and when — a staff review only if one happened."""
    if topic.reviewed_on:
        checked = texts.REVIEWED_BY_STAFF.format(date=topic.reviewed_on.strftime("%d/%m/%Y"))
    else:  # the schema requires one of the two
        year, _, month = (topic.sources_checked or "").partition("-")
        checked = texts.SOURCES_CHECKED.format(month=f"{month}/{year}")
    return f"{checked} {texts.MAY_CHANGE}"


def _place_line(place: Place, commune: CommuneProfile) -> str:
    line = f"{CHANNEL_ICONS[place.channel]} {place.name}"
    if place.channel is Channel.PROVINCIAL_PORTAL and commune.province:
        line += f" ({texts.PROVINCE_OF.format(province=commune.province)})"
    if place.note:
        line += f" — {place.note}"
    url = place.url or (commune.provincial_portal_url
                        if place.channel is Channel.PROVINCIAL_PORTAL else None)
    if url:
        line += f": {url}"
    details: list[str] = []
    if place.channel is Channel.COMMUNE_CENTRE:
        details = [commune.centre_address, commune.opening_hours, commune.hotline]
    elif place.channel is Channel.POLICE:  # "Công an cấp xã" → the commune's own post
        details = [commune.police_post, commune.police_phone]
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


def no_staff_blocks(commune: CommuneProfile) -> tuple[Block, ...]:
    """"Hỏi cán bộ" when no staff member can answer by message.

    With a phone or e-mail the citizen gets the contact card. Without one, a card
    titled "Liên hệ" with nothing to call would be a dead end, so the reply says so
    plainly and gives what is known: go to the commune centre (its address and
    hours once the commune has entered them).
    """
    if commune.hotline or commune.email:
        return (Block(BlockKind.PARAGRAPH, text=texts.HANDOFF_NO_STAFF),
                *contact_blocks(commune))
    address = (texts.HANDOFF_VISIT_ADDRESS.format(address=commune.centre_address)
               if commune.centre_address else "")
    hours = (texts.HANDOFF_VISIT_HOURS.format(hours=commune.opening_hours)
             if commune.opening_hours else texts.HANDOFF_VISIT_NO_HOURS)
    visit = texts.HANDOFF_VISIT.format(centre=_centre(commune), address=address, hours=hours)
    return (Block(BlockKind.PARAGRAPH, text=texts.HANDOFF_NOBODY),
            Block(BlockKind.PARAGRAPH, text=visit),
            Block(BlockKind.NOTE, text=texts.HANDOFF_KEEP_ASKING))


def _centre(commune: CommuneProfile) -> str:
    return commune.centre_name or f"Trung tâm Phục vụ hành chính công xã {commune.name}"


def contact_blocks(commune: CommuneProfile) -> tuple[Block, ...]:
    """How to reach the commune centre, with only the details that are known."""
    centre = _centre(commune)
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
