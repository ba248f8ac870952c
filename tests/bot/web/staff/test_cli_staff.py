"""`citizen-bot staff add|list|passwd|disable`, in-process (the database is the app's)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main


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
