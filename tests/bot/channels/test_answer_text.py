"""Every topic on every channel: no research shorthand reaches citizens, and a dated
fee changes on the right day (frozen clock across 31/12/2026) on web, Telegram and Zalo."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable

import pytest

from bot.channels.telegram.render import render as telegram_render
from bot.channels.zalo.render import render_text as zalo_render
from bot.web.serialize import reply_to_json
from handlers.conversation import Conversation
from handlers.messages import Incoming, MessageKind, Reply
from knowledge.service import KnowledgeService

# Shorthand from research notes that must never be shown to a citizen.
FORBIDDEN = [
    r"\blead\b", r"\bTODO\b", r"\bnone\b", r"\bNLV\b", "⚠", r"\w\?\)", r"\(\?\)",
    r"nguồn cũ", r"chưa có nguồn", r"nguồn chưa", r"nguồn không nêu", r"theo nguồn\b",
    r"trong nguồn", r"đối chiếu văn bản", r"cần đối chiếu", r"vbpl\.vn", r"chưa xác minh",
    r"kiểm tra còn hiệu lực", r"nếu chưa, đổi", r"online thành",
]
FORBIDDEN_RE = re.compile("|".join(FORBIDDEN), re.IGNORECASE)


def _web(reply: Reply) -> str:
    data = reply_to_json(reply)
    parts = [b["text"] or "" for b in data["blocks"]] + [b["label"] or "" for b in data["blocks"]]
    parts += [i for b in data["blocks"] for i in b["items"]]
    parts += [link["label"] for b in data["blocks"] for link in b["links"]]
    return "\n".join(parts + [c["label"] for c in data["choices"]])


def _telegram(reply: Reply) -> str:
    chunks, markup = telegram_render(reply)
    buttons = [b.text for row in (markup.inline_keyboard if markup else ()) for b in row]
    return "\n".join([*chunks, *buttons])


RENDERERS: dict[str, Callable[[Reply], str]] = {
    "web": _web, "telegram": _telegram, "zalo": zalo_render}


def _answer(knowledge: KnowledgeService, topic_id: str, day: dt.date,
            kind: str = "full") -> Reply:
    """``full``: the whole entry ("Xem đủ các bước"); ``topic``: the short first answer;
    ``part:fee``: the answer to "how much" (fee and time)."""
    chat = Conversation(knowledge, today=lambda: day)
    return chat.handle(Incoming("test", "u", kind=MessageKind.ACTION,
                                action=f"{kind}:{topic_id}")).reply


ANSWER_KINDS = ("full", "topic", "part:fee")


@pytest.mark.parametrize("channel", RENDERERS)
def test_no_topic_shows_research_shorthand_on_any_channel(knowledge: KnowledgeService,
                                                          channel: str) -> None:
    found = []
    for day, kind, topic_id in itertools.product(
            (dt.date(2026, 12, 2), dt.date(2027, 1, 1)), ANSWER_KINDS,
            knowledge.current.kb.topics):
        text = RENDERERS[channel](_answer(knowledge, topic_id, day, kind))
        found += [f"{topic_id}: {m.group(0)!r}" for m in FORBIDDEN_RE.finditer(text)]
        assert text.count("Cần hỏi lại ở xã") == 0
        assert text.count("Trước khi nộp, bạn nên hỏi lại ở xã") <= 1
    assert found == []


def test_the_forbidden_patterns_catch_real_notes() -> None:
    for note in ("lead Thông tư 75/2022/TT-BTC", "nếu chưa, đổi online thành none",
                 "Danh mục lấy từ nguồn cũ", "chưa đối chiếu văn bản gốc",
                 "(BHXH, đại lý thu, UBND xã?)"):
        assert FORBIDDEN_RE.search(note), note
    assert not FORBIDDEN_RE.search("Mang bản chính để cán bộ đối chiếu; tắt nguồn điện thoại.")


@pytest.mark.parametrize("channel", RENDERERS)
@pytest.mark.parametrize("topic_id", ["can-cuoc-cap-doi-cap-lai", "ho-chieu"])
@pytest.mark.parametrize("kind", ["full", "part:fee"])
def test_the_fee_cut_is_quoted_until_31_12_2026_and_never_after(
        knowledge: KnowledgeService, channel: str, topic_id: str, kind: str) -> None:
    cut = {"can-cuoc-cap-doi-cap-lai": "25.000", "ho-chieu": "100.000"}[topic_id]
    regular = {"can-cuoc-cap-doi-cap-lai": "50.000", "ho-chieu": "200.000"}[topic_id]
    last_day = RENDERERS[channel](_answer(knowledge, topic_id, dt.date(2026, 12, 31), kind))
    next_day = RENDERERS[channel](_answer(knowledge, topic_id, dt.date(2027, 1, 1), kind))
    assert cut in last_day and "giảm một nửa" in last_day
    assert cut not in next_day and "giảm" not in next_day
    assert regular in next_day


@pytest.mark.parametrize("channel", RENDERERS)
def test_the_building_permit_rule_of_1_7_2026_shows_only_from_its_date(
        knowledge: KnowledgeService, channel: str) -> None:
    before = RENDERERS[channel](_answer(knowledge, "giay-phep-xay-dung", dt.date(2026, 6, 30)))
    after = RENDERERS[channel](_answer(knowledge, "giay-phep-xay-dung", dt.date(2026, 7, 1)))
    assert "500 m²" not in before and "dưới 7 tầng" in before
    assert "500 m²" in after and "nhà ở miền núi ngoài khu vực có quy hoạch" not in after
    # The exemption is step 2, right after "find out whether you need a permit".
    assert after.index("500 m²") < after.index("Nếu phải xin phép")


@pytest.mark.parametrize("channel", RENDERERS)
def test_an_answer_carries_at_most_two_source_links(knowledge: KnowledgeService,
                                                   channel: str) -> None:
    topic_id, day = "can-cuoc-cap-doi-cap-lai", dt.date(2026, 12, 2)
    third = str(knowledge.current.kb.topics[topic_id].sources[2])
    for kind in ("topic", "part:fee", "part:documents"):  # what a citizen sees first
        reply = _answer(knowledge, topic_id, day, kind)
        assert len([link for b in reply.blocks for link in b.links]) <= 2, kind
        assert third not in RENDERERS[channel](reply), kind
    # The rest is behind "Xem đủ các bước" and "Căn cứ pháp lý, nguồn".
    for kind in ("full", "part:legal"):
        reply = _answer(knowledge, topic_id, day, kind)
        assert third in [link.url for b in reply.blocks for link in b.links], kind
