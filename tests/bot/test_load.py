"""Load: recorded Telegram and Zalo webhook traffic replayed at the real ASGI app.

One app with both channels in webhook mode is served by uvicorn on 127.0.0.1; Telegram's
side talks to :class:`FakeBotAPI` (its own thread), Zalo's to :class:`FakeZalo` (this
loop). Many HTTP clients replay ``tests/bot/data/recorded/*.jsonl`` (one chat's updates
one after another, many chats at once), and redeliver some updates as the platforms do
when a webhook call times out: the same body several times at once, and again later.

What must hold is derived from the recording alone (:func:`telegram_expectation`,
:func:`zalo_expectations`): which updates deserve a reply, what kind of reply, which
demand-log event. Then: each such update got exactly one reply (one or more messages),
in its chat's order, and nothing else was sent; after a flush the ``events`` table holds
exactly one row per answered update. The PostgreSQL variant takes the database away in
the middle of the traffic: replies carry on, and the events land once it is back.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import random
import socket
import ssl
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from bot.channels.telegram.bot import SORRY
from bot.channels.zalo.channel import STALE_CHOICE
from bot.config import Settings
from bot.runtime import Runtime
from bot.server import create_app
from bot.storage.models import Event
from handlers import texts
from knowledge.loader import KnowledgeBase
from knowledge.service import KnowledgeService
from knowledge.vietnamese import fold
from tests.bot.channels.telegram.conftest import SECRET as TG_SECRET
from tests.bot.channels.telegram.conftest import TOKEN as TG_TOKEN
from tests.bot.channels.telegram.fake_api import BOT_ID, BOT_USERNAME, FakeBotAPI
from tests.bot.channels.zalo.conftest import SECRET as ZALO_SECRET
from tests.bot.channels.zalo.conftest import TOKEN as ZALO_TOKEN
from tests.bot.channels.zalo.conftest import FakeZalo
from tests.bot.storage.conftest import pg_outage

# Uvicorn and 48 concurrent clients: `make test` runs this module on its own, after the
# parallel part (the "serial" marker, pyproject.toml).
pytestmark = pytest.mark.serial

RECORDED = Path(__file__).parent / "data" / "recorded"
TG_PATH, TG_HEADER = "/telegram/webhook", "X-Telegram-Bot-Api-Secret-Token"
ZALO_PATH, ZALO_HEADER = "/zalo/webhook", "X-Bot-Api-Secret-Token"
CLIENTS = 48  # concurrent HTTP clients (Telegram opens up to 40 connections per bot)
REPLY_DEADLINE_S = 30.0
GROUP_TYPES = {"group", "supergroup"}
# Content → the Event.kind the demand log gives it (handlers.messages.MessageKind).
TG_MEDIA = {"sticker": "sticker", "photo": "image", "voice": "voice", "audio": "voice",
            "video_note": "voice", "document": "file", "video": "file", "animation": "file",
            "location": "location", "venue": "location", "contact": "other", "poll": "other",
            "dice": "other"}
ZALO_EVENTS = {"message.text.received": "text", "message.image.received": "image",
               "message.sticker.received": "sticker", "message.voice.received": "voice",
               "message.unsupported.received": "other"}
STALE = STALE_CHOICE.split("{")[0]
# Plain HTTP on loopback; one context for every client (httpx builds one per client
# otherwise, loading the CA bundle each time: ~20 ms apiece).
TLS = ssl.create_default_context()


# --- the recording and what it calls for ---------------------------------------------------


@dataclass
class Expect:
    """One recorded update and what the bot owes for it."""

    channel: str
    key: str  # what the platform redelivers it under: update_id / message_id
    chat: str
    body: bytes  # exactly as recorded
    reply: str | None = None  # None: nothing; "text", "unsupported", "menu", "stale"…
    detail: str = ""  # category label or topic title the reply must show
    event: str | None = None  # Event.kind of its demand-log row; None: no row
    thread: int | None = None  # Telegram groups: the message the reply threads under
    callback: str | None = None  # Telegram callback_query id (answered exactly once)

    @property
    def path(self) -> str:
        return TG_PATH if self.channel == "telegram" else ZALO_PATH

    @property
    def headers(self) -> dict[str, str]:
        header, secret = ((TG_HEADER, TG_SECRET) if self.channel == "telegram"
                          else (ZALO_HEADER, ZALO_SECRET))
        return {header: secret, "Content-Type": "application/json"}

    @property
    def answered(self) -> bool:
        return self.reply not in (None, "expired")


def recorded(name: str) -> list[tuple[bytes, dict[str, Any]]]:
    lines = (RECORDED / name).read_bytes().splitlines()
    return [(line, json.loads(line)) for line in lines if line.strip()]


def _utf16(text: str, offset: int, length: int) -> str:
    raw = text.encode("utf-16-le")
    return raw[2 * offset: 2 * (offset + length)].decode("utf-16-le")


def _addressed(message: dict[str, Any]) -> bool:
    """Telegram groups: a command for this bot, a reply to it, or a mention of it."""
    if message["chat"]["type"] not in GROUP_TYPES:
        return True
    text = message.get("text") or ""
    entities = message.get("entities") or []
    for entity in entities:
        if entity["type"] == "bot_command" and entity["offset"] == 0:
            command = _utf16(text, 0, entity["length"])
            return command.partition("@")[2].lower() in ("", BOT_USERNAME)
    if (message.get("reply_to_message") or {}).get("from", {}).get("id") == BOT_ID:
        return True
    return any(e["type"] == "mention" and _utf16(text, e["offset"], e["length"]).lower()
               == f"@{BOT_USERNAME}" for e in entities)


def _action_reply(action: str, kb: KnowledgeBase) -> tuple[str, str] | None:
    """What a citizen's button leads to; None for one the bot must call expired."""
    name, _, arg = action.partition(":")
    if action in {"start", "help", "contact", "handoff"}:
        return "text", ""
    if action == "menu":
        return "menu", ""
    if name == "cat" and (category := kb.category(arg)) is not None:
        return "category", category.label
    if name == "topic" and (topic := kb.topic(arg)) is not None:
        return "topic", topic.title
    if name == "handoff" and kb.topic(arg) is not None:
        return "text", ""
    code, _, ref = arg.partition(":")
    if name == "fb" and code in {"y", "n"} and len(ref) == 32:
        return "text", ""
    return None


