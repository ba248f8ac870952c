"""Hostile request bodies every unauthenticated JSON entry point must refuse with 4xx,
and a raw ASGI driver that measures how much of an endless body an app reads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message

# (name, body, content type): all must be answered 400, never 500.
MALFORMED: list[tuple[str, bytes, str]] = [
    ("nested arrays", b"[" * 5000 + b"]" * 5000, "application/json"),
    ("nested objects", b'{"a":' * 5000 + b"1" + b"}" * 5000, "application/json"),
    ("unclosed nesting", b"[" * 50_000, "application/json"),
    ("huge integer", b'{"update_id": ' + b"9" * 5000 + b"}", "application/json"),
    ("huge integer in a list", b"[" + b"1" * 4301 + b"]", "application/json"),
    ("not utf-8", b'{"text": "\xff\xfe\xfa"}', "application/json"),
    ("latin-1 text", '{"text": "café"}'.encode("latin-1"), "application/json"),
    ("not json", b"{not json", "application/json"),
    ("empty", b"", "application/json"),
    ("NaN", b'{"update_id": NaN}', "application/json"),
    ("form instead of json", b"client_id=abcdefgh&text=hi", "application/x-www-form-urlencoded"),
    ("binary", bytes(range(256)) * 4, "application/octet-stream"),
    ("a bare string", b'"text"', "application/json"),
    ("a bare list", b"[1, 2]", "text/plain"),
]


async def send_endless(app: ASGIApp, path: str, headers: Iterable[tuple[str, str]] = (),
                       *, chunk: int = 64 * 1024, total: int = 300 * 1024 * 1024
                       ) -> tuple[int, int]:
    """POST a chunked body of ``total`` bytes (no Content-Length) straight into ``app``;
    returns (status, bytes the app pulled). An app that stops reading at its limit
    pulls little more than the limit; one that buffers everything pulls ``total``."""
    pulled = 0
    status = 0
    piece = b"[" + b" " * (chunk - 1)

    async def receive() -> Message:
        nonlocal pulled
        if pulled >= total:
            return {"type": "http.disconnect"}
        pulled += len(piece)
        return {"type": "http.request", "body": piece, "more_body": pulled < total}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
        "headers": [(b"content-type", b"application/json"),
                    (b"transfer-encoding", b"chunked"),
                    *((k.lower().encode(), v.encode()) for k, v in headers)],
    }
    await app(scope, receive, send)
    return status, pulled
