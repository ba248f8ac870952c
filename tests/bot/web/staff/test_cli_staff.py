"""`citizen-bot staff add|list|passwd|disable`, in-process (the database is the app's)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.storage import Storage
from bot.storage.staff import MAX_ATTEMPTS_PER_ACCOUNT, StaffStore


def test_staff_cli_add_list_passwd_disable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")

    def run(args: list[str], stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return main(args)

    assert run(["staff", "add", "Lan.Nguyen", "--role", "reviewer", "--full-name",
                "Nguyễn Thị Lan"], "mat-khau-dai-1\n") == 0
    assert "Đã tạo tài khoản 'lan.nguyen'" in capsys.readouterr().out
    assert run(["staff", "add", "lan.nguyen", "--role", "editor"], "mat-khau-dai-1\n") == 1
    assert "Đã có tài khoản" in capsys.readouterr().err
    assert run(["staff", "add", "ngan", "--role", "editor"], "ngan\n") == 1
    assert "ít nhất 8" in capsys.readouterr().err
    assert run(["staff", "add", "Tên Có Dấu", "--role", "editor"], "mat-khau-dai-1\n") == 1
    capsys.readouterr()
    assert run(["staff", "list"]) == 0
    out = capsys.readouterr().out
    assert "lan.nguyen (Nguyễn Thị Lan)\treviewer\tđang dùng" in out
    assert run(["staff", "passwd", "lan.nguyen"], "mat-khau-moi-22\n") == 0
    assert run(["staff", "disable", "lan.nguyen"]) == 0
    assert run(["staff", "disable", "khong-co"]) == 1
    capsys.readouterr()
    assert run(["staff", "list"]) == 0
    assert "đã khoá" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        run(["staff", "add", "x", "--role", "boss"], "mat-khau-dai-1\n")


def test_staff_cli_unlock_lifts_a_sign_in_cool_down(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-dai-1\n"))
    assert main(["staff", "add", "lan", "--role", "admin"]) == 0
    settings = Settings(data_dir=tmp_path)

    async def guess_then_try() -> bool:
        storage = await Storage.open(settings)
        try:
            store = StaffStore(storage.sessions)
            for i in range(MAX_ATTEMPTS_PER_ACCOUNT):
                await store.sign_in("lan", "sai", f"10.0.0.{i}")
            return (await store.sign_in("lan", "mat-khau-dai-1", "10.1.0.1")).limited is None
        finally:
            await storage.close()

    assert not asyncio.run(guess_then_try())
    capsys.readouterr()
    assert main(["staff", "unlock", "LAN"]) == 0
    assert "có thể đăng nhập lại ngay" in capsys.readouterr().out
    assert main(["staff", "unlock", "khong-co"]) == 1

    async def signs_in() -> bool:
        storage = await Storage.open(settings)
        try:
            found = await StaffStore(storage.sessions).sign_in("lan", "mat-khau-dai-1", "10.1.0.1")
            return found.account is not None
        finally:
            await storage.close()

    assert asyncio.run(signs_in())
