"""A small async client for the Zalo Bot Platform API (``/bot<TOKEN>/<method>``).

Every call is a JSON POST; the answer is ``{ok, result, error_code, description}``
and an HTTP 200 can still carry ``ok: false``, which becomes :class:`ZaloApiError`.

Retries (exponential backoff with full jitter, ``Retry-After`` honoured):

* idempotent calls (getMe, getUpdates, set/delete/getWebhook…, sendChatAction) are
  retried on network errors, HTTP 429 and 5xx (or the same ``error_code``), and on 403,
  which Zalo's error table calls "Internal server error" (docs/zalo-api.md);
* ``sendMessage`` is retried only when the message certainly did not go out: the
  connection was never made, or the server refused it with 429. A read timeout or a
  5xx after the request was sent is ambiguous (the citizen may already have the
  text), and a duplicated answer is worse than a log line, so it raises instead.

The token is part of every URL. It never reaches a log line or an exception text:
errors name only the method, and a filter scrubs it from httpx's request log.

The connection pool is never lost. Cancelling an httpx request while it waits in
httpcore's pool can leave a half-made connection that holds a pool slot for ever
(encode/httpcore#1093, open); once every slot is gone each call fails with
``PoolTimeout`` until a restart. So:

* at most ``max_in_flight`` requests (fewer than the pool's connections) are on the
  wire at once; the others wait on our semaphore, so none ever waits inside httpcore;
* a request, once started, runs in its own task and is never cancelled: a caller that
  is cancelled (shutdown) stops waiting, the request finishes within its timeouts;
* "typing…" is best effort: sent only when a slot is free at once, one attempt;
* if the pool does get stuck anyway, ``stuck_after`` consecutive ``PoolTimeout``
  replace the httpx client with a new one (logged), and the retries go through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from bot.channels.zalo.updates import ZaloUpdate, parse_update

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
POLL_TIMEOUT_CODE = 408
RETRYABLE_CODES = frozenset({403, 429, 500, 502, 503, 504})  # 403: Zalo's server error
# The request never reached the server: safe to repeat even for sendMessage.
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
IDEMPOTENT = frozenset({"getMe", "getUpdates", "setWebhook", "deleteWebhook",
                        "getWebhookInfo", "sendChatAction"})
MAX_RETRY_AFTER_S = 30.0
MAX_CONNECTIONS = 32
MAX_IN_FLIGHT = 24  # below MAX_CONNECTIONS: requests queue in our code, not in httpcore
MAX_BEST_EFFORT = 8  # "typing…" calls in flight at once
POOL_TIMEOUT_S = 5.0  # waiting for a connection only happens when the pool is stuck
STUCK_AFTER = 3  # consecutive PoolTimeouts on one pool: replace it
RETIRE_WAIT_S = 60.0  # longest an old pool's requests may still run (getUpdates ~40 s)
CLOSE_WAIT_S = 5.0  # shutdown waits this long for requests on the wire


class ZaloApiError(Exception):
    """The platform said no (``ok: false`` or an HTTP error), or could not be reached.

    ``error_code`` is the platform's code (often the HTTP status); None for a network
    failure. The message never contains the bot token.
    """

    def __init__(self, method: str, error_code: int | None, description: str, *,
                 retry_after: float | None = None) -> None:
        self.method = method
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        code = f" {error_code}" if error_code is not None else ""
        super().__init__(f"Zalo {method} failed{code}: {description}")


class ZaloNetworkError(ZaloApiError):
    """No usable HTTP answer (connection refused, timeout, non-JSON body)."""

    def __init__(self, method: str, description: str, *, sent: bool) -> None:
        super().__init__(method, None, description)
        self.sent = sent  # False: the request certainly never reached the server


@dataclass(frozen=True, slots=True)
class BotInfo:
    id: str
    account_name: str
    account_type: str
    can_join_groups: bool


@dataclass(frozen=True, slots=True)
class WebhookInfo:
    url: str
    updated_at: int | None


@dataclass(frozen=True, slots=True)
class SentMessage:
    message_id: str | None
    date: int | None


class _ScrubToken(logging.Filter):
    """Replace the token in httpx's "HTTP Request: POST …/bot<TOKEN>/…" lines."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and self.token in record.msg:
            record.msg = record.msg.replace(self.token, "***")
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            if any(self.token in str(a) for a in args):
                record.args = tuple(str(a).replace(self.token, "***")
                                    if self.token in str(a) else a for a in args)
        return True


