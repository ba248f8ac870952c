"""A worker killed with SIGKILL mid-load: the others go on, and its losses are bounded.

Three independent ``citizen-bot serve`` processes (three hosts behind a load balancer)
share one database (SQLite file, or ``DATABASE_URL`` on the PostgreSQL run) and receive
Telegram webhook updates from a load generator acting as Telegram: it posts a few
hundred text updates round-robin at a steady rate, and when a POST fails it delivers
the same update again to another process. Midway, one process is killed with ``-9``
while it holds accepted-but-unanswered updates. The fake Bot API (0.1 s "away", like
the real one) records every reply; the survivors are stopped gracefully (SIGINT) and
the database is read back.

Each update comes from its own user, so a reply (``sendMessage`` to that chat), an
event row (``user_key`` = the pseudonym of that user) and a claim (``processed_updates``
keyed by ``update_id``) all map back to exactly one update. Expected:

* no update is answered or logged twice, whatever the redeliveries;
* every update that only ever reached survivors got one reply, one event, one claim;
* the victim sends nothing after its death; what it had acknowledged (200) may be lost
  — Telegram does not send it again — but only in two bounded ways: updates in hand at
  the kill get no reply, and the tail of its in-memory event queue (events recorded
  after the last batch it committed, i.e. within about a flush interval) is not stored;
* delivering the victim's unanswered updates again to a survivor: those it had already
  claimed are dropped (the claim outlives the process), the rest are answered once;
* after the kill the survivors answer a final batch in full.

The measured numbers are printed (``pytest -s``); deploy/README.md quotes them.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse

from bot.config import Settings
from bot.editing.editor import KnowledgeEditor
from bot.privacy import pseudonymise
from bot.storage import Storage
from bot.storage.models import Event, ProcessedUpdate
from knowledge.service import KnowledgeService
from tests.bot.channels.telegram.fake_api import FakeBotAPI
from tests.conftest import REPO

# Three `serve` processes and a load generator: `make test` runs this module on its own,
# after the parallel part (the "serial" marker, pyproject.toml).
pytestmark = pytest.mark.serial

TOKEN = "123456789:AAEfakeTokenForTestsOnly_0123456789"
SECRET = "s3cret-Webhook_token-for-tests-0123456789"
SALT = "worker-kill-test-salt-0123456789"
PROCESSES = 3
VICTIM = 1
LOAD = 360  # updates posted while the victim lives and dies
KILL_AFTER = 210  # accepted updates (all processes) before the kill may happen
MIN_BACKLOG = 3  # … once the victim holds this many unanswered (later: any)
FINAL = 30  # updates posted to the survivors once the load is over
CONCURRENCY = 24
SEND_LATENCY = 0.1  # seconds before the fake Bot API takes a message (api.telegram.org
# is ~0.1-0.2 s away from a Vietnamese server)
# The fake may still take a message the victim had finished writing when it died.
IN_TRANSIT = SEND_LATENCY + 0.2
RATE = 75.0  # updates per second, over all processes
# The event writer commits its in-memory queue in order, every 0.3 s: what a kill
# loses is the tail of that queue, i.e. events recorded after the last committed one.
# How long that tail is in time is the flush interval plus the duration of the write
# in progress, which depends on the machine's load (measured 0.2-1.0 s on a busy
# two-core box); this bound only catches a writer that stopped writing altogether.
LOSS_WINDOW = 1.5
CLOCK_SLACK = 0.01  # the test's and the victim's clocks are the same clock
# Single-message replies (so a duplicate would show as a second sendMessage): an answer
# with a follow-up offer (database writes), small talk and a suggestion.
TEXTS = ("làm căn cước cho con", "xin chào", "cảm ơn", "giờ làm việc")
FIRST_UPDATE = 610_000_000
FIRST_USER = 810_000_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One `citizen-bot serve` process (single worker), Telegram in webhook mode."""

    def __init__(self, index: int, data_dir: Path, api_base: str, logs: Path) -> None:
        self.index = index
        self.port = free_port()
        self.log = logs / f"server-{index}.log"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TELEGRAM_", "ZALO_", "WEBHOOK_"))}
        env.update({"DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING",
                    "PSEUDONYM_SALT": SALT, "TELEGRAM_BOT_TOKEN": TOKEN,
                    "TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_SECRET": SECRET,
                    "WEBHOOK_BASE_URL": "https://bot.example.invalid",
                    "TELEGRAM_API_BASE_URL": api_base, "RATE_LIMIT_PER_MINUTE": "20",
                    "STAFF_CHAT_IDS": "", "ADMIN_USER_IDS": "",
                    "KNOWLEDGE_POLL_SECONDS": "5"})
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port",
                 str(self.port)], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        self.url = f"http://127.0.0.1:{self.port}"

    def tail(self, lines: int = 15) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return f"--- server {self.index} (pid {self.pid}) ---\n" + "\n".join(text[-lines:])

    def stop(self, timeout: float = 15) -> int | None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
                return None
        return self.proc.returncode


