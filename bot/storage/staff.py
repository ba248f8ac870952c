"""Staff accounts, sign-in rate limiting and change records, in the database.

Everything lives in the database (not in a worker's memory) so several workers
agree: who may sign in, how many wrong passwords an account has had lately,
and which live version each knowledge change was built on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import StaffChange, StaffLoginFailure, StaffUser, utcnow

EDITOR, REVIEWER, ADMIN = "editor", "reviewer", "admin"
ROLES = (EDITOR, REVIEWER, ADMIN)
ROLE_LABELS = {
    EDITOR: "Người soạn (đề xuất thay đổi)",
    REVIEWER: "Người duyệt (duyệt và sửa)",
    ADMIN: "Quản trị (mọi việc, kể cả tài khoản)",
}
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256

# Sign-in rate limit: wrong passwords per account and address, and per account overall.
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ADDRESS = 5
MAX_FAILURES_PER_ACCOUNT = 30
FAILURE_KEEP = dt.timedelta(days=1)

_hasher = PasswordHasher()
# Verified against when the account does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class StaffError(ValueError):
    """A refused account change; the message is Vietnamese, ready to show."""


@dataclass(frozen=True)
class StaffAccount:
    id: int
    name: str
    full_name: str
    role: str
    active: bool
    session_epoch: int
    created_at: dt.datetime
    last_login_at: dt.datetime | None

    @classmethod
    def of(cls, row: StaffUser) -> StaffAccount:
        return cls(row.id, row.name, row.full_name, row.role, row.active, row.session_epoch,
                   row.created_at, row.last_login_at)

    @property
    def label(self) -> str:
        return self.full_name or self.name

    @property
    def can_review(self) -> bool:
        return self.role in (REVIEWER, ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def normalize_name(name: str) -> str:
    return name.strip().lower()


def check_name(name: str) -> str:
    name = normalize_name(name)
    if not NAME_RE.match(name):
        raise StaffError("Tên đăng nhập gồm 2–40 chữ thường không dấu, số, dấu chấm, gạch "
                         "ngang hoặc gạch dưới (ví dụ: lan.nguyen).")
    return name


def check_password(password: str, name: str = "") -> str:
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
    if len(password) > MAX_PASSWORD:
        raise StaffError(f"Mật khẩu dài quá {MAX_PASSWORD} ký tự.")
    if name and password.strip().lower() == name.lower():
        raise StaffError("Mật khẩu không được giống tên đăng nhập.")
    return password


def check_role(role: str) -> str:
    if role not in ROLES:
        raise StaffError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
    return role


class StaffStore:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    # --- accounts -----------------------------------------------------------------------

    async def add(self, name: str, password: str, role: str, full_name: str = ""
                  ) -> StaffAccount:
        name = check_name(name)
        check_role(role)
        check_password(password, name)
        row = StaffUser(name=name, full_name=full_name.strip()[:120], role=role,
                        password_hash=_hasher.hash(password), active=True, session_epoch=0)
        try:
            async with self._sessions() as session, session.begin():
                session.add(row)
        except IntegrityError:
            raise StaffError(f"Đã có tài khoản '{name}'.") from None
        return StaffAccount.of(row)

    async def get(self, user_id: int) -> StaffAccount | None:
        async with self._sessions() as session:
            row = await session.get(StaffUser, user_id)
        return StaffAccount.of(row) if row else None

    async def by_name(self, name: str) -> StaffAccount | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(StaffUser).where(StaffUser.name == normalize_name(name)))
        return StaffAccount.of(row) if row else None

    async def all(self) -> list[StaffAccount]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(StaffUser).order_by(StaffUser.name))).all()
        return [StaffAccount.of(r) for r in rows]

    async def count_active(self, role: str | None = None) -> int:
        stmt = select(func.count()).select_from(StaffUser).where(StaffUser.active.is_(True))
        if role:
            stmt = stmt.where(StaffUser.role == role)
        async with self._sessions() as session:
            return int(await session.scalar(stmt) or 0)

    async def _update(self, name: str, **values: Any) -> StaffAccount:
        name = normalize_name(name)
        async with self._sessions() as session, session.begin():
            row = await session.scalar(select(StaffUser).where(StaffUser.name == name))
            if row is None:
                raise StaffError(f"Không có tài khoản '{name}'.")
            for key, value in values.items():
                setattr(row, key, value)
            if values.keys() & {"password_hash", "active", "role"}:
                row.session_epoch += 1  # signed-in devices must sign in again
        return StaffAccount.of(row)

    async def set_password(self, name: str, password: str) -> StaffAccount:
        check_password(password, normalize_name(name))
        return await self._update(name, password_hash=_hasher.hash(password))

    async def set_active(self, name: str, active: bool) -> StaffAccount:
        return await self._update(name, active=active)

    async def set_role(self, name: str, role: str) -> StaffAccount:
        return await self._update(name, role=check_role(role))

    async def end_sessions(self, user_id: int) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(update(StaffUser).where(StaffUser.id == user_id)
                                  .values(session_epoch=StaffUser.session_epoch + 1))

    # --- sign-in ------------------------------------------------------------------------

    async def too_many_failures(self, account: str, ip: str,
                                now: dt.datetime | None = None) -> bool:
        since = (now or utcnow()) - FAILURE_WINDOW
        account = normalize_name(account)[:80]
        base = select(func.count()).select_from(StaffLoginFailure).where(
            StaffLoginFailure.account == account, StaffLoginFailure.created_at >= since)
        async with self._sessions() as session:
            overall = int(await session.scalar(base) or 0)
            here = int(await session.scalar(base.where(StaffLoginFailure.ip == ip[:64])) or 0)
        return here >= MAX_FAILURES_PER_ADDRESS or overall >= MAX_FAILURES_PER_ACCOUNT

    async def record_failure(self, account: str, ip: str) -> None:
        now = utcnow()
        async with self._sessions() as session, session.begin():
            session.add(StaffLoginFailure(account=normalize_name(account)[:80], ip=ip[:64],
                                          created_at=now))
            await session.execute(delete(StaffLoginFailure)
                                  .where(StaffLoginFailure.created_at < now - FAILURE_KEEP))

    async def authenticate(self, name: str, password: str) -> StaffAccount | None:
        """The account if the password is right and the account active, else None."""
        name = normalize_name(name)
        async with self._sessions() as session:
            row = await session.scalar(select(StaffUser).where(StaffUser.name == name))
        stored = row.password_hash if row is not None else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        values: dict[str, Any] = {"last_login_at": utcnow()}
        if _hasher.check_needs_rehash(stored):
            values["password_hash"] = _hasher.hash(password)
        async with self._sessions() as session, session.begin():
            await session.execute(update(StaffUser).where(StaffUser.id == row.id)
                                  .values(**values))
        return StaffAccount.of(row)

    async def clear_failures(self, account: str, ip: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(delete(StaffLoginFailure).where(
                StaffLoginFailure.account == normalize_name(account)[:80],
                StaffLoginFailure.ip == ip[:64]))

    # --- change records -----------------------------------------------------------------

    async def record_change(self, version_id: int, base_version: int | None,
                            changed: list[str]) -> None:
        try:
            async with self._sessions() as session, session.begin():
                session.add(StaffChange(version_id=version_id, base_version=base_version,
                                        changed=list(changed)))
        except IntegrityError:  # another worker recorded it first: same facts
            pass

    async def changes(self, version_ids: list[int]) -> dict[int, tuple[int | None, list[str]]]:
        if not version_ids:
            return {}
        async with self._sessions() as session:
            rows = (await session.scalars(select(StaffChange).where(
                StaffChange.version_id.in_(version_ids)))).all()
        return {r.version_id: (r.base_version, list(r.changed or [])) for r in rows}

    async def versions_touching(self, key: str, limit: int = 30) -> list[int]:
        """Version ids whose recorded change includes ``key`` (a topic id), newest first."""
        async with self._sessions() as session:
            rows = (await session.execute(
                select(StaffChange.version_id, StaffChange.changed)
                .order_by(StaffChange.version_id.desc()))).all()
        return [vid for vid, changed in rows if key in (changed or [])][:limit]
