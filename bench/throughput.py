"""End-to-end throughput of `serve`'s Telegram webhook path against the bare PTB ceiling.

Usage: python bench/throughput.py [--warmup 300] [--updates 3000] [--concurrency 64] [--rate 200]
                                  [--seconds 10] [--postgres URL | --no-postgres]
                                  [--dev ../shared/eval/dev.jsonl] [--json]

What is measured, in one process pinned to one core (one worker's share of a machine):

* ``ceiling`` — python-telegram-bot 22 with nothing of ours: a Starlette route that
  turns the POSTed JSON into an ``Update`` and queues it (PTB's custom-webhook
  example), an ``Application`` with the same 64 concurrent updates, and a handler
  that only replies.
* ``serve`` — the real app of ``citizen-bot serve`` (``bot.server.create_app``) with
  Telegram in webhook mode: secret check → PTB → duplicate claim in the database →
  per-citizen flood counter → redaction → matcher → follow-up offer → HTML rendering
  → reply, and every event through the batched demand log — on SQLite (WAL, a file
  in a temporary directory) and on PostgreSQL (a database created for the run).

Both get the same updates (citizen questions from the dev set, one new private chat
per update), handed to the ASGI app as uvicorn hands over a parsed request (no HTTP
client or parser is measured, on either side), and the same fake outbound
transport: a ``telegram.request.BaseRequest`` that answers every Bot API call at once
in memory (so neither network nor a fake server is measured) and notes when each
chat's last message was sent. An update's latency runs from the moment it was due
to be POSTed to its chat's last message, so a stalled process is not hidden
("coordinated omission").

The closed loop also reports the process's CPU time per update (every thread, so the
SQLite writer thread counts). On a shared machine it moves much less than updates/s,
which also count the time other processes hold the core: compare variants by it.

Two runs per setup after a warm-up: closed loop (``--updates`` POSTed by
``--concurrency`` clients as fast as replies allow → updates per second), then open
loop (one update every 1/``--rate`` s for ``--seconds`` → p50/p99 latency). The
Telegram send-rate limiter is off in both (``TELEGRAM_SEND_RATE=0``): its 30 messages/s
is Telegram's budget, not this server's capacity. At the end every ``serve`` run is
checked: one event row per update stored, nothing lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, MessageHandler, filters
from telegram.request import BaseRequest, RequestData

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.render import render
from bot.channels.telegram.webhook import PATH, SECRET_HEADER
from bot.config import Settings
from bot.server import build_runtime, create_app
from bot.storage.models import Event
from handlers.conversation import Conversation
from handlers.messages import Incoming
from knowledge.service import KnowledgeService

DEFAULT_DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev.jsonl"
PG_CANDIDATES = ("postgresql://postgres@127.0.0.1:5432/test",
                 "postgresql://root@127.0.0.1:5432/test")
TOKEN = "123456789:AAEbenchTokenNeverSentAnywhere_012345"  # noqa: S105 - fake
SECRET = "bench-webhook-secret-0123456789abcdef"  # noqa: S105 - fake
BOT_USER = {"id": 777000, "is_bot": True, "first_name": "Trợ lý xã",
            "username": "citizen_bench_bot"}
FALLBACK_QUESTIONS = ("làm căn cước cho con ở đâu", "dang ky tam tru online",
                      "gia hạn bhyt hết bao nhiêu tiền", "chào bạn", "giá vàng hôm nay")
WARMUP = 300  # updates before measuring (imports, caches, connections)
QUIET_S = 0.3
REPLY_DEADLINE_S = 120


class FakeTransport(BaseRequest):
    """The Bot API at the process boundary, answered in memory: sends cost nothing."""

    def __init__(self) -> None:
        self.first_sent: dict[int, float] = {}
        self.last_sent: dict[int, float] = {}
        self._message_ids = itertools.count(1)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str,
                         request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1].lower()
        params = request_data.parameters if request_data is not None else {}
        result: Any = True
        if name == "getme":
            result = BOT_USER
        elif name == "sendmessage":
            chat = int(params["chat_id"])
            now = time.perf_counter()
            self.first_sent.setdefault(chat, now)
            self.last_sent[chat] = now
            result = {"message_id": next(self._message_ids), "date": int(time.time()),
                      "chat": {"id": chat, "type": "private"}, "from": BOT_USER,
                      "text": str(params.get("text", ""))}
        return 200, json.dumps({"ok": True, "result": result}).encode()


@dataclass
class Setup:
    name: str
    app: Starlette
    transport: FakeTransport
    count_events: Callable[[], Any] | None = None  # async () -> stored event rows


@dataclass
class Result:
    name: str
    updates_per_s: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # process CPU time per update in the closed loop, every thread
    sent: int
    stored: int | None


# --- the two servers --------------------------------------------------------------------

Replies = dict[str, tuple[list[str], InlineKeyboardMarkup | None]]


def prerendered(questions: Sequence[str]) -> Replies:
    """Each question's Telegram reply as ``serve`` sends it, computed before the run."""
    conversation = Conversation(KnowledgeService.from_directory())
    return {q: render(conversation.handle(Incoming("telegram", "bench", text=q)).reply)
            for q in dict.fromkeys(questions)}


