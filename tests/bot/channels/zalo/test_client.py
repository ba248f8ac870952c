"""The HTTP client against the fake Zalo API: typed results, errors, retries, no token leaks."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator

import pytest

from bot.channels.zalo.client import (
    BotInfo,
    WebhookInfo,
    ZaloApiError,
    ZaloClient,
    ZaloNetworkError,
)
from handlers.messages import MessageKind
from tests.bot.channels.zalo.conftest import TOKEN, FakeZalo, message


@pytest.fixture
async def client(fake_zalo: FakeZalo) -> AsyncIterator[ZaloClient]:
    c = ZaloClient(TOKEN, base_url=fake_zalo.url, backoff_base=0.01, backoff_max=0.02)
    yield c
    await c.aclose()


async def test_typed_results(client: ZaloClient, fake_zalo: FakeZalo) -> None:
    assert await client.get_me() == BotInfo("1459232241454765289", "bot.TestXa", "BASIC",
                                            False)
    info = await client.set_webhook("https://bot.example.vn/zalo/webhook", "s" * 8)
    assert info.url == "https://bot.example.vn/zalo/webhook" and info.updated_at
    assert (await client.get_webhook_info()).url == info.url
    assert (await client.delete_webhook()).url == ""
    sent = await client.send_message("chat-1", "Xin chào")
    assert sent.message_id and sent.date
    await client.send_chat_action("chat-1")
    assert [c.method for c in fake_zalo.calls] == [
        "getMe", "setWebhook", "getWebhookInfo", "deleteWebhook", "sendMessage",
        "sendChatAction"]
    assert fake_zalo.calls[-2].body == {"chat_id": "chat-1", "text": "Xin chào"}
    assert fake_zalo.calls[-1].body == {"chat_id": "chat-1", "action": "typing"}


async def test_get_updates_one_per_call_and_408_is_no_update(client: ZaloClient,
                                                             fake_zalo: FakeZalo) -> None:
    fake_zalo.poll_wait = 0.05
    assert await client.get_updates(30) is None  # HTTP 408, error_code 408
    assert fake_zalo.of("getUpdates")[0].body == {"timeout": "30"}
    fake_zalo.updates.put_nowait(message("một", message_id="a")["result"])
    fake_zalo.updates.put_nowait(message("hai", message_id="b")["result"])
    first = await client.get_updates(30)
    second = await client.get_updates(30)
    assert first is not None and first.text == "một" and first.kind is MessageKind.TEXT
    assert second is not None and second.text == "hai"
    assert await client.get_updates(30) is None


async def test_ok_false_with_http_200_raises(client: ZaloClient, fake_zalo: FakeZalo) -> None:
    fake_zalo.script("sendMessage", 200, {"ok": False, "error_code": 403,
                                          "description": "User has blocked the bot"})
    with pytest.raises(ZaloApiError) as err:
        await client.send_message("chat-1", "xin chào")
    assert err.value.error_code == 403
    assert err.value.description == "User has blocked the bot"
    assert len(fake_zalo.of("sendMessage")) == 1  # not retried


async def test_setwebhook_refusal_is_an_error(client: ZaloClient) -> None:
    with pytest.raises(ZaloApiError) as err:
        await client.set_webhook("https://x.vn/zalo/webhook", "short")
    assert err.value.error_code == 400 and "secret_token" in err.value.description


async def test_429_is_retried_honouring_retry_after(client: ZaloClient,
                                                    fake_zalo: FakeZalo) -> None:
    fake_zalo.script("sendMessage", 429, {"ok": False, "error_code": 429,
                                          "description": "Too Many Requests"},
                     headers={"Retry-After": "0.3"})
    started = time.monotonic()
    sent = await client.send_message("chat-1", "xin chào")
    assert sent.message_id
    calls = fake_zalo.of("sendMessage")
    assert len(calls) == 2 and calls[1].at - calls[0].at >= 0.28
    assert time.monotonic() - started < 2


async def test_429_in_body_with_http_200_is_retried(client: ZaloClient,
                                                    fake_zalo: FakeZalo) -> None:
    fake_zalo.script("getMe", 200, {"ok": False, "error_code": 429,
                                    "description": "Too Many Requests"}, times=2)
    assert (await client.get_me()).account_name == "bot.TestXa"
    assert len(fake_zalo.of("getMe")) == 3


async def test_persistent_429_gives_up_after_max_retries(client: ZaloClient,
                                                         fake_zalo: FakeZalo) -> None:
    fake_zalo.script("getWebhookInfo", 429, {"ok": False, "error_code": 429,
                                             "description": "slow down"}, times=10)
    with pytest.raises(ZaloApiError) as err:
        await client.get_webhook_info()
    assert err.value.error_code == 429
    assert len(fake_zalo.of("getWebhookInfo")) == 1 + client.max_retries


async def test_5xx_retried_for_idempotent_calls(client: ZaloClient,
                                                fake_zalo: FakeZalo) -> None:
    fake_zalo.script("getWebhookInfo", 502, "<html>Bad Gateway</html>", times=2)
    assert isinstance(await client.get_webhook_info(), WebhookInfo)
    assert len(fake_zalo.of("getWebhookInfo")) == 3


async def test_403_is_zalos_server_error_retried_like_5xx(client: ZaloClient,
                                                         fake_zalo: FakeZalo) -> None:
    """Zalo's error table: 403 = "Internal server error" (not "forbidden")."""
    fake_zalo.script("getWebhookInfo", 200, {"ok": False, "error_code": 403,
                                             "description": "Internal server error"})
    assert isinstance(await client.get_webhook_info(), WebhookInfo)
    assert len(fake_zalo.of("getWebhookInfo")) == 2


