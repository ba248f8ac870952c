"""The renderer at Telegram's limits: giant words, astral-plane emoji, huge links and labels,
lone surrogates, blank blocks — no crash, every message within 4,096 UTF-16 units, valid
and balanced HTML, and button text that Telegram takes."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from bot.channels.telegram.render import (
    MAX_BUTTON_UNITS,
    MAX_MESSAGE_UNITS,
    button_label,
    chunk_blocks,
    keyboard,
    render,
    utf16_len,
)
from handlers.messages import Block, BlockKind, Choice, Link, Reply, ReplyKind

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji: man ZWJ woman ZWJ girl
FLAG = "\U0001f1fb\U0001f1f3"  # 🇻🇳, two regional indicators
WAVE = "\U0001f44b\U0001f3fd"  # waving hand + skin tone
ATTACHED = re.compile("^[\u200d\ufe0f\U0001f3fb-\U0001f3ff\u0300-\u036f]")


class Checker(HTMLParser):
    """Only <b>, <i>, <a href>; every tag closed in order; the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in {"b", "i", "a"}, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def checked(chunks: list[str]) -> list[str]:
    """The visible text of each chunk, after checking every Telegram rule on it."""
    shown = []
    for chunk in chunks:
        assert 0 < utf16_len(chunk) <= MAX_MESSAGE_UNITS
        chunk.encode("utf-8")  # strict: no lone surrogate reaches the Bot API
        assert not re.search(r"&(?!(?:amp|lt|gt|quot|#x27);)", chunk)
        parser = Checker()
        parser.feed(chunk)
        parser.close()
        assert not parser.stack
        text = "".join(parser.text)
        assert text.strip(), "Telegram refuses an empty message"
        shown.append(text)
    return shown


def paragraph(text: str) -> Reply:
    return Reply(ReplyKind.ANSWER, (Block(BlockKind.PARAGRAPH, text=text),))


@pytest.mark.parametrize("unit", ["x", "&", "<", "ệ", "\U0001d518"])
def test_a_word_longer_than_a_message_is_cut_within_the_limit(unit: str) -> None:
    word = unit * 9000  # one "word": no space to split at
    chunks, _ = render(Reply(ReplyKind.ANSWER, (
        Block(BlockKind.TITLE, text=word),
        Block(BlockKind.STEPS, label="Các bước", items=(word, "ngắn")),
        Block(BlockKind.NOTE, text=word))))
    shown = checked(chunks)
    assert len(chunks) >= 6
    assert "".join(shown).replace("\n", "").replace("Các bước:", "").replace(
        "1. ", "").replace("2. ngắn", "") == word * 3


