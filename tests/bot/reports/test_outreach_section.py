"""Campaigns in the weekly summary, from a real database (SQLite and PostgreSQL).

Hand-built: 150 subscribers, a campaign to all of them on Monday 23/11 with 20 % held
back (30 people), 3 failed sends; 40 recipients and 1 held-back person ask about the
topic, 5 recipients and 1 held-back person answer "đã làm trực tuyến", 7 tap the link.
A second campaign to one thôn (15 people, 3 held back) is too small to conclude from.
Campaigns started before the 7 days preceding the week, or after it, stay out.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.config import Settings
from bot.outreach.effect import HIGHER, NO_CLEAR_DIFFERENCE, NOT_ENOUGH
from bot.reports.content import build_document
from bot.reports.from_storage import generate_report
from bot.reports.gaps import TopicGap
from bot.reports.model import WeekStats
from bot.reports.outreach import (
    CAMPAIGN_HINT,
    CAMPAIGN_LINK,
    CAMPAIGN_URL,
    COMPOSE_HINT,
    COMPOSE_HINT_LEAD,
    COMPOSE_URL,
)
from bot.reports.summary_html import render_html
from bot.reports.summary_md import render_markdown
from bot.storage import Storage
from bot.storage.models import Event, Followup
from bot.storage.outreach import (
    Audience,
    CampaignDraft,
    CampaignStore,
    RecipientState,
    SubscriptionStore,
)
from knowledge.service import KnowledgeService
from tests.bot.reports.conftest import WEEK, at
from tests.bot.storage.conftest import db_url  # noqa: F401 - SQLite + PostgreSQL fixture

TOPIC = "dinh-danh-muc-2"
TOPIC_TITLE = "Đăng ký tài khoản định danh điện tử mức 2 (VNeID mức 2)"
DAY = dt.timedelta(days=1)


@pytest.fixture
async def storage(db_url: str, tmp_path: Path) -> AsyncIterator[Storage]:  # noqa: F811
    opened = await Storage.open(Settings(data_dir=tmp_path), url=db_url)
    yield opened
    await opened.close()


async def started(store: CampaignStore, title: str, when: dt.datetime, **kw: object) -> int:
    values: dict[str, object] = {"title": title, "body": "Thứ Bảy xã làm VNeID.",
                                 "topic_id": TOPIC, "audience": Audience.ALL,
                                 "holdback_pct": 20}
    values.update(kw)
    info = await store.create(CampaignDraft(**values), "editor")  # type: ignore[arg-type]
    assert await store.move(info.id, "submit")
    assert await store.move(info.id, "approve", by="reviewer")
    assert await store.start(info.id, now=when) is not None
    return info.id


async def send_all(store: CampaignStore, campaign: int, failed: int = 0
                   ) -> tuple[list[str], list[str]]:
    """Send to every pending recipient (the first ``failed`` fail): the chat refs sent to
    and those delivered to. Whoever was not sent to was held back."""
    token, batch = await store.claim(campaign, "telegram", 1000)
    for index, item in enumerate(batch):
        state = RecipientState.FAILED if index < failed else RecipientState.DELIVERED
        assert await store.record(token, item.id, state)
    return [item.chat_ref for item in batch], [item.chat_ref for item in batch[failed:]]


async def build_fixture(storage: Storage) -> None:
    subs = SubscriptionStore(storage.sessions)
    store = CampaignStore(storage.sessions, rng=random.Random(7))
    await started(store, "Trước tuần đo", at(10, 9))  # 13 days before the week: left out
    keys = {str(1000 + i): f"u{i}" for i in range(150)}
    for chat, key in keys.items():
        await subs.subscribe("telegram", key, chat)
    main = await started(store, "Đăng ký định danh", at(23, 9))
    sent, reached = await send_all(store, main, failed=3)
    delivered = [keys[chat] for chat in reached]
    held = sorted(set(keys.values()) - {keys[chat] for chat in sent})
    assert (len(delivered), len(held)) == (117, 30)
    async with storage.sessions() as session, session.begin():
        def ask(key: str, when: dt.datetime) -> None:
            session.add(Event(channel="telegram", user_key=key, kind="text",
                              decision="answer", topic_id=TOPIC, created_at=when))

        def online(key: str) -> None:
            session.add(Followup(user_key=key, channel="telegram", chat_ref="x",
                                 topic_id=TOPIC, state="answered", answer="online",
                                 answered_at=at(26, 10)))
        for key in delivered[:40]:
            ask(key, at(24, 10))
        for key in delivered[:5]:
            online(key)
        ask(held[0], at(25, 10))
        online(held[0])
    for key in delivered[:7]:
        await store.record_tap(main, "telegram", key)

    area_keys = {str(5000 + i): f"a{i}" for i in range(15)}
    for chat, key in area_keys.items():
        await subs.subscribe("telegram", key, chat)
        await subs.set_area("telegram", key, "Thôn 2")
    small = await started(store, "Họp thôn 2", at(27, 9), audience=Audience.AREA,
                          audience_area="Thôn 2")
    assert len((await send_all(store, small))[1]) == 12
    no_topic = await started(store, "Lịch tiếp dân", at(28, 9), topic_id=None,
                             audience=Audience.AREA, audience_area="Thôn 2", holdback_pct=0)
    await send_all(store, no_topic)
    await started(store, "Sau tuần đo", at(2, 9, month=12))  # after the week: left out


async def test_the_summary_shows_each_campaign_and_its_honest_comparison(
        storage: Storage, knowledge: KnowledgeService, tmp_path: Path) -> None:
    await build_fixture(storage)
    await generate_report(storage, knowledge, WEEK, tmp_path, now=at(30, 9))
    md = (tmp_path / "summary.md").read_text(encoding="utf-8")
    html = (tmp_path / "summary.html").read_text(encoding="utf-8")

    assert "Trước tuần đo" not in md and "Sau tuần đo" not in md
    assert md.index("Đăng ký định danh") < md.index("Họp thôn 2")  # oldest first
    assert (f"## Thông báo “Đăng ký định danh” (chủ đề: {TOPIC_TITLE}) — gửi 23/11\n\n"
            "- Đã gửi **120** người: đến nơi **117**, không gửi được **3**; **7** người "
            "bấm “Xem hướng dẫn”.\n"
            "- Hỏi bot về thủ tục này trong 7 ngày: **40/117** người nhận tin (34%), "
            f"**1/30** người không nhận (3%) → **{HIGHER}**.\n"
            "- Trả lời “đã làm trực tuyến” trong 30 ngày: **5/117** người nhận tin (4%), "
            f"**1/30** người không nhận (3%) → **{NO_CLEAR_DIFFERENCE}**.\n") in md
    assert "_Nhóm đối chiếu: 30 người cùng đối tượng, chọn ngẫu nhiên, không được gửi" in md
    assert "_Đang đo đến 23/12: các con số còn có thể tăng._" in md
    # 12 recipients and 3 held back: no difference is claimed either way.
    assert ("- Hỏi bot về thủ tục này trong 7 ngày: **0/12** người nhận tin (0%), **0/3** "
            f"người không nhận (0%) → **{NOT_ENOUGH}**.") in md
    assert md.count(NOT_ENOUGH) == 2
    # No topic: no taps, no comparison; nobody held back: said so, no group of 0 people.
    assert ("## Thông báo “Lịch tiếp dân” — gửi 28/11\n\n"
            "- Đã gửi **15** người: đến nơi **15**, không gửi được **0**.\n\n"
            "_Thông báo không gắn với thủ tục nào") in md
    assert "Nhóm đối chiếu: 0" not in md
    assert "Thông báo “Họp thôn 2”" in html and f"<strong>{NOT_ENOUGH}</strong>" in html
    assert "<strong>40/117</strong> người nhận tin (34%)" in html

    # Once both windows closed, nothing says it is still being measured.
    await generate_report(storage, knowledge, WEEK, tmp_path / "later",
                          now=at(31, 9, month=12))
    assert "Đang đo" not in (tmp_path / "later" / "summary.md").read_text(encoding="utf-8")


async def test_a_week_without_campaigns_has_no_outreach_section(
        storage: Storage, knowledge: KnowledgeService, tmp_path: Path) -> None:
    await build_fixture(storage)
    await generate_report(storage, knowledge, "2026-W51", tmp_path, now=at(31, 9, month=12))
    md = (tmp_path / "summary.md").read_text(encoding="utf-8")
    html = (tmp_path / "summary.html").read_text(encoding="utf-8")
    assert "Thông báo “" not in md and "Thông báo “" not in html
    assert "Nhóm đối chiếu" not in md


BASE = "https://xa.example.gov.vn/tro-ly"


class Anchors(HTMLParser):
    """Every link of an HTML page: (href, text)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._href: str | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self.found.append((self._href, ""))

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            href, text = self.found[-1]
            self.found[-1] = (href, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._href = None


def gap_document(stats: WeekStats, base_url: str) -> tuple[str, str]:
    gap = TopicGap("khai-sinh", "Liên thông khai sinh", "full", 12, 0.25, "official", 1, 4,
                   people=9)
    document = build_document(stats, [gap], [], [], {}, base_url=base_url)
    return render_html(document, {}), render_markdown(document)


def test_each_uptake_gap_links_to_the_campaign_form_at_the_public_address(
        stats: WeekStats) -> None:
    html, md = gap_document(stats, BASE)
    form = f"{BASE}{COMPOSE_URL}"
    assert Anchors(html).found == [(f"{form}khai-sinh", "✉ soạn thông báo"),
                                   (form, "soạn thông báo")]
    assert f'{COMPOSE_HINT_LEAD}<a href="{form}">soạn thông báo</a>' in html
    # Markdown is read as text (a phone, the Telegram post): the bare address, unescaped.
    assert f"{COMPOSE_HINT_LEAD}soạn thông báo ({form}) và chọn chủ đề đó." in md


def test_without_a_public_address_the_gap_list_says_where_to_compose(stats: WeekStats) -> None:
    html, md = gap_document(stats, "")
    assert Anchors(html).found == []  # no link that would break once the file is saved
    assert "/staff" not in html and "/staff" not in md
    assert COMPOSE_HINT in html and COMPOSE_HINT in md


async def test_the_written_summary_links_each_campaign_page_only_when_it_can(
        storage: Storage, knowledge: KnowledgeService, tmp_path: Path) -> None:
    await build_fixture(storage)
    ids = {c.title: c.id for c in await storage.campaigns.all()}
    await generate_report(storage, knowledge, WEEK, tmp_path / "linked", now=at(30, 9),
                          base_url=BASE)
    await generate_report(storage, knowledge, WEEK, tmp_path / "plain", now=at(30, 9))
    html = (tmp_path / "linked" / "summary.html").read_text(encoding="utf-8")
    md = (tmp_path / "linked" / "summary.md").read_text(encoding="utf-8")
    pages = [f"{BASE}{CAMPAIGN_URL}{ids[title]}"
             for title in ("Đăng ký định danh", "Họp thôn 2", "Lịch tiếp dân")]
    links = Anchors(html).found
    assert [href for href, _ in links if CAMPAIGN_URL in href and "new" not in href] == pages
    assert all(href.startswith(f"{BASE}/staff/") for href, _ in links)  # absolute, ours
    for page in pages:
        assert f"{CAMPAIGN_LINK} ({page})." in md

    html = (tmp_path / "plain" / "summary.html").read_text(encoding="utf-8")
    md = (tmp_path / "plain" / "summary.md").read_text(encoding="utf-8")
    assert Anchors(html).found == [] and "/staff" not in html + md
    assert md.count(CAMPAIGN_HINT) == html.count(CAMPAIGN_HINT) == 3


def test_the_compose_link_is_the_staff_campaign_form() -> None:
    """The report cannot import the web layer; this ties its URL to the real route."""
    from bot.web.staff.auth import PREFIX
    from bot.web.staff.pages_outreach import routes

    site = SimpleNamespace(guard=lambda f: f, bind=lambda f: f)
    paths = {getattr(r, "path", None) for r in routes(site)}  # type: ignore[arg-type]
    assert "/campaigns/new" in paths and "/campaigns/{campaign_id:int}" in paths
    assert f"{PREFIX}/campaigns/new?topic=" == COMPOSE_URL
    assert f"{PREFIX}/campaigns/" == CAMPAIGN_URL
