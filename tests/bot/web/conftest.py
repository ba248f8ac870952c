"""Fixtures for the web chat: the real app in-process, and served by uvicorn for Chromium.

Browser tests drive Debian's Chromium (/usr/bin/chromium) through Playwright; no
browser is ever downloaded. Without Chromium they are skipped locally, but in CI
(``CI=true``) a missing browser is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from bot.config import Settings
from bot.server import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("web-data")))


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP straight into the ASGI app, with its lifespan running as under uvicorn."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@pytest.fixture(scope="module")
def live_server(app: Starlette) -> Iterator[str]:
    """The real app on 127.0.0.1 and a free port, served from a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if IN_CI:
        pytest.fail(f"{CHROMIUM} is missing in CI: install Debian's chromium (make browser)")
    pytest.skip(f"{CHROMIUM} not installed (run `make browser`); browser tests skipped")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors and uncaught exceptions of :func:`page` (CSP violations land here)."""
    return []


@pytest.fixture
def page(browser: Any, live_server: str, console_errors: list[str]) -> Iterator[Any]:
    """A fresh phone-sized tab (own localStorage) with the chat page loaded."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN",
                                  has_touch=True, is_mobile=True)
    context.set_default_timeout(5000)
    tab = context.new_page()
    tab.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda exc: console_errors.append(f"uncaught: {exc}"))
    tab.goto(live_server + "/")
    try:
        yield tab
    finally:
        context.close()