async def test_5xx_on_send_message_is_not_retried(client: ZaloClient,
                                                  fake_zalo: FakeZalo) -> None:
    # The message may have been delivered before the 5xx: a retry could duplicate it.
    fake_zalo.script("sendMessage", 500, {"ok": False, "error_code": 500,
                                          "description": "Internal error"})
    with pytest.raises(ZaloApiError) as err:
        await client.send_message("chat-1", "xin chào")
    assert err.value.error_code == 500
    assert len(fake_zalo.of("sendMessage")) == 1


async def test_unreadable_answer_is_a_network_error(client: ZaloClient,
                                                    fake_zalo: FakeZalo) -> None:
    fake_zalo.script("sendMessage", 200, "not json")
    with pytest.raises(ZaloNetworkError):
        await client.send_message("chat-1", "xin chào")
    assert len(fake_zalo.of("sendMessage")) == 1


async def test_connection_refused_is_retried_then_raised() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    c = ZaloClient(TOKEN, base_url=f"http://127.0.0.1:{port}", backoff_base=0.01,
                   backoff_max=0.02, max_retries=2)
    try:
        with pytest.raises(ZaloNetworkError) as err:
            await c.send_message("chat-1", "xin chào")
        assert err.value.sent is False and err.value.error_code is None
    finally:
        await c.aclose()


async def test_send_message_refuses_bad_lengths_locally(client: ZaloClient,
                                                        fake_zalo: FakeZalo) -> None:
    for text in ("", "x" * 2001):
        with pytest.raises(ValueError):
            await client.send_message("chat-1", text)
    assert not fake_zalo.calls


async def test_token_never_in_logs_or_errors(fake_zalo: FakeZalo,
                                             caplog: pytest.LogCaptureFixture) -> None:
    c = ZaloClient(TOKEN, base_url=fake_zalo.url, backoff_base=0.01, backoff_max=0.02)
    fake_zalo.script("getMe", 500, {"ok": False, "error_code": 500,
                                    "description": f"bad token {TOKEN}"}, times=10)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(ZaloApiError) as err:
            await c.get_me()
        await c.send_message("chat-1", "xin chào")
    await c.aclose()
    secret_part = TOKEN.split(":", 1)[1]
    assert "HTTP Request" in caplog.text  # httpx did log the URLs…
    assert secret_part not in caplog.text  # …without the token
    assert secret_part not in str(err.value) and secret_part not in repr(c)
    assert err.value.__cause__ is None


