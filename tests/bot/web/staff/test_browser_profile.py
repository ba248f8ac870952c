"""In headless Chromium, on a phone: fill the commune profile from the official list,
see the first-run checklist change, and close a check from the "Cần xác minh" queue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot.config import Settings
from tests.bot.web.staff.conftest import add_account
from tests.bot.web.staff.test_browser import (  # noqa: F401 - fixtures
    errors,
    phone,
    shoot,
    shots,
    sign_in,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def accounts(live_server: str, settings: Settings) -> str:
    add_account(settings, "lan", "reviewer")
    return live_server


def test_profile_checklist_and_verification_on_a_phone(
        accounts: str, phone: Page, shots: Path | None,  # noqa: F811
        errors: list[str]) -> None:  # noqa: F811
    sign_in(phone, accounts, "lan")
    checklist = phone.locator("#first-run")
    expect(checklist).to_contain_text("Số điện thoại hoặc thư điện tử của Trung tâm — chưa có")
    shoot(phone, shots, "phone-home-checklist")

    # Pick the province (the list reloads by itself), then the commune.
    checklist.get_by_role("link", name=re.compile("Thông tin xã")).first.click()
    phone.get_by_label(re.compile("Tỉnh, thành phố")).select_option(label="Tỉnh Thái Nguyên")
    commune = phone.get_by_label("Xã, phường, đặc khu")
    expect(commune).to_be_visible()
    commune.select_option(label="Phường Bắc Kạn")  # another commune adopts the bot
    phone.get_by_role("button", name="Dùng xã này").click()
    expect(phone.locator(".flash-ok")).to_contain_text("áp dụng ngay")
    expect(phone.locator("#pick")).to_contain_text("Phường Bắc Kạn, Thái Nguyên")
    expect(phone.get_by_label("Công an xã", exact=True)).to_have_value("Công an phường Bắc Kạn")

    phone.get_by_label("Số điện thoại", exact=True).fill("0209 3 876 543")
    phone.get_by_label("Giờ làm việc").fill("Sáng 7h30–11h30, chiều 13h30–17h")
    shoot(phone, shots, "phone-profile")
    phone.get_by_role("button", name="Lưu thông tin xã").click()
    expect(phone.locator(".flash-ok")).to_be_visible()

    phone.get_by_role("link", name="Trang chính").click()
    expect(checklist).to_contain_text("Số điện thoại hoặc thư điện tử của Trung tâm — đã có")
    expect(checklist).to_contain_text("Giờ làm việc — đã có")
    expect(checklist).to_contain_text("Địa chỉ Trung tâm Phục vụ hành chính công — chưa có")

    # The queue: close the first check; it leaves the queue, with who and when kept.
    phone.get_by_role("link", name="Cần xác minh", exact=True).click()
    heading = phone.get_by_role("heading", level=1)
    before = int(re.search(r"\((\d+)\)", heading.inner_text()).group(1))
    shoot(phone, shots, "phone-verify")
    first = phone.locator("li.check").first
    what = first.locator(".check-what").inner_text()
    first.get_by_role("button", name="Đã xác minh xong").click()
    expect(phone.locator(".flash-ok")).to_contain_text("áp dụng ngay")
    expect(heading).to_have_text(f"Cần xác minh ({before - 1})")
    topic = phone.locator("section.verify-topic h2 a").first
    assert what not in phone.locator("main").inner_text()
    topic.click()
    expect(phone.locator("#checks")).to_contain_text("✓ Đã xác minh: Cán bộ lan")
    assert errors == [], errors