@dataclass
class Delivery:
    """What the load generator (Telegram) did with one update."""

    update_id: int
    user_id: int
    text: str
    attempts: list[tuple[int, str]] = field(default_factory=list)  # (server, outcome)
    accepted_by: int | None = None
    accepted_at: float = 0.0

    def touched(self, server: int) -> bool:
        """Did ``server`` possibly receive it (200, or a failure after sending)?"""
        return any(s == server and outcome != "refused" for s, outcome in self.attempts)


def update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": "An", "language_code": "vi"}
    return {"update_id": update_id, "message": {
        "message_id": update_id % 1_000_000, "date": int(time.time()), "text": text,
        "chat": {"id": user_id, "type": "private", "first_name": "An"}, "from": person}}


class Telegram:
    """Posts updates like Telegram does: a failed delivery goes again, elsewhere."""

    def __init__(self, servers: list[Server]) -> None:
        self.servers = servers
        self.down: set[int] = set()  # what a load balancer's passive check would learn
        self.clients = [httpx.AsyncClient(
            base_url=s.url, timeout=httpx.Timeout(3.0, connect=1.0),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            limits=httpx.Limits(max_connections=CONCURRENCY)) for s in servers]

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()

    async def deliver(self, d: Delivery, first: int, avoid: frozenset[int]) -> None:
        body = update(d.update_id, d.user_id, d.text)
        order = [(first + k) % len(self.servers) for k in range(len(self.servers))]
        for _ in range(3):
            for index in order:
                if index in avoid or index in self.down:
                    continue
                try:
                    response = await self.clients[index].post("/telegram/webhook", json=body)
                except httpx.ConnectError:  # nothing was sent
                    d.attempts.append((index, "refused"))
                    self.down.add(index)
                    continue
                except httpx.HTTPError as exc:  # the request may have arrived
                    d.attempts.append((index, type(exc).__name__))
                    continue
                d.attempts.append((index, str(response.status_code)))
                if response.status_code == 200:
                    d.accepted_by, d.accepted_at = index, time.monotonic()
                    return
            await asyncio.sleep(0.1)
        raise AssertionError(f"update {d.update_id} was never accepted: {d.attempts}")


class FarBotAPI(FakeBotAPI):
    """The fake Bot API, as far away as the real one: each message takes a while to
    send, so every process always has updates in hand (claimed, logged, not answered)."""

    async def _handle(self, request: Request) -> JSONResponse:
        if request.path_params["method"].lower() == "sendmessage":
            await asyncio.sleep(SEND_LATENCY)
        try:
            return await super()._handle(request)
        except ClientDisconnect:  # the victim, killed while sending: nothing was sent
            return JSONResponse({}, status_code=499)


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    api = FarBotAPI()
    api.start()
    try:
        yield api
    finally:
        api.stop()


async def prepare_database(data_dir: Path) -> None:
    """Migrate and store knowledge version 1 before the processes start."""
    storage = await Storage.open(Settings(data_dir=data_dir))
    try:
        await KnowledgeEditor(KnowledgeService.from_directory(), lambda: storage).sync()
    finally:
        await storage.close()


