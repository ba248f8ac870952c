"""Short answers: lead with what was asked, keep the rest one tap away.

A whole entry is four phone screens; most citizens ask one thing ("hết bao
nhiêu tiền", "mất bao lâu"). These builders take only the entry's own fields
(never a guess) and return the blocks and choices for:

* an answer that leads with the asked aspects, legal basis in small print,
  then "Xem đủ các bước" (``full:<topic>``);
* a short "how do I…" answer (summary, steps) with the rest behind choices
  (``part:<part>:<topic>`` — the topic last, as Telegram's callback shortening
  expects);
* one such part on its own.

Where a field says itself that it has no checked figure, the reply shows that
one line and names the commune centre to ask; where the entry has nothing at all
for the aspect, it says so in one line. Never the whole entry instead.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

from handlers import texts
from handlers.messages import Block, BlockKind, Choice, Reply
from handlers.render import review_note
from knowledge.aspects import Aspect, folded_words, unverified
from knowledge.schema import Channel, CommuneProfile, OnlineLevel, Place, Topic, VerifyField
from knowledge.validity import unverified_fields

SUMMARY_WORDS = 40
MAX_DOCUMENTS = 6
MAX_LEGAL = 2
MAX_WHO_LINES = 4
MAX_RULE_LINES = 3
# Parts of an entry a citizen can open from a short answer; aspects are parts too.
LEGAL = "legal"
PARTS = frozenset({*(a.value for a in Aspect), LEGAL})

_ICONS = {
    Channel.VNEID: "📱", Channel.NATIONAL_PORTAL: "🌐", Channel.PROVINCIAL_PORTAL: "🌐",
    Channel.APP: "📲", Channel.COMMUNE_CENTRE: "🏢", Channel.POLICE: "👮", Channel.OTHER: "📍",
}
ASPECT_WORDS = {
    Aspect.FEE: "lệ phí", Aspect.TIME: "thời gian giải quyết", Aspect.DOCUMENTS: "giấy tờ",
    Aspect.WHERE: "nơi làm", Aspect.ONLINE: "cách làm trực tuyến",
    Aspect.WHO: "ai được làm, làm thay",
    Aspect.RULES: "việc bắt buộc, trễ hạn",
}
# Sentences about who may file or act for someone else.
_WHO = re.compile(
    r"\b(?:uy quyen|dai dien|lam thay|nop thay|nho nguoi|nguoi than|giam ho|cha me|cha, me|"
    r"bo me|tu \d+ tuoi|duoi \d+ tuoi|du \d+ tuoi|doi tuong|dieu kien|nguoi yeu cau|"
    r"nguoi di (?:dang ky|lam|nop)|chu ho|thanh vien|gia yeu|om dau|tan nha|nguoi khac)\b")


_LEAD_LABELS = {
    Aspect.FEE: {texts.LABEL_FEE}, Aspect.TIME: {texts.LABEL_TIME},
    Aspect.DOCUMENTS: {texts.LABEL_DOCUMENTS}, Aspect.WHERE: {texts.LABEL_WHERE},
    Aspect.ONLINE: {texts.ONLINE_FULL, texts.ONLINE_PARTIAL, texts.ONLINE_NONE,
                    texts.ONLINE_INFO},
    Aspect.WHO: {texts.LABEL_WHO},
    Aspect.RULES: {texts.LABEL_RULES},
}

# A step that states who qualifies ("Kiểm tra điều kiện", "từ đủ 75 tuổi").
_CONDITION = re.compile(r"\b(?:dieu kien|tu du \d+|du \d+ tuoi|doi tuong|khong thuoc dien)\b")


def leads_with(reply: Reply, aspect: Aspect) -> bool:
    """The block right after the title is ``aspect``, or says the entry lacks it
    (tests and ``bench/conversations.py`` judge replies with it)."""
    if len(reply.blocks) < 2:
        return False
    lead = reply.blocks[1]
    if lead.label in _LEAD_LABELS[aspect]:
        return True
    no_figure = texts.NO_FIGURE.split("{")[0]
    return lead.text.startswith(no_figure) and ASPECT_WORDS[aspect] in lead.text


def full_choice(topic_id: str) -> Choice:
    return Choice(texts.BUTTON_FULL, f"full:{topic_id}")


def part_choices(topic: Topic) -> tuple[Choice, ...]:
    """What a short answer leaves behind a tap."""
    choices = []
    if topic.documents:
        choices.append(Choice(texts.BUTTON_PART_DOCUMENTS, f"part:{Aspect.DOCUMENTS}:{topic.id}"))
    choices += [Choice(texts.BUTTON_PART_FEE, f"part:{Aspect.FEE}:{topic.id}"),
                Choice(texts.BUTTON_PART_LEGAL, f"part:{LEGAL}:{topic.id}")]
    return tuple(choices)


def short_blocks(topic: Topic) -> tuple[Block, ...]:
    """A plain "how do I…": the gist and the steps."""
    return (
        Block(BlockKind.TITLE, text=topic.title),
        Block(BlockKind.PARAGRAPH, text=shorten(topic.summary, SUMMARY_WORDS)),
        Block(BlockKind.STEPS, label=texts.LABEL_STEPS, items=tuple(topic.steps)),
    )


def _not_again(lines: list[Block], shown: list[Block], topic: Topic) -> list[Block]:
    """"Where" and "online" both list places: asked together ("ra công an xã hay làm trên
    điện thoại được"), the second leaves out the places the first showed — the "online"
    part keeps its one-line verdict, the "where" part goes if nothing is left."""
    seen = {item for block in shown for item in block.items}
    out = []
    for block in lines:
        items = tuple(i for i in block.items if i not in seen)
        if not block.items or items == block.items:
            out.append(block)
        elif items:
            out.append(replace(block, items=items))
        elif block.label in _LEAD_LABELS[Aspect.ONLINE]:
            out.append(Block(BlockKind.PARAGRAPH, text=texts.ONLINE_VERDICT[topic.online]))
    return out


def answerable(topic: Topic, aspects: tuple[Aspect, ...]) -> tuple[Aspect, ...]:
    """The aspects to lead with. "Must I / what if I am late" is left out when the entry
    states no rule: "bán tạp hóa nhỏ có bắt buộc đăng ký không" is then best answered by the
    gist and the steps, not by a line saying the rule is unknown."""
    if Aspect.RULES in aspects and not _rules(topic):
        return tuple(a for a in aspects if a is not Aspect.RULES)
    return aspects


def aspect_blocks(topic: Topic, aspects: tuple[Aspect, ...], commune: CommuneProfile,
                  focus: tuple[str, ...] = ()) -> tuple[Block, ...]:
    """The asked aspects first (in the order asked), then the legal basis in small print.

    ``focus``: the message's own words (``aspects.focus_words``): of the entry's lines
    about who and about rules, those that name what it asks about come first ("có được
    tiền mai táng không" → the funeral allowance; "chủ nhà có phải ký không" → what the
    landlord provides)."""
    blocks: list[Block] = [Block(BlockKind.TITLE, text=topic.title)]
    missing: list[Aspect] = []
    unchecked = False
    for aspect in aspects:
        lines = _aspect_lines(topic, aspect, commune, focus)
        if lines:
            blocks += _not_again(lines, blocks, topic)
            unchecked |= _unchecked(topic, aspect)
        else:
            missing.append(aspect)
    if missing:
        what = ", ".join(ASPECT_WORDS[a] for a in missing)
        blocks.append(Block(BlockKind.PARAGRAPH, text=texts.NO_FIGURE.format(what=what)))
    if missing or unchecked:
        blocks.append(Block(BlockKind.PARAGRAPH, text=ask_at(commune, topic)))
    blocks.append(legal_note(topic))
    return tuple(blocks)


def legal_part(topic: Topic, whole: tuple[Block, ...]) -> tuple[Block, ...]:
    """The legal part reuses the full entry's own tail (legal basis, sources, review date)."""
    tail = [b for b in whole
            if b.label in {texts.LABEL_LEGAL, texts.LABEL_SOURCES} or b.kind is BlockKind.NOTE]
    return (Block(BlockKind.TITLE, text=topic.title), *tail)


def part_blocks(topic: Topic, part: str, commune: CommuneProfile) -> tuple[Block, ...]:
    """One aspect part opened from a short answer ("Lệ phí, thời gian" shows both)."""
    aspects = (Aspect.FEE, Aspect.TIME) if part == Aspect.FEE else (Aspect(part),)
    return aspect_blocks(topic, aspects, commune)


def legal_note(topic: Topic) -> Block:
    basis = "; ".join(topic.legal_basis[:MAX_LEGAL])
    if len(topic.legal_basis) > MAX_LEGAL:
        basis += "…"
    return Block(BlockKind.NOTE, text=f"{texts.LEGAL_SHORT.format(basis=basis)} "
                                       f"{review_note(topic)}")


def ask_at(commune: CommuneProfile, topic: Topic | None = None) -> str:
    """Where to ask for what the entry cannot say for sure.

    The office that does the procedure when it is not the commune centre (the passport
    office, the traffic police): the centre cannot say what they charge today. The centre,
    a local and reachable contact, is still named for help.
    """
    centre = commune.centre_name or f"Trung tâm Phục vụ hành chính công xã {commune.name}"
    details = [d for d in (commune.centre_address, commune.hotline) if d]
    contact = f" ({'; '.join(details)})" if details else ""
    office = _office(topic) if topic else None
    if office:
        return texts.ASK_OFFICE.format(office=office, centre=centre, contact=contact)
    return texts.ASK_AT.format(centre=centre, contact=contact)


def _office(topic: Topic) -> str | None:
    """The police office that does the procedure, unless the commune centre takes it too
    (other offices on file are a bank, a post office, a website: not where to ask)."""
    if any(p.channel is Channel.COMMUNE_CENTRE for p in topic.where):
        return None
    return next((p.name for p in topic.where if p.channel is Channel.POLICE), None)


def shorten(text: str, max_words: int) -> str:
    """Whole sentences up to ``max_words``; a first sentence longer than that is cut."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    kept: list[str] = []
    count = 0
    for sentence in sentences:
        n = len(sentence.split())
        if kept and count + n > max_words:
            break
        kept.append(sentence)
        count += n
    result = " ".join(kept)
    cut = result.split()
    return result if len(cut) <= max_words else " ".join(cut[:max_words]).rstrip(",;:") + "…"


# --- one aspect ------------------------------------------------------------------------

def _aspect_lines(topic: Topic, aspect: Aspect, commune: CommuneProfile,
                  focus: tuple[str, ...] = ()) -> list[Block]:
    """The entry's own lines for ``aspect``; empty when it has no checked figure."""
    if aspect is Aspect.FEE:
        return _field(texts.LABEL_FEE, topic.fee)
    if aspect is Aspect.TIME:
        return _field(texts.LABEL_TIME, topic.processing_time)
    if aspect is Aspect.DOCUMENTS:
        return _documents(topic)
    if aspect is Aspect.WHERE:
        items = tuple(place_line(p, commune) for p in topic.where)
        return [Block(BlockKind.BULLETS, label=texts.LABEL_WHERE, items=items)]
    if aspect is Aspect.ONLINE:
        return _online(topic, commune)
    if aspect is Aspect.RULES:
        return _rules(topic, focus)
    return _who(topic, focus)


def _field(label: str, value: str) -> list[Block]:
    """The entry's own line, also when it says it has no checked figure (it then says
    why and where the figure shows, e.g. "mức thu hiện ra khi nộp trên Cổng")."""
    return [Block(BlockKind.FIELD, label=label, text=value)] if value.strip() else []


def _unchecked(topic: Topic, aspect: Aspect) -> bool:
    """A fee or time the entry itself marks as not verified: the reply adds where to ask."""
    staff_checks = set(unverified_fields(topic))
    if aspect is Aspect.FEE:
        return unverified(topic.fee) or VerifyField.FEE in staff_checks
    return aspect is Aspect.TIME and (unverified(topic.processing_time)
                                      or VerifyField.PROCESSING_TIME in staff_checks)


def _documents(topic: Topic) -> list[Block]:
    if not topic.documents:
        return []
    items = list(topic.documents[:MAX_DOCUMENTS])
    if len(topic.documents) > MAX_DOCUMENTS:
        items.append(texts.MORE_DOCUMENTS.format(n=len(topic.documents) - MAX_DOCUMENTS))
    return [Block(BlockKind.BULLETS, label=texts.LABEL_DOCUMENTS, items=tuple(items))]


def _online(topic: Topic, commune: CommuneProfile) -> list[Block]:
    online = [p for p in topic.where if p.channel.is_online]
    offline = [p for p in topic.where if not p.channel.is_online]
    lead, places = {
        OnlineLevel.FULL: (texts.ONLINE_FULL, online),
        OnlineLevel.PARTIAL: (texts.ONLINE_PARTIAL, online),
        OnlineLevel.NONE: (texts.ONLINE_NONE, offline),
        OnlineLevel.INFO: (texts.ONLINE_INFO, online or offline),
    }[topic.online]
    items = tuple(place_line(p, commune) for p in (places or topic.where))
    return [Block(BlockKind.BULLETS, label=lead, items=items)]


def _who(topic: Topic, focus: tuple[str, ...] = ()) -> list[Block]:
    """Who may do it, or for whom: the entry's sentences about relatives, proxies, ages
    and conditions; of the steps, only a stated condition ("Kiểm tra điều kiện - nam từ
    đủ 20 tuổi…"), last: a step names the parents or a guardian only as who clicks. Any
    step or note that names what the message asks about (a phrase of it few of the
    entry's texts use: "mai táng", "chủ nhà") is added, and those lines come first."""
    pool = [(text, _WHO) for text in (topic.summary, *topic.notes, *topic.documents)]
    pool += [(text, _CONDITION) for text in topic.steps]
    pairs = _pairs(focus, topic)
    if pairs:
        pool += [(text, pairs) for text in (*topic.steps, *topic.notes)]
    lines = _first_naming(_sentences(pool), pairs)
    if not lines:
        return []
    return [Block(BlockKind.BULLETS, label=texts.LABEL_WHO, items=tuple(lines[:MAX_WHO_LINES]))]


def _sentences(pool: list[tuple[str, re.Pattern[str]]]) -> list[str]:
    """The sentences (or clauses cut at a semicolon) of each text that its pattern finds
    on the folded sentence, once each, in order; none that only says it does not know."""
    lines: list[str] = []
    for text, pattern in pool:
        for sentence in re.split(r"(?<=[.!?;])\s+", text):
            line = _as_line(sentence)
            if pattern.search(folded_words(sentence)) and not unverified(sentence) \
                    and line not in lines:
                lines.append(line)
    return lines


# Sentences that say what must be done, by when, and what being late costs.
_RULE = re.compile(
    r"\b(?:phat|qua han|tre han|bat buoc|phai (?:dang ky|khai bao|doi|nop|thi lai|bao)"
    r"|trong (?:vong )?\d+ ngay(?! lam viec)|tu \d+ ngay tro len|het han)\b")


def _rules(topic: Topic, focus: tuple[str, ...] = ()) -> list[Block]:
    """What the entry says is compulsory, its deadline and the cost of missing it (the
    summary, the notes, the fee: "quá 60 ngày thì phải nộp lệ phí")."""
    lines = _sentences([(text, _RULE) for text in (topic.summary, *topic.notes, topic.fee)])
    lines = _first_naming(lines, _pairs(focus, topic))
    if not lines:
        return []
    return [Block(BlockKind.BULLETS, label=texts.LABEL_RULES,
                  items=tuple(lines[:MAX_RULE_LINES]))]


# Who is entitled, or on what condition ("được hỗ trợ chi phí mai táng", "nếu …").
_ENTITLED = re.compile(r"\b(?:neu|duoc (?:ho tro|huong|nhan|cap|mien)|dieu kien|doi tuong)\b")


# A phrase of the message singles lines out only if at most this share of the entry's
# texts use it: "khai sinh" is the birth entry's own name, "mai táng" one part of the
# death entry.
MAX_PAIR_SHARE = 1 / 3


def _pairs(focus: tuple[str, ...], topic: Topic) -> re.Pattern[str] | None:
    """Two consecutive words of the message ("mai tang") that few of the entry's texts
    use: one word alone, or the entry's own name, is too common to single a line out."""
    texts_ = [f" {folded_words(t)} " for t in (topic.summary, *topic.steps, *topic.notes,
                                              *topic.documents)]
    most = max(1, int(len(texts_) * MAX_PAIR_SHARE))
    pairs = {pair for pair in map(" ".join, itertools.pairwise(focus))
             if 0 < sum(f" {pair} " in t for t in texts_) <= most}
    if not pairs:
        return None
    return re.compile(rf"\b(?:{'|'.join(sorted(map(re.escape, pairs)))})\b")


def _first_naming(lines: list[str], pairs: re.Pattern[str] | None) -> list[str]:
    """The lines that name what the message asks about first — of those, one that says
    who is entitled or on what condition before one that only mentions it — then the
    rest, each group in the entry's order."""
    if pairs is None:
        return lines

    def rank(line: str) -> int:
        folded = folded_words(line)
        if not pairs.search(folded):
            return 2
        return 0 if _ENTITLED.search(folded) else 1
    return sorted(lines, key=rank)


def _as_line(sentence: str) -> str:
    """A clause cut at a semicolon, shown on its own line, reads as a sentence."""
    line = sentence.strip()
    line = line[:1].upper() + line[1:]
    return line[:-1] + "." if line.endswith(";") else line


def place_line(place: Place, commune: CommuneProfile) -> str:
    """One way to do it, with the commune centre's details when they are known."""
    line = f"{_ICONS[place.channel]} {place.name}"
    if place.note:
        line += f" — {place.note}"
    if place.url:
        line += f": {place.url}"
    if place.channel is Channel.COMMUNE_CENTRE:
        extra = "; ".join(d for d in (commune.centre_address, commune.opening_hours,
                                     commune.hotline) if d)
        if extra:
            line += f" ({extra})"
    return line
