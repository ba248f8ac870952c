"""Several worker processes behind one port share everything through the database."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.editing.editor import KnowledgeEditor
from bot.storage import Storage
from bot.storage.models import Event
from knowledge.service import KnowledgeService
from tests.conftest import REPO

# A `serve --workers 2` process tree: `make test` runs this module on its own, after the
# parallel part (the "serial" marker, pyproject.toml).
pytestmark = pytest.mark.serial

NEW_WORDING = "xin cái thẻ chíp cho đứa nhỏ mới đẻ ở đâu"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ask(port: int, text: str) -> tuple[dict, dict]:
    headers = {"Connection": "close"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10) as c:
        reply = c.post("/api/chat", json={"client_id": "worker-test-1", "text": text}).json()
        health = c.get("/healthz").json()
    return reply, health


class Workers:
    """`citizen-bot serve --workers 2` as a real process tree on a free port."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        env = {**os.environ, "DATA_DIR": str(data_dir), "KNOWLEDGE_POLL_SECONDS": "0.3",
               "LOG_LEVEL": "WARNING"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--workers", "2", "--port",
             str(self.port)], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)

    def wait_ready(self, timeout: float = 60) -> set[int]:
        deadline = time.monotonic() + timeout
        pids: set[int] = set()
        while time.monotonic() < deadline and len(pids) < 2:
            try:
                with httpx.Client(timeout=2, headers={"Connection": "close"}) as client:
                    health = client.get(f"http://127.0.0.1:{self.port}/healthz").json()
                if health.get("stored_version"):
                    pids.add(health["worker"])
            except httpx.HTTPError:
                time.sleep(0.2)
        return pids

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise
        return self.proc.returncode


@pytest.fixture
def workers(tmp_path: Path):
    server = Workers(tmp_path)
    try:
        assert len(server.wait_ready()) == 2, "two workers should answer"
        yield server
    finally:
        server.stop()


async def count_events(data_dir: Path) -> int:
    storage = await Storage.open(Settings(data_dir=data_dir))
    try:
        async with storage.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Event)) or 0
    finally:
        await storage.close()


async def test_knowledge_edit_reaches_every_worker_and_events_are_kept(
        workers: Workers) -> None:
    storage = await Storage.open(Settings(data_dir=workers.data_dir))
    try:
        editor = KnowledgeEditor(KnowledgeService.from_directory(), lambda: storage)
        await editor.sync()
        await editor.add_question("can-cuoc-cap-moi", NEW_WORDING, author="test", source="cli")
    finally:
        await storage.close()
    seen: dict[int, str | None] = {}
    asked = 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        reply, health = ask(workers.port, NEW_WORDING)
        asked += 1
        seen[health["worker"]] = reply["reply"]["topic"]
        if len(seen) == 2 and set(seen.values()) == {"can-cuoc-cap-moi"}:
            break
        await asyncio.sleep(0.1)
    assert len(seen) == 2 and set(seen.values()) == {"can-cuoc-cap-moi"}, seen
    assert workers.stop() == 0
    assert await count_events(workers.data_dir) == asked