async def read_back(data_dir: Path) -> tuple[dict[str, list[float]], set[int]]:
    """Events per user_key (their created_at, epoch seconds), and claimed update ids."""
    storage = await Storage.open(Settings(data_dir=data_dir))
    events: dict[str, list[float]] = defaultdict(list)
    try:
        async with storage.sessions() as session:
            for key, created in await session.execute(select(
                    Event.user_key, Event.created_at).where(Event.channel == "telegram")):
                events[key].append(created.timestamp())
            claims = (await session.scalars(select(ProcessedUpdate.key).where(
                ProcessedUpdate.channel == "telegram"))).all()
    finally:
        await storage.close()
    return events, {int(k) for k in claims}


async def wait_ready(servers: list[Server], fake: FakeBotAPI, within: float = 30) -> None:
    deadline = time.monotonic() + within
    pending = {s.index for s in servers}
    async with httpx.AsyncClient(timeout=2) as client:
        while pending and time.monotonic() < deadline:
            for s in servers:
                if s.index not in pending:
                    continue
                assert s.proc.poll() is None, s.tail()
                try:
                    health = (await client.get(s.url + "/healthz")).json()
                except httpx.HTTPError:
                    continue
                if health.get("stored_version") and health.get("worker") == s.pid:
                    pending.discard(s.index)
            await asyncio.sleep(0.1)
    assert not pending, "\n".join(servers[i].tail() for i in pending)
    assert len(fake.sent("setWebhook")) >= len(servers)


