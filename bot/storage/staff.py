"""Staff accounts, sign-in rate limiting and change records, in the database.

Everything lives in the database (not in a worker's memory) so several workers
agree: who may sign in, how many wrong passwords an account has had lately,
and which live version each knowledge change was built on.

Sign-in limits hold under concurrency because an attempt is counted *before* its
password is verified, in one upsert that returns the new count (a check followed by a
later insert let 60 parallel guesses all through). Two counters apply:

* per client address: 5 attempts per 15 minutes, then that address waits out the
  window. A successful sign-in gives its attempt back.
* per account: 10 attempts per 15 minutes, then a 5-minute cool-down. A successful
  sign-in resets it. One stranger's address is throttled before it can cool the
  account down at all; several can only delay the owner by minutes, and an admin can
  lift the cool-down from the accounts page.

Argon2 runs in a small thread pool, not on the event loop: a flood of sign-ins must
not slow the citizens' chat.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, case, delete, func, null, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import StaffChange, StaffLoginLimit, StaffUser, utcnow
from bot.storage.rows import affected
from bot.storage.upsert import insert_for

log = logging.getLogger(__name__)
T = TypeVar("T")

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

# Sign-in limits (seconds): attempts per window, and how long a full counter waits.
ATTEMPT_WINDOW = 15 * 60
MAX_ATTEMPTS_PER_ADDRESS = 5
ADDRESS_WAIT = ATTEMPT_WINDOW
MAX_ATTEMPTS_PER_ACCOUNT = 10
ACCOUNT_COOLDOWN = 5 * 60
LIMIT_KEEP = 24 * 3600  # idle counters older than this are deleted
ADDRESS, ACCOUNT = "address", "account"


def account_key(name: str) -> str:
    """The sign-in counter of the account ``name`` (normalised).

    Whatever a stranger types as the name is counted — an unknown name must lock like a
    known one, or the limit would tell which accounts exist — and people type their
    phone number or e-mail there. So the key holds a short digest, never the name: 24
    bits leave dozens of phone numbers per key (nothing to read back), while two real
    account names sharing one is a one-in-millions chance.
    """
    return f"{ACCOUNT}:{hashlib.sha256(name.encode('utf-8', 'replace')).hexdigest()[:6]}"

_hasher = PasswordHasher()
# Verified against when the account does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
# Argon2 takes ~50 ms on 4 lanes and 64 MiB per hash: one at a time, off the event loop
# (a second pool thread only competed with the loop for the CPU on a 2-core server).
_HASH_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="argon2")


async def off_loop(work: Callable[..., T], *args: Any) -> T:
    """Run a password hash or check in the hashing pool; the loop keeps serving."""
    return await asyncio.get_running_loop().run_in_executor(_HASH_POOL, work, *args)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the account, or why not and for how long."""

    account: StaffAccount | None = None
    limited: str | None = None  # ADDRESS or ACCOUNT when refused before verifying
    retry_after: int = 0  # seconds, when limited


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
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *,
                 clock: Callable[[], float] = time.time) -> None:
        self._sessions = session_factory
        self._clock = clock

    # --- accounts -----------------------------------------------------------------------

    async def add(self, name: str, password: str, role: str, full_name: str = ""
                  ) -> StaffAccount:
        name = check_name(name)
        check_role(role)
        check_password(password, name)
        row = StaffUser(name=name, full_name=full_name.strip()[:120], role=role,
                        password_hash=await off_loop(_hasher.hash, password), active=True,
                        session_epoch=0)
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
        return await self._update(name, password_hash=await off_loop(_hasher.hash, password))

    async def set_active(self, name: str, active: bool) -> StaffAccount:
        return await self._update(name, active=active)

    async def set_role(self, name: str, role: str) -> StaffAccount:
        return await self._update(name, role=check_role(role))

    async def end_sessions(self, user_id: int) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(update(StaffUser).where(StaffUser.id == user_id)
                                  .values(session_epoch=StaffUser.session_epoch + 1))

    # --- sign-in ------------------------------------------------------------------------

    async def sign_in(self, name: str, password: str, ip: str) -> SignIn:
        """Count the attempt against the address and the account, then verify.

        Counting comes first and is atomic, so at most the limit of concurrent
        guesses ever reach the password check. An address over its limit is refused
        without touching the account's counter, so a throttled stranger cannot
        prolong the account's cool-down.
        """
        name = normalize_name(name)[:80]
        now = int(self._clock())
        address_key = f"{ADDRESS}:{ip[:64]}"
        allowed, wait = await self._count(address_key, MAX_ATTEMPTS_PER_ADDRESS,
                                          ADDRESS_WAIT, now)
        if not allowed:
            return SignIn(limited=ADDRESS, retry_after=wait)
        allowed, wait = await self._count(account_key(name), MAX_ATTEMPTS_PER_ACCOUNT,
                                          ACCOUNT_COOLDOWN, now)
        if not allowed:
            return SignIn(limited=ACCOUNT, retry_after=wait)
        account = await self.authenticate(name, password) if password else None
        if account is not None:
            await self._succeeded(name, address_key, now)
        return SignIn(account)

    async def _count(self, key: str, limit: int, wait: int, now: int) -> tuple[bool, int]:
        """Add one attempt to ``key``'s counter; (allowed, seconds to wait if not)."""
        t = StaffLoginLimit
        async with self._sessions() as session, session.begin():
            dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
            stmt = insert_for(dialect, t).values(key=key[:160], window_start=now, attempts=1,
                                                 locked_until=None)
            fresh = or_(and_(t.locked_until.is_(None), t.window_start <= now - ATTEMPT_WINDOW),
                        and_(t.locked_until.is_not(None), t.locked_until <= now))
            stmt = stmt.on_conflict_do_update(index_elements=[t.key], set_={
                "attempts": case((fresh, 1), else_=t.attempts + 1),
                "window_start": case((fresh, now), else_=t.window_start),
                # The attempt that reaches the limit starts the wait, so none after it
                # is verified even while it is still being checked.
                "locked_until": case((fresh, null()), (t.attempts + 1 == limit, now + wait),
                                     else_=t.locked_until),
            }).returning(t.attempts, t.locked_until)
            attempts, locked_until = (await session.execute(stmt)).one()
        if attempts <= limit:
            return True, 0
        return False, max(1, int(locked_until or now + wait) - now)

    async def _succeeded(self, name: str, address_key: str, now: int) -> None:
        """The account's counter starts again; the address gets its attempt back."""
        t = StaffLoginLimit
        async with self._sessions() as session, session.begin():
            await session.execute(delete(t).where(t.key == account_key(name)))
            await session.execute(update(t).where(t.key == address_key, t.attempts > 0,
                                                  t.attempts <= MAX_ATTEMPTS_PER_ADDRESS)
                                  .values(attempts=t.attempts - 1, locked_until=None))
            await session.execute(delete(t).where(
                t.window_start < now - LIMIT_KEEP,
                or_(t.locked_until.is_(None), t.locked_until < now)))

    async def cooling_down(self, names: list[str]) -> dict[str, int]:
        """Accounts (of ``names``) in their sign-in cool-down: name → seconds left."""
        now = int(self._clock())
        keys = {account_key(normalize_name(n)): normalize_name(n) for n in names}
        if not keys:
            return {}
        async with self._sessions() as session:
            rows = (await session.execute(
                select(StaffLoginLimit.key, StaffLoginLimit.locked_until).where(
                    StaffLoginLimit.key.in_(keys), StaffLoginLimit.locked_until > now))).all()
        return {keys[key]: int(until or now) - now for key, until in rows}

    async def unlock(self, name: str) -> bool:
        """End an account's sign-in cool-down (an admin's decision); True if it had one."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(StaffLoginLimit).where(
                StaffLoginLimit.key == account_key(normalize_name(name))))
        return bool(affected(result))

    async def authenticate(self, name: str, password: str) -> StaffAccount | None:
        """The account if the password is right and the account active, else None.

        Not rate-limited by itself: the sign-in form goes through :meth:`sign_in`;
        this is also the signed-in user's "current password" check.
        """
        name = normalize_name(name)
        async with self._sessions() as session:
            row = await session.scalar(select(StaffUser).where(StaffUser.name == name))
        stored = row.password_hash if row is not None else _DUMMY_HASH
        try:
            await off_loop(_hasher.verify, stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        values: dict[str, Any] = {"last_login_at": utcnow()}
        if _hasher.check_needs_rehash(stored):
            values["password_hash"] = await off_loop(_hasher.hash, password)
        async with self._sessions() as session, session.begin():
            await session.execute(update(StaffUser).where(StaffUser.id == row.id)
                                  .values(**values))
        return StaffAccount.of(row)

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