# --- the connection pool is never lost -------------------------------------------------------


async def test_requests_queue_in_the_client_not_in_the_pool(fake_zalo: FakeZalo) -> None:
    fake_zalo.delays["sendMessage"] = 0.1
    c = ZaloClient(TOKEN, base_url=fake_zalo.url, max_connections=5, max_in_flight=4)
    try:
        sends = [asyncio.create_task(c.send_message(f"chat-{i}", "xin chào"))
                 for i in range(40)]
        await asyncio.sleep(0.05)
        assert c.in_flight == 4
        assert c.send_chat_action_soon("chat-x") is None  # busy: "typing…" is skipped
        await asyncio.gather(*sends)
    finally:
        await c.aclose()
    assert len(fake_zalo.sent()) == 40 and fake_zalo.peak == 4
    assert not fake_zalo.of("sendChatAction")


async def test_typing_is_sent_when_the_client_is_free(client: ZaloClient,
                                                      fake_zalo: FakeZalo) -> None:
    task = client.send_chat_action_soon("chat-1")
    assert task is not None
    await task
    assert fake_zalo.of("sendChatAction")[0].body == {"chat_id": "chat-1", "action": "typing"}


async def test_a_cancelled_caller_leaves_its_request_running(client: ZaloClient,
                                                             fake_zalo: FakeZalo) -> None:
    # Cancelling a request inside httpx can leak a pool slot (encode/httpcore#1093):
    # the caller stops waiting, the request itself finishes.
    fake_zalo.delays["sendMessage"] = 0.3
    caller = asyncio.create_task(client.send_message("chat-1", "một"))
    await asyncio.sleep(0.1)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert client.in_flight == 1
    await fake_zalo.wait_for(lambda: client.in_flight == 0)
    assert fake_zalo.sent("chat-1") == ["một"]
    fake_zalo.delays.clear()
    assert (await client.send_message("chat-1", "hai")).message_id


async def test_a_stuck_pool_is_replaced_and_the_send_goes_out(
        fake_zalo: FakeZalo, caplog: pytest.LogCaptureFixture) -> None:
    fake_zalo.delays["getWebhookInfo"] = 3.0
    c = ZaloClient(TOKEN, base_url=fake_zalo.url, backoff_base=0.01, backoff_max=0.02,
                   max_connections=3, max_in_flight=2, pool_timeout=0.2, stuck_after=2)
    # Leaked slots, as httpcore#1093 leaves them: every connection of the pool held by
    # requests made around the client's own bounds, which do not end for seconds.
    stuck = c._pool.http
    leaked = [asyncio.create_task(stuck.post(f"{fake_zalo.url}/bot{TOKEN}/getWebhookInfo",
                                             json={})) for _ in range(3)]
    await asyncio.sleep(0.2)
    try:
        with caplog.at_level(logging.ERROR, logger="bot.channels.zalo.client"):
            started = time.monotonic()
            sent = await c.send_message("chat-1", "xin chào")
        assert sent.message_id and fake_zalo.sent("chat-1") == ["xin chào"]
        assert time.monotonic() - started < 2
        assert c.rebuilds == 1
        assert "connection pool stuck" in caplog.text
        assert (await c.send_message("chat-1", "lần nữa")).message_id  # no new PoolTimeout
        assert c.rebuilds == 1
    finally:
        for task in leaked:
            task.cancel()
        await asyncio.gather(*leaked, return_exceptions=True)
        await c.aclose()


async def test_in_flight_must_stay_below_the_pool_size() -> None:
    with pytest.raises(ValueError):
        ZaloClient(TOKEN, max_connections=4, max_in_flight=4)
