"""The chat page in a real headless Chromium against the real app served by uvicorn."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, Route, expect

pytestmark = pytest.mark.browser

QUESTION = "lam can cuoc cho con o dau"
CAN_CUOC = re.compile(r"căn cước", re.IGNORECASE)
BOT_REPLIES = "#messages .row-bot:not(.row-typing):not(.row-error)"


def bot_replies(page: Page) -> Locator:
    return page.locator(BOT_REPLIES)


def wait_for_greeting(page: Page) -> Locator:
    greeting = bot_replies(page).first
    expect(greeting).to_contain_text("Xin chào")
    return greeting


def send_text(page: Page, text: str) -> None:
    box = page.get_by_label("Nhập câu hỏi của bạn")
    box.fill(text)
    box.press("Enter")


def wait_for_new_reply(page: Page, before: int) -> Locator:
    expect(bot_replies(page)).to_have_count(before + 1)
    expect(page.locator("#messages .row-typing")).to_have_count(0)
    return bot_replies(page).last


def expect_steps(reply: Locator) -> None:
    steps = reply.locator("ol.msg-steps")
    expect(steps).to_be_visible()
    expect(steps.locator("li").first).to_be_visible()
    expect(steps).to_contain_text("VNeID")


def test_greeting_menu_and_typed_question_shows_steps(page: Page,
                                                      console_errors: list[str]) -> None:
    expect(page).to_have_title("Trợ lý dịch vụ công")
    expect(page.locator("header h1")).to_have_text("Trợ lý dịch vụ công")
    greeting = wait_for_greeting(page)
    expect(page.locator("#commune")).to_contain_text("Phủ Thông")
    category = greeting.locator("button.choice", has_text="Căn cước, hộ chiếu")
    expect(category).to_be_visible()
    assert category.bounding_box()["height"] >= 44

    before = bot_replies(page).count()
    send_text(page, QUESTION)
    expect(page.locator("#messages .row-user .bubble").last).to_have_text(QUESTION)
    expect(page.get_by_label("Nhập câu hỏi của bạn")).to_have_value("")
    reply = wait_for_new_reply(page, before)
    if reply.get_attribute("data-kind") == "suggest":  # the matcher may ask which topic
        before = bot_replies(page).count()
        reply.locator("button.choice", has_text=CAN_CUOC).first.click()
        reply = wait_for_new_reply(page, before)
    expect(reply).to_have_attribute("data-topic", "can-cuoc-cap-moi")
    expect(reply.locator("h2.msg-title")).to_contain_text(CAN_CUOC)
    # The reply leads with where (what was asked); the whole entry is one tap away.
    before = bot_replies(page).count()
    reply.locator("button.choice", has_text="Xem đủ các bước").click()
    reply = wait_for_new_reply(page, before)
    expect(reply).to_have_attribute("data-topic", "can-cuoc-cap-moi")
    expect_steps(reply)
    for link in reply.locator("a").all():
        assert link.get_attribute("target") == "_blank"
        assert link.get_attribute("rel") == "noopener noreferrer"
        assert link.get_attribute("href").startswith(("https://", "http://"))
    assert console_errors == []


def test_category_then_topic_buttons(page: Page) -> None:
    greeting = wait_for_greeting(page)
    before = bot_replies(page).count()
    greeting.locator("button.choice", has_text="Căn cước, hộ chiếu").click()
    expect(page.locator("#messages .row-user .bubble").last).to_contain_text("Căn cước, hộ chiếu")
    menu = wait_for_new_reply(page, before)
    topic = menu.locator("button.choice", has_text=re.compile("căn cước lần đầu", re.I))
    before = bot_replies(page).count()
    topic.click()
    expect(page.locator("#messages .row-user .bubble").last).to_contain_text("lần đầu")
    expect_steps(wait_for_new_reply(page, before))


def test_markup_is_shown_as_text_never_run(page: Page) -> None:
    wait_for_greeting(page)
    payloads = ['<img src=x onerror="window.__xss=1">', "<b>đậm</b>"]
    for text in payloads:
        before = bot_replies(page).count()
        send_text(page, text)
        expect(page.locator("#messages .row-user .bubble").last).to_have_text(text)
        wait_for_new_reply(page, before)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#messages img").count() == 0
    assert page.locator("#messages .row-user b").count() == 0


def test_markup_and_bad_links_in_knowledge_content_stay_inert(page: Page) -> None:
    wait_for_greeting(page)
    evil = '<img src=x onerror="window.__xss=1">'
    reply: dict[str, Any] = {
        "kind": "answer", "topic": "x",
        "blocks": [
            {"kind": "title", "text": f"Tiêu đề {evil}", "label": "", "items": [], "links": []},
            {"kind": "steps", "text": "", "label": "Các bước", "items": [evil, "<b>b</b>"],
             "links": []},
            {"kind": "field", "text": "<i>0 đồng</i>", "label": "Lệ phí", "items": [],
             "links": []},
            {"kind": "links", "text": "", "label": "Nguồn", "items": [], "links": [
                {"label": "xấu", "url": "javascript:window.__xss=1"},
                {"label": "tốt", "url": "https://dichvucong.gov.vn"}]},
            {"kind": "note", "text": evil, "label": "", "items": [], "links": []},
        ],
        "choices": [{"label": evil, "action": "menu"}],
    }

    def fake(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps({"event_id": "e1", "reply": reply}))

    page.route("**/api/chat", fake)
    before = bot_replies(page).count()
    send_text(page, "xin chào")
    shown = wait_for_new_reply(page, before)
    expect(shown.locator("h2.msg-title")).to_have_text(f"Tiêu đề {evil}")
    expect(shown.locator("ol.msg-steps li").first).to_have_text(evil)
    expect(shown.locator(".msg-field strong")).to_have_text("Lệ phí:")
    expect(shown.locator(".msg-field")).to_have_text("Lệ phí: <i>0 đồng</i>")
    expect(shown.locator(".msg-note")).to_have_text(evil)
    expect(shown.locator("button.choice")).to_have_text(evil)
    links = shown.locator("a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://dichvucong.gov.vn/")
    expect(shown.locator(".msg-links")).to_contain_text("xấu")
    assert page.locator("#messages img, #messages b, #messages i").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_api_down_shows_polite_error_keeps_text_and_retries(page: Page) -> None:
    wait_for_greeting(page)
    page.route("**/api/chat", lambda route: route.abort("internetdisconnected"))
    before = bot_replies(page).count()
    send_text(page, QUESTION)
    error = page.locator("#messages .bubble-error").last
    expect(error).to_contain_text("Xin lỗi")
    expect(error).to_contain_text("kết nối")
    expect(page.get_by_label("Nhập câu hỏi của bạn")).to_have_value(QUESTION)
    expect(page.locator("#messages .row-user .user-status").last).to_contain_text("Chưa gửi")
    expect(page.get_by_role("button", name="Gửi", exact=True)).to_be_enabled()

    page.unroute("**/api/chat")
    page.locator("#messages .row-error button.choice", has_text="Gửi lại").click()
    expect(page.locator("#messages .bubble-error")).to_have_count(0)
    expect(page.get_by_label("Nhập câu hỏi của bạn")).to_have_value("")
    reply = wait_for_new_reply(page, before)
    expect(page.locator("#messages .user-status")).to_have_count(0)
    assert reply.get_attribute("data-kind") in {"answer", "suggest"}


@pytest.mark.parametrize(("status", "phrase"), [(500, "sự cố"), (400, "ngắn gọn hơn")])
def test_server_errors_are_polite(page: Page, status: int, phrase: str) -> None:
    wait_for_greeting(page)
    page.route("**/api/chat", lambda route: route.fulfill(
        status=status, content_type="application/json",
        body=json.dumps({"error": "Internal <b>trace</b>"})))
    send_text(page, "đăng ký tạm trú")
    error = page.locator("#messages .bubble-error").last
    expect(error).to_contain_text(phrase)
    expect(error).not_to_contain_text("trace")
    expect(page.get_by_label("Nhập câu hỏi của bạn")).to_have_value("đăng ký tạm trú")


def test_start_fails_then_retry_shows_greeting(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    try:
        tab = context.new_page()
        tab.route("**/api/chat", lambda route: route.abort("connectionrefused"))
        tab.goto(live_server + "/")
        expect(tab.locator("#messages .bubble-error")).to_contain_text("Xin lỗi")
        tab.unroute("**/api/chat")
        tab.locator("#messages button.choice", has_text="Gửi lại").click()
        expect(tab.locator(BOT_REPLIES).first).to_contain_text("Xin chào", timeout=5000)
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, "the page must not scroll sideways on a 360 px phone"
    finally:
        context.close()


def test_a_question_sent_before_the_greeting_arrives_is_sent_after_it(
        browser: Any, live_server: str) -> None:
    """On a slow line the greeting may still be on its way when the citizen presses
    Enter: the question must go once the greeting is in, not be silently ignored."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    try:
        tab = context.new_page()
        tab.add_init_script("""
            const realFetch = window.fetch.bind(window);
            let first = true;
            window.fetch = (url, options) => {
              if (String(url).includes('/api/chat') && first) {
                first = false;  // hold the greeting back for a while
                return new Promise(r => setTimeout(r, 1500)).then(() => realFetch(url, options));
              }
              return realFetch(url, options);
            };
        """)
        tab.goto(live_server + "/")
        send_text(tab, QUESTION)  # while the greeting is still on its way
        expect(tab.locator(BOT_REPLIES)).to_have_count(2, timeout=10000)
        expect(tab.locator(BOT_REPLIES).first).to_contain_text("Xin chào")
        expect(tab.locator("#messages .row-user .bubble")).to_have_text([QUESTION])
        expect(tab.locator(BOT_REPLIES).last).to_contain_text(CAN_CUOC)
        expect(tab.get_by_label("Nhập câu hỏi của bạn")).to_have_value("")
    finally:
        context.close()
