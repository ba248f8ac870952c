"""Reply renderers on hostile content: never a crash, never unescaped text, limits kept."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.plaintext import render_plain
from handlers.conversation import Conversation
from handlers.messages import Block, BlockKind, Choice, Incoming, Link, Reply, ReplyKind
from knowledge.service import KnowledgeService
from tests.fuzz.strategies import EMOJI, FEW, FUZZ, INJECTION, SURROGATES, hostile_text

telegram = pytest.importorskip("bot.channels.telegram.render")
zalo = pytest.importorskip("bot.channels.zalo.render")

# The only markup the Telegram renderer may write; everything else must arrive escaped.
ALLOWED_TAG = re.compile(r'</?b>|</?i>|<a href="[^"<>]*">|</a>')
TAG_NAME = re.compile(r"<(/?)([a-z]+)")
ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#x27);")

# Long texts are repeated pieces: cheap to generate, and they force splitting.
long_texts = st.tuples(st.sampled_from([*INJECTION, "a <&> b", "x" * 50, "câu\n"]),
                       st.integers(50, 900)).map(lambda t: (t[0] + " ") * t[1])
texts = st.one_of(hostile_text, st.sampled_from(INJECTION), long_texts)
short = st.one_of(hostile_text.map(lambda t: t[:120]), st.sampled_from(INJECTION))
urls = st.one_of(st.sampled_from(["https://dichvucong.gov.vn/p/home", "http://x.vn/a?b=1&c=<2>",
                                  "javascript:alert(1)", "https://x.vn/\"onmouseover=\"x",
                                  "data:text/html,<script>", ""]), short)
blocks = st.builds(
    Block, kind=st.sampled_from(list(BlockKind)), text=texts, label=short,
    items=st.lists(texts, max_size=4).map(tuple),
    links=st.lists(st.builds(Link, label=short, url=urls), max_size=3).map(tuple))
choices = st.builds(Choice, label=short.filter(bool), action=st.sampled_from(
    ["menu", "handoff", "topic:khai-sinh", "cat:identity", "fb:y:abc", "x" * 100]))
replies = st.builds(Reply, kind=st.sampled_from(list(ReplyKind)),
                    blocks=st.lists(blocks, max_size=5).map(tuple),
                    choices=st.lists(choices, max_size=6).map(tuple))

# Extremes: one "word" longer than a message, astral-plane emoji (ZWJ families, flags, skin
# tones, variation selectors), combining accents, lone UTF-16 surrogates (JSON allows them),
# huge links and labels. Built from repeated pieces, so generating them stays cheap.
giant_words = st.tuples(st.sampled_from(["x", "&", "<", "ệ", *EMOJI]),
                        st.integers(300, 2500)).map(lambda t: t[0] * t[1])
emoji_texts = st.tuples(
    st.lists(st.sampled_from([*EMOJI, " ", "ệ", "<&>", "\n"]), min_size=1, max_size=8),
    st.integers(1, 900)).map(lambda t: "".join(t[0]) * t[1])
broken = st.lists(st.sampled_from([*SURROGATES, "a", " ", "ệ"]), max_size=12).map("".join)
extreme_texts = st.one_of(giant_words, emoji_texts, broken, hostile_text)
extreme_labels = st.one_of(short, giant_words.map(lambda w: w[:500]), emoji_texts.map(
    lambda t: t[:300]), broken, st.sampled_from(["", " ", "\n\t", "\x00\x1b", "\u200d"]))
extreme_urls = st.one_of(urls, st.integers(50, 6000).map(lambda n: "https://x.vn/" + "a" * n),
                         broken.map(lambda b: "https://x.vn/" + b))
extreme_replies = st.builds(
    Reply, kind=st.sampled_from(list(ReplyKind)),
    blocks=st.lists(st.builds(
        Block, kind=st.sampled_from(list(BlockKind)), text=extreme_texts,
        label=st.one_of(short, giant_words, broken),
        items=st.lists(extreme_texts, max_size=3).map(tuple),
        links=st.lists(st.builds(Link, label=extreme_labels, url=extreme_urls),
                       max_size=2).map(tuple)), max_size=3).map(tuple),
    choices=st.lists(st.builds(Choice, label=extreme_labels, action=st.sampled_from(
        ["menu", "topic:khai-sinh", "fb:y:abc"])), max_size=4).map(tuple))


def assert_safe_telegram_html(chunk: str) -> None:
    """Every "<" opens an allowed tag, tags balance, "&" only starts an entity."""
    stripped = ALLOWED_TAG.sub("", chunk)
    assert "<" not in stripped and ">" not in stripped, chunk[:300]
    assert "&" not in ENTITY.sub("", stripped), chunk[:300]
    stack: list[str] = []
    for match in ALLOWED_TAG.finditer(chunk):
        closing, name = TAG_NAME.match(match.group(0)).groups()  # type: ignore[union-attr]
        if closing:
            assert stack and stack.pop() == name, chunk[:300]
        else:
            stack.append(name)
    assert not stack, chunk[:300]


def visible(text: str) -> str:
    return "".join(html.unescape(ALLOWED_TAG.sub("", text)).split())


def assert_telegram_takes(chunks: list[str], markup: object) -> None:
    """Each message non-blank, within 4,096 UTF-16 units, valid UTF-8, safe HTML; each
    button one non-empty line within the label limit."""
    for chunk in chunks:
        assert visible(chunk), repr(chunk[:100])
        assert telegram.utf16_len(chunk) <= telegram.MAX_MESSAGE_UNITS
        chunk.encode("utf-8")
        assert_safe_telegram_html(chunk)
    rows = markup.inline_keyboard if markup is not None else ()  # type: ignore[attr-defined]
    for button in (b for row in rows for b in row):
        text = button.text
        assert text and text == text.strip() and "\n" not in text, repr(text)
        assert telegram.utf16_len(text) <= telegram.MAX_BUTTON_UNITS
        text.encode("utf-8")


@FUZZ
@given(reply=replies)
def test_telegram_html_is_escaped_balanced_and_within_limits(reply: Reply) -> None:
    chunks, markup = telegram.render(reply)
    assert_telegram_takes(chunks, markup)
    shown = "".join(visible(c) for c in chunks)
    for block in reply.blocks:
        if block.kind in {BlockKind.PARAGRAPH, BlockKind.TITLE, BlockKind.NOTE}:
            assert "".join(block.text.split()) in shown


@FEW
@given(reply=extreme_replies)
def test_telegram_extremes_stay_within_limits(reply: Reply) -> None:
    chunks, markup = telegram.render(reply)
    assert_telegram_takes(chunks, markup)
    shown = "".join(visible(c) for c in chunks)
    for block in reply.blocks:  # text is cut, never lost (lone surrogates become U+FFFD)
        if block.kind in {BlockKind.PARAGRAPH, BlockKind.TITLE, BlockKind.NOTE}:
            assert "".join(telegram.clean(block.text).split()) in shown


@FUZZ
@given(text=hostile_text)
def test_telegram_plain_chunks_of_arbitrary_text(text: str) -> None:
    for chunk in telegram.plain_chunks(text, limit=300):
        assert telegram.utf16_len(chunk) <= 300
        assert_safe_telegram_html(chunk)


@FUZZ
@given(reply=replies)
def test_zalo_chunks_keep_every_character_within_limits(reply: Reply) -> None:
    chunks = zalo.render_chunks(reply)
    assert all(c and c == c.strip() for c in chunks)
    assert all(zalo.units(c) <= zalo.MAX_CHARS for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(zalo.render_text(reply).split())


@FUZZ
@given(reply=replies)
def test_plaintext_renders_every_block(reply: Reply) -> None:
    out = render_plain(reply)
    assert isinstance(out, str)
    for choice in reply.choices:
        assert choice.label in out


@FEW
@given(text=hostile_text)
def test_replies_to_hostile_questions_render_safely(knowledge: KnowledgeService,
                                                    text: str) -> None:
    """End to end: whatever the citizen typed, the bot's reply renders as safe HTML."""
    reply = Conversation(knowledge).handle(Incoming("telegram", "u", text=text)).reply
    chunks, _ = telegram.render(reply)
    for chunk in chunks:
        assert_safe_telegram_html(chunk)
    assert zalo.render_chunks(reply) or not reply.blocks
