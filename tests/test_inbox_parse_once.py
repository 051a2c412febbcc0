"""The inbox worker handles the update its fetcher stored without parsing it a second time."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Update

from bot.channels.telegram.inbox_worker import PARSED_KEPT, InboxWorker
from bot.channels.telegram.outage import OutageNotices
from bot.channels.telegram.polling import UpdateFetcher
from storage.models import InboxUpdate, ProcessedUpdate
from tests.fakes import Harness, record_parsing


def start(update_id: int, user_id: int = 5) -> dict[str, Any]:
    """A resident's /start as Telegram sends it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "R", "language_code": "en"},
            "text": "/start",
        },
    }


def parts(harness: Harness) -> tuple[UpdateFetcher, InboxWorker]:
    """A fetcher and the inbox worker it hands stored updates to."""
    notices = OutageNotices(harness.catalogs)
    worker = InboxWorker(harness.app, notices, concurrency=1)
    return UpdateFetcher(harness.app, worker, notices), worker


def count_parsing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every Update.de_json call from now on (one entry per parsed update id)."""
    return record_parsing(monkeypatch, Update, "update_id")


async def handled(harness: Harness) -> tuple[int, int]:
    """How many updates wait in the inbox, and how many are recorded as handled."""
    async with harness.db() as session:
        waiting = await session.scalar(select(func.count()).select_from(InboxUpdate))
        done = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
    return waiting, done


async def test_a_stored_update_is_handled_as_the_fetcher_parsed_it(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored, then handled once and answered, with no second parse from the inbox's JSON."""
    fetcher, worker = parts(harness)
    update = Update.de_json(start(41), harness.app.bot)
    parsed = count_parsing(monkeypatch)
    assert await fetcher.store([update])
    assert await worker.handle_due() == 1
    assert parsed == []
    assert await handled(harness) == (0, 1)
    assert harness.api.sent_to(5), "the resident was answered"


async def test_an_update_the_worker_was_not_handed_is_parsed_from_the_inbox(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that did not see the update stored (a restart, another process) reads it."""
    fetcher, _ = parts(harness)
    assert await fetcher.store([Update.de_json(start(42), harness.app.bot)])
    _, fresh = parts(harness)
    parsed = count_parsing(monkeypatch)
    assert await fresh.handle_due() == 1
    assert parsed == [42]
    assert await handled(harness) == (0, 1)
    assert harness.api.sent_to(5)


async def test_the_worker_keeps_only_the_newest_parsed_updates(harness: Harness) -> None:
    """Updates handled elsewhere cannot pile up in the worker's memory."""
    _, worker = parts(harness)
    bot = harness.app.bot
    worker.stored([Update.de_json(start(i, 100 + i), bot) for i in range(1, PARSED_KEPT + 11)])
    assert len(worker._parsed) == PARSED_KEPT
    assert min(worker._parsed) == 11
