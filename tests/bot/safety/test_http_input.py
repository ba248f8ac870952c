"""The shared bounded JSON reader: what it refuses, and that refusing stays cheap."""

from __future__ import annotations

import time

import pytest
from starlette.requests import Request
from starlette.types import Message

from bot.safety.http_input import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    BodyTooLarge,
    InputRejected,
    parse_json,
    read_body,
)


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(("body", "value"), [
    (b'{"a": [1, 2, {"b": "[[[[\\"]]"}]}', {"a": [1, 2, {"b": '[[[["]]'}]}),
    (b'["' + b"[" * 10_000 + b'"]', ["[" * 10_000]),  # brackets inside text do not nest
    (b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, _nested(MAX_DEPTH)),
    (b"[" + b"9" * MAX_INT_DIGITS + b"]", [int("9" * MAX_INT_DIGITS)]),
    (b'{"id": "' + b"1" * 5000 + b'"}', {"id": "1" * 5000}),  # digits in text are text
    ('{"text": "Xin chào"}'.encode(), {"text": "Xin chào"}),
])
def test_ordinary_json_is_read(body: bytes, value: object) -> None:
    assert parse_json(body) == value


@pytest.mark.parametrize("body", [
    b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
    b'{"a":' * 5000 + b"1" + b"}" * 5000,
    b"[" + b"9" * (MAX_INT_DIGITS + 1) + b"]",
    b"[1." + b"0" * 5000 + b"]",
    b'{"t": "\xff"}', b"{", b"", b"[NaN]", b"[Infinity]", b"[1] [2]",
])
def test_hostile_json_is_refused_with_400(body: bytes) -> None:
    with pytest.raises(InputRejected) as refused:
        parse_json(body)
    assert refused.value.status == 400


@pytest.mark.parametrize("body", [
    b"[" * 1_000_000,
    b'"' + b'\\"' * 500_000,  # an unterminated string of escaped quotes
    b'"' * 1_000_000,
    (b"1" * MAX_INT_DIGITS + b",") * 10_000,
    b'["\\' * 300_000,
])
def test_checking_a_megabyte_stays_fast(body: bytes) -> None:
    """The task asks for a check that cannot blow up: linear scans only (a backtracking
    string pattern is quadratic on the escaped-quotes shape)."""
    started = time.perf_counter()
    with pytest.raises(InputRejected):
        parse_json(body)
    assert time.perf_counter() - started < 1.0


def _request(chunks: list[bytes], headers: dict[str, str] | None = None
             ) -> tuple[Request, list[int]]:
    pulled = [0]

    async def receive() -> Message:
        if pulled[0] == len(chunks):
            return {"type": "http.disconnect"}
        pulled[0] += 1
        return {"type": "http.request", "body": chunks[pulled[0] - 1],
                "more_body": pulled[0] < len(chunks)}

    raw = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request({"type": "http", "method": "POST", "headers": raw}, receive), pulled


async def test_reading_stops_at_the_limit() -> None:
    request, pulled = _request([b"x" * 1000] * 1000)
    with pytest.raises(BodyTooLarge) as refused:
        await read_body(request, 4500)
    assert refused.value.status == 413 and pulled[0] == 5


async def test_a_declared_length_over_the_limit_is_not_read() -> None:
    request, pulled = _request([b"x"], {"content-length": "999999"})
    with pytest.raises(BodyTooLarge):
        await read_body(request, 1000)
    assert pulled[0] == 0
    request, pulled = _request([b"x"], {"content-length": "-1"})
    with pytest.raises(InputRejected):
        await read_body(request, 1000)


async def test_a_body_at_the_limit_is_read_whole() -> None:
    request, _ = _request([b"ab", b"cd"])
    assert await read_body(request, 4) == b"abcd"