def ceiling_setup(replies: Replies | None = None) -> Setup:
    """An echo bot; with ``replies``, one that sends serve's messages without making them."""
    transport = FakeTransport()
    application = (Application.builder().token(TOKEN).request(transport).updater(None)
                   .concurrent_updates(64).build())

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        if replies is None:
            await message.reply_text("Đã nhận câu hỏi của bạn.")
            return
        chunks, markup = replies[message.text]
        for index, chunk in enumerate(chunks):
            await message.reply_text(chunk, parse_mode=ParseMode.HTML, do_quote=False,
                                     reply_markup=markup if index == len(chunks) - 1 else None)

    application.add_handler(MessageHandler(filters.TEXT, reply))

    async def webhook(request: Request) -> Response:
        update = Update.de_json(await request.json(), application.bot)
        await application.update_queue.put(update)
        return Response()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with application:
            await application.start()
            yield
            await application.stop()

    app = Starlette(routes=[Route(PATH, webhook, methods=["POST"])], lifespan=lifespan)
    name = "bare python-telegram-bot (ceiling)" if replies is None else \
        "bare python-telegram-bot sending serve's replies"
    return Setup(name, app, transport)


def serve_setup(name: str, data_dir: Path, database_url: str | None) -> Setup:
    transport = FakeTransport()
    settings = Settings(
        data_dir=data_dir, database_url=database_url or "", log_level="WARNING",
        telegram_bot_token=TOKEN, telegram_mode="webhook", telegram_webhook_secret=SECRET,
        webhook_base_url="https://bench.invalid", telegram_send_rate=0)
    runtime = build_runtime(settings)
    runtime.channels["telegram"] = TelegramChannel.from_runtime(runtime, request=transport)
    app = create_app(settings, runtime)

    async def count_events() -> int:
        storage = runtime.storage
        assert storage is not None, "the database never connected"
        assert await storage.events.flush(), "the demand log could not be written"
        async with storage.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(Event)) or 0)

    return Setup(name, app, transport, count_events)


# --- load -----------------------------------------------------------------------------

class Feeder:
    """Updates with increasing ids, each from a new private chat."""

    def __init__(self, questions: Sequence[str]) -> None:
        self.questions = questions
        self.next_id = 1

    def take(self, n: int) -> list[tuple[int, bytes]]:
        batch = []
        for _ in range(n):
            i = self.next_id
            self.next_id += 1
            chat = 50_000_000 + i
            person = {"id": chat, "is_bot": False, "first_name": "Dân"}
            update = {"update_id": i, "message": {
                "message_id": i, "date": int(time.time()), "text":
                self.questions[i % len(self.questions)], "from": person,
                "chat": {**person, "type": "private"}}}
            batch.append((chat, json.dumps(update, ensure_ascii=False).encode()))
        return batch


