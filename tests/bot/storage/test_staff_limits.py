"""Staff sign-in limits on both databases: counted before verifying, so concurrency
cannot outrun them; strangers cannot keep the owner out; an admin can lift a cool-down."""

from __future__ import annotations

import asyncio
import threading

import pytest
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import staff as staff_module
from bot.storage.staff import (
    ACCOUNT,
    ACCOUNT_COOLDOWN,
    ADDRESS,
    ATTEMPT_WINDOW,
    MAX_ATTEMPTS_PER_ACCOUNT,
    MAX_ATTEMPTS_PER_ADDRESS,
    StaffStore,
)

PASSWORD = "mat-khau-dung-1"


class CountingHasher(PasswordHasher):
    """Real argon2 (cheap parameters, for speed), counting the passwords it verifies."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self._lock:
            self.verified += 1
        return super().verify(hash, password)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(staff_module, "_hasher", counting)
    return counting


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> StaffStore:
    staff = StaffStore(sessions, clock=clock)
    await staff.add("lan", PASSWORD, "editor")
    return staff


async def test_sixty_parallel_guesses_from_one_address_verify_at_most_its_limit(
        store: StaffStore, hasher: CountingHasher) -> None:
    results = await asyncio.gather(*(store.sign_in("lan", f"sai-{i}", "10.0.0.1")
                                     for i in range(60)))
    assert hasher.verified <= MAX_ATTEMPTS_PER_ADDRESS
    assert all(r.account is None for r in results)
    assert sum(r.limited == ADDRESS for r in results) == 60 - MAX_ATTEMPTS_PER_ADDRESS


async def test_sixty_parallel_guesses_from_sixty_addresses_verify_at_most_the_account_limit(
        store: StaffStore, hasher: CountingHasher) -> None:
    results = await asyncio.gather(*(store.sign_in("lan", f"sai-{i}", f"10.0.1.{i}")
                                     for i in range(60)))
    assert hasher.verified <= MAX_ATTEMPTS_PER_ACCOUNT
    assert sum(r.limited == ACCOUNT for r in results) == 60 - MAX_ATTEMPTS_PER_ACCOUNT
    # The owner waits out the short cool-down, not the whole window.
    assert all(0 < r.retry_after <= ACCOUNT_COOLDOWN for r in results if r.limited)


async def test_one_strangers_address_is_throttled_before_the_owner_notices(
        store: StaffStore) -> None:
    for i in range(3 * MAX_ATTEMPTS_PER_ADDRESS):
        await store.sign_in("lan", f"sai-{i}", "10.0.0.66")
    assert (await store.sign_in("lan", PASSWORD, "10.0.0.66")).limited == ADDRESS
    assert (await store.sign_in("lan", PASSWORD, "192.168.1.5")).account is not None


async def test_owner_signs_in_after_the_cool_down_while_strangers_keep_failing(
        store: StaffStore, clock: Clock) -> None:
    strangers = [f"10.9.0.{i}" for i in range(MAX_ATTEMPTS_PER_ACCOUNT
                                              // MAX_ATTEMPTS_PER_ADDRESS)]
    for ip in strangers:
        for i in range(MAX_ATTEMPTS_PER_ADDRESS):
            assert (await store.sign_in("lan", f"sai-{i}", ip)).limited is None
    owner = "192.168.1.5"
    during = await store.sign_in("lan", PASSWORD, owner)
    assert during.limited == ACCOUNT and during.account is None
    assert "lan" in await store.cooling_down(["lan", "nobody"])
    for _ in range(ACCOUNT_COOLDOWN // 30):  # strangers keep trying, every 30 s
        clock.now += 30
        for ip in strangers:
            assert (await store.sign_in("lan", "sai-nua", ip)).limited == ADDRESS
    clock.now += 1
    assert ACCOUNT_COOLDOWN < ATTEMPT_WINDOW  # still inside the strangers' window
    signed = await store.sign_in("lan", PASSWORD, owner)
    assert signed.account is not None and signed.account.name == "lan"
    assert await store.cooling_down(["lan"]) == {}


async def test_success_resets_the_account_counter(store: StaffStore) -> None:
    for i in range(MAX_ATTEMPTS_PER_ACCOUNT - 1):
        await store.sign_in("lan", f"sai-{i}", f"10.2.0.{i}")
    assert (await store.sign_in("lan", PASSWORD, "10.2.1.1")).account is not None
    for i in range(MAX_ATTEMPTS_PER_ACCOUNT - 1):  # a full allowance again
        assert (await store.sign_in("lan", f"sai-{i}", f"10.3.0.{i}")).limited is None


async def test_an_admin_unlock_ends_the_cool_down(store: StaffStore) -> None:
    for i in range(MAX_ATTEMPTS_PER_ACCOUNT):
        await store.sign_in("lan", "sai", f"10.4.0.{i}")
    assert (await store.sign_in("lan", PASSWORD, "10.5.0.1")).limited == ACCOUNT
    assert await store.unlock("LAN")
    assert not await store.unlock("lan")  # nothing left to lift
    assert (await store.sign_in("lan", PASSWORD, "10.5.0.1")).account is not None


async def test_the_window_forgets_old_failures(store: StaffStore, clock: Clock) -> None:
    for i in range(MAX_ATTEMPTS_PER_ADDRESS - 1):
        await store.sign_in("lan", f"sai-{i}", "10.6.0.1")
    clock.now += ATTEMPT_WINDOW + 1
    for i in range(MAX_ATTEMPTS_PER_ADDRESS):
        assert (await store.sign_in("lan", f"sai-{i}", "10.6.0.1")).limited is None
    assert (await store.sign_in("lan", PASSWORD, "10.6.0.1")).limited == ADDRESS


async def test_a_typed_name_is_counted_but_never_kept(
        store: StaffStore, sessions: async_sessionmaker[AsyncSession]) -> None:
    """People type their phone or e-mail as the name: it locks like any name, and the
    counters hold a digest (found by tests/fuzz/test_hostile_suite.py)."""
    from sqlalchemy import select

    from bot.storage.models import StaffLoginLimit

    typed = "0912345678"
    results = [await store.sign_in(typed, "x", f"10.0.2.{i}")
               for i in range(MAX_ATTEMPTS_PER_ACCOUNT + 1)]
    assert results[-1].limited == ACCOUNT
    async with sessions() as session:
        keys = (await session.scalars(select(StaffLoginLimit.key))).all()
    assert keys and not any(typed in key for key in keys)
    assert await store.cooling_down([typed]) and await store.unlock(typed)
