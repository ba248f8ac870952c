"""Outreach pages in headless Chromium: from the weekly summary's uptake gap to a sent
campaign's figures, on a phone and a desktop."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bot.commands.demo import generate_demo
from bot.config import Settings
from bot.reports.weeks import week_label
from bot.storage import Storage
from knowledge.service import KnowledgeService
from tests.bot.web.staff.conftest import add_account
from tests.bot.web.staff.test_browser import (
    DESKTOP,
    PHONE,
    fits_width,
    new_page,
    shoot,
    sign_in,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_site(live_server: str, settings: Settings, knowledge: KnowledgeService) -> str:
    add_account(settings, "soan2", "editor")
    add_account(settings, "duyet2", "reviewer")

    async def seed() -> None:
        storage = await Storage.open(settings)
        try:
            await generate_demo(storage, knowledge, weeks=2, per_day=40)
        finally:
            await storage.close()

    asyncio.run(seed())
    return live_server


@pytest.fixture(scope="module")
def shots() -> Path | None:
    target = os.environ.get("STAFF_SCREENSHOTS")
    return Path(target) if target else None


@pytest.fixture
def errors() -> list[str]:
    return []


@pytest.fixture
def phone(browser: Any, errors: list[str]) -> Iterator[Page]:
    page = new_page(browser, PHONE, errors)
    yield page
    page.context.close()


@pytest.fixture
def desktop(browser: Any, errors: list[str]) -> Iterator[Page]:
    page = new_page(browser, DESKTOP, errors)
    yield page
    page.context.close()


def test_gap_to_campaign_review_and_the_demo_figures(demo_site: str, phone: Page,
                                                     desktop: Page, errors: list[str],
                                                     shots: Path | None) -> None:
    base = demo_site
    last_week = week_label(dt.datetime.now(dt.UTC).date() - dt.timedelta(days=7))
    sign_in(phone, base, "soan2", "/staff/dashboard")
    phone.goto(f"{base}/staff/dashboard?demo=1&week={last_week}")
    compose = phone.locator("a.compose-link").first
    expect(compose).to_be_visible(timeout=20000)
    compose.click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Soạn thông báo")
    topic = phone.get_by_label(re.compile("Xem hướng dẫn"))
    assert topic.input_value() != ""  # prefilled with the gap's topic
    expect(phone.locator("input[name=audience][value=topic]")).to_be_checked()
    phone.get_by_label(re.compile("^Tên thông báo")).fill("Làm trực tuyến cho nhanh")
    phone.get_by_label(re.compile("^Nội dung")).fill("Thủ tục này làm được trên điện thoại.")
    phone.get_by_role("button", name="Lưu bản nháp").click()
    expect(phone.locator(".flash-ok")).to_contain_text("Đã lưu bản nháp")
    expect(phone.locator(".tg-bubble")).to_contain_text("làm được trên điện thoại")
    expect(phone.locator(".cp-tg-button")).to_contain_text("Xem hướng dẫn")
    expect(phone.locator(".zl-bubble")).to_contain_text("1. 📖 Xem hướng dẫn")
    shoot(phone, shots, "phone-campaign-draft")
    phone.get_by_role("button", name="Gửi duyệt").click()
    expect(phone.locator("#campaign-status")).to_have_text("Chờ duyệt")
    url = phone.url

    sign_in(desktop, base, "duyet2", url.removeprefix(base))
    desktop.get_by_role("button", name="Duyệt", exact=True).click()
    # Approved; the outreach worker may already have started sending when the page loads.
    expect(desktop.locator("#campaign-status")).to_have_text(
        re.compile("Đã duyệt|Đang gửi|Đã gửi xong"))
    desktop.get_by_role("link", name="← Các thông báo").click()
    expect(desktop.locator("h2", has_text="Người đăng ký nhận tin")).to_be_visible()
    desktop.locator(".campaign-list a", has_text="Dữ liệu mẫu").click()
    effect = desktop.locator("#effect")
    expect(effect).to_contain_text("Đến nơi")
    expect(effect).to_contain_text("Nhóm so sánh")
    expect(effect.locator(".effect-verdict").first).not_to_be_empty()
    shoot(desktop, shots, "desktop-campaign-effect")
    assert errors == [], errors


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_campaign_pages_fit_the_screen(demo_site: str, browser: Any, size: str) -> None:
    errors: list[str] = []
    page = new_page(browser, PHONE if size == "phone" else DESKTOP, errors)
    try:
        sign_in(page, demo_site, "duyet2", "/staff/campaigns")
        for path in ("/staff/campaigns", "/staff/campaigns/new", "/staff/campaigns/1"):
            page.goto(demo_site + path)
            expect(page.locator("h1").first).to_be_visible()
            fits_width(page)
    finally:
        page.context.close()
    assert errors == [], errors