def _text_reply(text: str) -> str:
    if text.startswith("/"):
        command = text[1:].split(maxsplit=1)[0].split("@")[0].lower() if len(text) > 1 else ""
        return "menu" if command in {"menu", "danhmuc"} else "text"
    return "menu" if " ".join(fold(text.lower()).split()) in {"menu", "danh muc"} else "text"


def telegram_expectation(line: bytes, update: dict[str, Any], kb: KnowledgeBase) -> Expect:
    expect = Expect("telegram", str(update["update_id"]), "", line)
    if "callback_query" in update:
        query = update["callback_query"]
        expect.chat = str(query["message"]["chat"]["id"])
        expect.callback = query["id"]
        outcome = _action_reply(query.get("data") or "", kb)
        if outcome is None:
            expect.reply = "expired"
        else:
            (expect.reply, expect.detail), expect.event = outcome, "action"
        return expect
    body = next(v for k, v in update.items() if k != "update_id")
    expect.chat = str(body["chat"]["id"])
    message = update.get("message")  # edited messages and channel posts get nothing
    if message is None or message.get("from", {}).get("is_bot"):
        return expect
    if "text" in message:
        kind = "text"
    else:
        kind = next((TG_MEDIA[key] for key in TG_MEDIA if key in message), "")
    if not kind or not _addressed(message):  # a service message, or group chatter
        return expect
    expect.reply = _text_reply(message["text"]) if kind == "text" else "unsupported"
    expect.event = kind
    if message["chat"]["type"] in GROUP_TYPES:
        expect.thread = message["message_id"]
    return expect


