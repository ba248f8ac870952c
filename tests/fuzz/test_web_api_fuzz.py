"""`POST /api/chat` with malformed, mistyped and hostile bodies: a reply or a 400, nothing else.

The documented contract (bot/web/app.py): a JSON object of at most 64 KB with a string
``client_id`` of 8–64 characters, an optional string ``text`` and an optional string
``action`` of at most 80 characters gets 200 and a reply; anything else gets 400.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import Settings
from bot.safety.http_input import InputRejected, parse_json
from bot.server import create_app
from bot.web.app import MAX_ACTION_CHARS, MAX_BODY_BYTES
from tests.fuzz.strategies import FUZZ, INJECTION, hostile_text


class Client:
    """The real app, its lifespan and an httpx client, kept open on one event loop."""

    def __init__(self, data_dir: Path) -> None:
        self.runner = asyncio.Runner()
        # Parsing is under test here, not the flood limit (tests/bot/web/test_chat_hostile.py).
        self.app = create_app(Settings(data_dir=data_dir, rate_limit_per_minute=0))
        self._lifespan = self.app.router.lifespan_context(self.app)
        self.runner.run(self._lifespan.__aenter__())
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                      base_url="http://testserver")

    def post(self, content: bytes) -> httpx.Response:
        return self.runner.run(self.http.post(
            "/api/chat", content=content, headers={"content-type": "application/json"}))

    def close(self) -> None:
        self.runner.run(self.http.aclose())
        self.runner.run(self._lifespan.__aexit__(None, None, None))
        self.runner.close()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    c = Client(tmp_path_factory.mktemp("fuzz-web"))
    try:
        yield c
    finally:
        c.close()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8)
client_ids = st.one_of(st.text(min_size=8, max_size=64), st.text(max_size=7),
                       st.text(min_size=65, max_size=80), json_values)
bodies = st.fixed_dictionaries(
    {"client_id": client_ids},
    optional={"text": st.one_of(hostile_text, st.sampled_from(INJECTION), json_values),
              "action": st.one_of(st.text(max_size=100), json_values),
              "extra": json_values})


def expected_ok(body: object) -> bool:
    if not isinstance(body, dict):
        return False
    cid, text, action = body.get("client_id"), body.get("text"), body.get("action")
    return (isinstance(cid, str) and 8 <= len(cid) <= 64
            and (text is None or isinstance(text, str))
            and (action is None or (isinstance(action, str) and len(action) <= MAX_ACTION_CHARS)))


def readable(content: bytes) -> bool:
    try:
        parse_json(content)
    except InputRejected:
        return False
    return True


def check(response: httpx.Response, ok: bool, *, too_big: bool = False) -> None:
    expected = 200 if ok else 413 if too_big else 400
    assert response.status_code == expected, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    if ok:
        assert isinstance(data["event_id"], str) and isinstance(data["reply"]["blocks"], list)
    else:
        assert isinstance(data["error"], str)


@FUZZ
@given(body=bodies)
def test_json_bodies_get_a_reply_or_a_400(client: Client, body: dict[str, object]) -> None:
    content = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    too_big = len(content) > MAX_BODY_BYTES
    ok = expected_ok(body) and not too_big and readable(content)
    check(client.post(content), ok, too_big=too_big)


@FUZZ
@given(content=st.one_of(
    st.binary(max_size=200),
    hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"", b"{", b"[]", b"null", b'{"client_id": "12345678"', b"\xff\xfe{}",
                     b'{"client_id": "12345678", "text": "\\ud800"}', b"NaN", b"1e999999"])))
def test_malformed_bodies_never_crash_the_app(client: Client, content: bytes) -> None:
    try:
        body = parse_json(content)  # the shared rule: no NaN/Infinity, bounded depth/ints
    except InputRejected:
        body = None
    check(client.post(content), expected_ok(body))


@pytest.mark.parametrize("size", [60_000, 100_000])
def test_large_messages(client: Client, size: int) -> None:
    text = ("Làm căn cước <b>ở đâu</b>? '; DROP TABLE events; -- " * 3000)[:size]
    content = json.dumps({"client_id": "fuzz-client-1", "text": text}).encode()
    too_big = len(content) > MAX_BODY_BYTES
    check(client.post(content), not too_big, too_big=too_big)
