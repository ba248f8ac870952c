"""Sending probes into the app and judging the answers: status, time, what was kept.

Each request is timed with a monotonic clock around the ASGI call (httpx's
``ASGITransport``, in process). The machine is shared, so a request over the limit is
sent once more: only if the repeat is slow too is the input itself slow. At most
:data:`OUTLIER_SHARE` of an entry point's inputs may need the repeat; all are reported.
"""

from __future__ import annotations

import logging
import re
import statistics
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.storage import Storage
from bot.storage.models import Base
from tests.bot.privacy_corpus import readable_secrets

LIMIT_S = 1.0
OUTLIER_SHARE = 0.001
# Columns of ids the system makes (hex ids and pseudonyms, platform chat and update
# ids): nobody types them, and a short secret ("4829") turns up in them by chance.
IDENTIFIERS = frozenset({"id", "user_key", "event_id", "chat_ref", "case_no", "content_hash",
                         "holder", "import_batch", "staff_message", "staff_chat",
                         "processed_updates.key"})
ADDRESS_HEADER = "x-hostile-address"


@dataclass
class Probe:
    """One request: where it goes, what it carries and what may come back."""

    entry: str
    kind: str
    method: str
    path: str
    content: bytes | None = None
    form: Any = None
    params: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: frozenset[int] | None = None  # None: anything below 500
    secrets: tuple[str, ...] = ()
    processed: bool = False  # a webhook update the channel works on after answering

    def short(self) -> str:
        body = self.content if self.content is not None else self.form or self.params
        return f"{self.entry}/{self.kind} {self.method} {self.path[:80]} {str(body)[:300]!r}"


@dataclass
class Result:
    probe: Probe
    status: int
    seconds: float
    error: str = ""
    retimed: float | None = None


def with_address(app: ASGIApp) -> ASGIApp:
    """Let a probe choose its client address (the sign-in limits count per address)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(ADDRESS_HEADER.encode())
            if given:
                scope = {**scope, "client": (given.decode(), 50000)}
        await app(scope, receive, send)

    return wrapped


async def send(client: httpx.AsyncClient, probe: Probe) -> tuple[int, float, str]:
    """(status, seconds, traceback): an exception escaping the app counts as a 500."""
    started = time.perf_counter()
    try:
        response = await client.request(probe.method, probe.path, content=probe.content,
                                        data=probe.form, params=probe.params,
                                        headers=probe.headers)
        status, error = response.status_code, ""
    except Exception:
        status, error = 500, traceback.format_exc(limit=-8)
    return status, time.perf_counter() - started, error


@dataclass
class Ledger:
    """Everything sent to one entry point, and the verdict on it."""

    name: str
    results: list[Result] = field(default_factory=list)

    def add(self, probe: Probe, status: int, seconds: float, error: str = "") -> Result:
        result = Result(probe, status, seconds, error)
        self.results.append(result)
        return result

    async def retime(self, again: Callable[[Probe], Awaitable[float]]) -> None:
        for result in self.slow():
            result.retimed = await again(result.probe)

    def slow(self) -> list[Result]:
        return [r for r in self.results if r.seconds >= LIMIT_S]

    def problems(self) -> list[str]:
        """5xx, statuses outside the contract, and slow inputs that stayed slow when
        re-timed (how many needed a re-time is judged over all entry points)."""
        out = []
        for r in self.results:
            if r.status >= 500:
                out.append(f"{r.status} for {r.probe.short()}\n{r.error}")
            elif r.probe.expect is not None and r.status not in r.probe.expect:
                out.append(f"{r.status} (expected {sorted(r.probe.expect)}) for "
                           f"{r.probe.short()}")
        for r in self.slow():
            if r.retimed is None or r.retimed >= LIMIT_S:
                out.append(f"slow again ({r.seconds:.2f} s, then {r.retimed}) "
                           f"{r.probe.short()}")
        return out

    def summary(self) -> str:
        times = sorted(r.seconds for r in self.results)
        if not times:
            return f"{self.name}: nothing sent"
        cut = int(len(times) * OUTLIER_SHARE)
        kept = times[: len(times) - cut] if cut else times
        statuses = Counter(r.status for r in self.results)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        retimed = [f"{r.seconds:.2f}→{r.retimed:.2f}" for r in self.slow()
                   if r.retimed is not None]
        return (f"{self.name}: {len(times)} inputs, statuses {dict(sorted(statuses.items()))}, "
                f"p50 {statistics.median(times) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
                f"max {times[-1] * 1000:.0f} ms, max without {cut} outliers "
                f"{kept[-1] * 1000:.0f} ms, re-timed {retimed or 'none'}")


def outliers(ledgers: list[Ledger]) -> list[str]:
    """More than :data:`OUTLIER_SHARE` of all inputs over the limit is a finding, even
    if each was fast when re-timed: the machine is busy, but not that busy."""
    total = sum(len(ledger.results) for ledger in ledgers)
    slow = [r for ledger in ledgers for r in ledger.slow()]
    allowed = int(total * OUTLIER_SHARE)
    if len(slow) <= allowed:
        return []
    return [f"{len(slow)} of {total} inputs over {LIMIT_S} s (at most {allowed}): "
            + "; ".join(f"{r.seconds:.2f} s {r.probe.short()[:120]}" for r in slow)]


# --- logs -------------------------------------------------------------------------------


class LogCapture(logging.Handler):
    """Every record at INFO and above, formatted as it would be written."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[tuple[int, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.lines.append((record.levelno, record.name, text))

    def errors(self) -> list[str]:
        return [f"{name}: {text[:1500]}" for level, name, text in self.lines
                if level >= logging.ERROR]


# --- what was kept -----------------------------------------------------------------------


# Hex ids the system writes inside texts and JSON ("fb:y:<event id>"): a short secret
# ("4829") turns up among their digits by chance. At least one letter, so that a long
# number (a card) is never mistaken for one.
_HEX_ID_RE = re.compile(r"\b(?=[0-9a-f]*[a-f])[0-9a-f]{16,}\b")


def strings(value: Any) -> Iterator[str]:
    """The strings inside a column value (JSON columns are walked, numbers skipped)."""
    if isinstance(value, str):
        yield _HEX_ID_RE.sub(" ", value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


async def stored_secrets(storage: Storage, secrets: tuple[str, ...]
                         ) -> set[tuple[str, str, str]]:
    """(table, column, secret) for each secret readable anywhere in the database."""
    found: set[tuple[str, str, str]] = set()
    async with storage.sessions() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in IDENTIFIERS
                       and f"{table.name}.{c.name}" not in IDENTIFIERS]
            rows = (await session.execute(select(*columns))).all()
            for row in rows:
                for column, value in zip(columns, row, strict=True):
                    for text in strings(value):
                        for secret in readable_secrets(text, secrets):
                            found.add((table.name, column.name, secret))
    return found
