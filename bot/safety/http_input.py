"""Reading a JSON request body from a stranger, with bounds that hold before any work.

Every unauthenticated entry point (web chat, Telegram and Zalo webhooks, staff JSON)
reads its body through here, so one rule applies everywhere:

* the size limit is enforced *while* the stream is read — a declared ``Content-Length``
  over the limit is refused unread, a chunked body is cut as soon as it passes the
  limit — so a 1 GB body costs at most ``limit`` bytes of memory;
* nesting depth and the length of integer literals are checked by a linear scan before
  ``json.loads`` runs, because the stdlib parser recurses once per level
  (``RecursionError`` at ~1,000) and refuses integers over 4,300 digits with a bare
  ``ValueError``;
* everything that is not acceptable raises :class:`InputRejected`, which carries the
  HTTP status to answer (400 or 413) — callers never see ``RecursionError``,
  ``UnicodeDecodeError`` or ``json.JSONDecodeError``.

Lives in ``bot/`` (not ``bot/web``) so that channels and web can both import it.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from starlette.requests import ClientDisconnect, Request

MAX_DEPTH = 64  # Telegram's deepest real updates (a reply inside a message) stay under 20
MAX_INT_DIGITS = 100  # ids and dates; a longer integer literal is never legitimate here

# A JSON string literal, escapes included. It cannot fail once it has seen the opening
# quote (an unterminated string or a lone trailing backslash runs to the end), so the
# matches never overlap and the scan stays linear on any input.
_STRING_RE = re.compile(rb'"[^"\\]*(?:\\(?:.|\Z)[^"\\]*)*(?:"|\Z)', re.DOTALL)
# Only tried at the start of a run of digits, so each digit is looked at once.
_LONG_INT_RE = re.compile(rb"(?<!\d)\d{%d}" % (MAX_INT_DIGITS + 1))
# Opening brackets become 1, closing ones 2, everything else is deleted.
_BRACKETS = bytes.maketrans(b"[{]}", b"\x01\x01\x02\x02")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[{]}")
_STEP = (0, 1, -1)


class InputRejected(ValueError):
    """A body we will not process; ``status`` is the HTTP answer (400 or 413)."""

    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BodyTooLarge(InputRejected):
    status = 413


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, at most ``limit`` bytes; stops reading as soon as it is passed."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise InputRejected("bad Content-Length")
        if int(declared) > limit:
            raise BodyTooLarge(f"declared {declared} bytes > {limit}")
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise BodyTooLarge(f"body passed {limit} bytes")
    except ClientDisconnect:
        raise InputRejected("client went away") from None
    return bytes(body)


def parse_json(body: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` for untrusted bytes: UTF-8, bounded depth and integer length."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InputRejected("body is not UTF-8") from None
    check_shape(body, max_depth=max_depth)
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (json.JSONDecodeError, RecursionError, ValueError):
        raise InputRejected("body is not valid JSON") from None


def check_shape(body: bytes, *, max_depth: int = MAX_DEPTH) -> None:
    """Refuse deep nesting and huge integers in time linear in ``len(body)``.

    String literals are blanked first, so brackets and digits inside text do not count.
    """
    skeleton = _STRING_RE.sub(b'""', body)
    if _LONG_INT_RE.search(skeleton):
        raise InputRejected(f"an integer longer than {MAX_INT_DIGITS} digits")
    steps = skeleton.translate(_BRACKETS, _NOT_BRACKETS)
    if steps and max(accumulate(_STEP[b] for b in steps)) > max_depth:
        raise InputRejected(f"nested deeper than {max_depth}")


async def read_json(request: Request, limit: int, *, max_depth: int = MAX_DEPTH) -> Any:
    """The parsed body of ``request`` (any JSON value), or :class:`InputRejected`."""
    return parse_json(await read_body(request, limit), max_depth=max_depth)


def _no_constant(name: str) -> Any:
    raise InputRejected(f"{name} is not JSON")
