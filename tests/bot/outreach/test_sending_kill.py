"""A campaign-sending process killed with SIGKILL mid-send; a second process carries on.

Real processes, as in production: ``citizen-bot serve`` (its campaign job sends), Telegram
and Zalo in webhook mode against the fake Bot APIs on loopback, one database (a SQLite
file, or ``DATABASE_URL`` on the PostgreSQL run). 2,000 subscribers (1,500 on Telegram,
500 on Zalo), one approved campaign, 10 % held back.

Two processes start together (a restarted worker, a second host); each talks to its own
pair of fakes, so the records say who sent what. The victim's fake Telegram stops
answering after its ``HOLD_AFTER``-th announcement: the message has reached "Telegram"
(recorded) but the answer never reaches the sender, and the rest of its batch waits
behind it. The victim is killed with ``-9`` right then — sent but not recorded, the worst
moment — and the survivor sends the rest.

The design's guarantee is **at most once per recipient**, and **exactly once** for
everyone outside the dead process's in-flight batch: recipients are claimed in batches
before they are sent, so the survivor leaves those rows alone while the claim lives (10
minutes, moved forward in the database here); then they become "unknown" and are never
sent again. Those already sent stay sent once; the others miss this campaign — at most
one batch (``BATCH``) per dead process — and the campaign page counts them as "unknown".
The test asserts exactly that, from the fakes' records and the database, and prints the
figures (``pytest -s``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, insert, select, update
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse

from bot.config import Settings
from bot.outreach.sender import BATCH
from bot.storage import Storage
from bot.storage.models import Campaign, CampaignRecipient, Subscription, utcnow
from bot.storage.outreach import STALE_CLAIM, Audience, CampaignDraft, SubStatus
from knowledge.loader import parse, read_directory
from tests.bot.channels.telegram.fake_api import FakeBotAPI
from tests.bot.channels.zalo.conftest import TOKEN as ZALO_TOKEN
from tests.bot.channels.zalo.conftest import FakeZalo, running_fake_zalo
from tests.bot.test_worker_kill import SECRET, TOKEN, free_port
from tests.conftest import REPO

TELEGRAM_PEOPLE = 1500
ZALO_PEOPLE = 500
HOLDBACK_PCT = 10
HOLD_AFTER = 175  # Telegram announcements the victim gets out before it hangs and dies
FIRST_CHAT = 700_000_000
SALT = "outreach-kill-test-salt-0123456789"


class HoldingBotAPI(FakeBotAPI):
    """The fake Bot API that, once armed, takes messages but stops answering them."""

    def __init__(self) -> None:
        super().__init__()
        self.hold_after: int | None = None
        self.released = threading.Event()
        self.messages = 0

    def held(self) -> bool:
        return (self.hold_after is not None and not self.released.is_set()
                and self.messages >= self.hold_after)

    async def _handle(self, request: Request) -> JSONResponse:
        try:
            response = await super()._handle(request)
        except ClientDisconnect:  # killed while writing the request: nothing was sent
            return JSONResponse({}, status_code=499)
        if request.path_params["method"].lower() == "sendmessage":
            self.messages += 1  # one event loop: no race
            while self.held():  # noqa: ASYNC110 - the release comes from another thread
                await asyncio.sleep(0.01)
        return response


class Serve:
    """One ``citizen-bot serve`` process with both channels in webhook mode."""

    def __init__(self, name: str, data_dir: Path, telegram: str, zalo: str, logs: Path) -> None:
        self.log = logs / f"{name}.log"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TELEGRAM_", "ZALO_", "WEBHOOK_", "OUTREACH_"))}
        env.update({
            "DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING", "PSEUDONYM_SALT": SALT,
            "WEBHOOK_BASE_URL": "https://bot.example.invalid",
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_MODE": "webhook",
            "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_API_BASE_URL": telegram,
            "ZALO_BOT_TOKEN": ZALO_TOKEN, "ZALO_MODE": "webhook",
            "ZALO_WEBHOOK_SECRET": SECRET, "ZALO_API_BASE_URL": zalo,
            # No throttling: the test is about who gets what, not about the platforms' limits.
            "TELEGRAM_SEND_RATE": "0", "OUTREACH_TELEGRAM_RATE": "0", "OUTREACH_ZALO_RATE": "0",
            "STAFF_CHAT_IDS": "", "ADMIN_USER_IDS": "", "KNOWLEDGE_POLL_SECONDS": "5"})
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port",
                 str(free_port())], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)

    def tail(self, lines: int = 20) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return f"--- {self.log.stem} ---\n" + "\n".join(text[-lines:])

    async def wait(self, within: float) -> int | None:
        """The exit code, polled so that the fake Zalo in this loop keeps answering."""
        deadline = time.monotonic() + within
        while self.proc.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        return self.proc.poll()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)


async def setup(storage: Storage) -> int:
    """Knowledge version 1 (as ``serve`` seeds it; stored here so that the two processes
    need not race to seed it), the audience and an approved campaign (started by
    whichever process gets there first)."""
    documents, problems = read_directory()
    assert not problems
    await storage.knowledge.add(documents.to_json(), content_hash=parse(documents).version,
                                author="starter", source="starter", message="seed")
    now = utcnow()
    chats = [("telegram", f"t{i}", str(FIRST_CHAT + i)) for i in range(TELEGRAM_PEOPLE)]
    chats += [("zalo", f"z{i}", f"zalo-user-{i:05d}") for i in range(ZALO_PEOPLE)]
    rows = [{"channel": channel, "user_key": key, "chat_ref": chat,
             "status": SubStatus.ACTIVE.value, "created_at": now, "updated_at": now}
            for channel, key, chat in chats]
    async with storage.sessions() as session, session.begin():
        await session.execute(insert(Subscription), rows)
    draft = CampaignDraft("Khai sinh trực tuyến", "Từ tuần này xã nhận hồ sơ khai sinh "
                          "trực tuyến.", "khai-sinh", Audience.ALL, holdback_pct=HOLDBACK_PCT)
    info = await storage.campaigns.create(draft, "editor")
    assert await storage.campaigns.move(info.id, "submit")
    assert await storage.campaigns.move(info.id, "approve", by="reviewer")
    return info.id


async def recipients(storage: Storage, campaign: int) -> dict[tuple[str, str], str]:
    """(channel, chat) → state."""
    async with storage.sessions() as session:
        rows = (await session.execute(
            select(CampaignRecipient.channel, CampaignRecipient.chat_ref,
                   CampaignRecipient.state)
            .where(CampaignRecipient.campaign_id == campaign))).all()
    return {(channel, chat): state for channel, chat, state in rows}


async def count_in(storage: Storage, campaign: int, state: str) -> int:
    async with storage.sessions() as session:
        return int(await session.scalar(
            select(func.count()).select_from(CampaignRecipient)
            .where(CampaignRecipient.campaign_id == campaign,
                   CampaignRecipient.state == state)) or 0)


async def status(storage: Storage, campaign: int) -> str | None:
    async with storage.sessions() as session:
        return await session.scalar(select(Campaign.status).where(Campaign.id == campaign))


def sends(telegram: FakeBotAPI, zalo: FakeZalo) -> Counter[tuple[str, str]]:
    """Every announcement the platforms took, per (channel, chat)."""
    got = Counter(("telegram", str(c.chat_id)) for c in telegram.sent("sendMessage"))
    got.update(("zalo", str(c.body.get("chat_id"))) for c in zalo.of("sendMessage"))
    return got


async def until(check: object, within: float, what: str, *procs: Serve) -> None:
    deadline = time.monotonic() + within
    while not await check():  # type: ignore[operator]
        for p in procs:
            assert p.proc.poll() is None, f"{p.log.stem} exited while {what}\n{p.tail()}"
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {what}\n" + "\n".join(p.tail() for p in procs))
        await asyncio.sleep(0.1)


async def test_a_sender_killed_mid_send_then_resumed_reaches_each_recipient_at_most_once(
        tmp_path: Path) -> None:
    started = time.monotonic()
    data_dir, logs = tmp_path / "data", tmp_path / "logs"
    data_dir.mkdir()
    logs.mkdir()
    storage = await Storage.open(Settings(data_dir=data_dir))
    # Each process has its own pair of fakes, so the records say who sent what.
    victim_tg, survivor_tg = HoldingBotAPI(), HoldingBotAPI()
    victim_tg.hold_after = HOLD_AFTER
    procs: list[Serve] = []
    try:
        victim_tg.start()
        survivor_tg.start()
        async with running_fake_zalo() as victim_zalo, running_fake_zalo() as survivor_zalo:
            campaign = await setup(storage)
            victim = Serve("victim", data_dir, victim_tg.base_url, victim_zalo.url, logs)
            # The second process starts too (as systemd restarts a worker, or a second host
            # runs): its slow start-up overlaps the victim's, so it is up about when the
            # victim dies. Whether it already sent a little before the kill or only after
            # does not matter: each has its own fakes, the records say who sent what.
            survivor = Serve("survivor", data_dir, survivor_tg.base_url, survivor_zalo.url,
                             logs)
            procs += [victim, survivor]

            async def sending() -> bool:
                return bool(sends(victim_tg, victim_zalo))

            async def hung() -> bool:
                return victim_tg.held()

            await until(sending, 60, "the victim starts sending", victim, survivor)
            first_send = time.monotonic()
            await until(hung, 60, "the victim sends", victim, survivor)
            await asyncio.sleep(0.3)  # the rest of its batch reaches the held fake too
            os.kill(victim.proc.pid, signal.SIGKILL)
            assert await victim.wait(5) == -signal.SIGKILL
            killed = time.monotonic()
            pending_at_kill = await count_in(storage, campaign, "pending")
            victim_tg.released.set()

            async def all_taken() -> bool:
                return await count_in(storage, campaign, "pending") == 0

            await until(all_taken, 60, "the survivor sends the rest", survivor)
            await asyncio.sleep(0.5)  # its last batch is recorded
            # While the dead process's claim lives (10 minutes), its batch is left alone.
            claimed = {k for k, s in (await recipients(storage, campaign)).items()
                       if s == "claimed"}
            assert await status(storage, campaign) == "sending"
            resumed = time.monotonic()
            # The lease runs out: moved forward in the database, not waited for.
            async with storage.sessions() as session, session.begin():
                await session.execute(
                    update(CampaignRecipient)
                    .where(CampaignRecipient.campaign_id == campaign,
                           CampaignRecipient.state == "claimed")
                    .values(claimed_at=utcnow() - STALE_CLAIM - dt.timedelta(minutes=1)))

            async def done() -> bool:
                return await status(storage, campaign) == "done"

            await until(done, 30, "the campaign finishes", survivor)
            final = await recipients(storage, campaign)
            by_victim = sends(victim_tg, victim_zalo)
            by_survivor = sends(survivor_tg, survivor_zalo)
            survivor.proc.send_signal(signal.SIGINT)
            assert await survivor.wait(20) == 0, survivor.tail()
    finally:
        await storage.close()
        for proc in procs:
            proc.kill()
        for api in (victim_tg, survivor_tg):
            api.released.set()
            api.stop()

    audience = TELEGRAM_PEOPLE + ZALO_PEOPLE
    got = by_victim + by_survivor
    by_state: dict[str, set[tuple[str, str]]] = {}
    for key, state in final.items():
        by_state.setdefault(state, set()).add(key)
    held, delivered = by_state.get("held", set()), by_state.get("delivered", set())
    unknown = by_state.get("unknown", set())
    sent_unconfirmed = unknown & set(got)
    summary = (f"outreach kill ({Settings(data_dir=data_dir).effective_database_url[:10]}): "
               f"audience {audience}, held back {len(held)}; the victim sent "
               f"{sum(by_victim.values())} and died with {len(claimed)} claimed "
               f"({len(sent_unconfirmed)} of them already sent), {pending_at_kill} still "
               f"pending; the survivor sent {sum(by_survivor.values())}; delivered "
               f"{len(delivered)}, unknown {len(unknown)}, never sent "
               f"{len(unknown - set(got))}; time {time.monotonic() - started:.1f} s (first "
               f"send {first_send - started:.1f} s, kill {killed - started:.1f} s, rest sent "
               f"{resumed - killed:.1f} s later, lease expiry "
               f"{time.monotonic() - resumed:.1f} s)")
    print("\n" + summary)

    # Nobody twice, nobody held back, everyone accounted for.
    assert set(final) == {("telegram", str(FIRST_CHAT + i)) for i in range(TELEGRAM_PEOPLE)} | {
        ("zalo", f"zalo-user-{i:05d}") for i in range(ZALO_PEOPLE)}
    assert max(got.values()) == 1, summary
    assert set(by_state) <= {"delivered", "unknown", "held"}, (summary, set(by_state))
    assert len(held) == round(audience * HOLDBACK_PCT / 100) and not held & set(got)
    # Exactly once for everyone outside the dead process's in-flight batch …
    assert delivered == set(got) - unknown, summary
    assert set(by_survivor) <= delivered, summary
    # … and that batch is at most one batch, killed mid-flight: what of it had reached the
    # platform is recorded "unknown" and not sent again; the rest is this campaign's loss.
    assert unknown == claimed and 0 < len(claimed) <= BATCH, summary
    assert sent_unconfirmed and not claimed & set(by_survivor), summary