@pytest.mark.parametrize("emoji", [FAMILY, FLAG, WAVE, "\u2764\ufe0f", "e\u0301"])
def test_astral_emoji_text_is_split_between_characters(emoji: str) -> None:
    """Knowledge text full of emoji: every piece fits, and no emoji (or accented letter)
    is torn in two across messages."""
    text = "x" + emoji * (3 * MAX_MESSAGE_UNITS // utf16_len(emoji))  # "x": cuts misalign
    chunks, _ = render(paragraph(text))
    shown = checked(chunks)
    assert len(chunks) >= 3
    assert "".join(shown) == text
    for piece in [shown[0][1:], *shown[1:]]:
        assert not ATTACHED.match(piece) and not piece.endswith("\u200d")
        assert piece == emoji * (len(piece) // len(emoji))


def test_emoji_sentences_split_at_spaces_within_utf16_limits() -> None:
    text = " ".join(f"{FAMILY}{FLAG} bước {i} {WAVE}" for i in range(2000))
    chunks, _ = render(paragraph(text))
    shown = checked(chunks)
    assert len(chunks) >= 3
    assert " ".join(shown).split() == text.split()


def test_a_huge_link_or_field_label_falls_back_to_plain_text() -> None:
    """These crashed ("markup leaves no room for text")."""
    url = "https://dichvucong.gov.vn/p/" + "a" * 6000
    chunks, _ = render(Reply(ReplyKind.ANSWER, (
        Block(BlockKind.LINKS, label="Nguồn", links=(Link("Cổng dịch vụ công", url),
                                                     Link("ngắn", "https://x.vn/ok"))),
        Block(BlockKind.FIELD, label="Lệ phí <" + "x" * 5000, text="miễn phí"))))
    shown = checked(chunks)
    joined = "".join(shown).replace("\n", "").replace("• ", "")  # each piece keeps its "• "
    assert joined.count(url) == 1  # the address is all there, as text
    assert '<a href="https://x.vn/ok">ngắn</a>' in "".join(chunks)  # short links keep theirs
    assert "<a href=\"https://dichvucong" not in "".join(chunks)
    assert "miễn phí" in shown[-1]


def test_a_huge_label_that_still_fits_keeps_its_markup() -> None:
    chunks = chunk_blocks([Block(BlockKind.FIELD, label="L" * 3000, text="giá trị")])
    assert chunks == [f"<b>{'L' * 3000}:</b> giá trị"]


def test_lone_surrogates_become_replacement_characters() -> None:
    broken = "câu hỏi \ud83d của người dân \udc00"
    chunks, markup = render(Reply(ReplyKind.ANSWER, (
        Block(BlockKind.PARAGRAPH, text=broken * 400),
        Block(BlockKind.LINKS, links=(Link(broken, "https://x.vn/\ud800"),))),
        (Choice(broken, "menu"),)))
    shown = checked(chunks)
    assert "\ufffd" in shown[0] and "câu hỏi" in shown[0]
    assert markup is not None
    label = markup.inline_keyboard[0][0].text
    label.encode("utf-8")
    assert label.startswith("câu hỏi \ufffd")


def test_blank_blocks_send_no_empty_message() -> None:
    blank = (Block(BlockKind.PARAGRAPH, text="   "), Block(BlockKind.PARAGRAPH, text="\n\n"),
             Block(BlockKind.NOTE, text=""), Block(BlockKind.BULLETS, items=()))
    assert render(Reply(ReplyKind.ANSWER, blank))[0] == []
    chunks, markup = render(Reply(ReplyKind.ANSWER, blank, (Choice("📋 Danh mục", "menu"),)))
    assert chunks == ["📋"] and markup is not None
    assert checked(chunk_blocks([*blank, Block(BlockKind.PARAGRAPH, text="có chữ")])) == [
        "có chữ"]


@pytest.mark.parametrize(("label", "expected"), [
    ("Làm căn cước", "Làm căn cước"),
    ("  Đăng ký\nkhai sinh\t cho con  ", "Đăng ký khai sinh cho con"),
    ("\x00\x1b[31m\n", "[31m"),
    ("", "…"),
    (" \n\t", "…"),
])
def test_button_label_is_one_clean_line(label: str, expected: str) -> None:
    assert button_label(label) == expected


@pytest.mark.parametrize("label", [
    "Đăng ký thường trú cho người chưa thành niên ở nơi khác chuyển đến " * 6,
    "x" * 300,
    FAMILY * 40,
    FLAG * 40,
    "\U0001d518" * 100,
    "ê\u0302" * 100,
])
def test_a_long_button_label_is_cut_whole_within_telegram_limits(label: str) -> None:
    text = button_label(label)
    assert 0 < utf16_len(text) <= MAX_BUTTON_UNITS and text.endswith("…")
    kept = text[:-1]
    assert " ".join(label.split()).startswith(kept)
    rest = " ".join(label.split())[len(kept):]
    assert not ATTACHED.match(rest.lstrip()), "a character was torn in two"
    if FLAG in label:
        assert kept == FLAG * (len(kept) // 2)


def test_keyboard_uses_clean_labels_for_layout() -> None:
    markup = keyboard([Choice("👍 Có ích", "fb:y:" + "0" * 32),
                       Choice("👎 Chưa đúng", "fb:n:" + "0" * 32),
                       Choice("Chủ đề " * 50, "topic:khai-sinh"),
                       Choice("\n", "menu"), Choice("Liên hệ", "contact")])
    assert markup is not None
    rows = [[b.text for b in row] for row in markup.inline_keyboard]
    assert [len(r) for r in rows] == [2, 1, 2]
    assert all(utf16_len(t) <= MAX_BUTTON_UNITS and t == t.strip() and "\n" not in t
               for row in rows for t in row)
    assert rows[2] == ["…", "Liên hệ"]
    assert html.unescape(rows[1][0]) == rows[1][0]  # button text is not HTML
