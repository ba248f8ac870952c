"""PUBLIC_BASE_URL: the base of absolute links to the staff workspace in report files."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings


def test_read_from_the_environment_and_normalised(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", " https://xa.example.gov.vn/tro-ly/ ")
    settings = Settings(data_dir=tmp_path, webhook_base_url="https://hook.example.gov.vn")
    assert settings.public_url == "https://xa.example.gov.vn/tro-ly"  # wins over the webhook


def test_falls_back_to_the_webhook_address_then_to_nothing(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path, webhook_base_url="https://bot.example.vn/"
                    ).public_url == "https://bot.example.vn"
    assert Settings(data_dir=tmp_path).public_url == ""
    # A webhook address that is no usable link base is not used for links either.
    assert Settings(data_dir=tmp_path, webhook_base_url="bot.example.vn").public_url == ""


@pytest.mark.parametrize("value", ["bot.example.vn", "/staff", "ftp://bot.example.vn",
                                   'https://bot.example.vn/"><script>', "https://a b.vn",
                                   "https://bot.example.vn/?x=1"])
def test_anything_but_an_http_address_is_refused_at_start(tmp_path: Path, value: str) -> None:
    with pytest.raises(ValidationError, match="PUBLIC_BASE_URL"):
        Settings(data_dir=tmp_path, public_base_url=value)
