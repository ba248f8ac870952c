"""`citizen-bot staff add|list|passwd|disable|enable|unlock`: staff accounts for the workspace.

The password is read from standard input: asked twice (hidden) on a terminal, or
the first line of piped input (for scripts), never from the command line where
it would land in the shell history and the process list.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from bot.config import Settings
from bot.storage.staff import ROLE_LABELS, ROLES, StaffError, StaffStore


class PasswordError(Exception):
    pass


def read_password(prompt: str = "Mật khẩu") -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(f"{prompt}: ")
        second = getpass.getpass(f"{prompt} (nhập lại): ")
        if first != second:
            raise PasswordError("Hai lần nhập mật khẩu không giống nhau.")
        return first
    line = sys.stdin.readline()
    if not line:
        raise PasswordError("Không đọc được mật khẩu từ đầu vào chuẩn.")
    return line.rstrip("\r\n")


async def _with_store(settings: Settings, work: Callable[[StaffStore], Awaitable[Any]]) -> Any:
    from bot.storage import Storage

    storage = await Storage.open(settings)
    try:
        return await work(StaffStore(storage.sessions))
    finally:
        await storage.close()


def _run(settings: Settings, work: Callable[[StaffStore], Awaitable[Any]]) -> Any:
    return asyncio.run(_with_store(settings, work))


def cmd_staff_add(args: argparse.Namespace, settings: Settings) -> int:
    try:
        password = read_password()
        account = _run(settings, lambda s: s.add(args.name, password, args.role,
                                                 args.full_name or ""))
    except (StaffError, PasswordError) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    print(f"Đã tạo tài khoản '{account.name}' ({ROLE_LABELS[account.role]}). "
          f"Đăng nhập tại /staff.")
    return 0


def cmd_staff_list(args: argparse.Namespace, settings: Settings) -> int:
    accounts = _run(settings, lambda s: s.all())
    if not accounts:
        print("Chưa có tài khoản nào. Tạo bằng: citizen-bot staff add TÊN --role admin")
        return 0
    for a in accounts:
        state = "đang dùng" if a.active else "đã khoá"
        last = a.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if a.last_login_at else "chưa"
        full = f" ({a.full_name})" if a.full_name else ""
        print(f"{a.name}{full}\t{a.role}\t{state}\tđăng nhập cuối: {last}")
    return 0


def cmd_staff_passwd(args: argparse.Namespace, settings: Settings) -> int:
    try:
        password = read_password("Mật khẩu mới")
        account = _run(settings, lambda s: s.set_password(args.name, password))
    except (StaffError, PasswordError) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    print(f"Đã đổi mật khẩu của '{account.name}'; các phiên đăng nhập cũ đã kết thúc.")
    return 0


def _set_active(args: argparse.Namespace, settings: Settings, active: bool) -> int:
    try:
        account = _run(settings, lambda s: s.set_active(args.name, active))
    except StaffError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    print(f"Đã {'mở lại' if active else 'khoá'} tài khoản '{account.name}'.")
    return 0


def cmd_staff_disable(args: argparse.Namespace, settings: Settings) -> int:
    return _set_active(args, settings, False)


def cmd_staff_enable(args: argparse.Namespace, settings: Settings) -> int:
    return _set_active(args, settings, True)


def cmd_staff_unlock(args: argparse.Namespace, settings: Settings) -> int:
    """End a sign-in cool-down from the server (when no admin can sign in)."""
    account = _run(settings, lambda s: s.by_name(args.name))
    if account is None:
        print(f"Lỗi: Không có tài khoản '{args.name}'.", file=sys.stderr)
        return 1
    lifted = _run(settings, lambda s: s.unlock(account.name))
    print(f"'{account.name}' có thể đăng nhập lại ngay." if lifted
          else f"'{account.name}' không bị tạm chặn đăng nhập.")
    return 0


def add_staff_commands(sub: argparse._SubParsersAction) -> None:
    staff = sub.add_parser("staff", help="tài khoản cán bộ cho trang /staff")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="tạo tài khoản (mật khẩu đọc từ đầu vào chuẩn)")
    add.add_argument("name", help="tên đăng nhập, chữ thường không dấu (ví dụ lan.nguyen)")
    add.add_argument("--role", choices=ROLES, required=True,
                     help="editor: đề xuất; reviewer: duyệt và sửa; admin: mọi việc")
    add.add_argument("--full-name", help="họ tên hiện trên trang")
    add.set_defaults(func=cmd_staff_add)
    listing = staff_sub.add_parser("list", help="liệt kê tài khoản")
    listing.set_defaults(func=cmd_staff_list)
    passwd = staff_sub.add_parser("passwd", help="đặt mật khẩu mới (đọc từ đầu vào chuẩn)")
    passwd.add_argument("name")
    passwd.set_defaults(func=cmd_staff_passwd)
    disable = staff_sub.add_parser("disable", help="khoá tài khoản (đăng xuất ngay)")
    disable.add_argument("name")
    disable.set_defaults(func=cmd_staff_disable)
    enable = staff_sub.add_parser("enable", help="mở lại tài khoản đã khoá")
    enable.add_argument("name")
    enable.set_defaults(func=cmd_staff_enable)
    unlock = staff_sub.add_parser("unlock", help="bỏ tạm chặn đăng nhập sau nhiều lần sai")
    unlock.add_argument("name")
    unlock.set_defaults(func=cmd_staff_unlock)