def zalo_expectations(lines: Iterable[tuple[bytes, dict[str, Any]]],
                      kb: KnowledgeBase) -> list[Expect]:
    """Numbers are resolved against the choices that chat was last offered, so the
    expectation follows each chat's conversation; an ambiguous number is a bad recording."""
    categories = [c for c in kb.categories if kb.by_category(c.id)]
    offered: dict[str, Any] = {}
    out = []
    for index, (line, payload) in enumerate(lines):
        body = payload.get("result", payload) if isinstance(payload, dict) else {}
        message = body.get("message") if isinstance(body.get("message"), dict) else None
        sender, chat = (message or {}).get("from", {}), (message or {}).get("chat", {})
        key = str((message or {}).get("message_id") or f"line-{index + 1}")
        expect = Expect("zalo", key, str(chat.get("id", "")), line)
        out.append(expect)
        event = body.get("event_name") or _infer_zalo_event(message or {})
        if (message is None or event not in ZALO_EVENTS or not chat.get("id")
                or not sender.get("id") or sender.get("is_bot") is True
                or str(chat.get("chat_type", "PRIVATE")).upper() != "PRIVATE"):
            continue
        expect.event = ZALO_EVENTS[event]
        if expect.event != "text":
            expect.reply, offered[expect.chat] = "unsupported", "other"
            continue
        typed = " ".join(fold(message["text"].lower()).split())
        if typed in {"0", "menu", "danh muc"}:
            expect.reply, offered[expect.chat] = "menu", "menu"
            expect.event = "action" if typed == "0" else "text"
        elif typed.isdigit():
            number, before = int(typed), offered.get(expect.chat)
            expect.event = "action"
            if before is None:
                expect.reply, expect.event, offered[expect.chat] = "stale", None, "other"
            elif before == "menu":
                category = categories[number - 1]
                expect.reply, expect.detail = "category", category.label
                offered[expect.chat] = category.id
            elif before in {c.id for c in categories}:
                topic = kb.by_category(before)[number - 1]
                expect.reply, expect.detail = "topic", topic.title
                offered[expect.chat] = "other"
            else:
                raise AssertionError(f"recording: {typed!r} in chat {expect.chat} is ambiguous")
        else:
            expect.reply, offered[expect.chat] = _text_reply(message["text"]), "other"
    return out


def _infer_zalo_event(message: dict[str, Any]) -> str:
    if isinstance(message.get("text"), str):
        return "message.text.received"
    if message.get("photo"):
        return "message.image.received"
    if message.get("sticker"):
        return "message.sticker.received"
    if message.get("voice_url"):
        return "message.voice.received"
    return "message.unsupported.received"


def load_recordings(kb: KnowledgeBase) -> list[Expect]:
    telegram = [telegram_expectation(line, u, kb) for line, u in
                recorded("telegram_updates.jsonl")]
    return telegram + zalo_expectations(recorded("zalo_updates.jsonl"), kb)


def by_chat(expects: Iterable[Expect]) -> dict[tuple[str, str], list[Expect]]:
    chats: dict[tuple[str, str], list[Expect]] = defaultdict(list)
    for expect in expects:
        chats[(expect.channel, expect.chat)].append(expect)
    return chats


# --- servers on loopback -----------------------------------------------------------------


@asynccontextmanager
async def serve(app: Starlette, *, lifespan: str = "off") -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 inside this loop; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan=lifespan, log_level="warning",
                                           access_log=False, backlog=1024))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn did not start (lifespan failed?)")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=40)
        sock.close()


@pytest.fixture
def fake_tg() -> Iterator[FakeBotAPI]:
    fake = FakeBotAPI()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
async def fake_zalo() -> AsyncIterator[FakeZalo]:
    fake = FakeZalo()

    async def handle(request: Request) -> Response:
        try:
            return await fake.handle(request)
        except ClientDisconnect:  # a "typing…" call the bot stopped waiting for
            return Response(status_code=499)

    app = Starlette(routes=[Route("/bot{token:str}/{method:str}", handle,
                                  methods=["POST", "GET"])])
    async with serve(app) as url:
        fake.url = url
        yield fake


