"""Pure parts of the staff workspace: form ⇄ document, errors, report view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.web.staff.dashboard import render_markdown, week_choices
from bot.web.staff.forms import (
    TopicForm,
    doc_from_form,
    form_from_doc,
    is_stale,
    lines,
    validate_topic,
)
from bot.web.staff.preview import telegram_safe_html
from knowledge.loader import Documents

LABEL = "topics/khai-sinh.yaml"


def test_lines_drop_blanks_bullets_and_numbers() -> None:
    text = "1. Mở VNeID\r\n\n  - Chọn thủ tục  \n• Nộp hồ sơ\n2) Chờ kết quả\n"
    assert lines(text) == ["Mở VNeID", "Chọn thủ tục", "Nộp hồ sơ", "Chờ kết quả"]


def test_form_round_trip_keeps_the_document(docs: dict[str, Any]) -> None:
    doc = docs["topics"][LABEL]
    form = form_from_doc(doc)
    assert form.values["steps"].count("\n") == len(doc["steps"]) - 1
    again = doc_from_form(form, doc)
    assert again == doc


def test_invalid_topic_gives_vietnamese_field_errors(docs: dict[str, Any]) -> None:
    form = form_from_doc(docs["topics"][LABEL])
    form.values.update(steps="\n  \n", questions="một câu\nmột câu", sources="không-phải-link",
                       reviewed_on="31/02/2026")
    doc = doc_from_form(form, docs["topics"][LABEL])
    assert validate_topic(form, doc) is None
    assert form.errors["steps"] == ["không được để trống"]
    assert any("câu hỏi bị lặp" in e or "ít nhất 8" in e for e in form.errors["questions"])
    assert any("không phải địa chỉ web" in e for e in form.errors["sources"])
    assert form.errors["reviewed_on"] == ["ngày không hợp lệ"]
    # Rules across fields, in words an official understands.
    form = form_from_doc(docs["topics"][LABEL])
    form.values.update(online="full", where=[{"channel": "commune-centre", "name": "UBND xã",
                                              "url": "", "note": ""}])
    assert validate_topic(form, doc_from_form(form, docs["topics"][LABEL])) is None
    assert any("chưa có cách làm trực tuyến" in e for e in form.errors["where"])


def test_stale_means_older_than_six_months() -> None:
    today = dt.date(2026, 11, 28)
    assert not is_stale(dt.date(2026, 6, 1), today)
    assert is_stale(dt.date(2026, 5, 27), today)
    assert is_stale("not a date", today)


def test_markdown_subset_of_the_weekly_summary() -> None:
    text = ("# \\[DỮ LIỆU MẪU\\] Báo cáo tuần 47\n\n## Tóm tắt\n\n- **208** câu hỏi\n"
            "- Trả lời **89%**\n\n![Tóm tắt](questions_per_day.png)\n\n1. một\n2. hai\n\n"
            "_Ghi chú nhỏ._\n---\nĐoạn <script>x</script>\n")
    blocks = render_markdown(text)
    kinds = [b.kind for b in blocks]
    assert kinds == ["h1", "h2", "ul", "img", "ol", "note", "hr", "p"]
    assert blocks[0].spans[0].text == "[DỮ LIỆU MẪU] Báo cáo tuần 47"
    assert [(s.text, s.bold) for s in blocks[2].items[0]] == [("208", True), (" câu hỏi", False)]
    assert blocks[3].src == "questions_per_day.png"
    assert blocks[-1].spans[0].text == "Đoạn <script>x</script>"  # escaped by the template


def test_week_choices_start_with_this_week() -> None:
    now = dt.datetime(2026, 11, 28, 5, tzinfo=dt.UTC)
    weeks = week_choices(now, "Asia/Ho_Chi_Minh")
    assert weeks[0][0] == "2026-W48" and weeks[0][1].startswith("Tuần này")
    assert weeks[1][0] == "2026-W47" and len(weeks) == 8


def test_telegram_preview_html_keeps_only_telegram_tags() -> None:
    html = ('<b>Tên</b> &amp; <i>x</i> <a href="javascript:alert(1)">xấu</a> '
            '<a href="https://dichvucong.gov.vn">tốt</a><script>alert(1)</script>'
            '<img src=x onerror=alert(1)>')
    safe = telegram_safe_html(html)
    assert "<script" not in safe and "<img" not in safe and "javascript:" not in safe
    assert "<b>Tên</b> &amp; <i>x</i>" in safe
    assert '<a href="https://dichvucong.gov.vn"' in safe


def test_form_error_helper_deduplicates() -> None:
    form = TopicForm()
    form.error("fee", "x")
    form.error("fee", "x")
    assert form.errors == {"fee": ["x"]} and not form.ok


def test_documents_json_round_trip_is_stable(docs: dict[str, Any]) -> None:
    assert Documents.from_json(docs).to_json() == docs


def test_related_topics_keep_their_order(docs: dict[str, Any]) -> None:
    doc = dict(docs["topics"][LABEL], related=["c-topic", "a-topic", "b-topic"])
    form = form_from_doc(doc)
    form.values["related"] = ["a-topic", "new-topic", "c-topic"]  # as the page posts them
    assert doc_from_form(form, doc)["related"] == ["c-topic", "a-topic", "new-topic"]
