"""The chat page in headless Chromium when the server limits or refuses: a citizen who
sends too fast sees the polite notice, a too-long message gets the "shorter" advice."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from starlette.applications import Starlette

from bot.config import Settings
from bot.server import create_app
from handlers import texts
from tests.bot.web.test_chat_page import bot_replies, send_text, wait_for_greeting

pytestmark = pytest.mark.browser
LIMIT = 2  # the greeting is the first message of the minute


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("web-flood"),
                               rate_limit_per_minute=LIMIT))


def test_flooding_shows_the_notice_then_a_short_refusal(page: Page) -> None:
    wait_for_greeting(page)
    send_text(page, "menu")
    expect(bot_replies(page)).to_have_count(2)
    send_text(page, "đăng ký tạm trú")
    expect(bot_replies(page)).to_have_count(3)
    expect(bot_replies(page).last).to_contain_text(texts.FLOOD_NOTICE)
    box = page.get_by_label("Nhập câu hỏi của bạn")
    expect(box).to_have_value("đăng ký tạm trú")  # kept, to send again in a minute
    expect(page.locator("#messages .row-user .user-status").last).to_contain_text("Chưa gửi")
    box.fill("")
    send_text(page, "đăng ký kết hôn")
    expect(bot_replies(page)).to_have_count(4)
    expect(bot_replies(page).last).to_contain_text(texts.FLOOD_REFUSAL)
    expect(page.locator("#messages .bubble-error")).to_have_count(0)


def test_a_message_over_the_body_limit_gets_the_shorter_advice(page: Page) -> None:
    wait_for_greeting(page)
    page.get_by_label("Nhập câu hỏi của bạn").evaluate(
        "(box) => { box.removeAttribute('maxlength'); }")
    send_text(page, "x" * 70_000)
    expect(page.locator("#messages .bubble-error").last).to_contain_text("ngắn gọn hơn")
