"""The staff workspace in real headless Chromium: the whole edit → approve → citizen loop.

Every page is checked at phone (390×844) and desktop (1280×800) size: nothing wider
than the screen, big enough buttons, no script or CSP errors. Set ``$STAFF_SCREENSHOTS``
to a folder to also save full-page screenshots there, to look at them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from bot.config import Settings
from knowledge.loader import read_directory
from knowledge.workbook import TOPICS_SHEET, export_xlsx
from tests.bot.web.staff.conftest import PASSWORD, add_account
from tests.knowledge.workbook.staff_edits import edit, set_topic

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
NEW_STEP = "Bước mới từ trình duyệt 6150: chuẩn bị ảnh chụp giấy chứng sinh"


@pytest.fixture(scope="module")
def accounts(live_server: str, settings: Settings) -> str:
    add_account(settings, "soan", "editor")
    add_account(settings, "duyet", "reviewer")
    add_account(settings, "quantri", "admin")
    return live_server


@pytest.fixture(scope="module")
def shots() -> Path | None:
    target = os.environ.get("STAFF_SCREENSHOTS")
    if not target:
        return None
    path = Path(target)
    path.mkdir(parents=True, exist_ok=True)
    return path


# A click that publishes a knowledge version waits for the model to be retrained inside the
# request (2–4 s of CPU alone; more when the suite runs beside it): the page's own 8 s
# would fail a healthy server on a busy machine.
PUBLISH_TIMEOUT = 30_000


def new_page(browser: Any, size: dict[str, int], errors: list[str]) -> Page:
    phone = size["width"] < 600
    context = browser.new_context(viewport=size, locale="vi-VN", has_touch=phone,
                                  is_mobile=phone)
    context.set_default_timeout(8000)
    page = context.new_page()
    # Script errors and CSP violations; a 4xx page (a form shown again with its errors)
    # is logged by Chromium as a failed resource, which is intended here.
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return page


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


def sign_in(page: Page, base: str, name: str, path: str = "/staff/") -> None:
    page.goto(base + path)
    expect(page).to_have_url(re.compile(r"/staff/login"))
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def fits_width(page: Page) -> None:
    """Nothing sticks out sideways: no horizontal scrolling on a phone."""
    page.wait_for_load_state()  # a page still being replaced has no document to measure
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{page.url} is {overflow}px wider than the screen"


def shoot(page: Page, shots: Path | None, name: str) -> None:
    """Check the layout; save a full-page screenshot when ``$STAFF_SCREENSHOTS`` is set."""
    fits_width(page)
    if shots is not None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def test_edit_approve_and_the_citizen_sees_it(accounts: str, phone: Page, desktop: Page,
                                              shots: Path | None, errors: list[str]) -> None:
    base = accounts
    # The editor, on a phone: find the topic, add a step, watch the preview, send it.
    sign_in(phone, base, "soan")
    expect(phone.get_by_role("heading", name=re.compile("Xin chào"))).to_be_visible()
    shoot(phone, shots, "phone-home")
    phone.get_by_role("link", name="Chủ đề", exact=True).click()
    phone.get_by_label("Tìm chủ đề").fill("khai sinh cho con")
    phone.get_by_role("button", name="Tìm", exact=True).click()
    found = phone.get_by_role("link", name=re.compile("Đăng ký khai sinh")).first
    expect(found).to_be_visible()  # the results page, not the one being left
    shoot(phone, shots, "phone-topics")
    found.click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("khai sinh")
    steps = phone.get_by_label("Các bước làm")
    steps.fill(steps.input_value() + "\n" + NEW_STEP)
    expect(phone.locator("#pv-telegram")).to_contain_text(NEW_STEP, timeout=8000)
    expect(phone.locator("#pv-telegram .tg-button").first).to_be_visible()
    phone.get_by_role("tab", name="Zalo").click()
    expect(phone.locator("#pv-zalo")).to_contain_text(NEW_STEP)
    expect(phone.locator("#pv-zalo")).to_contain_text("để chọn")
    phone.get_by_label("Câu hỏi thử").fill("làm giấy khai sinh cho con ở đâu")
    phone.get_by_role("button", name="Thử", exact=True).click()
    expect(phone.locator("#try-result .verdict-answer")).to_contain_text("Trả lời ngay")
    phone.locator("#field-steps").scroll_into_view_if_needed()
    shoot(phone, shots, "phone-topic-edit")
    phone.get_by_label(re.compile("Bạn đã sửa gì")).fill("thêm bước chuẩn bị ảnh")
    phone.get_by_role("button", name="Gửi để duyệt").click()
    expect(phone.locator(".flash-ok")).to_contain_text("Đã gửi thay đổi")
    expect(phone.locator(".flash-info")).to_contain_text("đang có thay đổi chờ duyệt")

    # The reviewer, on a desktop: the change is waiting; look at the diff and approve.
    sign_in(desktop, base, "duyet")
    shoot(desktop, shots, "desktop-home")
    desktop.get_by_role("link", name=re.compile("^Thay đổi")).click()
    expect(desktop.locator(".versions")).to_contain_text("thêm bước chuẩn bị ảnh")
    shoot(desktop, shots, "desktop-changes")
    desktop.locator(".versions a", has_text="thêm bước chuẩn bị ảnh").click()
    expect(desktop.locator(".item-add")).to_contain_text(NEW_STEP)
    shoot(desktop, shots, "desktop-diff")
    approve = desktop.get_by_role("button", name=re.compile("Duyệt và áp dụng"))
    approve.click(timeout=PUBLISH_TIMEOUT)
    expect(desktop.locator(".flash-ok")).to_contain_text("Đã duyệt")

    # A citizen asks in the web chat and gets the new step.
    phone.goto(base + "/")
    box = phone.get_by_label("Nhập câu hỏi của bạn")
    box.fill("làm giấy khai sinh cho con")
    box.press("Enter")
    reply = phone.locator("#messages .row-bot").last
    expect(reply).to_contain_text(NEW_STEP, timeout=PUBLISH_TIMEOUT)
    assert errors == [], errors


def test_not_helpful_reason_reaches_the_inbox_and_is_attached(
        accounts: str, phone: Page, desktop: Page, shots: Path | None,
        errors: list[str]) -> None:
    """A citizen taps 👎 then "Không đúng chủ đề" in the web chat; a reviewer on a
    phone finds it under "Bị đánh giá chưa đúng" and attaches it to another topic."""
    question = "xin cấp lại bản sao giấy tờ hộ tịch 4471"
    desktop.goto(accounts + "/")
    box = desktop.get_by_label("Nhập câu hỏi của bạn")
    box.fill(question)
    box.press("Enter")
    bot = desktop.locator("#messages .row-bot").last
    bot.get_by_role("button", name="👎 Chưa đúng").click()
    desktop.get_by_role("button", name="Không đúng chủ đề").last.click()
    expect(desktop.locator("#messages .row-bot").last).to_contain_text("Cán bộ xã sẽ xem lại")

    sign_in(phone, accounts, "duyet", "/staff/inbox")
    item = phone.locator("#disputed .disputed-item", has_text="4471")
    for _ in range(20):  # the event log writes in the background, every 0.3 s
        if item.count():
            break
        phone.wait_for_timeout(300)
        phone.reload()
    expect(item).to_contain_text("Không đúng chủ đề")
    shoot(phone, shots, "phone-inbox-disputed")
    item.get_by_label(re.compile("Gắn câu hỏi này")).select_option("ket-hon")
    item.get_by_role("button", name="Gắn vào chủ đề").click(timeout=PUBLISH_TIMEOUT)
    expect(phone.locator(".flash-ok")).to_contain_text(question)
    expect(phone.locator("#disputed")).not_to_contain_text("4471")
    assert errors == [], errors


def test_dashboard_charts_are_sized_for_the_page(accounts: str, desktop: Page,
                                                 errors: list[str]) -> None:
    """Charts are drawn for a phone column (792 px at 180 dpi); on a desktop they are shown
    at most 420 px wide so their labels stay near the text size (they were ~1.9×)."""
    sign_in(desktop, accounts, "soan", "/staff/dashboard")
    images = desktop.locator(".report img")
    expect(images.first).to_be_visible()
    desktop.evaluate("Promise.all([...document.images].map(i => i.decode()))")
    sizes = desktop.evaluate("[...document.querySelectorAll('.report img')].map("
                             "i => [i.naturalWidth, i.getBoundingClientRect().width])")
    assert sizes and all(natural == 792 and 300 <= shown <= 420 for natural, shown in sizes)
    assert errors == [], errors


def test_broken_spreadsheet_shows_the_errors(accounts: str, phone: Page, shots: Path | None,
                                             tmp_path: Path, errors: list[str]) -> None:
    documents, _ = read_directory()

    def blank_first_title(wb: Any) -> None:
        wb[TOPICS_SHEET].cell(2, 2).value = None

    broken = edit(export_xlsx(documents), set_topic("khai-sinh", "Ngày kiểm tra", "31/02/2026"),
                  blank_first_title)
    path = tmp_path / "kho-kien-thuc-da-sua.xlsx"
    path.write_bytes(broken)
    sign_in(phone, accounts, "duyet", "/staff/spreadsheet")
    expect(phone.get_by_role("link", name=re.compile("Tải bảng tính"))).to_be_visible()
    phone.get_by_label(re.compile("Chọn tệp .xlsx")).set_input_files(str(path))
    phone.get_by_role("button", name="Kiểm tra và nhập").click()
    result = phone.locator("#upload-errors")
    expect(result).to_contain_text("chưa nhập gì")
    expect(result.locator("li")).to_have_count(2)
    expect(result).to_contain_text("Chủ đề, dòng")
    expect(result).to_contain_text("cột 'Ngày kiểm tra'")
    expect(result).to_contain_text("cột 'Tên chủ đề'")
    shoot(phone, shots, "phone-spreadsheet-errors")
    assert errors == [], errors


def test_unsaved_typing_survives_leaving_the_page(accounts: str, phone: Page,
                                                  errors: list[str]) -> None:
    phone.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" — yes
    sign_in(phone, accounts, "soan", "/staff/topics/ket-hon")
    fee = phone.get_by_label("Lệ phí", exact=True)
    fee.fill("Lệ phí tôi đang gõ dở 4040")
    phone.wait_for_timeout(1200)  # the draft is kept shortly after typing stops
    phone.goto(accounts + "/staff/topics/ket-hon")
    banner = phone.locator("#draft-banner")
    expect(banner).to_be_visible()
    expect(fee).not_to_have_value("Lệ phí tôi đang gõ dở 4040")
    phone.get_by_role("button", name="Khôi phục bản nháp").click()
    expect(fee).to_have_value("Lệ phí tôi đang gõ dở 4040")
    expect(banner).to_be_hidden()
    assert errors == [], errors


PAGES = ["/staff/", "/staff/topics", "/staff/topics/khai-sinh", "/staff/topics/new",
         "/staff/changes?show=all", "/staff/inbox", "/staff/dashboard", "/staff/spreadsheet",
         "/staff/users", "/staff/account", "/staff/topics/khai-sinh/history", "/staff/verify",
         "/staff/profile?province=19", "/staff/uptake"]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_page_fits_the_screen_without_errors(accounts: str, browser: Any, shots: Path | None,
                                                   size: str) -> None:
    errors: list[str] = []
    page = new_page(browser, PHONE if size == "phone" else DESKTOP, errors)
    try:
        page.goto(accounts + "/staff/login")
        shoot(page, shots, f"{size}-login")
        sign_in(page, accounts, "quantri")
        for path in PAGES:
            page.goto(accounts + path)
            expect(page.locator("h1").first).to_be_visible()
            name = path.strip("/").replace("/", "-").split("?")[0] or "home"
            shoot(page, shots, f"{size}-{name}")
            tappable = page.locator("main .btn:visible").all()[:12]
            for button in tappable:
                box = button.bounding_box()
                assert box is None or box["height"] >= 40, (path, button.inner_text())
    finally:
        page.context.close()
    assert errors == [], errors
