"""Runtime configuration from environment variables and an optional `.env` file.

Defaults make the local run work with nothing configured: a SQLite file under
``DATA_DIR`` and the starter knowledge base shipped in the package.
"""

from __future__ import annotations

import os
import secrets
import time
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.loader import DEFAULT_CONTENT_DIR


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

    # Privacy
    pseudonym_salt: SecretStr | None = None
    retention_days: int = Field(default=180, ge=1)

    # How often each worker checks the database for a newer knowledge version (seconds).
    knowledge_poll_seconds: float = Field(default=5.0, gt=0)

    # Conversation limits
    max_message_chars: int = Field(default=4000, ge=100)

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