def load_settings(data_dir: Path, fake_tg: FakeBotAPI, fake_zalo: FakeZalo,
                  **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir, "pseudonym_salt": SecretStr("load-test-salt"),
        "webhook_base_url": "https://bot.example.test",
        "telegram_bot_token": SecretStr(TG_TOKEN), "telegram_mode": "webhook",
        "telegram_webhook_secret": SecretStr(TG_SECRET),
        "telegram_api_base_url": fake_tg.base_url,
        "zalo_bot_token": SecretStr(ZALO_TOKEN), "zalo_mode": "webhook",
        "zalo_webhook_secret": SecretStr(ZALO_SECRET), "zalo_api_base_url": fake_zalo.url,
        # Far above any recorded citizen's pace: the flood limit is tested elsewhere.
        "rate_limit_per_minute": 1000, "knowledge_poll_seconds": 3600,
    }
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def running_bot(settings: Settings, fake_tg: FakeBotAPI,
                      fake_zalo: FakeZalo) -> AsyncIterator[tuple[str, Runtime]]:
    """The whole app (both channels, storage, jobs) behind uvicorn, ready for traffic."""
    app = create_app(settings)
    runtime: Runtime = app.state.runtime
    async with serve(app, lifespan="on") as url:
        deadline = time.monotonic() + 20
        while not (fake_tg.sent("setWebhook") and fake_zalo.webhook_url
                   and runtime.knowledge.stored_version is not None):
            assert time.monotonic() < deadline, "the app did not finish starting"
            await asyncio.sleep(0.02)
        yield url, runtime


# --- what arrived at the fake platforms -------------------------------------------------


@dataclass
class Sent:
    """The messages one chat received, cut into replies (one reply = one or more
    messages; the last carries the choices, only "bye" has none)."""

    replies: list[list[dict[str, Any]]] = field(default_factory=list)
    open: list[dict[str, Any]] = field(default_factory=list)  # an unfinished reply


def _cut(messages: Iterable[tuple[str, dict[str, Any], bool]]) -> dict[str, Sent]:
    chats: dict[str, Sent] = defaultdict(Sent)
    for chat, message, last in messages:
        sent = chats[chat]
        sent.open.append(message)
        if last:
            sent.replies.append(sent.open)
            sent.open = []
    return chats


def telegram_sent(fake: FakeBotAPI) -> dict[str, Sent]:
    return _cut((str(c.chat_id), {"text": c.text, **c.params},
                 bool(c.params.get("reply_markup")) or c.text == html.escape(texts.BYE))
                for c in fake.sent("sendMessage"))


def zalo_sent(fake: FakeZalo) -> dict[str, Sent]:
    return _cut((str(c.body.get("chat_id")), c.body,
                 c.body["text"].rstrip().endswith("để chọn.") or c.body["text"] == texts.BYE)
                for c in list(fake.calls) if c.method == "sendMessage")


def replies_so_far(fake_tg: FakeBotAPI, fake_zalo: FakeZalo) -> tuple[int, int, int]:
    return (sum(len(s.replies) for s in telegram_sent(fake_tg).values()),
            len(fake_tg.sent("answerCallbackQuery")),
            sum(len(s.replies) for s in zalo_sent(fake_zalo).values()))


