"""Runtime configuration from environment variables and an optional `.env` file.

Defaults make the local run work with nothing configured: a SQLite file under
``DATA_DIR`` and the starter knowledge base shipped in the package.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import time
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.loader import DEFAULT_CONTENT_DIR

# An absolute http(s) address with no spaces, quotes or angle brackets (it ends up in links).
_PUBLIC_URL = re.compile(r"^https?://[^\s/?#<>\"'`]+(/[^\s?#<>\"'`]*)?$", re.IGNORECASE)


class Settings(BaseSettings):
    """Every knob the operator can turn; documented in README and `.env.example`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str = ""
    knowledge_dir: Path = DEFAULT_CONTENT_DIR
    dictionary_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: str = "INFO"
    timezone: str = "Asia/Ho_Chi_Minh"

    def today(self) -> dt.date:
        """The commune's date: a fee that ends on 31/12 ends at its midnight."""
        return dt.datetime.now(ZoneInfo(self.timezone)).date()

    # Privacy
    pseudonym_salt: SecretStr | None = None
    retention_days: int = Field(default=180, ge=1)

    # How often each worker checks the database for a newer knowledge version (seconds).
    knowledge_poll_seconds: float = Field(default=5.0, gt=0)

    # Conversation limits
    max_message_chars: int = Field(default=4000, ge=100)

    # --- Staff workspace (/staff, bot/web/staff) ------------------------------------
    # Key that signs staff session cookies (generated into DATA_DIR if empty).
    staff_session_secret: SecretStr | None = None
    # Hours a staff sign-in lasts before the password is asked again.
    staff_session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    # true: an editor's change goes live only after a reviewer approves it;
    # false: single step (tiny communes), every saved change is live at once.
    review_required: bool = True
    # Behind a reverse proxy (deploy/nginx.conf): take the client address for the
    # sign-in rate limit from X-Forwarded-For and https from X-Forwarded-Proto.
    staff_behind_proxy: bool = False
    # Public address where staff open this server, e.g. https://bot.example.gov.vn: links
    # in the weekly summary (summary.html/.md, the Telegram staff post) are made absolute
    # with it. Empty: WEBHOOK_BASE_URL if set, else the summary says where to click
    # instead of linking (a relative link breaks once the file is opened from disk).
    public_base_url: str = ""

    @field_validator("public_base_url")
    @classmethod
    def _check_public_base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not _PUBLIC_URL.match(value):
            raise ValueError("PUBLIC_BASE_URL must be an http(s):// address such as "
                             "https://bot.example.gov.vn")
        return value

    @property
    def public_url(self) -> str:
        """``PUBLIC_BASE_URL``, else ``WEBHOOK_BASE_URL`` (when it is a usable address), else
        empty: the base of absolute links to the staff workspace."""
        if self.public_base_url:
            return self.public_base_url
        fallback = self.webhook_base_url.strip().rstrip("/")
        return fallback if _PUBLIC_URL.match(fallback) else ""

    # --- Telegram (bot/channels/telegram, bot/turns/handoff.py) -------------------------------
    # The channel runs in `citizen-bot serve` only when a token is set.
    telegram_bot_token: SecretStr | None = None
    # polling: no public address needed; webhook: Telegram POSTs to /telegram/webhook.
    telegram_mode: Literal["polling", "webhook"] = "polling"
    # Webhook mode only: 32-256 characters of [A-Za-z0-9_-]; start-up refuses anything weaker.
    telegram_webhook_secret: SecretStr | None = None
    # Public https address of this server (webhook mode), e.g. https://bot.example.gov.vn
    webhook_base_url: str = ""
    # Bot API endpoint (a local Bot API server, or the tests' fake); the token is appended.
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # Messages per second this worker sends before waiting (python-telegram-bot's
    # AIORateLimiter; Telegram asks bots to stay near 30/s overall — divide by the number
    # of workers). 0 = no proactive limit: only Telegram's 429 answers slow sending down.
    telegram_send_rate: float = Field(default=30, ge=0)
    # Staff chats that receive handoffs and the weekly report: comma list of Telegram chat
    # ids ("-1001234,5678"); "zalo:<id>" entries are Zalo staff chats.
    staff_chat_ids: str = ""
    # Numeric Telegram user ids allowed to use staff commands and buttons (comma list).
    admin_user_ids: str = ""
    # Inbound messages per citizen per minute before a polite "slow down" (0 = no limit).
    rate_limit_per_minute: int = Field(default=20, ge=0)

    # --- Outreach (bot/outreach): campaigns to subscribers ----------------------------------
    # Announcements per second across all workers (each worker takes its share); Telegram
    # allows ~30/s overall, kept lower so replies to citizens still flow. 0 = no limit.
    outreach_telegram_rate: float = Field(default=20, ge=0)
    # Zalo publishes no limit: a conservative rate.
    outreach_zalo_rate: float = Field(default=2, ge=0)
    # Share of each campaign's audience held back (not sent) to measure the effect.
    outreach_holdback_pct: int = Field(default=10, ge=0, le=50)

    @cached_property
    def staff_targets(self) -> tuple[tuple[str, str], ...]:
        """``STAFF_CHAT_IDS`` as ``(channel, chat id)`` pairs; bare ids are Telegram chats."""
        targets: list[tuple[str, str]] = []
        for raw in self.staff_chat_ids.split(","):
            item = raw.strip()
            if not item:
                continue
            channel, sep, chat = item.partition(":")
            if not sep:
                channel, chat = "telegram", item
            channel, chat = channel.strip().lower(), chat.strip()
            if channel not in {"telegram", "zalo"} or not chat:
                raise ValueError(f"STAFF_CHAT_IDS: cannot read {item!r}")
            if channel == "telegram" and not chat.lstrip("-").isdigit():
                raise ValueError(f"STAFF_CHAT_IDS: Telegram chat ids are numbers, not {item!r}")
            if (channel, chat) not in targets:
                targets.append((channel, chat))
        return tuple(targets)

    @cached_property
    def admin_ids(self) -> frozenset[int]:
        """``ADMIN_USER_IDS`` as numbers (usernames can change, ids cannot)."""
        ids = [x.strip() for x in self.admin_user_ids.split(",") if x.strip()]
        bad = [x for x in ids if not x.isdigit()]
        if bad:
            raise ValueError(f"ADMIN_USER_IDS: numeric Telegram user ids only, not {bad}")
        return frozenset(int(x) for x in ids)

    # --- Zalo Bot Platform (bot/channels/zalo) ---------------------------------------
    # Webhook mode also uses WEBHOOK_BASE_URL above (shared with Telegram).
    # The token from "Zalo Bot Manager"; setting it enables the Zalo channel in `serve`.
    zalo_bot_token: SecretStr | None = None
    # polling: the bot asks Zalo for messages (no public address needed);
    # webhook: Zalo posts to WEBHOOK_BASE_URL + /zalo/webhook (HTTPS, public host).
    zalo_mode: Literal["polling", "webhook"] = "polling"
    # Webhook mode only: 16–256 random characters (Zalo allows 8+; we refuse weak ones).
    zalo_webhook_secret: SecretStr | None = None
    zalo_api_base_url: str = "https://bot-api.zaloplatforms.com"

    @cached_property
    def effective_database_url(self) -> str:
        """``DATABASE_URL`` or a SQLite file inside ``DATA_DIR``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'citizen-bot.sqlite3').resolve()}"

    def salt(self) -> bytes:
        """The pseudonymisation key: configured, or generated once and kept in DATA_DIR.

        A generated salt must survive restarts, otherwise the same citizen would
        get a new pseudonym every time the bot starts.
        """
        if self.pseudonym_salt is not None:
            return self.pseudonym_salt.get_secret_value().encode()
        return read_or_create_secret(self.data_dir / "pseudonym.salt")

    def staff_secret(self) -> bytes:
        """The staff cookie signing key: configured, or generated once into DATA_DIR."""
        if self.staff_session_secret is not None:
            return self.staff_session_secret.get_secret_value().encode()
        return read_or_create_secret(self.data_dir / "staff-session.secret")


def read_or_create_secret(path: Path) -> bytes:
    """A random secret kept in a file; created atomically so racing workers agree."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    for _ in range(50):  # another worker may be writing it this very moment
        value = path.read_text().strip()
        if value:
            return value.encode()
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty")


def get_settings() -> Settings:
    """Read settings fresh (tests build their own :class:`Settings`)."""
    return Settings()