class AsgiClient:
    """POSTs straight into the ASGI app, as uvicorn would after parsing the request:
    no HTTP client's own cost inside the measurement."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "POST", "scheme": "https", "path": path, "raw_path": path.encode(),
            "root_path": "", "query_string": b"", "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8080),
            "headers": [(name.lower().encode(), value.encode()) for name, value in
                        {**headers, "content-length": str(len(body))}.items()],
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        status = 0

        async def receive() -> dict[str, Any]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        return status


async def post(client: AsgiClient, body: bytes) -> None:
    status = await client.post(PATH, body, {SECRET_HEADER: SECRET,
                                            "content-type": "application/json"})
    if status != 200:
        raise RuntimeError(f"webhook answered {status}")


async def wait_replies(transport: FakeTransport, chats: Sequence[int]) -> None:
    """Until every chat has its reply and no message was sent for a moment."""
    deadline = time.perf_counter() + REPLY_DEADLINE_S
    pending = set(chats)
    while True:
        pending.difference_update(transport.first_sent.keys() & pending)
        missing = len(pending)
        quiet = time.perf_counter() - max(transport.last_sent.values(), default=0)
        if not missing and quiet >= QUIET_S:
            return
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{missing} of {len(chats)} updates got no reply")
        await asyncio.sleep(0.02)


async def closed_loop(client: AsgiClient, transport: FakeTransport,
                      batch: list[tuple[int, bytes]], concurrency: int) -> float:
    pending = iter(batch)
    started = time.perf_counter()

    async def worker() -> None:
        for _, body in pending:
            await post(client, body)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    chats = [chat for chat, _ in batch]
    await wait_replies(transport, chats)
    finished = max(transport.last_sent[chat] for chat in chats)
    return len(batch) / (finished - started)


async def open_loop(client: AsgiClient, transport: FakeTransport,
                    batch: list[tuple[int, bytes]], rate: float) -> list[float]:
    due: dict[int, float] = {}
    tasks = []
    start = time.perf_counter() + 0.05
    for index, (chat, body) in enumerate(batch):
        due[chat] = start + index / rate
        delay = due[chat] - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(post(client, body)))
    await asyncio.gather(*tasks)
    await wait_replies(transport, list(due))
    return [(transport.last_sent[chat] - due[chat]) * 1000 for chat in due]


async def measure(setup: Setup, feeder: Feeder, args: argparse.Namespace) -> Result:
    async with setup.app.router.lifespan_context(setup.app):
        client = AsgiClient(setup.app)
        await closed_loop(client, setup.transport, feeder.take(args.warmup), args.concurrency)
        cpu_started = time.process_time()
        ups = await closed_loop(client, setup.transport, feeder.take(args.updates),
                                args.concurrency)
        cpu_ms = (time.process_time() - cpu_started) * 1000 / args.updates
        latencies = await open_loop(client, setup.transport,
                                    feeder.take(int(args.rate * args.seconds)), args.rate)
        sent = len(setup.transport.first_sent)
        stored = await setup.count_events() if setup.count_events else None
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return Result(setup.name, ups, quantiles[49], quantiles[98], cpu_ms, sent, stored)


# --- PostgreSQL -------------------------------------------------------------------------

@contextlib.asynccontextmanager
async def temporary_database(candidates: Sequence[str]) -> AsyncIterator[str | None]:
    """A database created for this run on the first reachable server, dropped after."""
    import asyncpg
    from sqlalchemy.engine import make_url

    for url in candidates:
        plain = make_url(url).set(drivername="postgresql")
        try:
            admin = await asyncpg.connect(plain.render_as_string(hide_password=False),
                                          timeout=3)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            continue
        name = f"citizen_bench_{uuid.uuid4().hex[:8]}"
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield plain.set(drivername="postgresql+asyncpg", database=name
                            ).render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
        return
    yield None


# --- report -----------------------------------------------------------------------------

def table(results: list[Result], args: argparse.Namespace) -> str:
    ceiling = results[0].updates_per_s
    lines = [
        f"updates: {args.warmup} warm-up, {args.updates} closed loop with {args.concurrency} "
        f"clients, {int(args.rate * args.seconds)} open loop at {args.rate:g}/s; one core",
        "",
        "| setup | updates/s | × ceiling | CPU ms/update | p50 ms at "
        f"{args.rate:g}/s | p99 ms at {args.rate:g}/s | replies | events stored |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        stored = "—" if r.stored is None else str(r.stored)
        lines.append(f"| {r.name} | {r.updates_per_s:,.0f} | {r.updates_per_s / ceiling:.2f} "
                     f"| {r.cpu_ms:.2f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.sent} | {stored} |")
    return "\n".join(lines)


def load_questions(path: Path) -> list[str]:
    if not path.exists():  # five questions repeat: the match cache answers almost all
        print(f"{path} not found: measuring {len(FALLBACK_QUESTIONS)} fallback questions "
              "(pass --dev)", file=sys.stderr)
        return list(FALLBACK_QUESTIONS)
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line)["q"] for line in handle if line.strip()]


async def run(args: argparse.Namespace) -> list[Result]:
    questions = load_questions(args.dev)
    results = [await measure(ceiling_setup(), Feeder(questions), args),
               await measure(ceiling_setup(prerendered(questions)), Feeder(questions), args)]
    with tempfile.TemporaryDirectory(prefix="citizen-bench-") as tmp:
        data_dir = Path(tmp) / "sqlite"
        results.append(await measure(serve_setup("serve, SQLite", data_dir, None),
                                     Feeder(questions), args))
        if not args.no_postgres:
            candidates = [args.postgres] if args.postgres else PG_CANDIDATES
            async with temporary_database(candidates) as url:
                if url is not None:
                    setup = serve_setup("serve, PostgreSQL", Path(tmp) / "pg", url)
                    results.append(await measure(setup, Feeder(questions), args))
                elif args.postgres:
                    raise SystemExit(f"PostgreSQL not reachable at {args.postgres}")
    return results


def check(results: list[Result], args: argparse.Namespace) -> None:
    expected = args.warmup + args.updates + int(args.rate * args.seconds)
    for r in results:
        if r.sent != expected or r.stored not in (None, expected):
            raise SystemExit(f"{r.name}: {r.sent} replies and {r.stored} events for "
                             f"{expected} updates — something was lost")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warmup", type=int, default=WARMUP)
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--postgres", help="server URL (default: 127.0.0.1:5432/test)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--cores", type=int, default=1, help="CPU cores to pin to")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[: args.cores]))
    logging.basicConfig(level=logging.ERROR)
    results = asyncio.run(run(args))
    check(results, args)
    by_name = {r.name: r for r in results}
    served = [r for r in results if r.name.startswith("serve")]
    if args.json:
        postgres = by_name.get("serve, PostgreSQL")
        print(json.dumps({
            "ceiling_ups": round(results[0].updates_per_s, 1),
            "sqlite_ups": round(by_name["serve, SQLite"].updates_per_s, 1),
            "postgres_ups": round(postgres.updates_per_s, 1) if postgres else None,
            "ceiling_cpu_ms": round(results[0].cpu_ms, 3),
            "sqlite_cpu_ms": round(by_name["serve, SQLite"].cpu_ms, 3),
            "postgres_cpu_ms": round(postgres.cpu_ms, 3) if postgres else None,
            "p99_ms_at_200ups": round(max(r.p99_ms for r in served), 2),
        }))
    else:
        print(table(results, args))


if __name__ == "__main__":
    main()