async def wait_for_replies(fake_tg: FakeBotAPI, fake_zalo: FakeZalo, runtime: Runtime,
                           expects: list[Expect]) -> None:
    """Until every reply owed has arrived (or the deadline), then until the bot has
    processed every delivery, so that a late duplicate would be seen too."""
    unique = list({(e.channel, e.key): e for e in expects}.values())
    want = (sum(e.answered for e in unique if e.channel == "telegram"),
            sum(e.callback is not None for e in unique),
            sum(e.answered for e in unique if e.channel == "zalo"))
    deadline = time.monotonic() + REPLY_DEADLINE_S
    while True:
        got = replies_so_far(fake_tg, fake_zalo)
        if all(g >= w for g, w in zip(got, want, strict=True)):
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"replies (telegram, callbacks, zalo): {got}, wanted {want}")
        await asyncio.sleep(0.05)
    telegram = runtime.channels["telegram"]
    await asyncio.wait_for(telegram.application.update_queue.join(),  # type: ignore[attr-defined]
                           timeout=REPLY_DEADLINE_S)
    await asyncio.wait_for(runtime.channels["zalo"].drain(),  # type: ignore[attr-defined]
                           timeout=REPLY_DEADLINE_S)
    await asyncio.sleep(0.2)  # a stray extra message would be in flight now


# --- the replay -----------------------------------------------------------------------------


@dataclass
class Replay:
    """Deliveries and the answers to them. Before a run, a seeded plan says which
    updates the "platform" sends again: some several times at once (a retry overlapping
    the first call), some once more a little later, from another connection."""

    url: str
    rng: random.Random
    statuses: Counter[int] = field(default_factory=Counter)
    concurrent_copies: int = 0
    late_copies: int = 0
    late: list[asyncio.Task[None]] = field(default_factory=list)

    async def post(self, client: httpx.AsyncClient, expect: Expect) -> None:
        response = await client.post(expect.path, content=expect.body, headers=expect.headers)
        self.statuses[response.status_code] += 1

    async def deliver(self, client: httpx.AsyncClient, expect: Expect, copies: int,
                      later: float | None) -> None:
        await asyncio.gather(*(self.post(client, expect) for _ in range(copies)))
        if later is not None:  # only once the first delivery was acknowledged
            self.late.append(asyncio.create_task(self._later(expect, later)))

    async def _later(self, expect: Expect, delay: float) -> None:
        await asyncio.sleep(delay)
        async with httpx.AsyncClient(base_url=self.url, timeout=20, verify=TLS) as client:
            await self.post(client, expect)

    async def run(self, chats: list[list[Expect]], *, clients: int = CLIENTS,
                  duplicates: bool = True) -> None:
        """``clients`` connections; each replays whole chats, one update after another."""
        queue: asyncio.Queue[list[tuple[Expect, int, float | None]]] = asyncio.Queue()
        for chat in chats:
            planned = []
            for expect in chat:
                copies = self.rng.choice([2, 3]) if self.rng.random() < 0.09 else 1
                later = self.rng.random() if self.rng.random() < 0.07 else None
                if not duplicates:
                    copies, later = 1, None
                self.concurrent_copies += copies - 1
                self.late_copies += later is not None
                planned.append((expect, copies, later))
            queue.put_nowait(planned)

        async def client_loop() -> None:
            async with httpx.AsyncClient(base_url=self.url, timeout=20, verify=TLS) as client:
                while not queue.empty():
                    for expect, copies, later in queue.get_nowait():
                        await self.deliver(client, expect, copies, later)

        await asyncio.gather(*(client_loop() for _ in range(clients)))

    async def wave(self, expects: list[Expect], count: int) -> None:
        """A burst of redeliveries of updates answered long ago, all at once."""
        picked = self.rng.sample(expects, count)
        self.late_copies += count
        async with httpx.AsyncClient(base_url=self.url, timeout=20, verify=TLS,
                                     limits=httpx.Limits(max_connections=count)) as client:
            await asyncio.gather(*(self.post(client, e) for e in picked))

    async def settle(self) -> None:
        await asyncio.gather(*self.late)


def shuffled(chats: dict[tuple[str, str], list[Expect]],
             rng: random.Random) -> list[list[Expect]]:
    """The chats in a random order (each chat's own updates keep theirs)."""
    ordered = list(chats.values())
    rng.shuffle(ordered)
    return ordered


# --- checks ---------------------------------------------------------------------------------