class _Pool:
    """One httpx client and how many of our requests are running on it."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.running = 0
        self.pool_timeouts = 0  # consecutive
        self.idle = asyncio.Event()
        self.idle.set()


class ZaloClient:
    """One per channel; share it between the polling loop, replies and pushes."""

    def __init__(self, token: str, *, base_url: str = DEFAULT_BASE_URL,
                 timeout: float = 10.0, max_retries: int = 3, backoff_base: float = 0.5,
                 backoff_max: float = 8.0, max_connections: int = MAX_CONNECTIONS,
                 max_in_flight: int = MAX_IN_FLIGHT, pool_timeout: float = POOL_TIMEOUT_S,
                 stuck_after: int = STUCK_AFTER) -> None:
        if not token:
            raise ValueError("a Zalo bot token is required")
        if not 1 <= max_in_flight < max_connections:
            raise ValueError("max_in_flight must be at least 1 and below max_connections")
        self._token = token
        self._base = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.stuck_after = stuck_after
        self.rebuilds = 0  # how often a stuck pool was replaced
        self._limits = httpx.Limits(max_connections=max_connections,
                                    max_keepalive_connections=max_connections,
                                    keepalive_expiry=30.0)
        self._timeouts = httpx.Timeout(timeout, pool=pool_timeout)
        self._slots = asyncio.Semaphore(max_in_flight)
        self._pool = _Pool(self._new_http())
        self._pools = [self._pool]  # not closed yet: the current one and retiring ones
        self._running: set[asyncio.Task[httpx.Response]] = set()
        self._best_effort: set[asyncio.Task[None]] = set()
        self._retiring: set[asyncio.Task[None]] = set()
        self._scrub = _ScrubToken(token)
        logging.getLogger("httpx").addFilter(self._scrub)

    def _new_http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self._timeouts, limits=self._limits,
                                 headers={"Content-Type": "application/json"})

    @property
    def in_flight(self) -> int:
        """Requests on the wire now (at most ``max_in_flight``)."""
        return len(self._running)

    async def aclose(self) -> None:
        """Let the requests on the wire finish (briefly), then close every pool."""
        running = self._running | self._best_effort
        if running:
            await asyncio.wait(running, timeout=CLOSE_WAIT_S)
        for task in self._retiring:
            task.cancel()  # our own waits, not requests
        for pool in self._pools:
            await pool.http.aclose()
        self._pools.clear()
        logging.getLogger("httpx").removeFilter(self._scrub)

    def __repr__(self) -> str:
        return f"ZaloClient(base_url={self._base!r})"

    # --- methods -------------------------------------------------------------------

    async def get_me(self) -> BotInfo:
        r = _dict(await self.call("getMe"))
        return BotInfo(str(r.get("id", "")), str(r.get("account_name", "")),
                       str(r.get("account_type", "")), bool(r.get("can_join_groups", False)))

    async def get_updates(self, poll_seconds: int = 30) -> ZaloUpdate | None:
        """Long-poll for one update; None when the poll timed out (408) or was unusable."""
        try:
            # The docs type ``timeout`` as a string (their example sends a number).
            result = await self.call("getUpdates", {"timeout": str(poll_seconds)},
                                     read_timeout=poll_seconds + 10)
        except ZaloApiError as exc:
            if exc.error_code == POLL_TIMEOUT_CODE:
                return None
            raise
        if result is None:
            return None
        return parse_update(result, source="getUpdates")

    async def set_webhook(self, url: str, secret_token: str) -> WebhookInfo:
        return _webhook(await self.call("setWebhook", {"url": url, "secret_token": secret_token}))

    async def delete_webhook(self) -> WebhookInfo:
        return _webhook(await self.call("deleteWebhook"))

    async def get_webhook_info(self) -> WebhookInfo:
        return _webhook(await self.call("getWebhookInfo"))

    async def send_message(self, chat_id: str, text: str) -> SentMessage:
        if not 1 <= len(text) <= 2000:
            raise ValueError(f"sendMessage text must be 1–2000 characters, got {len(text)}")
        r = _dict(await self.call("sendMessage", {"chat_id": chat_id, "text": text}))
        message_id = r.get("message_id")
        date = r.get("date")
        return SentMessage(str(message_id) if message_id is not None else None,
                           date if isinstance(date, int) else None)

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    def send_chat_action_soon(self, chat_id: str, action: str = "typing"
                              ) -> asyncio.Task[None] | None:
        """Start "typing…" in the background if the client is not busy; None if skipped.

        Best effort: one attempt, never raises, never cancelled (await the task with
        ``asyncio.wait`` and a timeout). When every slot is taken the indicator is
        skipped: the answers waiting for a slot matter more than "typing…".
        """
        if self._slots.locked() or len(self._best_effort) >= MAX_BEST_EFFORT:
            return None
        task = asyncio.create_task(self._best_effort_call(
            "sendChatAction", {"chat_id": chat_id, "action": action}))
        self._best_effort.add(task)
        task.add_done_callback(self._best_effort.discard)
        return task

    async def _best_effort_call(self, method: str, params: Mapping[str, Any]) -> None:
        if self._slots.locked():  # the slots were taken since: skip rather than queue
            return
        try:
            await self.call(method, params, retries=0)
        except ZaloApiError as exc:
            log.debug("zalo %s skipped (%s)", method, exc.error_code or exc.description)

    # --- transport -------------------------------------------------------------------

    async def call(self, method: str, params: Mapping[str, Any] | None = None, *,
                   read_timeout: float | None = None, retries: int | None = None) -> Any:
        """POST ``params`` as JSON and return ``result``, retrying as the module explains."""
        idempotent = method in IDEMPOTENT
        max_retries = self.max_retries if retries is None else retries
        attempt = 0
        while True:
            try:
                return await self._once(method, params, read_timeout)
            except ZaloNetworkError as exc:
                retry = idempotent or not exc.sent
                error: ZaloApiError = exc
            except ZaloApiError as exc:
                retry = exc.error_code in RETRYABLE_CODES and (
                    idempotent or exc.error_code == 429)
                error = exc
            if not retry or attempt >= max_retries:
                raise error
            delay = self._delay(attempt, error.retry_after)
            log.warning("zalo %s failed (%s); retry %d/%d in %.2f s", method,
                        error.error_code or error.description, attempt + 1, max_retries,
                        delay)
            await asyncio.sleep(delay)
            attempt += 1

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), MAX_RETRY_AFTER_S)
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** attempt)
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not crypto

    async def _once(self, method: str, params: Mapping[str, Any] | None,
                    read_timeout: float | None) -> Any:
        url = f"{self._base}/bot{self._token}/{method}"
        timeout = self._timeouts if read_timeout is None else httpx.Timeout(
            self.timeout, read=read_timeout, pool=self._timeouts.pool)
        try:
            response = await self._post(url, dict(params or {}), timeout)
        except NOT_SENT_ERRORS as exc:
            raise ZaloNetworkError(method, type(exc).__name__, sent=False) from None
        except httpx.HTTPError as exc:
            raise ZaloNetworkError(method, type(exc).__name__, sent=True) from None
        retry_after = _retry_after(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if response.status_code >= 400:
                raise ZaloApiError(method, response.status_code,
                                   response.reason_phrase or "HTTP error",
                                   retry_after=retry_after)
            raise ZaloNetworkError(method, f"unreadable answer (HTTP {response.status_code})",
                                   sent=True)
        if body.get("ok") is True and response.status_code < 400:
            return body.get("result")
        code = body.get("error_code")
        if not isinstance(code, int) or isinstance(code, bool):
            code = response.status_code if response.status_code >= 400 else None
        description = body.get("description")
        if not isinstance(description, str) or not description:
            description = response.reason_phrase or "request failed"
        params_ra = body.get("parameters")
        if retry_after is None and isinstance(params_ra, dict):
            value = params_ra.get("retry_after")
            retry_after = float(value) if isinstance(value, int | float) else None
        raise ZaloApiError(method, code, description.replace(self._token, "***")[:300],
                           retry_after=retry_after)


    async def _post(self, url: str, body: dict[str, Any], timeouts: httpx.Timeout
                    ) -> httpx.Response:
        """One POST, in its own task: a cancelled caller stops waiting, the request runs on.

        The semaphore's slot is given back when the request ends, not when the caller
        leaves, so never more than ``max_in_flight`` requests reach the pool.
        """
        await self._slots.acquire()
        try:
            pool = self._pool
            task = asyncio.create_task(pool.http.post(url, json=body, timeout=timeouts))
        except BaseException:
            self._slots.release()
            raise
        pool.running += 1
        pool.idle.clear()
        self._running.add(task)
        task.add_done_callback(functools.partial(self._finished, pool))
        return await asyncio.shield(task)

    def _finished(self, pool: _Pool, task: asyncio.Task[httpx.Response]) -> None:
        self._running.discard(task)
        self._slots.release()
        pool.running -= 1
        if pool.running == 0:
            pool.idle.set()
        error = None if task.cancelled() else task.exception()  # retrieved: no warning
        if isinstance(error, httpx.PoolTimeout):
            pool.pool_timeouts += 1
            if pool is self._pool and pool.pool_timeouts >= self.stuck_after:
                self._replace_pool()
        elif error is None:
            pool.pool_timeouts = 0

    def _replace_pool(self) -> None:
        """The health check's cure: a new httpx client; the old one closes once idle."""
        old = self._pool
        self._pool = _Pool(self._new_http())
        self._pools.append(self._pool)
        self.rebuilds += 1
        log.error("zalo: HTTP connection pool stuck (%d PoolTimeouts in a row, %d requests "
                  "still on it); replaced it with a new one", old.pool_timeouts, old.running)
        task = asyncio.create_task(self._retire(old))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    async def _retire(self, pool: _Pool) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pool.idle.wait(), timeout=RETIRE_WAIT_S)
        if pool in self._pools:
            self._pools.remove(pool)
            await pool.http.aclose()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _dict(result: Any) -> dict[str, Any]:
    return result if isinstance(result, dict) else {}


def _webhook(result: Any) -> WebhookInfo:
    r = _dict(result)
    updated = r.get("updated_at")
    return WebhookInfo(str(r.get("url") or ""), updated if isinstance(updated, int) else None)
