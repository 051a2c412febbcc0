"""The only worker (long polling) handles an update in one commit: no lease is committed first."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, func, select
from telegram import Update

from bot.channels.telegram.inbox_worker import InboxWorker
from bot.channels.telegram.outage import OutageNotices
from bot.channels.telegram.polling import UpdateFetcher
from storage.models import InboxUpdate, ProcessedUpdate
from tests.fakes import Harness
from tests.test_inbox_parse_once import start


def count_commits(harness: Harness) -> list[int]:
    """One entry per transaction committed on the harness's engine from now on."""
    commits: list[int] = []
    event.listen(harness.engine.sync_engine, "commit", lambda _conn: commits.append(1))
    return commits


async def inbox_and_handled(harness: Harness) -> tuple[int, int]:
    """How many updates wait in the inbox, and how many are recorded as handled."""
    async with harness.db() as session:
        waiting = await session.scalar(select(func.count()).select_from(InboxUpdate))
        done = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
    return waiting, done


@pytest.mark.parametrize(("sole", "commits"), [(False, 2), (True, 1)], ids=["claiming", "sole"])
async def test_handling_a_stored_update_commits_once_for_the_sole_worker(
    harness: Harness, sole: bool, commits: int
) -> None:
    """Claiming commits a lease and then the handling; the sole worker only the handling."""
    notices = OutageNotices(harness.catalogs)
    worker = InboxWorker(harness.app, notices, concurrency=1, sole=sole)
    fetcher = UpdateFetcher(harness.app, worker, notices)
    assert await fetcher.store([Update.de_json(start(51), harness.app.bot)])
    counted = count_commits(harness)
    assert await worker.handle_due() == 1
    assert len(counted) == commits
    assert await inbox_and_handled(harness) == (0, 1)
    assert harness.api.sent_to(5)


async def test_the_sole_worker_handles_a_chat_head_once_when_asked_twice_at_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two overlapping handle_due calls read the same head; only one of them runs it."""
    notices = OutageNotices(harness.catalogs)
    worker = InboxWorker(harness.app, notices, concurrency=1, sole=True)
    fetcher = UpdateFetcher(harness.app, worker, notices)
    assert await fetcher.store([Update.de_json(start(61), harness.app.bot)])
    runs: list[int] = []
    original = harness.app.process_update

    async def slow(update: Any) -> None:
        runs.append(update.update_id)
        await asyncio.sleep(0.05)  # the other call reads the inbox meanwhile
        await original(update)

    monkeypatch.setattr(harness.app, "process_update", slow)
    results = await asyncio.gather(worker.handle_due(), worker.handle_due())
    assert sorted(results) == [0, 1]
    assert runs == [61]
    assert await inbox_and_handled(harness) == (0, 1)