def _matches(expect: Expect, reply: list[dict[str, Any]]) -> str | None:
    """Why ``reply`` cannot be the answer to ``expect`` (None when it can)."""
    first, whole = reply[0]["text"], "\n".join(m["text"] for m in reply)
    telegram = expect.channel == "telegram"
    if expect.reply == "unsupported":
        ok = texts.UNSUPPORTED in whole
    elif expect.reply == "menu":
        ok = texts.MENU_TITLE in first
    elif expect.reply == "category":
        title = texts.CATEGORY_TITLE.format(label=expect.detail)
        ok = (html.escape(title, quote=False) if telegram else title) in first
    elif expect.reply == "topic":
        ok = (html.escape(expect.detail, quote=False) if telegram else
              expect.detail.upper()) in whole
    elif expect.reply == "stale":
        ok = STALE in first
    else:
        ok = texts.UNSUPPORTED not in whole and STALE not in whole
    if ok and expect.thread is not None:
        ok = (reply[0].get("reply_parameters") or {}).get("message_id") == expect.thread
    return None if ok else f"{expect.reply} {expect.detail!r} ≠ {first[:120]!r}"


def check_replies(expects: list[Expect], fake_tg: FakeBotAPI, fake_zalo: FakeZalo) -> None:
    sent = {"telegram": telegram_sent(fake_tg), "zalo": zalo_sent(fake_zalo)}
    every = [m for chats in sent.values() for s in chats.values()
             for m in [*[x for r in s.replies for x in r], *s.open]]
    assert not [m["text"] for m in every if m["text"] in (SORRY, texts.FLOOD_NOTICE)]
    chats = by_chat(expects)
    problems = []
    for (channel, chat), chat_expects in chats.items():
        owed = [e for e in chat_expects if e.answered]
        got = sent[channel].pop(chat, Sent())
        if got.open:
            problems.append(f"{channel} {chat}: unfinished reply {got.open[0]['text'][:80]!r}")
        if len(got.replies) != len(owed):
            problems.append(f"{channel} {chat}: {len(got.replies)} replies for "
                            f"{len(owed)} updates: {[e.reply for e in owed]} ← "
                            f"{[r[0]['text'][:60] for r in got.replies]}")
            continue
        for position, (expect, reply) in enumerate(zip(owed, got.replies, strict=True)):
            if (why := _matches(expect, reply)) is not None:
                problems.append(f"{channel} {chat} reply {position + 1}: {why}")
    for channel, rest in sent.items():  # chats the recording never wrote to
        problems += [f"{channel} {chat}: unexpected messages" for chat in rest]
    assert not problems, "\n".join(problems)
    # Every button press answered exactly once; the stale ones say so.
    answers = Counter(c.params["callback_query_id"] for c in fake_tg.sent("answerCallbackQuery"))
    presses = {e.callback: e for e in expects if e.callback}
    assert answers == Counter(list(presses)), "answerCallbackQuery not once per press"
    for call in fake_tg.sent("answerCallbackQuery"):
        expired = presses[call.params["callback_query_id"]].reply == "expired"
        assert (call.params.get("text") == texts.EXPIRED) == expired, call.params


async def stored_events(runtime: Runtime) -> Counter[tuple[str, str]]:
    storage = runtime.storage
    assert storage is not None
    assert await storage.events.flush()
    async with storage.sessions() as session:
        rows = (await session.execute(select(Event.channel, Event.kind, func.count())
                                      .group_by(Event.channel, Event.kind))).all()
    return Counter({(channel, kind): count for channel, kind, count in rows})


def owed_events(expects: Iterable[Expect]) -> Counter[tuple[str, str]]:
    return Counter((e.channel, e.event) for e in expects if e.event is not None)


# --- the tests ------------------------------------------------------------------------------