async def test_a_worker_killed_mid_load_loses_only_what_it_held(
        tmp_path: Path, fake: FakeBotAPI) -> None:
    started = time.monotonic()
    data_dir, logs = tmp_path / "data", tmp_path / "logs"
    data_dir.mkdir()
    logs.mkdir()
    await prepare_database(data_dir)
    servers: list[Server] = []
    survivors = [i for i in range(PROCESSES) if i != VICTIM]
    telegram: Telegram | None = None
    ids = itertools.count()
    deliveries: list[Delivery] = []

    def new_delivery() -> Delivery:
        n = next(ids)
        d = Delivery(FIRST_UPDATE + n, FIRST_USER + n, TEXTS[n % len(TEXTS)])
        deliveries.append(d)
        return d

    def replied(d: Delivery) -> list[Any]:
        return fake.sent("sendMessage", d.user_id)

    def only_survivors(d: Delivery) -> bool:
        """Never possibly received by the victim (a refused connection sends nothing)."""
        return d.accepted_by != VICTIM and not d.touched(VICTIM)

    kill: dict[str, Any] = {}
    load: asyncio.Task[None] | None = None

    async def killer() -> None:
        """Once the load is well under way, SIGKILL the victim while it holds work."""
        since = 0.0
        while True:
            await asyncio.sleep(0.005)
            if sum(1 for d in deliveries if d.accepted_by is not None) < KILL_AFTER:
                continue
            since = since or time.monotonic()
            waited = time.monotonic() - since
            answered_chats = {c.chat_id for c in fake.sent("sendMessage")}
            held = [d for d in deliveries if d.accepted_by == VICTIM]
            backlog = sum(1 for d in held if d.user_id not in answered_chats)
            if backlog >= (MIN_BACKLOG if waited < 1.2 else 1) or waited > 2.5:
                break
        os.kill(servers[VICTIM].pid, signal.SIGKILL)
        kill.update(at=time.monotonic(), wall=time.time(), victim_accepted=len(held),
                    backlog=backlog,
                    accepted_total=sum(1 for d in deliveries if d.accepted_by is not None))

    async def post_all(count: int, rate: float,
                       avoid: frozenset[int] = frozenset()) -> None:
        """``count`` updates at ``rate`` per second, as Telegram would push them."""
        batch = [new_delivery() for _ in range(count)]
        cursor = iter(enumerate(batch))
        begin = time.monotonic()

        async def worker() -> None:
            for position, d in cursor:
                await asyncio.sleep(max(0.0, begin + position / rate - time.monotonic()))
                assert telegram is not None
                await telegram.deliver(d, position % PROCESSES, avoid)

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))

    try:
        servers += [Server(i, data_dir, fake.base_url, logs) for i in range(PROCESSES)]
        telegram = Telegram(servers)
        await wait_ready(servers, fake)
        ready_at = time.monotonic()
        load = asyncio.create_task(post_all(LOAD, RATE))
        await asyncio.wait_for(killer(), timeout=LOAD / RATE + 5)
        await load
        assert servers[VICTIM].proc.wait(timeout=5) == -signal.SIGKILL
        for s in survivors:
            assert servers[s].proc.poll() is None, servers[s].tail()
        await post_all(FINAL, RATE, avoid=frozenset({VICTIM}))

        expected = [d for d in deliveries if only_survivors(d)]
        await fake.wait_for(lambda f: all(replied(d) for d in expected), within=15)
        await fake.settle(0.5)  # a (wrong) second reply or a late one would show by now
        # Telegram never sends a 200-acknowledged update again; do it anyway for what the
        # victim left unanswered, to see which of it a redelivery could still save.
        replay_at = time.monotonic()
        replayed = [d for d in deliveries if d.accepted_by == VICTIM and not replied(d)]
        _, claimed_by_victim = await read_back(data_dir)
        for d in replayed:  # a copy: the victim's acceptance stays on the record
            await telegram.deliver(replace(d, attempts=[]), survivors[0],
                                   frozenset({VICTIM}))
        await fake.wait_for(lambda f: all(
            replied(d) for d in replayed if d.update_id not in claimed_by_victim), within=10)
        await fake.settle(0.5)
        await telegram.close()
        load_done = time.monotonic()
        for s in survivors:
            code = servers[s].stop()
            assert code == 0, f"graceful stop failed ({code})\n{servers[s].tail()}"
        events, claims = await read_back(data_dir)
    finally:
        if load is not None and not load.done():
            load.cancel()
        if telegram is not None:
            await telegram.close()
        for s in servers:
            if s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait(timeout=5)

    salt = SALT.encode()
    stored = {d.update_id: events.get(pseudonymise("telegram", str(d.user_id), salt), [])
              for d in deliveries}
    rows = {u: len(times) for u, times in stored.items()}
    replies = {d.update_id: replied(d) for d in deliveries}
    # The victim's own record: replies before the replay, events of the unreplayed.
    before = {d.update_id: [c for c in replies[d.update_id] if c.at < replay_at]
              for d in deliveries}
    kill_at = kill["at"]

    def sent_at(d: Delivery) -> float:
        return replies[d.update_id][0].at

    twice = [d.update_id for d in deliveries
             if len(replies[d.update_id]) > 1 or rows[d.update_id] > 1]
    clean = [d for d in deliveries if only_survivors(d)]
    incomplete = [(d.update_id, len(replies[d.update_id]), rows[d.update_id],
                   d.update_id in claims) for d in clean
                  if len(replies[d.update_id]) != 1 or rows[d.update_id] != 1
                  or d.update_id not in claims]
    final = deliveries[-FINAL:]
    # Acknowledged (200) by the victim: Telegram will not send these again.
    held = [d for d in deliveries if d.accepted_by == VICTIM]
    answered = [d for d in held if before[d.update_id]]
    unanswered = [d for d in held if not before[d.update_id]]
    assert unanswered == replayed
    claimed_unanswered = [d for d in unanswered if d.update_id in claimed_by_victim]
    queued_unanswered = [d for d in unanswered if d.update_id not in claimed_by_victim]
    logged_unanswered = [d for d in claimed_unanswered if rows[d.update_id]]
    saved = [d for d in queued_unanswered
             if len(replies[d.update_id]) == 1 and rows[d.update_id] == 1]
    not_saved = [d for d in claimed_unanswered if not replies[d.update_id]]
    lost_events = [d for d in answered if not rows[d.update_id]]
    in_window = [d for d in answered if sent_at(d) >= kill_at - LOSS_WINDOW]
    early_losses = [(d.update_id, round(kill_at - sent_at(d), 3))
                    for d in lost_events if sent_at(d) < kill_at - LOSS_WINDOW]
    # Wall-clock time of each reply, comparable with the events' created_at.
    to_wall = kill["wall"] - kill_at
    victim_commits = [t for d in answered + claimed_unanswered for t in stored[d.update_id]]
    last_commit = max(victim_commits, default=float("-inf"))
    out_of_order = [(d.update_id, round(last_commit - sent_at(d) - to_wall, 3))
                    for d in lost_events if sent_at(d) + to_wall < last_commit - CLOCK_SLACK]
    late_replies = [d.update_id for d in answered if sent_at(d) > kill_at + IN_TRANSIT]
    after_kill = len(held) - kill["victim_accepted"]  # 200s already on their way
    # Sent to the victim, the connection broke, so delivered again to a survivor.
    redelivered = [d for d in deliveries if d.accepted_by != VICTIM and d.touched(VICTIM)]
    dropped = [d for d in redelivered if not replies[d.update_id]]
    refused = sum(1 for d in deliveries if any(o == "refused" for _, o in d.attempts))
    per_server = Counter(d.accepted_by for d in deliveries)

    def ages(items: list[Delivery]) -> list[float]:
        return sorted(round(kill_at - sent_at(d), 2) for d in items)

    database = Settings(data_dir=data_dir).effective_database_url.partition("+")[0]
    summary = (
        f"worker-kill ({database}): {len(deliveries)} updates, accepted per process "
        f"{dict(sorted(per_server.items()))}; process {VICTIM} killed after "
        f"{kill['accepted_total']} accepted in all, when it had accepted "
        f"{kill['victim_accepted']} and not yet answered {kill['backlog']}"
        f"\n  victim: accepted {len(held)}, answered {len(answered)}, unanswered "
        f"{len(unanswered)} (claimed {len(claimed_unanswered)}, of those with an event "
        f"{len(logged_unanswered)}; still queued {len(queued_unanswered)}); "
        f"answered but event lost {len(lost_events)} "
        f"(sent {ages(lost_events)} s before the kill; replies in its last {LOSS_WINDOW} s: "
        f"{len(in_window)}); its last stored event was recorded "
        f"{kill['wall'] - last_commit:.2f} s before the kill"
        f"\n  redelivered after a broken connection to the victim: {len(redelivered)} "
        f"(not answered because the victim had claimed them: {len(dropped)}); "
        f"refused connections: {refused}"
        f"\n  replayed to a survivor: {len(replayed)}; answered now {len(saved)} (were "
        f"still queued), dropped {len(not_saved)} (were claimed by the victim)"
        f"\n  survivors: {len(clean)} updates only they received"
        f"\n  time: start {ready_at - started:.1f} s, load and drain "
        f"{load_done - ready_at:.1f} s, total {time.monotonic() - started:.1f} s")
    print("\n" + summary)
    logs_text = "\n".join(s.tail() for s in servers)

    # Nothing is answered or logged twice, however often and wherever it was delivered.
    assert not twice, f"processed more than once: {twice}\n{summary}"
    assert sum(map(len, events.values())) == sum(rows.values()), \
        f"unknown users' events\n{summary}"
    # What only the survivors received: one reply, one event, one claim each.
    assert not incomplete, (f"survivors lost (update, replies, events, claimed): "
                            f"{incomplete}\n{summary}\n{logs_text}")
    assert all(d.accepted_by in survivors for d in final), summary
    # The victim was killed with work in hand …
    assert kill["backlog"] >= 1, summary
    # … and its losses are bounded. A dead process sends nothing …
    assert not late_replies, f"replies after the kill: {late_replies}\n{summary}"
    # … the events lost are the tail of its queue: all recorded after the last one it
    # committed (a reply goes out after its event is recorded) …
    assert not out_of_order, (
        f"events lost although later ones were stored (update, s before the last "
        f"stored): {out_of_order}\n{summary}")
    # … and that tail is short: the writer kept committing until shortly before …
    assert not early_losses, (
        f"events lost for replies sent long before the kill (update, s before): "
        f"{early_losses}; only the last {LOSS_WINDOW} s may be lost\n{summary}")
    # … and what went unanswered was already waiting in it when it died.
    assert len(unanswered) <= kill["backlog"] + after_kill, summary
    # A claim outlives its process: a redelivery of an update the victim had claimed
    # is dropped, so it stays unanswered rather than being answered twice; what it had
    # not claimed yet is processed once by the survivor.
    assert all(d.update_id in claims for d in dropped), summary
    assert len(not_saved) == len(claimed_unanswered), summary
    assert len(saved) == len(queued_unanswered), summary
    assert load_done - ready_at < 20, summary  # start-up depends on the machine's load
