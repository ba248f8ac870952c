"""Answer blocks: the citizen's confirm line, link cap, review note and glossary."""

from __future__ import annotations

import datetime as dt

from handlers import texts
from handlers.messages import BlockKind
from handlers.render import confirm_line, topic_blocks
from knowledge.loader import load_directory

DAY = dt.date(2026, 12, 2)


def _text(blocks: tuple) -> str:
    return "\n".join([b.text for b in blocks] + [i for b in blocks for i in b.items])


def test_one_plain_confirm_line_from_the_unverified_fields() -> None:
    kb = load_directory()
    topic = kb.topics["ho-chieu"]
    line = confirm_line(topic)
    assert line == ("Trước khi nộp, bạn nên hỏi lại ở xã về lệ phí, thời gian trả kết quả, "
                    "giấy tờ cần mang và các bước làm.")
    text = _text(topic_blocks(topic, kb.commune, DAY))
    assert text.count("Trước khi nộp") == 1
    assert not any(v.what in text for v in topic.verify)  # the staff notes stay with staff


def test_links_capped_unless_full() -> None:
    kb = load_directory()
    topic = kb.topics["bo-phan-mot-cua"]
    short = [link for b in topic_blocks(topic, kb.commune, DAY) for link in b.links]
    full = [link for b in topic_blocks(topic, kb.commune, DAY, full=True) for link in b.links]
    assert len(short) == 2 and len(full) > 2 and full[:2] == short


def test_review_note_says_nobody_on_staff_has_checked_yet() -> None:
    kb = load_directory()
    note = topic_blocks(kb.topics["khai-sinh"], kb.commune, DAY)[-1]
    assert note.kind is BlockKind.NOTE
    assert note.text.startswith("Thông tin lấy theo các nguồn đến tháng 03/2026")


def test_technical_words_are_explained_once() -> None:
    kb = load_directory()
    text = _text(topic_blocks(kb.topics["vneid-muc-1"], kb.commune, DAY))
    assert text.count(f"NFC ({texts.GLOSSARY['NFC']})") == 1
    assert f"mức 2 ({texts.GLOSSARY['mức 2']})" in text