async def test_replayed_webhook_traffic_loses_nothing_and_answers_once(
        tmp_path: Path, fake_tg: FakeBotAPI, fake_zalo: FakeZalo,
        knowledge: KnowledgeService, caplog: pytest.LogCaptureFixture) -> None:
    expects = load_recordings(knowledge.current.kb)
    answered = [e for e in expects if e.answered]
    telegram_sends = sum(e.channel == "telegram" and e.answered for e in expects)
    assert len(expects) >= 400 and len(answered) >= 300  # the recording is what we think
    assert telegram_sends <= 180  # PTB's limiter sends 30/s: this keeps the test short
    assert len({(e.channel, e.key) for e in expects}) == len(expects)
    settings = load_settings(tmp_path / "data", fake_tg, fake_zalo)
    rng = random.Random(20250619)
    with caplog.at_level(logging.WARNING):
        async with running_bot(settings, fake_tg, fake_zalo) as (url, runtime):
            replay = Replay(url, rng)
            started = time.monotonic()
            await replay.run(shuffled(by_chat(expects), rng))
            await replay.wave(expects, 20)
            await replay.settle()
            await wait_for_replies(fake_tg, fake_zalo, runtime, expects)
            elapsed = time.monotonic() - started
            errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
            events = await stored_events(runtime)

    duplicates = replay.concurrent_copies + replay.late_copies
    assert replay.statuses == Counter({200: len(expects) + duplicates})
    assert replay.concurrent_copies >= 20 and replay.late_copies >= 30
    check_replies(expects, fake_tg, fake_zalo)
    assert events == owed_events(expects)
    assert sum(events.values()) == sum(e.event is not None for e in expects)
    assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors]
    print(f"load: {len(expects)} updates ({len(answered)} answered, {telegram_sends} on "
          f"Telegram), {duplicates} redeliveries, {CLIENTS} clients, {elapsed:.1f} s")


@pytest.mark.postgres
async def test_database_outage_mid_traffic_keeps_replies_and_events(
        tmp_path: Path, pg_url: str, fake_tg: FakeBotAPI, fake_zalo: FakeZalo,
        knowledge: KnowledgeService) -> None:
    """Before, during and after a real outage: every reply still goes out, the demand
    log waits in memory and lands when the database is back, and redeliveries are
    answered once throughout — those of updates claimed before the outage, during it
    and (written with the first claims after it) of updates first seen during it."""
    expects = load_recordings(knowledge.current.kb)
    rng = random.Random(20250620)
    chats = shuffled(by_chat(expects), rng)
    telegram = [c for c in chats if c[0].channel == "telegram"][:24]
    zalo = [c for c in chats if c[0].channel == "zalo"][:36]
    phases = [telegram[i::3] + zalo[i::3] for i in range(3)]
    used = [e for phase in phases for chat in phase for e in chat]
    settings = load_settings(tmp_path / "data", fake_tg, fake_zalo, database_url=pg_url)
    async with running_bot(settings, fake_tg, fake_zalo) as (url, runtime):
        storage = runtime.storage
        assert storage is not None
        replay = Replay(url, rng)
        before = [e for chat in phases[0] for e in chat]
        await replay.run(phases[0], clients=16)
        await replay.settle()
        await wait_for_replies(fake_tg, fake_zalo, runtime, before)
        async with pg_outage(pg_url):
            first_seen = [e for chat in phases[1] for e in chat]
            await replay.run(phases[1], clients=16)  # with concurrent redeliveries
            await replay.wave(before, 10)  # claimed before the outage
            await replay.settle()
            await wait_for_replies(fake_tg, fake_zalo, runtime, before + first_seen)
            assert storage.events.pending > 0  # queued, not lost, not written
        await replay.run(phases[2], clients=16)
        await replay.wave(before, 10)  # claimed before the outage: still claimed after
        await replay.wave(first_seen, 10)  # claimed in memory, written once it returned
        await replay.settle()
        await wait_for_replies(fake_tg, fake_zalo, runtime, used)
        events = await stored_events(runtime)
    assert set(replay.statuses) == {200}
    check_replies(used, fake_tg, fake_zalo)
    assert events == owed_events(used)
