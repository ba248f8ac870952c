"""The bot token and the webhook secret never reach a log line, at any level, from any
logger: a real conversation through PTB's HTTP client to the fake Bot API, at DEBUG."""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest

from tests.bot.channels.telegram.conftest import SECRET, TOKEN, Harness

FORMS = (TOKEN, quote(TOKEN, safe=""), SECRET)


async def test_no_secret_in_any_log_line_at_debug(tg: Harness,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await tg.say(7001, "/start")
    await tg.say(7001, "làm căn cước", count=1)
    third_party = logging.getLogger("some.library")
    third_party.debug("calling https://api.example/bot%s/getMe with %r", TOKEN,
                      {"secret_token": SECRET})
    try:
        raise RuntimeError(f"POST /bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        third_party.exception("request failed")

    bot_api_lines = [r for r in caplog.records if "/bot***/" in r.getMessage()
                     and r.name == "httpx"]
    assert bot_api_lines, "the Bot API requests were not logged at all"
    assert any(r.levelno == logging.DEBUG for r in caplog.records)
    for form in FORMS:
        assert form not in caplog.text
        for record in caplog.records:
            assert form not in record.getMessage()
            assert form not in (record.exc_text or "")
    assert "RuntimeError: POST /bot***/sendMessage failed" in caplog.text
