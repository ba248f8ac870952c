"""Rendering without the network: HTML safety, message length, callback data."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from bot.channels.telegram import callbacks
from bot.channels.telegram.render import chunk_blocks, keyboard, render, utf16_len
from handlers.messages import Block, BlockKind, Choice, Link, Reply, ReplyKind

ALLOWED_TAGS = {"b", "i", "a"}
ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)")


class TagChecker(HTMLParser):
    """Fails on any tag Telegram would not accept and on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, f"unexpected tag <{tag}>"
        if tag == "a":
            assert [name for name, _ in attrs] == ["href"]
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(chunk: str) -> str:
    checker = TagChecker()
    checker.feed(chunk)
    checker.close()
    assert not checker.stack, f"unclosed {checker.stack}"
    assert not ENTITY.search(chunk), "a bare & would break Telegram's HTML parser"
    return "".join(checker.text)


def test_markup_in_content_is_escaped_and_the_text_survives() -> None:
    hostile = 'Mang <b>giấy</b> & "tờ khai" <script>x</script> <a href="javascript:x">y</a>'
    reply = Reply(ReplyKind.ANSWER, (
        Block(BlockKind.TITLE, text="<i>Tiêu đề</i>"),
        Block(BlockKind.STEPS, label="Các <bước>", items=(hostile,)),
        Block(BlockKind.FIELD, label="Lệ phí <x>", text="0 & miễn"),
        Block(BlockKind.LINKS, label="Nguồn", links=(
            Link("ok", "https://dichvucong.gov.vn/p?a=1&b=2"),
            Link("bad", 'javascript:alert("x")'))),
        Block(BlockKind.NOTE, text="<rà soát>"),
    ))
    chunks, _ = render(reply)
    assert len(chunks) == 1
    text = visible(chunks[0])
    assert hostile in text and "<i>Tiêu đề</i>" in text and "Các <bước>:" in text
    assert "&lt;script&gt;" in chunks[0] and "<script>" not in chunks[0]
    assert '<a href="https://dichvucong.gov.vn/p?a=1&amp;b=2">ok</a>' in chunks[0]
    assert '<a href="javascript' not in chunks[0] and "bad: javascript:" in text


@pytest.mark.parametrize("unit", ["a", "é", "🙂", "<", "&"])
def test_long_text_is_split_under_4096_utf16_units_without_losing_anything(unit: str) -> None:
    body = " ".join([unit * 7] * 2500)  # ~20,000 characters in one paragraph
    reply = Reply(ReplyKind.ANSWER, (Block(BlockKind.TITLE, text="Tiêu đề"),
                                     Block(BlockKind.PARAGRAPH, text=body)))
    chunks, _ = render(reply)
    assert len(chunks) > 1
    assert all(utf16_len(c) <= 4096 for c in chunks)
    texts = [visible(c) for c in chunks]
    assert "".join(texts).replace(" ", "").replace("\n", "") == \
        ("Tiêu đề" + body).replace(" ", "")


def test_split_prefers_block_then_line_boundaries() -> None:
    para = "x" * 3000
    blocks = [Block(BlockKind.PARAGRAPH, text=f"{i}{para}") for i in range(3)]
    chunks = chunk_blocks(blocks)
    assert [visible(c)[0] for c in chunks] == ["0", "1", "2"]  # one whole block each
    steps = Block(BlockKind.STEPS, label="Các bước", items=tuple("y" * 1500 for _ in range(6)))
    chunks = chunk_blocks([steps])
    assert len(chunks) == 3
    assert all(re.fullmatch(r"(?:<b>Các bước:</b>\n)?(?:\d\. y+\n?)+", c) for c in chunks)


def test_buttons_fit_64_bytes_and_decode_back() -> None:
    long_topic = "a" * 30 + "-" + "b" * 29  # 60 characters, the longest slug allowed
    choices = [Choice("👍 Có ích", "fb:y:" + "0" * 32), Choice("👎 Chưa đúng", "fb:n:" + "0" * 32),
               Choice("Một chủ đề có tên rất dài cho một nút bấm", f"topic:{long_topic}"),
               Choice("🙋 Hỏi cán bộ", f"handoff:{long_topic}")]
    markup = keyboard(choices)
    assert markup is not None
    rows = markup.inline_keyboard
    assert [len(r) for r in rows] == [2, 1, 1]
    datas = [b.callback_data for row in rows for b in row]
    assert all(len(str(d).encode()) <= 64 for d in datas)
    assert datas[2] != f"topic:{long_topic}"
    decoded = [callbacks.decode_citizen(str(d), [long_topic], []) for d in datas]
    assert decoded == [c.action for c in choices]


@pytest.mark.parametrize("data", [
    None, "", "topic:khong-co-chu-de-nay", "cat:nope", "fb:y:not-hex", "fb:x:" + "0" * 32,
    "rm -rf /", "topic:" + "a" * 70, "topic:~0000000000", "fa:zz:khai-sinh", "topic:KHAI-SINH",
    "handoff:khai-sinh:extra", "menu ", "st:o:000000000000",
    "fr:other:" + "0" * 32, "fr:topic:not-hex", "fr:wrong:" + "0" * 31, "fr:topic",
])
def test_forged_or_stale_callback_data_is_refused(data: str | None) -> None:
    assert callbacks.decode_citizen(data, ["khai-sinh"], ["civil-status"]) is None


def test_known_callback_data_is_accepted() -> None:
    for data in ["menu", "start", "handoff", "handoff:khai-sinh", "topic:khai-sinh",
                 "cat:civil-status", "fb:n:" + "a" * 32, "fu:y:khai-sinh", "fa:hd:khai-sinh"]:
        assert callbacks.decode_citizen(data, ["khai-sinh"], ["civil-status"]) == data


def test_feedback_reasons_round_trip_through_callback_data() -> None:
    from handlers import texts

    for code in texts.FEEDBACK_REASONS:
        action = f"fr:{code}:" + "f" * 32  # an event id is 32 hex digits
        data = callbacks.encode(action)
        assert data == action and len(data.encode()) <= callbacks.MAX_BYTES
        assert callbacks.decode_citizen(data, ["khai-sinh"], ["civil-status"]) == action


def test_answer_parts_round_trip_through_callback_data() -> None:
    long_topic = "mot-chu-de-co-ten-rat-dai-de-vuot-qua-gioi-han-callback-data-x"
    for action in (f"full:{long_topic}", f"part:documents:{long_topic}",
                   f"part:legal:{long_topic}", "part:fee:khai-sinh", "full:khai-sinh"):
        data = callbacks.encode(action)
        assert data is not None and len(data.encode()) <= 64
        assert callbacks.decode_citizen(data, ["khai-sinh", long_topic], []) == action
    for forged in ("part:price:khai-sinh", "full:khong-co", "part:fee:", "part:fee:khai-sinh:x"):
        assert callbacks.decode_citizen(forged, ["khai-sinh"], []) is None
