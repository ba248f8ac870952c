"""Group commit: concurrent requests share a write; failures reach every waiter."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage.group_commit import GroupCommit, Unavailable


class Recorder:
    """A write that takes a moment, like a transaction, and remembers each batch."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on

    async def write(self, batch: list[int]) -> list[int]:
        self.batches.append(batch)
        await asyncio.sleep(0.01)
        if self.fail_on in batch:
            raise ConnectionError("database went away")
        return [n * 10 for n in batch]


async def test_requests_arriving_during_a_write_share_the_next_one() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write)
    first = asyncio.create_task(commit.submit(0))
    await asyncio.sleep(0)  # the first write is now in flight
    rest = await asyncio.gather(*(commit.submit(n) for n in range(1, 40)))
    assert await first == 0
    assert rest == [n * 10 for n in range(1, 40)]  # each caller gets its own result
    assert recorder.batches == [[0], list(range(1, 40))]


async def test_a_lone_request_waits_for_no_one() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write)
    assert [await commit.submit(n) for n in range(3)] == [0, 10, 20]
    assert recorder.batches == [[0], [1], [2]]


async def test_batches_are_capped() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write, max_batch=10)
    await asyncio.gather(*(commit.submit(n) for n in range(25)))
    assert [len(b) for b in recorder.batches] == [10, 10, 5]


async def test_a_failed_write_fails_its_batch_only() -> None:
    recorder = Recorder(fail_on=3)
    commit = GroupCommit(recorder.write, cooldown=0)
    results = await asyncio.gather(*(commit.submit(n) for n in range(5)),
                                   return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert await commit.submit(7) == 70  # the next request is served normally


async def test_after_a_failure_requests_fail_fast_until_the_cooldown_ends(
        caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(fail_on=1)
    commit = GroupCommit(recorder.write, cooldown=0.2)
    with pytest.raises(ConnectionError):
        await commit.submit(1)
    tries = len(recorder.batches)
    for n in range(20):  # the database is not asked, nobody waits for a timeout
        with pytest.raises(Unavailable):
            await commit.submit(n + 10)
    assert len(recorder.batches) == tries
    await asyncio.sleep(0.25)
    assert await commit.submit(2) == 20  # tried again, and it works
    messages = [r.getMessage() for r in caplog.records]
    assert sum("failed" in m for m in messages) == 1  # one line per outage
    assert any("works again" in m for m in messages)


async def test_a_cancelled_waiter_does_not_disturb_the_others() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write)
    doomed = asyncio.create_task(commit.submit(1))
    kept = asyncio.create_task(commit.submit(2))
    await asyncio.sleep(0)
    doomed.cancel()
    assert await kept == 20
    with pytest.raises(asyncio.CancelledError):
        await doomed


async def test_a_write_returning_the_wrong_count_is_an_error() -> None:
    async def short(batch: list[int]) -> list[int]:
        return batch[:-1]

    commit = GroupCommit(short)
    results = await asyncio.gather(commit.submit(1), commit.submit(2),
                                   return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
